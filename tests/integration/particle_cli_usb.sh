#!/usr/bin/env bash
# The unmodified Particle CLI (3.43.1, node-usb and particle-usb inside)
# through `photon-sim usb --` and the libusb shim: `particle usb list` shows
# an erased Photon (only the bootloader) in DFU mode; `particle flash --usb`
# (one file at a time) and `particle flash --local` (all three at once)
# restore it to Device OS 2.2.0 and Tinker: the device leaves DFU mode by
# itself, the system boots (LED solid white) and `inspect --state` finds
# every module with a valid CRC.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
. "$(dirname "$0")/particle_lib.bash"
particle_require
particle_home
IMG=$ROOT/images/cache

# restore NAME FLASH-COMMAND...: an erased device restored by a CLI command
restore() {
  local name=$1; shift
  local state=$TMP/$name.state
  sim_start --fresh --state "$state" --load bootloader@2.2.0 --until-led "solid white" --timeout 3600 \
    || { echo "FAIL: simulator did not start"; exit 1; }
  sim_wait 'USB device 2b04:d006 .* attached' 60 || { echo "FAIL: no DFU device"; exit 1; }
  expect_rc 0 "$name: particle usb list" -- particle usb list
  expect_out "^<no name> \[[0-9a-f]{24}\] \(Photon, DFU\)$" "$name: the device is listed in DFU mode"
  "$@"
  sim_wait 'reset \(software\)' 60 && echo "ok: $name: the device left DFU mode" \
    || { echo "FAIL: $name: no reset after flashing"; fails=$((fails + 1)); }
  sim_wait 'saw "solid white"' 120 && echo "ok: $name: LED solid white: the system runs" \
    || { echo "FAIL: $name: no solid white"; fails=$((fails + 1)); }
  sim_end; local rc=$?
  [ $rc = 0 ] && echo "ok: $name: simulator exit 0" || { echo "FAIL: $name: simulator exit $rc"; fails=$((fails + 1)); }
  expect_rc 0 "$name: inspect --state" -- "$SIM" inspect --state "$state"
  for m in bootloader system-part1 system-part2 user; do
    expect_out "^$m\$" "$name: inspect lists $m"
  done
  local n; n=$(grep -c 'CRC-32       ok' <<<"$LAST_OUT")
  [ "$n" = 4 ] && echo "ok: $name: four modules with valid CRCs" \
    || { echo "FAIL: $name: $n valid CRCs"; fails=$((fails + 1)); }
  grep -q "user.1 version 3" <<<"$LAST_OUT" && echo "ok: $name: Tinker (user.1 version 3) is the user part" \
    || { echo "FAIL: $name: no Tinker"; fails=$((fails + 1)); }
}

flash_usb() {
  for f in system-part1@2.2.0 system-part2@2.2.0 tinker@0.4.5; do
    expect_rc 0 "flash --usb $f" -- particle flash --usb "$IMG/$f.bin"
    expect_out "Flash success!" "flash --usb $f: success"
  done
}
flash_local() {
  expect_rc 0 "flash --local system parts and Tinker" -- particle flash --local \
    "$IMG/system-part1@2.2.0.bin" "$IMG/system-part2@2.2.0.bin" "$IMG/tinker@0.4.5.bin"
  expect_out "Flashing tinker@0.4.5.bin" "flash --local: Tinker flashed"
  expect_out "Flash success!" "flash --local: success"
}

restore usb flash_usb
restore local flash_local
finish
