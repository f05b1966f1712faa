#!/usr/bin/env bash
# The networks from the command line: --hostfwd, --softap-fwd, --dns and
# --pcap are checked before anything runs; the forwards are bound and
# printed at start (the soft AP's setup servers on free host ports by
# default); a host port that is taken is a clear error.
. "$(dirname "$0")/lib.bash"
run=("$SIM" run --fresh --no-save --timeout 0.1)

expect_rc 2 "a malformed --hostfwd is refused" -- "${run[@]}" --hostfwd tcp::80x-:80
expect_out "photon-sim run: --hostfwd: host forward 'tcp::80x-:80': bad host side" "naming the rule"
expect_rc 2 "a --hostfwd of another protocol is refused" -- "${run[@]}" --hostfwd sctp::1-:2
expect_out "protocol 'sctp' is not tcp or udp" "naming the protocol"
expect_rc 2 "a malformed --dns is refused" -- "${run[@]}" --dns device.spark.io
expect_out "photon-sim run: --dns: DNS override 'device.spark.io': expected NAME=ADDR" "saying what is expected"
expect_rc 2 "a --dns address that is not IPv4 is refused" -- "${run[@]}" --dns a.example=10.0.2
expect_out "--dns: " "naming the option"
expect_rc 2 "two --pcap files are refused" -- "${run[@]}" --pcap "$TMP/a.pcap" --pcap "$TMP/b.pcap"
expect_out "only one packet capture file" "saying why"
expect_rc 2 "a capture file that cannot be written is refused" -- \
  "${run[@]}" --pcap "$TMP/no/such/dir/x.pcap"
expect_out "x.pcap" "naming the file"

# the forwards, printed at start
expect_rc 0 "forwards are bound at start" -- "${run[@]}" --wifi-ap ssid=Home,password=secret123 \
  --hostfwd tcp::0-:80 --softap-fwd udp::0-:5609
expect_out "^Forward: tcp 127\.0\.0\.1:[0-9]+ -> 192\.168\.0\.1:80 \(soft AP: setup over HTTP\)" \
  "the soft AP's HTTP server on a free port"
expect_out "^Forward: udp 127\.0\.0\.1:[0-9]+ -> 192\.168\.0\.1:5609 \(soft AP: setup protocol\)" \
  "a given forward to 5609 replaces the default one"
if grep -q "tcp .* -> 192.168.0.1:5609" <<<"$LAST_OUT"; then
  echo "FAIL: the default 5609 forward is still there"; fails=$((fails + 1)); fi
expect_out "^Forward: tcp 127\.0\.0\.1:[0-9]+ -> 10\.0\.2\.15:80 \(Wi-Fi: Home\)" \
  "the station's forward on the first access point's network, to the first lease"

# a host port that is taken
coproc holder { exec python3 -c 'import socket, signal
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); print(s.getsockname()[1], flush=True)
signal.pause()'; }
read -r taken <&"${holder[0]}"
expect_rc 2 "a host port in use is refused" -- "${run[@]}" --hostfwd "tcp::$taken-:80"
expect_out "cannot forward tcp 127\.0\.0\.1:$taken -> 10\.0\.2\.15:80" "naming the forward"
kill "$holder_PID"
finish
