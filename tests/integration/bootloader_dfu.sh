#!/usr/bin/env bash
# Bootloaders 1.5.0 and 2.2.0 on otherwise erased flash reach DFU mode:
# blinking yellow with a ~200 ms period within 3 virtual seconds.
. "$(dirname "$0")/lib.bash"
for v in 1.5.0 2.2.0; do
  expect_rc 0 "bootloader $v reaches DFU" -- \
    "$SIM" run --fresh --no-save --load bootloader@$v --until-led "blinking yellow 200ms" --timeout 3
  expect_out 'saw "blinking yellow \((19[0-9]|20[0-9]|210) ms period\)" at [0-2]\.' "bootloader $v: period ~200 ms, before 3 s"
done
finish
