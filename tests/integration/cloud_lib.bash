# Helpers for the local cloud's integration tests (sourced after lib.bash):
# `photon-sim cloud` on free ports with a store and key in $TMP, and the
# test double of a device (mock-photon), each read line by line through a
# FIFO so that tests wait for what they say instead of sleeping.
MOCK=${MOCK_PHOTON:-$(dirname "$SIM")/tests/mock-photon}
CLOUD_PID=
CLOUD_LOG=$TMP/cloud.log
declare -A MOCK_PID MOCK_FD

# cloud_start ARGS...: sets API, TOKEN, DPORT and exports PHOTON_CLOUD_API
# and PHOTON_CLOUD_TOKEN for `photon-sim cloud COMMAND`.
cloud_start() {
  rm -f "$TMP/cloud.fifo"; mkfifo "$TMP/cloud.fifo"
  "$SIM" cloud --store "$TMP/cloud.db" --key "$TMP/cloud-key.pem" --api-port 0 --device-port 0 "$@" \
    > "$TMP/cloud.fifo" 2>> "$CLOUD_LOG" &
  CLOUD_PID=$!
  exec {CLOUD_FD}< "$TMP/cloud.fifo"
  local line
  API= TOKEN= DPORT=
  while IFS= read -r -t 60 -u "$CLOUD_FD" line; do
    case $line in
      api:*) API=${line#api: } ;;
      token:*) TOKEN=${line#token: } ;;
      devices:*) DPORT=${line##*:}; break ;;
    esac
  done
  [ -n "$API" ] && [ -n "$TOKEN" ] && [ -n "$DPORT" ] || { echo "FAIL: the cloud did not start"; tail "$CLOUD_LOG"; exit 1; }
  export PHOTON_CLOUD_API=$API PHOTON_CLOUD_TOKEN=$TOKEN
}

# cloud_stop: SIGTERM; the cloud must exit 0 and report no sanitizer error.
cloud_stop() {
  kill -TERM "$CLOUD_PID"; wait "$CLOUD_PID"; local rc=$?
  exec {CLOUD_FD}<&-
  CLOUD_PID=
  [ $rc = 0 ] && echo "ok: the cloud stops on SIGTERM with exit 0" || { echo "FAIL: cloud exit $rc"; fails=$((fails + 1)); }
  if grep -qE 'Sanitizer|runtime error' "$CLOUD_LOG"; then
    echo "FAIL: the cloud reported errors"; grep -E 'Sanitizer|runtime error' "$CLOUD_LOG" | head -5; fails=$((fails + 1))
  fi
}

# mock_start NAME ARGS...: a test double of a device; waits for "online"
# unless the args make it fail on purpose (then use mock_wait).
mock_start() {
  local name=$1; shift
  rm -f "$TMP/mock-$name.fifo"; mkfifo "$TMP/mock-$name.fifo"
  "$MOCK" --server-key "$TMP/cloud-key.pem" --port "$DPORT" "$@" > "$TMP/mock-$name.fifo" 2>&1 &
  MOCK_PID[$name]=$!
  local fd
  exec {fd}< "$TMP/mock-$name.fifo"
  MOCK_FD[$name]=$fd
}

# mock_wait NAME REGEX: read the device's lines until one matches.
mock_wait() {
  local name=$1 re=$2 line
  while IFS= read -r -t 60 -u "${MOCK_FD[$name]}" line; do
    echo "$line" >> "$TMP/mock-$name.log"
    [[ $line =~ $re ]] && { MOCK_LINE=$line; return 0; }
  done
  echo "  (device $name said:)"; sed 's/^/  | /' "$TMP/mock-$name.log" 2>/dev/null | tail -5
  return 1
}

mock_stop() {
  local name=$1
  kill "${MOCK_PID[$name]}" 2>/dev/null; wait "${MOCK_PID[$name]}" 2>/dev/null
  exec {MOCK_FD[$name]}<&-
  unset "MOCK_PID[$name]"
}

# api METHOD PATH [CURL ARGS...]: the REST API with the token; sets CODE
# and BODY.
api() {
  local m=$1 p=$2; shift 2
  BODY=$(curl -s -X "$m" -H "Authorization: Bearer $TOKEN" -w '\n%{http_code}' "$@" "$API$p")
  CODE=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}
}

# check WHAT EXPR: a jq expression on BODY that must be true.
check() {
  if jq -e "$2" <<<"$BODY" >/dev/null 2>&1; then echo "ok: $1"; else
    echo "FAIL: $1 ($2 on HTTP $CODE: $BODY)"; fails=$((fails + 1)); fi
}

# particle_cli: sets PARTICLE to the project's pinned Particle CLI (make
# test runs tools/particle-cli/install); skips the test (77) only when it
# is not installed and npm cannot be reached, or when the images are not
# fetched (IMG: their cache). HOME is a fresh one in $TMP, so the CLI's
# profiles are the test's own.
particle_cli() {
  local root=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
  IMG=$root/images/cache
  [ -f "$IMG/tinker@0.4.5.bin" ] || { echo "SKIP: images not fetched"; exit 77; }
  PARTICLE=${PARTICLE_CLI:-}
  if [ -z "$PARTICLE" ]; then
    if ! "$root/tools/particle-cli/install" --check >/dev/null 2>&1; then
      timeout 60 npm view --silent particle-cli@3.43.1 version >/dev/null 2>&1 ||
        { echo "SKIP: the Particle CLI is not installed and the npm registry is unreachable"; exit 77; }
      echo "FAIL: the Particle CLI is not installed: run tools/particle-cli/install (make test does)"; exit 1
    fi
    PARTICLE=$("$root/tools/particle-cli/install" --path)
  fi
  export HOME=$TMP/home
  mkdir -p "$HOME"
}
p() { timeout 120 "$PARTICLE" "$@"; }

# particle_login API TOKEN: the CLI's own profile pointed at a local cloud
particle_login() {
  expect_rc 0 "particle config photon-sim apiUrl URL" -- p config photon-sim apiUrl "$1"
  expect_rc 0 "particle config photon-sim (switch profile)" -- p config photon-sim
  expect_rc 0 "particle login --token" -- p login --token "$2"
  expect_out "Successfully completed login" "login: accepted by the local cloud"
}

# subscribe_roundtrip: `particle subscribe test --max 1` prints an event
# that `photon-sim cloud publish` sends (published until the stream is
# open: the CLI says it listens a moment before it does).
subscribe_roundtrip() {
  mkfifo "$TMP/sub.fifo"
  "$PARTICLE" subscribe test --max 1 > "$TMP/sub.fifo" 2>&1 &
  local sub_pid=$! sub line got=
  exec {sub}< "$TMP/sub.fifo"
  while IFS= read -r -t 60 -u $sub line; do [[ $line == *"will exit after receiving"* ]] && break; done
  for i in 1 2 3 4 5 6 7 8 9 10; do
    "$SIM" cloud publish test/sub "round $i" >/dev/null
    if IFS= read -r -t 2 -u $sub line; then
      while [[ $line != *'"name":"test/sub"'* ]] && IFS= read -r -t 2 -u $sub line; do :; done
      [[ $line == *'"name":"test/sub"'* ]] && { got=$line; break; }
    fi
  done
  [[ $got == *'"data":"round '* ]] && echo "ok: particle subscribe prints the event" || { echo "FAIL: subscribe got '$got'"; fails=$((fails + 1)); }
  wait $sub_pid; exec {sub}<&-
  rm -f "$TMP/sub.fifo"
}

cleanup_cloud() {
  if [ "$fails" != 0 ] && [ -f "$CLOUD_LOG" ]; then
    echo "  (the cloud's log, last lines:)"; tail -40 "$CLOUD_LOG" | sed 's/^/  | /'
  fi
  for n in "${!MOCK_PID[@]}"; do kill -KILL "${MOCK_PID[$n]}" 2>/dev/null; done
  [ -n "$CLOUD_PID" ] && kill -KILL "$CLOUD_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup_cloud EXIT
