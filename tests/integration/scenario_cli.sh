#!/usr/bin/env bash
# photon-sim scenario: bad input is refused with FILE:LINE and nothing runs;
# failures carry their evidence; JUnit XML; determinism (LED trace hashes,
# --seed); the state file's backup domain is restored at start only.
. "$(dirname "$0")/lib.bash"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
SCN=$SRC/tests/scenarios
export SCENARIO_MARK=$TMP/ran

# ---- bad input: every file in tests/scenarios/bad/ ---------------------------
for f in "$SCN"/bad/*.yaml; do
  name=$(basename "$f")
  rm -f "$SCENARIO_MARK"
  expect_rc 2 "$name is refused" -- "$SIM" scenario "$f"
  expect_out "nothing was run" "$name: nothing was run"
  [ -e "$SCENARIO_MARK" ] && { echo "FAIL: $name: a step ran"; fails=$((fails + 1)); }
  n=0
  while IFS= read -r want; do
    n=$((n + 1))
    if grep -qF -- "$want" <<<"$LAST_OUT"; then echo "ok: $name says: $want"; else
      echo "FAIL: $name: no \"$want\" in:"; echo "$LAST_OUT" | head -20; fails=$((fails + 1)); fi
  done < <(sed -n 's/^# expect: //p' "$f")
  [ $n -gt 0 ] || { echo "FAIL: $name has no '# expect:' lines"; fails=$((fails + 1)); }
done

# A good file next to a bad one: still nothing runs, and JUnit says why.
rm -f "$SCENARIO_MARK"
cat > "$TMP/good.yaml" <<'EOF'
steps:
  - run: touch "$SCENARIO_MARK"
EOF
expect_rc 2 "a good and a bad file: refused" -- \
  "$SIM" scenario "$TMP/good.yaml" "$SCN/bad/unknown_step.yaml" --junit "$TMP/bad.xml"
[ -e "$SCENARIO_MARK" ] && { echo "FAIL: the good file ran"; fails=$((fails + 1)); }
grep -q 'PASS' <<<"$LAST_OUT" && { echo "FAIL: a PASS line"; fails=$((fails + 1)); }
LAST_OUT=$(cat "$TMP/bad.xml")
expect_out '<error type="bad input" message="[^"]*unknown_step.yaml:8: unknown step' "JUnit: the error names file:line"
expect_out '<skipped message="not run' "JUnit: the good file is skipped"
expect_out 'tests="2" failures="0" errors="1" skipped="1"' "JUnit: counts"

# ---- a failure: the report, the evidence, JUnit ------------------------------
if [ -f "${TEST_FW:-}/test_exceptions.bin" ]; then
  fw=$TEST_FW/test_exceptions.bin
  cat > "$TMP/fail.yaml" <<EOF
name: waits for a pattern that never comes
device:
  images: [{file: $fw, address: 0x08000000}]
steps:
  - wait: 100ms
  - name: cyan never comes
    wait-led: {pattern: breathing cyan, timeout: 2s}
  - wait: 1s
EOF
  expect_rc 1 "a failing scenario exits 1" -- \
    "$SIM" scenario "$TMP/fail.yaml" "$SCN/dfu_empty_flash_bootloader_2.2.0.yaml" --junit "$TMP/fail.xml"
  expect_out "fail.yaml:7: step 2 of 3 failed: wait-led \{pattern: breathing cyan, timeout: 2s\} \(\"cyan never comes\"\)" "the report names file:line and the step"
  expect_out "expected: breathing cyan within 2.000 s \(from 0.100 s to 2.100 s\)" "what was expected"
  expect_out "seen: +solid green since" "what was seen (the test firmware's solid green)"
  expect_out "LED solid green" "the LED timeline"
  expect_out "usart1: PASS" "the last serial lines"
  expect_out "at 2.100 s of virtual time" "it failed at its timeout"
  expect_out "^PASS +.*dfu_empty_flash_bootloader_2.2.0.yaml" "the other scenario still runs"
  expect_out "2 scenarios: 1 passed, 1 failed, 0 errors" "the summary"
  LAST_OUT=$(cat "$TMP/fail.xml")
  expect_out 'tests="2" failures="1" errors="0" skipped="0"' "JUnit: counts"
  expect_out '<failure type="expectation" message="[^"]*fail.yaml:7: step 2 of 3 failed' "JUnit: the failure names file:line"
  expect_out '<system-out>device [0-9a-f]{24}' "JUnit: system-out"
  if command -v xmllint >/dev/null; then
    expect_rc 0 "JUnit is well-formed XML" -- xmllint --noout "$TMP/fail.xml"
    expect_rc 0 "JUnit (bad input) is well-formed XML" -- xmllint --noout "$TMP/bad.xml"
  fi
  # wait-serial: finds lines (and the unfinished one), consumes what it matched
  cat > "$TMP/serial.yaml" <<EOF
device:
  images: [{file: $fw, address: 0x08000000}]
steps:
  - wait-serial: tail-chaining
  - wait-serial: {match: "^PASS\$", port: usart1, timeout: 1s}
  - name: already consumed
    wait-serial: {text: exceptions, timeout: 500ms}
EOF
  expect_rc 1 "wait-serial: a consumed line does not match again" -- "$SIM" scenario -v "$TMP/serial.yaml"
  expect_out "usart1: ok   tail-chaining" "wait-serial: the matched line is in the timeline"
  expect_out "serial.yaml:7: step 3 of 3 failed: wait-serial" "wait-serial: the third wait fails"
  expect_out "expected: a line containing \"exceptions\" within 0.500 s" "wait-serial: expected"
  expect_out "at 0.53[0-9] s of virtual time" "wait-serial: at its timeout"
else
  echo "FAIL: test firmware not built (TEST_FW=${TEST_FW:-unset})"; fails=$((fails + 1))
fi

# ---- flash and module checks say what differs ----------------------------------
cat > "$TMP/module.yaml" <<'EOF'
device:
  images: [bootloader@1.5.0, system-part2@1.5.0]
steps:
  - expect-module: {address: system-part2, function: system, index: 2, crc: ok, dependencies: ["system.1 >= 1502", "bootloader >= 400"]}
  - corrupt-flash: {address: bootloader+0x200, xor: 0x01}
  - expect-module: {address: bootloader, crc: bad}
  - expect-flash: {address: system-part2, version: 1502}
  - expect-module: {address: system-part2, version: ">= 2202", dependencies: ["system.1 >= 2202", "bootloader >= 1003"]}
EOF
expect_rc 1 "expect-module: a 1.5.0 part is not 2.2.0" -- "$SIM" scenario "$TMP/module.yaml"
expect_out "module.yaml:8: step 5 of 5 failed" "expect-module: the step"
expect_out "expected: version >= 2202, dependencies \\[system.1 >= 2202, bootloader >= 1003\\]" "expect-module: expected"
expect_out "seen: +version 1502, dependencies \\[system.1 >= 1502, bootloader >= 400\\]" "expect-module: seen"
cat > "$TMP/flash.yaml" <<'EOF'
device:
  images: [bootloader@2.2.0]
steps:
  - expect-flash: {file: bootloader@2.2.0}
  - corrupt-flash: {address: 0x08000300, length: 2}
  - expect-flash: {file: bootloader@2.2.0}
EOF
expect_rc 1 "expect-flash: corrupted bytes are found" -- "$SIM" scenario "$TMP/flash.yaml"
expect_out "seen: +2 bytes differ; the first at 0x08000300 holds 0x" "expect-flash: where"

# ---- the run step --------------------------------------------------------------
cat > "$TMP/run.yaml" <<'EOF'
steps:
  - run: {command: "echo hello from the host; echo device $PHOTON_SIM_DEVICE_ID", output: "^device [0-9a-f]{24}$"}
  - run: {command: "exit 3", exit: 3}
  - run: {command: "echo one; echo two; exit 4"}
EOF
expect_rc 1 "run: an unexpected exit status fails" -- "$SIM" scenario "$TMP/run.yaml"
expect_out "run.yaml:4: step 3 of 3 failed" "run: the failing step"
expect_out "expected: exit status 0" "run: expected"
expect_out "seen: +exit status 4" "run: seen"
expect_out "\| two" "run: the command's output"
expect_out "\(2/3 steps|3/3 steps, 0.000 s virtual" "run: the device is paused meanwhile"

# ---- pins: a failing expect-pin and wait-pin say what the pin did ---------------
cat > "$TMP/pins.yaml" <<'EOF'
device:
  images: [bootloader@2.2.0, system-part1@2.2.0, system-part2@2.2.0, tinker@0.4.5]
  fast-flash: true
steps:
  - expect-pin: {pin: WL_REG_ON, level: float, for: 10s}
EOF
expect_rc 1 "expect-pin: the firmware changes the pin meanwhile" -- "$SIM" scenario "$TMP/pins.yaml"
expect_out "expected: pin WL_REG_ON float for 10.000 s" "expect-pin: expected"
expect_out "seen: +low from 3\.[0-9]+ s" "expect-pin: what the pin did and when (driven low first: the chip held in reset)"
cat > "$TMP/pins2.yaml" <<'EOF'
device:
  images: [bootloader@2.2.0]
steps:
  - wait-pin: {pin: D7, level: high, timeout: 200ms}
EOF
expect_rc 1 "wait-pin: D7 never goes high in DFU mode" -- "$SIM" scenario "$TMP/pins2.yaml"
expect_out "expected: pin D7 high within 0.200 s" "wait-pin: expected"
expect_out "seen: +float" "wait-pin: seen"

# ---- determinism: the same scenario twice gives the same LED trace ------------
# and the same instruction count; the listening-mode scenario talks to the
# console over the USB serial (the cable in from power-on, serial-write and
# wait-serial, no host program): nothing paces it to the wall clock
for i in 1 2; do
  expect_rc 0 "safe-mode scenario, run $i" -- \
    "$SIM" scenario -v --led-trace "$TMP/trace$i.csv" "$SCN/safe_mode_setup_1s.yaml"
  hash[$i]=$(grep -o 'LED trace sha256 [0-9a-f]*' <<<"$LAST_OUT")
  expect_rc 0 "listening-mode scenario with the USB serial console, run $i" -- \
    "$SIM" scenario -v --log usb "$SCN/listening_mode_2.2.0.yaml"
  usb[$i]=$(grep -Eo 'LED trace sha256 [0-9a-f]*|[0-9]+ instructions' <<<"$LAST_OUT" | tr '\n' ' ')
done
expect_out "cdc-acm: bound to interfaces" "USB serial console: the host's CDC-ACM driver bound"
! grep -q "host-paced time on" <<<"$LAST_OUT" && echo "ok: USB serial console: never paced" ||
  { echo "FAIL: a scenario without host programs was paced to the wall clock"; fails=$((fails + 1)); }
[ -n "${hash[1]}" ] && [ "${hash[1]}" = "${hash[2]}" ] && echo "ok: identical LED trace hashes" ||
  { echo "FAIL: LED traces differ: ${hash[1]} / ${hash[2]}"; fails=$((fails + 1)); }
[[ "${usb[1]}" =~ sha256\ [0-9a-f]{64}\ [0-9]+\ instructions ]] && [ "${usb[1]}" = "${usb[2]}" ] &&
  echo "ok: USB serial console: the same LED trace and instruction count (${usb[1]})" ||
  { echo "FAIL: USB serial console runs differ: ${usb[1]} / ${usb[2]}"; fails=$((fails + 1)); }
if [ "$(wc -l < "$TMP/trace1.csv")" -gt 20 ] && cmp -s "$TMP/trace1.csv" "$TMP/trace2.csv"; then
  echo "ok: identical --led-trace files"; else echo "FAIL: --led-trace files differ or are empty"; fails=$((fails + 1)); fi

# --seed fixes the new device ID and the RNG peripheral's values
cat > "$TMP/rng.yaml" <<'EOF'
device:
  seed: 5
steps:
  - write-memory: {address: 0x50060800, value: 4}
  - wait: 1ms
  - expect-memory: {address: 0x50060808, value: 0}
EOF
seen() { "$SIM" scenario -v "$@" "$TMP/rng.yaml" 2>&1 | sed -n 's/^  device \([0-9a-f]*\).*/\1/p; s/^  seen: *//p' | tr '\n' ' '; }
a=$(seen --seed 1); b=$(seen --seed 1); c=$(seen --seed 2); d=$(seen); e=$(seen --seed 5)
echo "seed 1: $a / seed 1: $b / seed 2: $c / file's seed 5: $d"
[[ "$a" =~ ^[0-9a-f]{24}\ 0x[0-9a-f]{8}\ $ ]] || { echo "FAIL: no device ID and RNG value"; fails=$((fails + 1)); }
[ "$a" = "$b" ] && echo "ok: same seed, same ID and RNG values" || { echo "FAIL: same seed differs"; fails=$((fails + 1)); }
[ "${a%% *}" != "${c%% *}" ] && echo "ok: another seed, another ID" || { echo "FAIL: seed does not change the ID"; fails=$((fails + 1)); }
[ "${a#* }" != "${c#* }" ] && echo "ok: another seed, other RNG values" || { echo "FAIL: seed does not change the RNG"; fails=$((fails + 1)); }
[ "$d" = "$e" ] && [ "$d" != "$a" ] && echo "ok: the file's seed, overridden by --seed" || { echo "FAIL: file seed"; fails=$((fails + 1)); }

# ---- the state file: backup domain restored at start, lost by a power-cycle ----
cat > "$TMP/save.yaml" <<'EOF'
device:
  state: dev.state
  save: true
  images: [bootloader@2.2.0]
steps:
  - wait-led: {pattern: blinking yellow, timeout: 3s}
  - write-memory: {address: RTC_BKP19R, value: 0x5CE7A210}
EOF
cat > "$TMP/restore.yaml" <<'EOF'
device:
  state: dev.state
steps:
  - expect-memory: {address: RTC_BKP19R, value: 0x5CE7A210}
  - wait-led: {pattern: blinking yellow, timeout: 3s}
  - reset: software
  - expect-memory: {address: RTC_BKP19R, value: 0x5CE7A210}
  - power-cycle
  - expect-memory: {address: RTC_BKP19R, value: 0}
  - wait-led: {pattern: blinking yellow, timeout: 3s}
  - expect-memory: {address: RTC_BKP19R, value: 0}
EOF
expect_rc 0 "save: true writes the state file" -- "$SIM" scenario "$TMP/save.yaml"
[ -s "$TMP/dev.state" ] && echo "ok: state file written" || { echo "FAIL: no state file"; fails=$((fails + 1)); }
expect_rc 0 "the backup domain comes back from the state file, a power-cycle clears it" -- \
  "$SIM" scenario "$TMP/restore.yaml"
expect_rc 0 "without save: true the state file is unchanged (again)" -- \
  "$SIM" scenario "$TMP/restore.yaml"

finish
