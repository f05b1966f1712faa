#!/usr/bin/env bash
# SIGINT ends a run promptly and cleanly, with the USB/IP and GDB servers
# up: while the core is busy (the first boot, run as fast as the host
# allows) and while it is idle (listening mode, paced to the wall clock,
# the runner waiting in poll). Exit 130, the state file saved and loadable,
# no lock or temporary file left. The bound on the exit is a generous
# failure timeout (the run ends well within a second), never a wait for
# anything to happen.
. "$(dirname "$0")/lib.bash"
st=$TMP/photon.state
BOUND=10

# start_run ARGS...: the run in the background, its output in $TMP/out;
# returns once it printed its first line (it runs)
start_run() {
  : >"$TMP/out"
  coproc SIMRUN { exec "$SIM" run --state "$st" --usbip 0 --gdb 0 --usb-serial none "$@" 2>&1; }
  pid=$SIMRUN_PID
  exec {simout}<&"${SIMRUN[0]}"
}

# read_until REGEX: the run's output up to a line matching it
read_until() {
  local line
  while IFS= read -r line <&"$simout"; do
    echo "$line" >>"$TMP/out"
    grep -Eq -- "$1" <<<"$line" && return 0
  done
  return 1
}

# interrupt WHAT: SIGINT, then the run must be gone within $BOUND s, exit 130
interrupt() {
  kill -INT "$pid"
  if timeout "$BOUND" tail --pid="$pid" -f /dev/null; then
    wait "$pid"; local rc=$?
    [ $rc = 130 ] && echo "ok: $1: SIGINT ends the run (exit 130)" ||
      { echo "FAIL: $1: exit $rc"; tail "$TMP/out"; fails=$((fails + 1)); }
  else
    echo "FAIL: $1: still running ${BOUND}s after SIGINT"; fails=$((fails + 1))
    kill -KILL "$pid"; wait "$pid"
  fi
  cat <&"$simout" >>"$TMP/out"
  exec {simout}<&-
  if ls "$st".* 2>/dev/null | grep -q .; then
    echo "FAIL: $1: left behind: $(ls "$st".*)"; fails=$((fails + 1)); fi
}

# busy: the first boot of a new device, as fast as the host allows
start_run --fresh --fast --timeout 1000 --load bootloader@2.2.0 --load system-part1@2.2.0 \
  --load system-part2@2.2.0 --load tinker@0.4.5
read_until '^photon-sim: device ' || { echo "FAIL: the run did not start"; fails=$((fails + 1)); }
read_until 'gdb' >/dev/null
interrupt "busy"
expect_rc 0 "the state file was saved and loads" -- "$SIM" inspect --state "$st"
expect_out 'user' "with the images loaded"

# idle: listening mode paced to the wall clock
start_run --realtime
read_until 'LED blinking blue' || { echo "FAIL: no listening mode"; fails=$((fails + 1)); }
interrupt "idle"
expect_rc 0 "the state file loads after the idle run" -- "$SIM" inspect --state "$st"
finish
