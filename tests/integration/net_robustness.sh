#!/usr/bin/env bash
# Bad input on the network, against the real firmware (2.2.0 in listening
# mode, its SoftAP HTTP server forwarded to the host): a host peer that
# floods a connection with 2 MB of garbage, one that resets its connection
# mid-request, 30 connections opened at once and dropped, a forward to a
# port where nothing listens on the device. No crash, no hang: afterwards
# the firmware's server still answers (device-id), the LED still blinks
# blue, and the run ends cleanly on SIGINT (exit 130).
. "$(dirname "$0")/lib.bash"
coproc sim { exec "$SIM" run --fresh --no-save --fast-flash --load bootloader@2.2.0 \
  --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5 \
  --softap-fwd tcp::0-:80 --softap-fwd tcp::0-192.168.0.1:81 --realtime --speed 4 2>&1; }
pid=$sim_PID
http= closed=
while read -r line <&"${sim[0]}"; do
  echo "sim: $line" >>"$TMP/sim.out"
  case "$line" in
    *"-> 192.168.0.1:80 "*) http=${line#*127.0.0.1:}; http=${http%% *} ;;
    *"-> 192.168.0.1:81"*) closed=${line#*127.0.0.1:}; closed=${closed%% *} ;;
    *"LED blinking blue"*) break ;;
  esac
done
[ -n "$http" ] && [ -n "$closed" ] && echo "ok: listening mode, forwards on $http and $closed" ||
  { echo "FAIL: no listening mode or forwards"; cat "$TMP/sim.out"; kill "$pid"; exit 1; }

python3 - "$http" "$closed" <<'PY' && echo "ok: the abuse went through" || { echo "FAIL: abuse client"; fails=$((fails + 1)); }
import os, socket, struct, sys
http, closed = int(sys.argv[1]), int(sys.argv[2])
def conn(port):
    return socket.create_connection(("127.0.0.1", port), timeout=30)
# a flood: 2 MB of garbage as fast as the network takes it, never read
c = conn(http)
c.settimeout(30)
sent = 0
try:
    while sent < 2 << 20:
        sent += c.send(os.urandom(65536))
except OSError:
    pass  # the device may give up on it: a reset is fine
c.close()
# a reset in the middle of a request
c = conn(http)
c.sendall(b"POST /configure-ap HTTP/1.1\r\nContent-Length: 100000\r\n\r\n{\"idx\":")
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
# many at once, dropped without a word
cs = [conn(http) for _ in range(30)]
for c in cs:
    c.close()
# a forward to a port where nothing listens on the device: closed or reset
c = conn(closed)
c.settimeout(30)
try:
    assert c.recv(100) == b""
except ConnectionResetError:
    pass
c.close()
print("abuse done: %d bytes of flood" % sent)
PY

expect_rc 0 "the firmware's server still answers" -- \
  curl -sS -m 60 "http://127.0.0.1:$http/device-id"
expect_out '"id":"[0-9A-F]{24}"' "with the device ID"
kill -INT "$pid"
while read -r line <&"${sim[0]}"; do echo "sim: $line" >>"$TMP/sim.out"; done
wait "$pid"; rc=$?
[ $rc = 130 ] && echo "ok: the run ends on SIGINT (130)" ||
  { echo "FAIL: exit $rc"; fails=$((fails + 1)); }
last=$(grep "LED " "$TMP/sim.out" | tail -1)
grep -q "blinking blue" <<<"$last" && echo "ok: still in listening mode: $last" ||
  { echo "FAIL: last LED: $last"; fails=$((fails + 1)); }
if grep -qiE "sanitizer|segmentation|abort|SOS" "$TMP/sim.out"; then
  echo "FAIL: the run reported trouble"; tail "$TMP/sim.out"; fails=$((fails + 1)); fi
finish
