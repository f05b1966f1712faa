#!/usr/bin/env bash
# Execution traces on the real images: exceptions with vector names,
# register accesses of chosen peripherals with register names, PC samples
# attributed to modules with a histogram. Tracing does not change the run:
# the LED trace is the same with every trace on.
. "$(dirname "$0")/lib.bash"

expect_rc 0 "bootloader with --trace exc,mmio=RTC" -- \
  "$SIM" run --fresh --no-save --load bootloader@2.2.0 --timeout 0.01 -q \
  --trace exc --trace mmio=RTC --trace-file "$TMP/bl.trace"
LAST_OUT=$(cat "$TMP/bl.trace")
expect_out "exc entry +15 SysTick +from 0x080[0-9a-f]{5} sp=0x2001[0-9a-f]{4} depth 1" \
  "exception entry with its vector name"
expect_out "exc return +15 SysTick +to +0x080[0-9a-f]{5} \(0xfffffff9\) depth 0" \
  "exception return with where it returns"
expect_out "mmio W RTC.BKP4R +<- 0x1adeacc0 pc=0x080" "RTC register writes with names"
if grep -q "RCC\." "$TMP/bl.trace"; then
  echo "FAIL: mmio=RTC traced other peripherals"; fails=$((fails + 1))
else echo "ok: only the named peripheral"; fi

expect_rc 2 "an unknown peripheral is refused" -- \
  "$SIM" run --fresh --no-save --trace mmio=NOPE
expect_out "no peripheral named 'NOPE' \(known: .*RCC.*GPIOA" "listing the known ones"
expect_rc 2 "an unknown trace is refused" -- "$SIM" run --fresh --no-save --trace cache
expect_out "known: exc, mmio=" "listing the known ones"
expect_rc 2 "pc-sample wants a number" -- "$SIM" run --fresh --no-save --trace pc-sample=0

FULL=(--fresh --no-save --seed 3 --load bootloader@2.2.0 --load system-part1@2.2.0
      --load system-part2@2.2.0 --load tinker@0.4.5 --timeout 2 -q)
expect_rc 0 "the 2.2.0 set without traces" -- "$SIM" run "${FULL[@]}" --led-trace "$TMP/plain.csv"
expect_rc 0 "the 2.2.0 set with every trace" -- "$SIM" run "${FULL[@]}" --led-trace "$TMP/traced.csv" \
  --trace exc,pc-sample=50000 --trace mmio=TIM2,GPIOA --trace-file "$TMP/full.trace"
if cmp -s "$TMP/plain.csv" "$TMP/traced.csv" && [ -s "$TMP/plain.csv" ]; then
  echo "ok: identical LED trace with tracing on"
else echo "FAIL: tracing changed the LED trace"; fails=$((fails + 1)); fi
LAST_OUT=$(grep -v "\] \(exc\|mmio\) " "$TMP/full.trace")
expect_out "pc 0x0802[0-9a-f]{4} system-part1" "PC samples in system-part1"
expect_out "pc 0x080[6-9][0-9a-f]{4} system-part2" "PC samples in system-part2"
expect_out "pc-sample summary: [0-9]+ samples, one every 50000 cycles" "a summary at the end"
expect_out "^  system-part1 +[0-9.]+% +[0-9]+" "with a histogram by module"
expect_out "^hottest blocks:" "and the hottest blocks"
LAST_OUT=$(grep -m3 "mmio W TIM2\." "$TMP/full.trace")
expect_out "mmio W TIM2\.(CCR|ARR|PSC|CR1|CCMR|CCER)" "TIM2 (the LED PWM) register writes"
finish
