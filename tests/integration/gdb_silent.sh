#!/usr/bin/env bash
# A GDB client that connects and says nothing neither halts the Photon nor
# locks other debuggers out: the run reaches its LED pattern with the
# silent client connected, and a real gdb-multiarch that connects next is
# served (the silent one gives way).
. "$(dirname "$0")/lib.bash"
GDB=${GDB:-gdb-multiarch}
command -v "$GDB" >/dev/null || { echo "FAIL: needs $GDB (tools/install-deps)"; exit 1; }
all=(--load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5)

# start NAME ARGS...: photon-sim in the background, its GDB port in PORT
start() {
  local name=$1 line fd; shift
  mkfifo "$TMP/$name.fifo"
  timeout 120 "$SIM" run --fresh --no-save --fast-flash --usb-serial none "${all[@]}" "$@" \
    --gdb 0 >"$TMP/$name.out" 2>"$TMP/$name.fifo" &
  SIM_PID=$!
  exec {fd}<"$TMP/$name.fifo"
  PORT=
  while IFS= read -r -t 60 line <&$fd; do
    [[ $line =~ listening\ on\ 127\.0\.0\.1:([0-9]+) ]] && { PORT=${BASH_REMATCH[1]}; break; }
  done
  cat <&$fd >"$TMP/$name.err" &
  exec {fd}<&-
  [ -n "$PORT" ] || { echo "FAIL: $name: no GDB port"; exit 1; }
}

# the Photon reaches listening mode (9 s of virtual time) with a silent client
start silent --until-led "blinking blue" --timeout 60
exec {quiet}<>"/dev/tcp/127.0.0.1/$PORT"
wait "$SIM_PID"; rc=$?
exec {quiet}>&-
[ $rc = 0 ] && echo "ok: the run reached listening mode with a silent debugger connected" ||
  { echo "FAIL: exit $rc"; cat "$TMP/silent.out" "$TMP/silent.err"; fails=$((fails + 1)); }

# --gdb-wait holds the core; a silent client gives way to gdb, which lets it run
start wait --gdb-wait --until-led "blinking blue" --timeout 60
exec {quiet}<>"/dev/tcp/127.0.0.1/$PORT"
expect_rc 0 "gdb-multiarch connects after a silent client" -- \
  timeout 60 "$GDB" -nx -batch -ex "target remote 127.0.0.1:$PORT" -ex "info registers pc" -ex detach
expect_out 'pc +0x' "gdb read the registers"
wait "$SIM_PID"; rc=$?
exec {quiet}>&-
[ $rc = 0 ] && echo "ok: after gdb detached the Photon ran on to listening mode" ||
  { echo "FAIL: exit $rc"; cat "$TMP/wait.out" "$TMP/wait.err"; fails=$((fails + 1)); }
wait # the stderr readers, done at the simulator's exit
grep -q 'said nothing: it gives way' "$TMP/wait.err" && echo "ok: the silent client gave way" ||
  { echo "FAIL: no message about the silent client"; cat "$TMP/wait.err"; fails=$((fails + 1)); }
finish
