#!/usr/bin/env bash
# run --power-loss: the run ends at the injected power failure with the
# state file holding the torn flash; it loads, and the next run powers the
# device on. A brown-out and a starved watchdog at a virtual time. Bad
# fault specs exit 2.
. "$(dirname "$0")/lib.bash"
st=$TMP/photon.state
all=(--load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5)
# a new device's bootloader first erases the DCT (sector 1): the power fails halfway
expect_rc 0 "power lost at the first erase" -- \
  "$SIM" run --state "$st" --fresh "${all[@]}" --usb-serial none --timeout 30 --power-loss erase:1 --log flash
expect_out 'power lost during the erase of 0x08004000-0x08007fff: 8192 of 16384 bytes erased' \
  "the erase was torn halfway"
expect_out 'photon-sim: power lost at 0\.0' "the run ended at the power failure"
expect_rc 0 "the state file loads, the modules are intact" -- "$SIM" inspect --state "$st"
expect_rc 0 "the next run powers it on: Device OS reaches listening mode" -- \
  "$SIM" run --state "$st" --usb-serial none --until-led "blinking blue" --timeout 30 -q
expect_rc 0 "power lost at a virtual time" -- \
  "$SIM" run --state "$st" --usb-serial none --timeout 30 --power-loss 1.5s -q
expect_out 'power lost at 1\.500 s' "at that time"
for bad in program:0 program: erase:-1 op:1e3 nan 2x stuck; do
  expect_rc 2 "--power-loss $bad" -- "$SIM" run --fresh --no-save --power-loss "$bad" --timeout 0.01
  expect_out 'power-loss' "names the option"
done
expect_rc 2 "--stuck-flash at a time" -- "$SIM" run --fresh --no-save --stuck-flash 2s --timeout 0.01
expect_rc 0 "a brown-out at a virtual time" -- \
  "$SIM" run --state "$st" --no-save --usb-serial none --brown-out 2s --timeout 4
expect_out '^\[ *2\.000 s\] reset \(brown-out\)' "the chip reset by the brown-out at 2 s"
expect_out '^\[ *2\.[0-9]+ s\] LED solid white' "Device OS starts again"
expect_rc 0 "a starved watchdog that never runs: no reset" -- \
  "$SIM" run --state "$st" --no-save --usb-serial none --iwdg-expire 1s,3 --log reset --timeout 3
if grep -q 'reset: iwdg' <<<"$LAST_OUT"; then
  echo "FAIL: a watchdog reset"; fails=$((fails + 1)); else echo "ok: Device OS does not run the IWDG"; fi
for bad in x 1s,2 -1s; do
  expect_rc 2 "--brown-out $bad" -- "$SIM" run --fresh --no-save --brown-out "$bad" --timeout 0.01
  expect_out 'brown-out' "names the option"
done
for bad in 1s,0 1s,1001 1s,x ,2; do
  expect_rc 2 "--iwdg-expire $bad" -- "$SIM" run --fresh --no-save --iwdg-expire "$bad" --timeout 0.01
  expect_out 'iwdg-expire' "names the option"
done
finish
