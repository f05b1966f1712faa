#!/usr/bin/env bash
# The GDB stub with the real gdb-multiarch against the real bootloader and
# system-part1 2.2.0: halted at the reset handler, step, registers (incl.
# the system ones), system-part1's module header, a watchpoint on RTC
# BKP4R that fires when the bootloader writes it, monitor reset and a
# breakpoint at the reset handler, detach. The same firmware without gdb,
# with gdb attached, and interrupted again and again gives the same LED
# trace, and so does one where a breakpoint is hit again and again. Bad
# protocol input gets errors and the simulator runs on.
. "$(dirname "$0")/lib.bash"
HERE=$(cd "$(dirname "$0")" && pwd)
SIM_PID=
trap '[ -n "$SIM_PID" ] && kill "$SIM_PID" 2>/dev/null; rm -rf "$TMP"' EXIT
GDB=${GDB:-gdb-multiarch}
if ! command -v "$GDB" >/dev/null || ! command -v python3 >/dev/null; then
  echo "FAIL: needs $GDB and python3 (tools/install-deps)"; exit 1
fi

# start_sim NAME ARGS...: photon-sim in the background with a GDB port
# chosen by the system; sets PORT and SIM_PID. The port is read from its
# stderr through a FIFO (a blocking read, no polling).
start_sim() {
  local name=$1 line fd; shift
  mkfifo "$TMP/$name.fifo"
  timeout 300 "$SIM" run "$@" --gdb 0 >"$TMP/$name.out" 2>"$TMP/$name.fifo" &
  SIM_PID=$!
  exec {fd}<"$TMP/$name.fifo"
  PORT=
  while IFS= read -r -t 120 line <&$fd; do
    echo "$line" >>"$TMP/$name.err"
    if [[ $line =~ listening\ on\ 127\.0\.0\.1:([0-9]+) ]]; then PORT=${BASH_REMATCH[1]}; break; fi
  done
  cat <&$fd >>"$TMP/$name.err" &
  exec {fd}<&-
  if [ -z "$PORT" ]; then
    echo "FAIL: $name: photon-sim did not announce its GDB port"; cat "$TMP/$name.err"; exit 1
  fi
}

# wait_sim NAME: its exit status in SIM_RC, its output in LAST_OUT
wait_sim() {
  wait "$SIM_PID"; SIM_RC=$?; SIM_PID=
  LAST_OUT=$(cat "$TMP/$1.out" "$TMP/$1.err" 2>/dev/null)
}

# run_gdb NAME SCRIPT: gdb-multiarch in batch mode; output in LAST_OUT
run_gdb() {
  sed "s/@PORT@/$PORT/" "$2" >"$TMP/$1.gdb"
  LAST_OUT=$(timeout 120 "$GDB" -nx -batch -x "$TMP/$1.gdb" 2>&1)
  echo "$LAST_OUT" >"$TMP/$1.gdb.out"
}

expect_rc 2 "--gdb with a bad port is refused" -- "$SIM" run --fresh --no-save --gdb nope
expect_out "--gdb wants \[ADDRESS:\]PORT" "with a clear message"

# ---- a debugging session ---------------------------------------------------
cat >"$TMP/session.gdb.in" <<'EOF'
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
printf "RESET pc=%08x sp=%08x\n", $pc, $sp
printf "VECTOR %08x\n", *(unsigned int *)0x08000004
stepi
printf "STEPPED pc=%08x\n", $pc
info registers
x/6wx 0x08020184
watch *(unsigned int *)0x40002860
continue
printf "BKP4R %08x\n", *(unsigned int *)0x40002860
delete
break *0x0800019c
monitor reset
flushregs
continue
printf "AGAIN pc=%08x\n", $pc
set $r7 = 0x12345678
set $basepri = 0x40
printf "SET r7=%08x basepri=%x\n", $r7, $basepri
monitor info
detach
EOF
start_sim session --fresh --no-save --load bootloader@2.2.0 --load system-part1@2.2.0 \
  --timeout 2 --gdb-wait
run_gdb session "$TMP/session.gdb.in"
expect_out "RESET pc=0800019c sp=20020000" "halted at the bootloader's reset handler"
expect_out "VECTOR 0800019d" "flash read through gdb (the reset vector)"
expect_out "STEPPED pc=0800019e" "stepi executes one instruction"
expect_out "msp +0x20020000" "info registers shows msp"
for r in r12 xpsr psp primask basepri faultmask control; do
  expect_out "^$r +0x" "info registers shows $r"
done
expect_out "0x8020184:\s+0x08020000\s+0x0805af54\s+0x089a0000\s+0x01040006" \
  "system-part1's module header read through gdb"
expect_out "Hardware watchpoint 1: \*\(unsigned int \*\)0x40002860" "a hardware watchpoint on BKP4R"
expect_out "Old value = 0" "the watchpoint fires on the bootloader's write (old value)"
expect_out "New value = 450800832" "... and new value 0x1adeacc0"
expect_out "BKP4R 1adeacc0" "the backup register reads back through the RTC model"
expect_out "reset \(software\): halted at 0x0800019c" "monitor reset"
expect_out "Breakpoint 2, 0x0800019c" "the breakpoint at the reset handler fires after the reset"
expect_out "AGAIN pc=0800019c" "pc there"
expect_out "SET r7=12345678 basepri=40" "register writes, incl. basepri"
expect_out "pc 0x0800019c, Thread mode" "monitor info"
expect_out "Inferior 1 \(Remote target\) detached" "detach"
wait_sim session
[ "$SIM_RC" = 0 ] && echo "ok: after detach the run goes on to its timeout" || {
  echo "FAIL: photon-sim exited $SIM_RC after detach"; fails=$((fails + 1)); }
expect_out "stopped at 2\.000 s of virtual time" "the whole 2 s of virtual time ran"

# ---- load an ELF into flash through gdb (vFlash), with symbols ---------------
FW=${TEST_FW:-$(dirname "$SIM")/tests/firmware}/test_exceptions.elf
if [ -f "$FW" ]; then
  cat >"$TMP/load.gdb.in" <<EOF
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
file $FW
load
monitor reset
flushregs
break svc_handler
continue
bt 1
delete
continue
EOF
  start_sim load --fresh --no-save --gdb-wait --until-led "solid green" --timeout 20
  run_gdb load "$TMP/load.gdb.in"
  expect_out "Loading section \.text" "gdb load programs flash with vFlash packets"
  expect_out "Breakpoint 1, (0x[0-9a-f]+ in )?svc_handler" "a breakpoint on a symbol of the loaded program"
  wait_sim load
  expect_out "^PASS" "the loaded test firmware passes"
  expect_out 'saw "solid green"' "and shows solid green"
else
  echo "FAIL: $FW not built (arm-none-eabi-gcc)"; fails=$((fails + 1))
fi

# ---- a debugger that only watches changes nothing ----------------------------
FULL=(--fresh --no-save --seed 7 --load bootloader@2.2.0 --load system-part1@2.2.0
      --load system-part2@2.2.0 --load tinker@0.4.5 --timeout 3 -q)
expect_rc 0 "reference run without gdb" -- "$SIM" run "${FULL[@]}" --led-trace "$TMP/ref.csv"
[ "$(wc -l <"$TMP/ref.csv")" -ge 10 ] && echo "ok: the reference LED trace has changes" || {
  echo "FAIL: the reference LED trace is too short"; fails=$((fails + 1)); }

cat >"$TMP/attached.gdb.in" <<'EOF'
set pagination off
target remote 127.0.0.1:@PORT@
continue
EOF
start_sim attached "${FULL[@]}" --led-trace "$TMP/attached.csv" --gdb-wait
run_gdb attached "$TMP/attached.gdb.in"
expect_out "exited normally" "gdb attached and continued: the run ends, gdb hears of it"
wait_sim attached
if cmp -s "$TMP/ref.csv" "$TMP/attached.csv"; then echo "ok: identical LED trace with gdb attached"
else echo "FAIL: the LED trace differs with gdb attached"; diff "$TMP/ref.csv" "$TMP/attached.csv" | head; fails=$((fails + 1)); fi

start_sim interrupted "${FULL[@]}" --led-trace "$TMP/interrupted.csv" --gdb-wait
LAST_OUT=$(timeout 300 python3 "$HERE/gdb_client.py" "$PORT" interrupt 2>&1)
echo "$LAST_OUT" | tail -3
expect_out "the run ends with W|the run ended" "continue / Ctrl-C / read / continue ... to the end"
wait_sim interrupted
if cmp -s "$TMP/ref.csv" "$TMP/interrupted.csv"; then echo "ok: identical LED trace when interrupted again and again"
else echo "FAIL: the LED trace differs when interrupted"; diff "$TMP/ref.csv" "$TMP/interrupted.csv" | head; fails=$((fails + 1)); fi

# Breakpoints stop the core inside a block: the time counted ahead for
# the rest of the block is taken back when it restarts, so breakpoint hits
# (gdb steps over each) and a watchpoint (memory hooks) change nothing.
cat >"$TMP/hits.gdb.in" <<'EOF'
set pagination off
target remote 127.0.0.1:@PORT@
set $systick = *(unsigned int *)0x0806003c & ~1
break *$systick
ignore 1 25
watch *(unsigned int *)0x080c0000
continue
info breakpoints
delete
continue
EOF
start_sim hits "${FULL[@]}" --led-trace "$TMP/hits.csv" --gdb-wait
run_gdb hits "$TMP/hits.gdb.in"
expect_out "breakpoint already hit 26 times" "a breakpoint in system-part2's SysTick handler hit 26 times"
expect_out "exited normally" "then the run goes on to its end"
wait_sim hits
if cmp -s "$TMP/ref.csv" "$TMP/hits.csv"; then echo "ok: identical LED trace with breakpoint hits and a watchpoint"
else echo "FAIL: the LED trace differs with breakpoint hits"; diff "$TMP/ref.csv" "$TMP/hits.csv" | head; fails=$((fails + 1)); fi

# ---- bad input -------------------------------------------------------------------
start_sim abuse --fresh --no-save --load bootloader@2.2.0 --until-led "blinking yellow" \
  --timeout 3 --gdb-wait
LAST_OUT=$(timeout 300 python3 "$HERE/gdb_client.py" "$PORT" abuse 2>&1)
echo "$LAST_OUT" | grep -c '^ok:' | sed 's/^/protocol checks passed: /'
if grep -q '^FAIL' <<<"$LAST_OUT" || ! grep -q '^ok: disconnected in the middle' <<<"$LAST_OUT"; then
  echo "FAIL: protocol abuse"; echo "$LAST_OUT" | tail -20; fails=$((fails + 1))
else
  echo "ok: malformed packets, bad checksums, huge lengths: errors, no harm"
fi
wait_sim abuse
[ "$SIM_RC" = 0 ] && echo "ok: after an abrupt disconnect the simulator ran on to its result" || {
  echo "FAIL: photon-sim exited $SIM_RC"; echo "$LAST_OUT" | tail; fails=$((fails + 1)); }
expect_out 'saw "blinking yellow' "the bootloader reached DFU mode after all that"

# Disconnect while running: paced to the wall clock for 60 s so that it is
# surely still running when the client comes back; the client kills it.
start_sim reconnect --fresh --no-save --load bootloader@2.2.0 --timeout 60 --realtime --gdb-wait
LAST_OUT=$(timeout 300 python3 "$HERE/gdb_client.py" "$PORT" reconnect 2>&1)
if grep -q '^FAIL' <<<"$LAST_OUT" || ! grep -q '^ok: kill' <<<"$LAST_OUT"; then
  echo "FAIL: reconnect"; echo "$LAST_OUT" | tail -20; fails=$((fails + 1))
else
  echo "ok: disconnected while running, connected again, killed"
fi
wait_sim reconnect
[ "$SIM_RC" = 0 ] && echo "ok: kill ends the run cleanly" || {
  echo "FAIL: photon-sim exited $SIM_RC after kill"; fails=$((fails + 1)); }
expect_out "killed by the debugger" "and says so"
finish
