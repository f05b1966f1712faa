#!/usr/bin/env bash
# The same run on two Unicorn engines (e.g. 2.1.1 and 2.0.1) is the same
# run: the 2.2.0 first boot with --seed 7 (key generation, its writes to
# the DCT through the flash controller, the self-reset, the second boot)
# leaves a byte-identical state file, the same LED trace and the same
# instruction count; each own test firmware prints the same lines (cycle
# counts included) and ends with the same LED trace.
#
# PHOTON_SIM_OTHER names the other build's photon-sim (`make test` passes
# the PHOTON_UNICORN=system build); without it, or when both binaries run
# the same Unicorn, there is nothing to compare (skipped).
. "$(dirname "$0")/lib.bash"
other=${PHOTON_SIM_OTHER:-}
if [ -z "$other" ] || [ ! -x "$other" ]; then
  echo "skipped: no second engine build (PHOTON_SIM_OTHER)"; exit 77
fi
engine() { "$1" --version | sed -n 's/^CPU engine: //p'; }
e1=$(engine "$SIM") e2=$(engine "$other")
echo "engine 1: $e1"
echo "engine 2: $e2"
if [ "${e1%% (*}" = "${e2%% (*}" ]; then
  echo "skipped: both builds run ${e1%% (*}"; exit 77
fi

same_file() { # A B WHAT
  if cmp -s "$1" "$2"; then echo "ok: $3"; else
    echo "FAIL: $3 differ"; diff <(od -An -tx1 -v "$1") <(od -An -tx1 -v "$2") | head -10
    fails=$((fails + 1)); fi
}

all=(--load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5)
for i in 1 2; do
  sim=$SIM; [ $i = 2 ] && sim=$other
  expect_rc 0 "first boot on engine $i" -- "$sim" run --state "$TMP/first$i.state" --fresh \
    --seed 7 "${all[@]}" --timeout 10 --led-trace "$TMP/first$i.led" --usart1 none --stats
  expect_out 'reset \(software\)' "engine $i: the keys are written, the device resets itself"
  grep -o '[0-9.]* M instructions' <<<"$LAST_OUT" >"$TMP/first$i.insns"
done
same_file "$TMP/first1.state" "$TMP/first2.state" "first boot: the state files"
same_file "$TMP/first1.led" "$TMP/first2.led" "first boot: the LED traces"
same_file "$TMP/first1.insns" "$TMP/first2.insns" "first boot: the instruction counts ($(cat "$TMP/first1.insns"))"

fw=${TEST_FW:-}
[ -d "$fw" ] || { echo "FAIL: no test firmware directory (TEST_FW)"; exit 1; }
n=0
for bin in "$fw"/test_*.bin; do
  name=$(basename "$bin" .bin)
  for i in 1 2; do
    sim=$SIM; [ $i = 2 ] && sim=$other
    "$sim" run --fresh --no-save --raw "$bin@0x08000000" --until-led "solid green" --timeout 30 \
      --usart1 "$TMP/$name.$i.out" --led-trace "$TMP/$name.$i.led" --quiet >/dev/null 2>&1
  done
  grep -q '^PASS' "$TMP/$name.1.out" || { echo "FAIL: $name does not pass on engine 1"; fails=$((fails + 1)); }
  same_file "$TMP/$name.1.out" "$TMP/$name.2.out" "$name: the output"
  same_file "$TMP/$name.1.led" "$TMP/$name.2.led" "$name: the LED trace"
  n=$((n + 1))
done
[ $n -ge 5 ] || { echo "FAIL: only $n test firmware images"; fails=$((fails + 1)); }
finish
