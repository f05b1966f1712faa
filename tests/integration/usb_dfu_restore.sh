#!/usr/bin/env bash
# A full restore of an erased Photon (only the bootloader) with the real
# dfu-util: system-part1, system-part2, then Tinker with :leave. The device
# resets, the bootloader jumps into the system, the LED turns solid white,
# and `inspect --state` finds the modules with valid CRCs. Then, in DFU mode
# again (SETUP held): uploads return the bytes written, and a DfuSe erase +
# write through alt 1 lands in the DCT (system-part2 is present). Finally the
# system's own USB device (2b04:c006) enumerates on the same cable.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
command -v "$DFU_UTIL" >/dev/null || { echo "SKIP: dfu-util is not installed"; exit 77; }
IMG=${SRC:-$(dirname "$0")/../..}/images/cache
STATE=$TMP/photon.state

sim_start --fresh --state "$STATE" --load bootloader@2.2.0 --until-led "solid white" --timeout 3600 \
  || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'USB device .* attached' 60 || { echo "FAIL: no USB device"; exit 1; }
expect_rc 0 "dfu-util writes system-part1" -- dfu -d 2b04:d006 -a 0 -s 0x08020000 -D "$IMG/system-part1@2.2.0.bin"
expect_out "File downloaded successfully" "system-part1: downloaded"
expect_rc 0 "dfu-util writes system-part2" -- dfu -d 2b04:d006 -a 0 -s 0x08060000 -D "$IMG/system-part2@2.2.0.bin"
expect_rc 0 "dfu-util writes Tinker and leaves DFU mode" -- dfu -d 2b04:d006 -a 0 -s 0x080A0000:leave -D "$IMG/tinker@0.4.5.bin"
expect_out "Submitting leave request" "Tinker: leave request sent"
sim_wait 'USB device detached' 60 && echo "ok: the device left the bus" || { echo "FAIL: no detach after :leave"; fails=$((fails + 1)); }
sim_wait 'reset \(software\)' 60 && echo "ok: the device reset itself" || { echo "FAIL: no reset after :leave"; fails=$((fails + 1)); }
sim_wait 'saw "solid white"' 120 && echo "ok: LED solid white: the system runs" || { echo "FAIL: no solid white"; fails=$((fails + 1)); }
sim_end; rc=$?
[ $rc = 0 ] && echo "ok: simulator exit 0" || { echo "FAIL: simulator exit $rc"; fails=$((fails + 1)); }

expect_rc 0 "inspect --state: every module valid" -- "$SIM" inspect --state "$STATE"
for m in bootloader system-part1 system-part2 user; do
  expect_out "^$m\$" "inspect lists $m"
done
n=$(grep -c 'CRC-32       ok' <<<"$LAST_OUT")
[ "$n" = 4 ] && echo "ok: four modules with valid CRCs" || { echo "FAIL: $n valid CRCs"; fails=$((fails + 1)); }

# DFU mode again, by holding SETUP: read back and the DCT
sim_start --state "$STATE" --hold setup=3.5 --timeout 3600 || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'USB device .* attached' 60 || { echo "FAIL: no USB device"; exit 1; }
size1=$(stat -c %s "$IMG/system-part1@2.2.0.bin")
expect_rc 0 "upload system-part1" -- dfu -a 0 -s 0x08020000:$size1 -U "$TMP/part1.bin"
cmp "$TMP/part1.bin" "$IMG/system-part1@2.2.0.bin" && echo "ok: uploaded system-part1 equals the image" \
  || { echo "FAIL: uploaded system-part1 differs"; fails=$((fails + 1)); }
sizet=$(stat -c %s "$IMG/tinker@0.4.5.bin")
expect_rc 0 "upload Tinker" -- dfu -a 0 -s 0x080A0000:$sizet -U "$TMP/tinker.bin"
cmp "$TMP/tinker.bin" "$IMG/tinker@0.4.5.bin" && echo "ok: uploaded Tinker equals the image" \
  || { echo "FAIL: uploaded Tinker differs"; fails=$((fails + 1)); }

printf 'photon-sim DCT test 0123456789ab' > "$TMP/dct.bin"
expect_rc 0 "DfuSe erase + write to the DCT through alt 1" -- dfu -a 1 -s 0x1000 -D "$TMP/dct.bin"
expect_out "Erase +done" "alt 1: erase pass"
expect_out "File downloaded successfully" "alt 1: written"
expect_rc 0 "read the DCT back through alt 1" -- dfu -a 1 -s 0x1000:32 -U "$TMP/dct-back.bin"
cmp "$TMP/dct.bin" "$TMP/dct-back.bin" && echo "ok: alt 1 reads back what was written" \
  || { echo "FAIL: the DCT reads back differently"; fails=$((fails + 1)); }
expect_rc 0 "upload the DCT flash sectors" -- dfu -a 0 -s 0x08004000:32768 -U "$TMP/dct-flash.bin"
grep -q 'photon-sim DCT test 0123456789ab' "$TMP/dct-flash.bin" && echo "ok: the DCT record is in flash" \
  || { echo "FAIL: the DCT record is not in the DCT flash sectors"; fails=$((fails + 1)); }
sim_stop

# booting the restored system: the same cable now shows Device OS's own
# USB device (the composite serial device), enumerated from scratch
sim_start --state "$STATE" --no-save --usart1 none --timeout 30 || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'USB device 2b04:c006 "Photon" \(serial [0-9a-f]{24}\) attached' 120 \
  && echo "ok: the system's USB device 2b04:c006 enumerates" || { echo "FAIL: no runtime USB device"; fails=$((fails + 1)); }
sim_stop
finish
