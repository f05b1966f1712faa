#!/usr/bin/env bash
# A kill -9 soak: 30 kills at chosen moments (a seeded sequence) of a first
# boot, while the new device writes its keys and saves its state, and of a
# DFU download of system-part1. After every kill the state file loads and
# every module is either the old one or the new one; the next run that
# writes the file leaves no temporary file and no lock behind.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
st=$TMP/photon.state
all=(--load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5)
RANDOM=20261207 # the kill moments: the same in every run of the test
expect_rc 0 "a first state file" -- \
  "$SIM" run --state "$st" --fresh --fast-flash "${all[@]}" --usb-serial none --timeout 0.1 -q

# 20 kills during first boots: at the Nth flash erase or reset the run reports
for round in $(seq 20); do
  k=$((RANDOM % 6 + 1))
  coproc RUN { exec "$SIM" run --state "$st" --fresh --fast-flash "${all[@]}" --usb-serial none \
    --timeout 60 --log flash --log-file /dev/stdout; }
  pid=$RUN_PID n=0
  exec {rfd}<&"${RUN[0]}" # bash drops RUN when the process ends
  while IFS= read -r line <&$rfd; do
    case "$line" in *"flash: sector"*|*"reset ("*) n=$((n + 1)) ;; esac
    [ $n -ge $k ] && { kill -9 "$pid"; break; }
  done
  wait "$pid" 2>/dev/null
  exec {rfd}<&-
  out=$("$SIM" inspect --state "$st" 2>&1); rc=$?
  if [ $rc = 0 ] && grep -q '^system' <<<"$out" && grep -q '^user' <<<"$out"; then
    echo "ok: boot kill $round (event $k): the state file loads, the modules are there"
  else
    echo "FAIL: boot kill $round (event $k): exit $rc"; echo "$out" | tail -5; fails=$((fails + 1))
  fi
done

# 10 kills during a DFU download of system-part1 2.2.0 over 1.5.0
old=(--load bootloader@2.2.0 --load system-part1@1.5.0 --load system-part2@1.5.0)
expect_rc 0 "a device with system-part1 1.5.0" -- \
  "$SIM" run --state "$st" --fresh --fast-flash "${old[@]}" --usb-serial none --timeout 0.01 -q
for round in $(seq 10); do
  k=$((RANDOM % 2 + 1)) # system-part1 spans sectors 5 and 6
  sim_start --state "$st" --hold setup=4 --fast-flash --usb-serial none --log flash \
    --log-file /dev/stdout || { echo "FAIL: no simulator"; fails=$((fails + 1)); break; }
  sim_wait "USB device 2b04:d006" 60 || { echo "FAIL: no DFU mode"; fails=$((fails + 1)); }
  dfu -d 2b04:d006 -a 0 -s 0x08020000 -D "$SRC/images/cache/system-part1@2.2.0.bin" \
    >"$TMP/dfu.out" 2>&1 &
  dfu_pid=$!
  for i in $(seq "$k"); do sim_wait 'flash: sector' 60 >/dev/null || break; done
  kill -9 "$SIM_PID"; sim_end 2>/dev/null
  wait "$dfu_pid" 2>/dev/null
  out=$("$SIM" inspect --state "$st" 2>&1); rc=$?
  if [ $rc -le 1 ] && grep -qE 'module +system\.1 version (1[0-9]{3}|2202)' <<<"$out"; then
    echo "ok: DFU kill $round (erase $k): the state file loads, system-part1 is old or new"
  else
    echo "FAIL: DFU kill $round (erase $k): exit $rc"; echo "$out" | head -12; fails=$((fails + 1))
  fi
done

expect_rc 0 "the next run" -- "$SIM" run --state "$st" --usb-serial none --timeout 0.01 -q
leftover=$(ls "$TMP" | grep -E 'photon\.state\.(tmp\.|lock)')
[ -z "$leftover" ] && echo "ok: no temporary file or lock left" ||
  { echo "FAIL: left behind: $leftover"; fails=$((fails + 1)); }
finish
