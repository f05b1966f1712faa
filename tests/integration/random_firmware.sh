#!/usr/bin/env bash
# The emulator never dies of guest behaviour: random bytes run as firmware,
# with every exception handled by a stub that skips 2 bytes and returns, so
# the core walks through garbage, faults millions of times and pokes random
# peripheral registers. Every run must end normally at its virtual timeout.
. "$(dirname "$0")/lib.bash"
python3 - "$TMP" <<'PY'
import random, struct, sys
# Thumb: r0 = the stacked frame; frame.pc += 2; frame.xpsr |= T; bx lr
handler = bytes.fromhex("1ef0040f0cbfeff30880eff309808169023181"
                        "61c16941f08071c1617047")
for seed in range(6):
    r = random.Random(seed)
    body = bytearray(r.getrandbits(8) for _ in range(64 * 1024))
    body[0x200:0x200 + len(handler)] = handler
    vt = struct.pack("<II", 0x20020000, 0x08000401) + struct.pack("<I", 0x08000201) * 94
    body[:len(vt)] = vt
    open(f"{sys.argv[1]}/random{seed}.bin", "wb").write(body)
PY
for seed in 0 1 2 3 4 5; do
  expect_rc 0 "random firmware $seed runs to its timeout" -- \
    "$SIM" run --fresh --no-save --raw "$TMP/random$seed.bin" --timeout 0.3 -q --stats
  if grep -q 'emulation error' <<<"$LAST_OUT"; then
    echo "FAIL: random firmware $seed: emulation error"; fails=$((fails + 1)); fi
done
finish
