#!/usr/bin/env bash
# --wifi on Device OS 2.2.0 and 1.5.0: an erased device goes into listening
# mode, the credentials go in through the console's `w` on the USB serial,
# the firmware joins the WPA2 access point (blinking green), gets the DHCP
# lease 10.0.2.15, looks up its cloud (device.spark.io on a fresh device,
# pointed at the host by --dns) and tries to connect (blinking cyan). The
# capture, read with tshark, shows the DHCP exchange and the DNS query.
# Wrong input to --wifi is refused before anything runs.
. "$(dirname "$0")/lib.bash"
command -v tshark >/dev/null || { echo "SKIP: no tshark"; exit 77; }

for v in 2.2.0 1.5.0; do
  expect_rc 0 "$v: --wifi: blinking cyan" -- "$SIM" run --fresh --no-save --fast-flash \
    --load "bootloader@$v" --load "system-part1@$v" --load "system-part2@$v" --load tinker@0.4.5 \
    --wifi-ap ssid=Home,security=wpa2,password=secret123,channel=6 --wifi-ap ssid=Cafe \
    --wifi Home:secret123 --dns device.spark.io=10.0.2.2 --pcap "$TMP/$v.pcap" \
    --until-led "blinking cyan" --timeout 40 --led-trace "$TMP/$v.led"
  expect_out "Wi-Fi: Wi-Fi credentials for 'Home' given on the USB serial" "$v: given on the console"
  # listening mode, then the join (green: 1.5.0 blinks it only once, too
  # short to name a pattern, so the LED trace), then the cloud, in that order
  order=$(awk -F, '$2 == 0 && $3 == 0 && $4 > 0 && !b { b = 1; printf "blue," }
    b && $2 == 0 && $3 > 0 && $4 == 0 && !g { g = 1; printf "green," }
    g && $2 == 0 && $3 > 0 && $4 > 0 && !c { c = 1; printf "cyan," }' "$TMP/$v.led")
  [ "$order" = "blue,green,cyan," ] && grep -q "LED blinking blue" <<<"$LAST_OUT" &&
    echo "ok: $v: blinking blue -> green -> cyan" ||
    { echo "FAIL: $v: LED order $order"; fails=$((fails + 1)); }
  ack=$(tshark -r "$TMP/$v.pcap" -Y "dhcp.option.dhcp == 5" -T fields -e dhcp.ip.your 2>/dev/null | sort -u)
  [ "$ack" = 10.0.2.15 ] && echo "ok: $v: DHCP ACK with 10.0.2.15" ||
    { echo "FAIL: $v: DHCP ACKs: '$ack'"; fails=$((fails + 1)); }
  tshark -r "$TMP/$v.pcap" -Y "dhcp.option.dhcp == 1" 2>/dev/null | grep -q Discover &&
    echo "ok: $v: DHCP Discover" || { echo "FAIL: $v: no DHCP Discover"; fails=$((fails + 1)); }
  q=$(tshark -r "$TMP/$v.pcap" -Y 'dns.flags.response == 0 && ip.src == 10.0.2.15' \
      -T fields -e dns.qry.name 2>/dev/null | head -1)
  [ "$q" = device.spark.io ] && echo "ok: $v: DNS query for device.spark.io" ||
    { echo "FAIL: $v: first DNS query '$q'"; fails=$((fails + 1)); }
  a=$(tshark -r "$TMP/$v.pcap" -Y 'dns.flags.response == 1 && dns.qry.name == "device.spark.io"' \
      -T fields -e dns.a 2>/dev/null | head -1)
  [ "$a" = 10.0.2.2 ] && echo "ok: $v: answered 10.0.2.2 (--dns)" ||
    { echo "FAIL: $v: DNS answer '$a'"; fails=$((fails + 1)); }
done

run=("$SIM" run --fresh --no-save --timeout 0.1)
expect_rc 2 "--wifi without a colon is taken as an open network, an empty SSID is not" -- \
  "${run[@]}" --wifi :secret
expect_out "photon-sim run: --wifi: " "naming the option"
expect_rc 2 "--wifi with --no-usb is refused" -- "${run[@]}" --wifi Home:secret123 --no-usb
expect_out "USB serial" "saying why"
expect_rc 2 "six --wifi are refused" -- "${run[@]}" --wifi a: --wifi b: --wifi c: --wifi d: \
  --wifi e: --wifi f:
expect_out "at most 5" "saying how many"
finish
