#!/usr/bin/env bash
# Device OS 2.2.0's listening-mode console on the USB serial pty, mistreated
# as a board's would be: sb is killed in the middle of a YMODEM transfer
# (the firmware's receiver times out and gives up, the console answers
# again), then a writer floods the pty with random bytes and is killed
# mid-write (whatever the firmware makes of them is its business). The
# simulator neither crashes nor hangs: it keeps running and ends cleanly.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
command -v sb >/dev/null || { echo "SKIP: sb (lrzsz) is not installed"; exit 77; }
ROOT=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}

sim_start --fresh --no-save --fast-flash --load bootloader@2.2.0 --load system-part1@2.2.0 \
  --load system-part2@2.2.0 --load tinker@0.4.5 || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'LED blinking blue' 120 || { echo "FAIL: no listening mode"; exit 1; }
pty=$(grep -oE 'USB serial: /dev/pts/[0-9]+' "$SIM_LOG" | grep -oE '/dev/pts/[0-9]+')
[ -c "$pty" ] && echo "ok: the USB serial is $pty" || { echo "FAIL: no pty"; exit 1; }

# console CMD WANT SECONDS: write CMD (again each time the device has said
# something else), read until WANT appears (a bound on the wall clock only
# in case it never does)
console() {
  python3 - "$pty" "$1" "$2" "$3" <<'PY'
import os, select, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
os.write(fd, sys.argv[2].encode())
seen, end = b'', time.monotonic() + float(sys.argv[4])
while sys.argv[3].encode() not in seen and time.monotonic() < end:
    if select.select([fd], [], [], 0.5)[0]:
        seen += os.read(fd, 4096)
        if sys.argv[3].encode() not in seen:
            os.write(fd, sys.argv[2].encode())
os.close(fd)
print(seen.decode(errors='replace')[-300:])
sys.exit(0 if sys.argv[3].encode() in seen else 1)
PY
}

expect_rc 0 "f starts the YMODEM receiver" -- console f "Waiting for the binary file" 60
# sb sends a large module; it is killed (SIGKILL) once blocks are flowing
(exec sb -k "$ROOT/images/cache/system-part1@2.2.0.bin" <"$pty" >"$pty" 2>"$TMP/sb.err") &
sbpid=$!
for _ in $(seq 600); do
  grep -qE 'sectors/kbytes sent: +[0-9]*[1-9][0-9]*/' "$TMP/sb.err" 2>/dev/null && break
  kill -0 "$sbpid" 2>/dev/null || break
  read -r -t 0.1 <> <(:) || true
done
kill -KILL "$sbpid" 2>/dev/null; wait "$sbpid" 2>/dev/null
grep -qE 'sectors/kbytes sent: +[0-9]*[1-9]' "$TMP/sb.err" && echo "ok: sb was killed mid-transfer" ||
  { echo "FAIL: sb never got going:"; tr '\r' '\n' <"$TMP/sb.err" | tail -5; fails=$((fails + 1)); }
# the receiver is waiting for the rest: `a` aborts it, as its prompt says
# (the first `a` may land inside a block it still reads: again after each
# of its answers); then the console takes commands again
expect_rc 0 "a aborts the firmware's receiver" -- console a "Aborted by user." 120
expect_rc 0 "then v answers" -- console v "system firmware version: 2.2.0" 30

head -c 262144 /dev/urandom > "$TMP/garbage"
mkfifo "$TMP/written"
python3 - "$pty" "$TMP/garbage" "$TMP/written" <<'PY' &
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
data = open(sys.argv[2], 'rb').read()
for i in range(0, len(data), 1024):
    os.write(fd, data[i:i + 1024])
    if i == 16 * 1024:
        with open(sys.argv[3], 'w') as f:
            f.write('16k\n')  # the shell kills it from here on
PY
writer=$!
python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY|os.O_NOCTTY|os.O_NONBLOCK); os.close(fd)" "$pty"
read -r -t 120 written <"$TMP/written" && echo "ok: the random writer got $written into the pty" ||
  { echo "FAIL: the random writer is stuck"; fails=$((fails + 1)); }
kill -KILL "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
echo "ok: the random writer was killed mid-write"
kill -0 "$SIM_PID" 2>/dev/null && echo "ok: the simulator still runs" ||
  { echo "FAIL: the simulator is gone"; fails=$((fails + 1)); }
python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDWR|os.O_NOCTTY); os.close(fd)" "$pty" &&
  echo "ok: $pty opens again" || { echo "FAIL: $pty cannot be reopened"; fails=$((fails + 1)); }
sim_stop; rc=$?
[ $rc = 130 ] || [ $rc = 0 ] && echo "ok: the simulator ends cleanly (exit $rc)" ||
  { echo "FAIL: simulator exit $rc"; tail -5 "$SIM_LOG"; fails=$((fails + 1)); }
finish
