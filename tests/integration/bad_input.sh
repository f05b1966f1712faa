#!/usr/bin/env bash
# Bad host input: one clear message, a non-zero exit, nothing lost.
. "$(dirname "$0")/lib.bash"
img=$SRC/images/cache
head -c 1000 "$img/system-part1@2.2.0.bin" > "$TMP/truncated.bin"
cp "$img/bootloader@2.2.0.bin" "$TMP/p1.bin"
printf '\x08' | dd of="$TMP/p1.bin" bs=1 seek=$((0x184 + 12)) conv=notrunc status=none
head -c 100000 /dev/urandom > "$TMP/garbage.state"
cp "$TMP/garbage.state" "$TMP/garbage.copy"

expect_rc 2 "truncated image" -- "$SIM" run --fresh --no-save --load "$TMP/truncated.bin" --timeout 1
expect_out 'truncated' "says truncated"
expect_rc 2 "image for another platform" -- "$SIM" run --fresh --no-save --load "$TMP/p1.bin" --timeout 1
expect_out 'platform 8 \(p1\)' "names the platform"
expect_rc 2 "missing file" -- "$SIM" run --fresh --no-save --load "$TMP/nope.bin" --timeout 1
expect_out 'nope.bin' "names the file"
expect_rc 2 "unknown image name" -- "$SIM" run --fresh --no-save --load bootloader@9.9.9 --timeout 1
expect_out 'not a known image name' "explains"
expect_rc 2 "garbage state file" -- "$SIM" run --state "$TMP/garbage.state" --timeout 1
expect_out 'not a photon-sim state file' "says what is wrong"
if cmp -s "$TMP/garbage.state" "$TMP/garbage.copy"; then echo "ok: the file is left as it was"
else echo "FAIL: the garbage state file was changed"; fails=$((fails + 1)); fi
expect_rc 2 "inspect of garbage" -- "$SIM" inspect "$TMP/garbage.copy"
expect_rc 2 "bad LED pattern" -- "$SIM" run --fresh --no-save --until-led "wobbling purple" --timeout 1
expect_rc 2 "unknown option" -- "$SIM" run --frobnicate
expect_rc 2 "unknown command" -- "$SIM" frobnicate
expect_rc 0 "--help" -- "$SIM" run --help
expect_out '--until-led' "documents the options"
finish
