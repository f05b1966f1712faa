#!/usr/bin/env bash
# Bootloader 2.2.0 + system parts 2.2.0 + Tinker: the bootloader hands over
# to system-part1, system-part2 runs HAL_Core_Config (solid white); the first
# boot on a blank DCT generates the device keys, writes them into the DCT
# through the flash controller and resets; the next run finds them, brings
# up the Wi-Fi chip and, without credentials, enters listening mode.
. "$(dirname "$0")/lib.bash"
st=$TMP/photon.state
all=(--load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5)

expect_rc 0 "solid white from HAL_Core_Config" -- \
  "$SIM" run --fresh --no-save "${all[@]}" --until-led "solid white" --timeout 5 \
  --trace pc-sample=20000 --trace-file "$TMP/pc.txt"
# the PC samples show where the core ran: the bootloader hands over to
# system-part1, whose reset handler starts system-part2
for part in bootloader system-part1 system-part2; do
  if grep -Eq "^  $part +[0-9.]+% +[1-9]" "$TMP/pc.txt"; then echo "ok: code ran in $part"
  else echo "FAIL: no PC sample in $part"; fails=$((fails + 1)); fi
done
# (the bootloader already calls system-part2's DCT functions before the jump)
first=$(awk '/ pc 0x/ {print $NF}' "$TMP/pc.txt" | uniq | head -3 | tr '\n' ' ')
case "$first" in
  "bootloader system-part"*) echo "ok: the bootloader runs first, then the system ($first)" ;;
  *) echo "FAIL: unexpected order of modules: $first"; fails=$((fails + 1)) ;;
esac

expect_rc 0 "first boot: keys generated, then a self-reset" -- \
  "$SIM" run --state "$st" --fresh "${all[@]}" --timeout 7 --log flash
expect_out 'LED blinking white' "key generation blinks white"
expect_out 'sector 1 erased' "the DCT is written through the flash controller"
expect_out 'reset \(software\)' "the system resets itself after writing the keys"
expect_out 'LED solid white' "and boots again"

expect_rc 0 "second run from the saved state" -- \
  "$SIM" run --state "$st" --until-led "blinking blue" --timeout 20 --log flash
if grep -q 'LED blinking white\|reset (software)' <<<"$LAST_OUT"; then
  echo "FAIL: keys generated again"; fails=$((fails + 1))
else echo "ok: the saved keys are found, not generated again"; fi

expect_rc 0 "without credentials: listening mode, and it stays there" -- \
  "$SIM" run --state "$st" --timeout 12 --log wifi
expect_out 'LED blinking blue \(500 ms period\)' "listening mode blinks blue every 500 ms"
expect_out "soft AP 'Photon-[A-Z0-9]+' on channel 11 up" "the soft AP of listening mode is up"
if grep -q 'SOS\|reset (' <<<"$LAST_OUT"; then
  echo "FAIL: a panic or a reset"; fails=$((fails + 1))
else echo "ok: no panic, no reset"; fi

expect_rc 0 "the state file is intact" -- "$SIM" inspect --state "$st"
expect_out 'system-part2' "modules are still listed"
finish
