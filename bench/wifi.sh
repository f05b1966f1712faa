#!/usr/bin/env bash
# Device OS up to listening mode, with the BCM43362 model on SDIO: how long
# from reset to the blinking blue LED (virtual and wall seconds), how fast
# the busy parts run (MIPS), and what a device idling in listening mode
# costs (the FreeRTOS idle task skipped after each SysTick). Prints a
# markdown section for bench/RESULTS.md.   bench/wifi.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sim=${PHOTON_SIM:-$top/build/photon-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stats() { grep -o '[0-9.]* s of virtual time in [0-9.]* s ([0-9.]*x real time); [0-9.]* M instructions, [0-9.]* MIPS; [0-9.]* s skipped idle' <<<"$1"; }
# the numbers of a --stats line: 1 virtual s, 2 wall s, 3 factor, 4 M instructions, 5 MIPS, 6 skipped s
field() { grep -o '[0-9][0-9.]*' <<<"$1" | sed -n "$2p"; }
led_at() { grep -o "^\[ *[0-9.]* s\] LED $2" <<<"$1" | tail -1 | grep -o '[0-9.]*' | head -1; }

row() { # release
  local v=$1 st=$work/dev$1.state out first second
  first=$("$sim" run --state "$st" --fresh --load "bootloader@$v" --load "system-part1@$v" \
          --load "system-part2@$v" --load tinker@0.4.5 --until-led "blinking blue" --timeout 30 --stats 2>&1)
  second=$("$sim" run --state "$st" --no-save --until-led "blinking blue" --timeout 30 --stats 2>&1)
  local s1 s2
  s1=$(stats "$first"); s2=$(stats "$second")
  echo "| $v, erased device (keys generated, self-reset) | $(led_at "$first" 'blinking blue') | $(field "$s1" 2) | $(field "$s1" 3)x | $(field "$s1" 5) |"
  echo "| $v, device with its keys | $(led_at "$second" 'blinking blue') | $(field "$s2" 2) | $(field "$s2" 3)x | $(field "$s2" 5) |"
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
busy=$(stats "$("$sim" run --fresh --no-save --load bootloader@2.2.0 --load system-part1@2.2.0 \
        --load system-part2@2.2.0 --load tinker@0.4.5 --timeout 3.5 --stats 2>&1)")

st=$work/idle.state
"$sim" run --state "$st" --fresh --fast-flash --load bootloader@2.2.0 --load system-part1@2.2.0 \
  --load system-part2@2.2.0 --load tinker@0.4.5 --until-led "blinking blue" --timeout 30 -q >/dev/null
a=$(stats "$("$sim" run --state "$st" --no-save --timeout 30 --stats 2>&1)")
b=$(stats "$("$sim" run --state "$st" --no-save --timeout 150 --stats 2>&1)")
dv=$(echo "$(field "$b" 1) - $(field "$a" 1)" | bc -l)
dw=$(echo "$(field "$b" 2) - $(field "$a" 2)" | bc -l)
di=$(echo "$(field "$b" 4) - $(field "$a" 4)" | bc -l)
ds=$(echo "$(field "$b" 6) - $(field "$a" 6)" | bc -l)

echo "## Device OS to listening mode (BCM43362 on SDIO)"
echo
echo "Measured by \`bench/wifi.sh\` on $(date -u +%Y-%m-%d), commit $(git -C "$top" rev-parse --short HEAD),"
echo "$("$sim" --version | sed -n 's/^CPU engine: //p'), load average before the run: $load."
echo
echo "Reset to the listening mode LED (blinking blue) with no Wi-Fi credentials, default"
echo "access point only. Wall seconds and the real-time factor are those of the whole run,"
echo "which stops once the pattern is recognised (two periods after it starts)."
echo
echo "| device | LED blinking blue at (virtual s) | wall (s) | real-time factor | MIPS |"
echo "|---|---:|---:|---:|---:|"
row 2.2.0
row 1.5.0
echo
echo "Busy code (2.2.0's first boot, key generation, 3.5 s virtual, nothing idle):"
echo "$(field "$busy" 5) MIPS, $(field "$busy" 3)x real time."
echo
echo "Idle in listening mode (2.2.0, from 30 to 150 s of virtual time, measured as the"
echo "difference of a 30 s and a 150 s run):"
echo
echo "| quantity | value |"
echo "|---|---|"
echo "| virtual time | $(printf '%.1f' "$dv") s |"
echo "| wall time | $(printf '%.2f' "$dw") s |"
echo "| real-time factor | $(echo "$dv / $dw" | bc -l | xargs printf '%.1f')x |"
echo "| idle time skipped | $(echo "100 * $ds / $dv" | bc -l | xargs printf '%.1f') % |"
echo "| instructions executed per virtual second | $(echo "$di / $dv" | bc -l | xargs printf '%.2f') M |"
echo
echo "What still runs in listening mode: the 1 kHz SysTick handler (about 180"
echo "instructions), the FreeRTOS idle task until the idle detector has seen two"
echo "identical visits of its loop (registers, RAM, no I/O) after each tick, and a task"
echo "that wakes every 100 ms; everything between is skipped to the next event."
