#!/usr/bin/env bash
# SETUP held at reset: 3 s gives DFU mode (blinking yellow), 1 s the
# bootloader's safe-mode signal (blinking magenta) and then the system.
. "$(dirname "$0")/lib.bash"
all=(--fresh --no-save --fast-flash --load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5)
expect_rc 0 "SETUP 3.5 s: DFU" -- "$SIM" run "${all[@]}" --hold setup=3.5 --until-led "blinking yellow" --timeout 6
expect_out 'blinking magenta' "magenta first (1 s)"
expect_out 'saw "blinking yellow' "then yellow (3 s)"
expect_rc 0 "SETUP 1.5 s: safe-mode signal" -- "$SIM" run "${all[@]}" --hold setup=1.5 --until-led "blinking magenta" --timeout 3
expect_rc 1 "SETUP 1.5 s does not reach DFU" -- "$SIM" run "${all[@]}" --hold setup=1.5 --until-led "blinking yellow" --timeout 4
for v in 1.5.0 2.2.0; do
  expect_rc 0 "bootloader $v alone, SETUP 3.5 s: DFU" -- \
    "$SIM" run --fresh --no-save --load bootloader@$v --hold setup=3.5 --until-led "blinking yellow" --timeout 6
done
finish
