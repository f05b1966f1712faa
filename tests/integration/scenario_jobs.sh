#!/usr/bin/env bash
# photon-sim scenario -j N and --shard I/N: the scenario library plus a
# failing file gives the same verdicts, report, JUnit and LED trace with
# -j 2 as with -j 1; each file's output is one block; shards 1/2 and 2/2
# cover every file exactly once, whatever the order of the arguments; a
# SIGTERM reaches the running scenarios and the run ends with 130.
. "$(dirname "$0")/lib.bash"
SRC=${SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
lib=("$SRC"/tests/scenarios/*.yaml)

fw=${TEST_FW:-}/test_exceptions.bin
[ -f "$fw" ] || { echo "FAIL: test firmware not built (TEST_FW=${TEST_FW:-unset})"; exit 1; }
cat > "$TMP/fail.yaml" <<EOF
name: waits for a pattern that never comes
device:
  images: [{file: $fw, address: 0x08000000}]
steps:
  - wait-led: {pattern: breathing cyan, timeout: 1s}
EOF
files=("${lib[@]}" "$TMP/fail.yaml")

# the verdict lines, the report lines, the summary counts (not the times)
verdicts() { sed -E 's/, [0-9.]+ s virtual, [0-9.]+ s wall\)$/)/; s/; [0-9.]+ s virtual in .*//' "$1" |
             grep -E '^(PASS|FAIL|ERROR) |^[0-9]+ scenarios: |^  (expected|seen):' ; }
junit() { grep -oE '<testcase [^>]*name="[^"]*"|<(failure|error|skipped) type="[^"]*"' "$1"; }
# the LED traces without those of scenarios that run host programs or hold the
# USB serial open (dfu-util, sb): their idle time follows the wall clock
paced=$(grep -lE '^ *- *(dfu|ymodem-send):|port: *usb|device: *running' "${lib[@]}" | xargs -rn1 basename | sed 's/\.yaml$//' | paste -sd'|')
traces() { awk -v paced="^(${paced:-^$})" '/^# / { n = $2; sub(/.*\//, "", n); sub(/\.yaml$/, "", n); keep = (n !~ paced) } keep' "$1"; }

for j in 1 2; do
  expect_rc 1 "-j $j: the library and a failing file" -- "$SIM" scenario -j $j -v \
    --junit "$TMP/j$j.xml" --led-trace "$TMP/j$j.csv" "${files[@]}"
  echo "$LAST_OUT" >"$TMP/j$j.out"
done
n=$(verdicts "$TMP/j1.out" | grep -c '^PASS')
[ "$n" -ge 9 ] && echo "ok: -j 1: $n scenarios pass" || { echo "FAIL: only $n PASS lines"; fails=$((fails + 1)); }
if diff <(verdicts "$TMP/j1.out") <(verdicts "$TMP/j2.out"); then
  echo "ok: -j 2 gives the verdicts and reports of -j 1, in the same order"
else echo "FAIL: -j 2 and -j 1 disagree"; fails=$((fails + 1)); fi
grep -q "^${#files[@]} scenarios: $((${#files[@]} - 1)) passed, 1 failed, 0 errors" "$TMP/j2.out" &&
  echo "ok: -j 2: one combined summary" || { echo "FAIL: -j 2 summary"; fails=$((fails + 1)); }
diff <(junit "$TMP/j1.xml") <(junit "$TMP/j2.xml") >/dev/null &&
  echo "ok: the same JUnit testcases and outcomes" || { echo "FAIL: JUnit differs"; fails=$((fails + 1)); }
if command -v xmllint >/dev/null; then
  expect_rc 0 "-j 2: JUnit is well-formed XML" -- xmllint --noout "$TMP/j2.xml"
fi
if [ "$(traces "$TMP/j1.csv" | wc -l)" -gt 100 ] && diff <(traces "$TMP/j1.csv") <(traces "$TMP/j2.csv") >/dev/null; then
  echo "ok: the same --led-trace file, one section per scenario"
else echo "FAIL: --led-trace files differ"; fails=$((fails + 1)); fi

# -v output: every step line between a file's header and its verdict is its own
blocks=$(awk '
  /^[^ ].*\.yaml: / && !/^(PASS|FAIL|ERROR) / { cur = $1; sub(/:$/, "", cur); next }
  /^(PASS|FAIL|ERROR) / { cur = ""; next }
  /^  \[ *[0-9.]+ s\] [^ ]+\.yaml:[0-9]+ / {
    f = $0; sub(/^  \[ *[0-9.]+ s\] /, "", f); sub(/:[0-9]+ .*/, "", f)
    if (f != cur) { print "interleaved: " $0; bad++ } else good++ }
  END { print good + 0, bad + 0 }' "$TMP/j2.out")
case "$blocks" in
  *" 0") echo "ok: -j 2 -v: one block per scenario (${blocks% *} step lines)" ;;
  *) echo "FAIL: -j 2 -v output interleaved: $blocks"; fails=$((fails + 1)) ;;
esac

# ---- --shard --------------------------------------------------------------------
listed() { grep -oE '^ok [^:]+' | sed 's/^ok //'; }
"$SIM" scenario --check --shard 1/2 "${lib[@]}" | listed >"$TMP/s1"
"$SIM" scenario --check --shard 2/2 "${lib[@]}" | listed >"$TMP/s2"
if diff <(sort "$TMP/s1" "$TMP/s2") <(printf '%s\n' "${lib[@]}" | sort) >/dev/null; then
  echo "ok: shards 1/2 and 2/2 cover every file exactly once ($(wc -l <"$TMP/s1") + $(wc -l <"$TMP/s2"))"
else echo "FAIL: shards do not partition the library"; fails=$((fails + 1)); fi
mapfile -t rev < <(printf '%s\n' "${lib[@]}" | sort -r)
"$SIM" scenario --check --shard 1/2 "${rev[@]}" | listed | sort >"$TMP/r1"
diff <(sort "$TMP/s1") "$TMP/r1" >/dev/null && echo "ok: a shard does not depend on the order of the arguments" ||
  { echo "FAIL: shard 1/2 changes with the order of the files"; fails=$((fails + 1)); }
expect_rc 0 "a shard runs its files" -- "$SIM" scenario --shard 2/3 "${lib[@]:0:3}"
expect_out "^shard 2/3: 1 of 3 scenario files" "it says which part it runs"
expect_out "^PASS +${lib[1]}" "the second file (by path) is in shard 2/3"
expect_rc 2 "--shard 3/2 is refused" -- "$SIM" scenario --shard 3/2 "${lib[0]}"
expect_out "I/N with 1 <= I <= N" "it says why"
expect_rc 2 "-j 0 is refused" -- "$SIM" scenario -j 0 "${lib[0]}"

# ---- SIGTERM: passed on to the scenarios that run, exit 130 ---------------------------
# The first scenario's host command signals the photon-sim that started its
# process (its grandparent), while the other one waits in idle DFU mode.
cat > "$TMP/term.yaml" <<'EOF'
device:
  images: [bootloader@2.2.0]
steps:
  - run: kill -TERM "$(cut -d' ' -f4 /proc/$PPID/stat)"
  - wait: 100000s
EOF
cat > "$TMP/long.yaml" <<'EOF'
device:
  images: [bootloader@2.2.0]
steps:
  - wait: 100000s
EOF
expect_rc 130 "SIGTERM ends a -j 2 run with 130" -- "$SIM" scenario -j 2 "$TMP/long.yaml" "$TMP/term.yaml"
expect_out "long.yaml" "the interrupted scenario is reported"
finish
