#!/usr/bin/env bash
# The Wi-Fi chip from the command line: --wifi-ap is checked before anything
# runs; a boot to listening mode touches no unmodelled register (--log
# unimp); the chip's MAC is the module's own (its OTP's, derived from the
# device ID, not the NVRAM's placeholder every image downloads): the same
# device keeps it, another has its own; two runs give the same LED trace to
# the microsecond (the chip's timing is virtual).
. "$(dirname "$0")/lib.bash"
all=(--load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5)

expect_rc 2 "a WPA2 passphrase of 5 characters is refused" -- \
  "$SIM" run --fresh --no-save --wifi-ap ssid=Home,security=wpa2,password=short
expect_out "a WPA passphrase has 8 to 63 characters" "and the reason is given"
expect_rc 2 "an unknown key is refused" -- "$SIM" run --fresh --no-save --wifi-ap ssid=A,colour=red
expect_out "unknown key 'colour'" "naming the key"
expect_rc 2 "an access point without ssid is refused" -- "$SIM" run --fresh --no-save --wifi-ap channel=3
expect_out "ssid= is required" "saying what is missing"

for run in 1 2; do
  expect_rc 0 "run $run: listening mode" -- \
    "$SIM" run --fresh --no-save --fast-flash "${all[@]}" --until-led "blinking blue" --timeout 20 \
    --led-trace "$TMP/led$run.csv" --log unimp,wifi \
    --wifi-ap ssid=Home,security=wpa2,password=secret123,channel=6 --wifi-ap ssid=Cafe
done
if grep -q 'unimp:' <<<"$LAST_OUT"; then
  echo "FAIL: unmodelled registers touched:"; grep 'unimp:' <<<"$LAST_OUT"; fails=$((fails + 1))
else echo "ok: no unmodelled register on the way to listening mode"; fi
expect_out 'firmware up \(F2 ready\), MAC 02:27:0d:aa:57:08' "the MAC is the module's own (from the device ID 2f002d...)"
expect_out "the MAC from the module's OTP \(not the NVRAM's macaddr=\)" "in place of the NVRAM's placeholder"
expect_out "ioctl GET GET_VAR cur_etheraddr" "and the firmware asks the chip for it"
if cmp -s "$TMP/led1.csv" "$TMP/led2.csv" && [ -s "$TMP/led1.csv" ]; then
  echo "ok: two runs, identical LED traces ($(wc -l <"$TMP/led1.csv") changes)"
else echo "FAIL: the LED traces differ"; fails=$((fails + 1)); fi

expect_rc 0 "1.5.0: listening mode, another device" -- \
  "$SIM" run --fresh --no-save --fast-flash --load bootloader@1.5.0 --load system-part1@1.5.0 \
  --load system-part2@1.5.0 --load tinker@0.4.5 --until-led "blinking blue" --timeout 20 \
  --log unimp,wifi --device-id 1a0031000f47343432313031
expect_out 'firmware up \(F2 ready\), MAC 02:96:82:67:ea:47' "another device, another MAC"
if grep -q 'unimp:' <<<"$LAST_OUT"; then
  echo "FAIL: 1.5.0: unmodelled registers touched:"; grep 'unimp:' <<<"$LAST_OUT"; fails=$((fails + 1))
else echo "ok: 1.5.0: no unmodelled register on the way to listening mode"; fi
finish
