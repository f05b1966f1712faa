#!/usr/bin/env bash
# The state file of a run that writes it is its own: a second run on it is
# refused at once (naming the first), a symlink's target is updated, a
# read-only file or an unwritable place is refused before the run, the
# file keeps its permissions, temporary files of killed runs are removed,
# and a damaged or non-regular file is refused and left as it was.
. "$(dirname "$0")/lib.bash"
st=$TMP/photon.state
expect_rc 0 "a new state file with the bootloader" -- \
  "$SIM" run --state "$st" --fresh --fast-flash --load bootloader@2.2.0 --timeout 0.05 -q

# two runs on one state file: the second is refused while the first runs
coproc FIRST { exec "$SIM" run --state "$st" --fast-flash --usb-serial none --timeout 1000; }
first=$FIRST_PID
IFS= read -r line <&"${FIRST[0]}"   # "photon-sim: device ..., state ...": it runs
expect_rc 2 "a second run on the same state file is refused" -- \
  "$SIM" run --state "$st" --fresh --timeout 0.05 -q
expect_out "in use by another photon-sim \(process $first\)" "it names the first run's process"
expect_rc 0 "--no-save runs from it all the same" -- \
  "$SIM" run --state "$st" --no-save --fast-flash --timeout 0.05 -q
ln -s "$st" "$TMP/link.state"
expect_rc 2 "through a symlink it is the same file" -- \
  "$SIM" run --state "$TMP/link.state" --timeout 0.05 -q
kill -INT "$first"; wait "$first"
expect_rc 0 "once the first run ended, the file is free" -- \
  "$SIM" inspect --state "$st"
expect_out 'bootloader' "and it still holds the first run's flash"
[ -e "$st.lock" ] && { echo "FAIL: the lock file stayed"; fails=$((fails + 1)); }

# a symlinked state file: the target is written, the link stays a link
expect_rc 0 "a run through a symlink" -- \
  "$SIM" run --state "$TMP/link.state" --fast-flash --load system-part1@2.2.0 --timeout 0.05 -q
if [ -L "$TMP/link.state" ]; then echo "ok: the link is still a link"
else echo "FAIL: the symlink was replaced"; fails=$((fails + 1)); fi
expect_rc 0 "inspect the target" -- "$SIM" inspect --state "$st"
expect_out 'system-part1' "the target has the new module"
ln -s "$TMP/new.state" "$TMP/dangling.state"
expect_rc 0 "a dangling symlink creates its target" -- \
  "$SIM" run --state "$TMP/dangling.state" --fresh --fast-flash --timeout 0.01 -q
[ -f "$TMP/new.state" ] && [ -L "$TMP/dangling.state" ] && echo "ok: target created" ||
  { echo "FAIL: the dangling link's target was not created"; fails=$((fails + 1)); }

# permissions are kept; a read-only file is refused unless --no-save
chmod 0600 "$st"
expect_rc 0 "a run on a 0600 file" -- "$SIM" run --state "$st" --fast-flash --timeout 0.01 -q
[ "$(stat -c %a "$st")" = 600 ] && echo "ok: the mode stays 0600" ||
  { echo "FAIL: mode became $(stat -c %a "$st")"; fails=$((fails + 1)); }
chmod 0444 "$st"
cp "$st" "$TMP/before"
expect_rc 2 "a read-only state file is refused" -- \
  "$SIM" run --state "$st" --fast-flash --timeout 0.01 -q
expect_out 'read-only; --no-save' "says so and what to do"
expect_rc 0 "a read-only state file with --no-save runs" -- \
  "$SIM" run --state "$st" --no-save --fast-flash --timeout 0.01 -q
cmp -s "$st" "$TMP/before" && [ "$(stat -c %a "$st")" = 444 ] && echo "ok: untouched" ||
  { echo "FAIL: the read-only file was changed"; fails=$((fails + 1)); }
chmod 0644 "$st"

# a place where nothing can be written: refused before the run
echo x > "$TMP/afile"
expect_rc 2 "a state path below a regular file is refused up front" -- \
  "$SIM" run --state "$TMP/afile/photon.state" --fresh --timeout 1000 -q
expect_out 'Not a directory' "names the problem"

# temporary files of a run killed while saving are removed by the next run
echo junk > "$st.tmp.2147483646"           # no such process
echo keep > "$st.tmp.$$"                   # a live process (this shell)
expect_rc 0 "the next run" -- "$SIM" run --state "$st" --fast-flash --timeout 0.01 -q
[ ! -e "$st.tmp.2147483646" ] && echo "ok: the stale temporary file is gone" ||
  { echo "FAIL: stale temporary file left"; fails=$((fails + 1)); }
[ -e "$st.tmp.$$" ] && echo "ok: a live process's file is kept" ||
  { echo "FAIL: a live process's temporary file was removed"; fails=$((fails + 1)); }
rm -f "$st.tmp.$$"

# a damaged file is refused and never overwritten (without --fresh)
cp "$st" "$TMP/damaged.state"
printf 'XY' | dd of="$TMP/damaged.state" bs=1 seek=1000 conv=notrunc status=none
cp "$TMP/damaged.state" "$TMP/damaged.copy"
expect_rc 2 "a damaged state file is refused" -- \
  "$SIM" run --state "$TMP/damaged.state" --timeout 0.01 -q
expect_out 'damaged \(checksum mismatch\)' "says it is damaged"
cmp -s "$TMP/damaged.state" "$TMP/damaged.copy" && echo "ok: left as it was" ||
  { echo "FAIL: the damaged file was changed"; fails=$((fails + 1)); }

# a FIFO as the state file is refused, not waited on
mkfifo "$TMP/fifo.state"
expect_rc 2 "a FIFO as --state" -- "$SIM" run --state "$TMP/fifo.state" --timeout 0.01 -q
expect_out 'not a regular file' "says why"
expect_rc 2 "a FIFO as --state with --no-save" -- \
  "$SIM" run --state "$TMP/fifo.state" --no-save --timeout 0.01 -q
expect_rc 2 "a directory as --state" -- "$SIM" run --state "$TMP" --timeout 0.01 -q
finish
