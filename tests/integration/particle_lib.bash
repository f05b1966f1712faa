# Helpers for tests that drive the real Particle CLI (sourced after lib.bash
# and usb_lib.bash). The CLI is installed by tools/particle-cli/install
# (make test does it); a test skips (77) only when it is missing because
# the npm registry cannot be reached, and fails when it is missing otherwise.
ROOT=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
PARTICLE=$("$ROOT/tools/particle-cli/install" --path)

particle_require() {
  if "$ROOT/tools/particle-cli/install" --check >/dev/null 2>&1; then return 0; fi
  if ! timeout 60 npm view --silent particle-cli@3.43.1 version >/dev/null 2>&1; then
    echo "SKIP: the Particle CLI is not installed and the npm registry is unreachable"
    exit 77
  fi
  echo "FAIL: the Particle CLI is not installed: run tools/particle-cli/install (make test does)"
  exit 1
}

# A home of its own for the CLI (its settings, no cloud login). `usb list`
# asks the cloud API for each device's name: an HTTP server on 127.0.0.1
# that knows no device answers 404, which the CLI takes as "not in your
# account", as the real API does for a device of someone else.
particle_home() {
  export HOME=$TMP/home
  mkdir -p "$HOME/.particle" "$TMP/api"
  mkfifo "$TMP/api.fifo"
  (cd "$TMP/api" && exec python3 -u -m http.server --bind 127.0.0.1 0 > "$TMP/api.fifo" 2>/dev/null) &
  API_PID=$!
  exec {API_FD}< "$TMP/api.fifo"
  local line port=
  read -r -t 30 -u "$API_FD" line && port=$(grep -oE 'port [0-9]+' <<<"$line" | grep -oE '[0-9]+')
  [ -n "$port" ] || { echo "FAIL: the local API server did not start"; exit 1; }
  printf '{"apiUrl": "http://127.0.0.1:%s"}\n' "$port" > "$HOME/.particle/particle.config.json"
}

# particle ARGS...: the CLI through the libusb shim, against the simulator.
particle() { usb "$PARTICLE" "$@"; }

trap '[ -n "${SIM_PID:-}" ] && kill -KILL "$SIM_PID" 2>/dev/null; [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
