# Helpers for USB tests (sourced after lib.bash): a simulator in the
# background with its USB/IP server on a free port (it binds port 0 and
# prints the port), its stdout read line by line through a FIFO, so tests
# wait for what the simulator says instead of sleeping.
DFU_UTIL=${DFU_UTIL:-dfu-util}
SIM_PID=
SIM_FD=
USB_PORT=
SIM_LOG=$TMP/sim.log

# sim_start ARGS...: `photon-sim run --usbip 0 ARGS...`; sets SIM_PID and
# USB_PORT. Fails if the server does not come up.
sim_start() {
  rm -f "$TMP/sim.fifo"; mkfifo "$TMP/sim.fifo"
  : > "$SIM_LOG"
  "$SIM" run --usbip 0 "$@" > "$TMP/sim.fifo" 2>> "$SIM_LOG" &
  SIM_PID=$!
  exec {SIM_FD}< "$TMP/sim.fifo"
  sim_wait 'USB/IP server on 127\.0\.0\.1:[0-9]+' 30 || return 1
  USB_PORT=$(grep -oE 'USB/IP server on 127\.0\.0\.1:[0-9]+' "$SIM_LOG" | tail -1 | sed 's/.*://')
}

# sim_wait REGEX [SECONDS]: read the simulator's output until a line matches
# (SECONDS of wall clock is only a bound in case it never comes).
sim_wait() {
  local re=$1 t=${2:-120} line
  while IFS= read -r -t "$t" line <&"$SIM_FD"; do
    printf '%s\n' "$line" >> "$SIM_LOG"
    [[ $line =~ $re ]] && return 0
  done
  echo "  (simulator output so far:)"; tail -15 "$SIM_LOG" | sed 's/^/  | /'
  return 1
}

# sim_stop: SIGTERM (the simulator saves its state and exits), then collect
# the rest of its output. Returns the simulator's exit status.
sim_stop() {
  [ -n "$SIM_PID" ] || return 0
  kill -TERM "$SIM_PID" 2>/dev/null
  sim_end
}

# sim_end: wait for the simulator to exit by itself; its exit status.
sim_end() {
  local rc
  cat <&"$SIM_FD" >> "$SIM_LOG"
  wait "$SIM_PID"; rc=$?
  exec {SIM_FD}<&-
  SIM_PID=
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|emulation error' "$SIM_LOG"; then
    echo "FAIL: the simulator reported errors:"; grep -E 'Sanitizer|runtime error|emulation error' "$SIM_LOG" | head -5
    fails=$((fails + 1))
  fi
  return $rc
}

# usb CMD ARGS...: run a host tool through the shim against the simulator.
usb() { "$SIM" usb --port "$USB_PORT" -- "$@"; }

# dfu ARGS...: dfu-util through the shim.
dfu() { usb "$DFU_UTIL" "$@"; }

# The simulator must not outlive the test.
trap '[ -n "$SIM_PID" ] && kill -KILL "$SIM_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
