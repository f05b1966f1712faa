#!/usr/bin/env bash
# The unmodified Particle CLI against a running Device OS 2.2.0 (listening
# mode, no Wi-Fi credentials) through `photon-sim usb --`: serial list
# finds the USB serial (the pty) with the device ID; serial identify,
# inspect and mac are answered by the firmware over USB control requests;
# usb list shows the device in normal mode; serial wifi --file gives the
# firmware's `w` console the credentials of an access point around it: the
# device leaves listening mode and joins (blinking green); usb
# start-listening puts it back into listening mode.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
. "$(dirname "$0")/particle_lib.bash"
"$SIM" run --help | grep -q -- '--wifi-ap' \
  || { echo "SKIP: Device OS needs the Wi-Fi chip model to run (not in this build)"; exit 77; }
particle_require
particle_home
export XDG_RUNTIME_DIR=$TMP/run
mkdir -p "$XDG_RUNTIME_DIR"

sim_start --fresh --state "$TMP/photon.state" --load bootloader@2.2.0 --load system-part1@2.2.0 \
  --load system-part2@2.2.0 --load tinker@0.4.5 --wifi-ap ssid=Home,security=wpa2,password=secret123 \
  || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'LED blinking blue' 120 || { echo "FAIL: no listening mode"; exit 1; }
pty=$(grep -oE 'USB serial: /dev/pts/[0-9]+' "$SIM_LOG" | grep -oE '/dev/pts/[0-9]+')
id=$(grep -oE 'device [0-9a-f]{24}' "$SIM_LOG" | head -1 | cut -d' ' -f2)

expect_rc 0 "particle serial list" -- particle serial list
expect_out "^$pty - Photon - $id$" "the USB serial is listed with the device ID"
expect_rc 0 "particle serial identify" -- particle serial identify
expect_out "^Your device id is $id$" "identify: the device ID"
expect_out "^Your system firmware version is 2\.2\.0$" "identify: the system version"
expect_rc 0 "particle serial inspect" -- particle serial inspect
expect_out "^Platform: 6 - Photon$" "inspect: the platform"
expect_out "System part module #2 - version 2202" "inspect: system-part2 2.2.0"
expect_out "User part module #1 - version 3" "inspect: Tinker"
n=$(grep -c "Integrity: PASS" <<<"$LAST_OUT")
[ "$n" = 4 ] && echo "ok: inspect: four modules pass the integrity check" \
  || { echo "FAIL: inspect: $n modules pass"; fails=$((fails + 1)); }
# serial mac asks for the network interface list (control request 400).
# Device OS 2.2.0 handles it only where HAL_PLATFORM_IFAPI is set (Gen 3,
# system/src/system_control_internal.cpp); on a Photon the request goes to
# the default case and, with no application handler (Tinker has none),
# the firmware answers SYSTEM_ERROR_NOT_SUPPORTED: the CLI's "Not supported"
# is the real board's answer (the MAC is what `m` prints in listening mode)
particle serial mac > "$TMP/mac.out" 2>&1
grep -q "Could not get MAC address: Not supported" "$TMP/mac.out" && echo "ok: serial mac: the firmware answers ($(tail -1 "$TMP/mac.out"))" \
  || { echo "FAIL: serial mac:"; cat "$TMP/mac.out"; fails=$((fails + 1)); }
expect_rc 0 "particle usb list" -- particle usb list
expect_out "^<no name> \[$id\] \(Photon, LISTENING\)$" "usb list: the device in listening mode (normal mode, not DFU)"
# the CLI answers the firmware's prompts (SSID, password: the security
# comes from the firmware's own scan) over the serial port
printf '{"network": "Home", "security": "WPA2_AES", "password": "secret123"}\n' >"$TMP/wifi.json"
expect_rc 0 "particle serial wifi --file" -- particle serial wifi --file "$TMP/wifi.json"
expect_out "Done! Your device should now restart" "serial wifi: the firmware took the credentials"
sim_wait 'LED blinking green' 120 && echo "ok: the device leaves listening mode and joins Home (blinking green)" \
  || { echo "FAIL: no blinking green after serial wifi"; fails=$((fails + 1)); }
expect_rc 0 "particle usb start-listening" -- particle usb start-listening
expect_out "^Done\.$" "start-listening accepted"
sim_wait 'LED blinking blue' 120 && echo "ok: start-listening: listening mode again (blinking blue)" \
  || { echo "FAIL: no listening mode after usb start-listening"; fails=$((fails + 1)); }
sim_stop
finish
