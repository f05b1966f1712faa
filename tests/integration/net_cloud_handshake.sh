#!/usr/bin/env bash
# With a --dns override pointing the cloud's domain (device.spark.io on a
# fresh device) at the host and --host-port moving the cloud port 5683 to a
# test server on a free host port, the real firmware (2.2.0 and 1.5.0)
# opens a TCP connection to 10.0.2.2:5683 and, after the server's 40-byte
# nonce, sends its first handshake message: 256 bytes (RSA-encrypted to the
# server's key), which the test server receives. The capture shows the
# device's side: port 5683.
. "$(dirname "$0")/lib.bash"
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }

for v in 2.2.0 1.5.0; do
  coproc srv { exec python3 -c 'import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
s.settimeout(120)
c, _ = s.accept(); c.settimeout(60)
c.sendall(os.urandom(40))  # the nonce
got = b""
while len(got) < 256:
    d = c.recv(4096)
    if not d: break
    got += d
open(sys.argv[1], "w").write("%d\n" % len(got))' "$TMP/got.$v"; }
  read -r port <&"${srv[0]}"
  expect_rc 0 "$v: the device runs with --host-port 5683=$port" -- "$SIM" run --fresh --no-save \
    --fast-flash --load "bootloader@$v" --load "system-part1@$v" --load "system-part2@$v" \
    --load tinker@0.4.5 --wifi-ap ssid=Home,password=secret123 --wifi Home:secret123 \
    --dns device.spark.io=10.0.2.2 --host-port "5683=$port" --pcap "$TMP/$v.pcap" --timeout 15
  wait "$srv_PID" 2>/dev/null
  got=$(cat "$TMP/got.$v" 2>/dev/null)
  [ "$got" = 256 ] && echo "ok: $v: the test server got the 256-byte handshake message" ||
    { echo "FAIL: $v: the test server got '${got:-nothing}'"; fails=$((fails + 1)); }
  syn=$(tshark -r "$TMP/$v.pcap" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0" \
        -T fields -e ip.dst -e tcp.dstport 2>/dev/null | head -1)
  [ "$syn" = "10.0.2.2	5683" ] && echo "ok: $v: the device connects to 10.0.2.2:5683" ||
    { echo "FAIL: $v: first SYN to '$syn'"; fails=$((fails + 1)); }
done

expect_rc 2 "a malformed --host-port is refused" -- "$SIM" run --fresh --no-save --timeout 0.1 \
  --host-port 5683
expect_out "photon-sim run: --host-port: host port '5683': expected GUESTPORT=HOSTPORT" "saying why"
finish
