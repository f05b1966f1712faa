#!/usr/bin/env bash
# The scenario library's speed: every tests/scenarios/*.yaml in one
# `photon-sim scenario -j 1` invocation; wall time against the virtual time
# it covers (the real-time factor); then the whole library with -j 1 and
# -j 2 alternately (3 times each, the median). Writes a markdown snippet for
# bench/RESULTS.md to stdout (or to FILE).   bench/scenarios.sh [FILE]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sim=${PHOTON_SIM:-$root/build/photon-sim}
[ -x "$sim" ] || { echo "bench/scenarios.sh: build first ($sim is missing)" >&2; exit 2; }
# with FILE, write there; else to standard output (reopening /dev/stdout
# would truncate a file the caller redirected it to)
[ -n "${1:-}" ] && exec >"$1"
files=("$root"/tests/scenarios/*.yaml)
log=$(mktemp)
trap 'rm -f "$log" "$log".*' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)
library() { # JOBS LOG: run the library, the elapsed wall seconds
  local t0 t1 rc
  t0=$(date +%s.%N)
  set +e
  "$sim" scenario -j "$1" "${files[@]}" >"$2" 2>&1
  rc=$?
  set -e
  t1=$(date +%s.%N)
  [ $rc -eq 0 ] || { echo "bench/scenarios.sh: the scenario library did not pass with -j $1 (exit $rc):" >&2
                     cat "$2" >&2; exit 1; }
  echo "$t1 - $t0" | bc -l
}
library 1 "$log" >/dev/null
for i in 1 2 3; do
  library 1 "$log.1" >>"$log.w1"
  library 2 "$log.2" >>"$log.w2"
done
median() { sort -g "$1" | sed -n 2p; }
w1=$(median "$log.w1") w2=$(median "$log.w2")
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  echo "## Scenario library: wall time against virtual time"
  echo
  echo "\`photon-sim scenario -j 1 tests/scenarios/*.yaml\` (${#files[@]} files, one process), commit $rev,"
  echo "$(date -u +%Y-%m-%d), ${cpu:-unknown CPU}, $(nproc) cores, load average before the run: $load."
  echo "Real-time factor = virtual seconds covered per wall second (above 1: faster than a real Photon)."
  echo
  echo "| scenario | steps | virtual (s) | wall (s) | real-time factor |"
  echo "|---|---:|---:|---:|---:|"
  sed -nE 's/^PASS +[^ ]*\/([^/:]+)\.yaml: .* \(([0-9]+)\/[0-9]+ steps, ([0-9.]+) s virtual, ([0-9.]+) s wall\)$/\1 \2 \3 \4/p' "$log" |
    while read -r name steps virt wall; do
      awk -v n="$name" -v s="$steps" -v v="$virt" -v w="$wall" \
        'BEGIN { printf "| %s | %d | %.3f | %.3f | %s |\n", n, s, v, w, (w > 0 ? sprintf("%.1fx", v / w) : "-") }'
    done
  sed -nE 's/^([0-9]+) scenarios: .*; ([0-9.]+) s virtual in ([0-9.]+) s wall \(([0-9.]+)x real time\)$/| **total** (\1 scenarios) | | **\2** | **\3** | **\4x** |/p' "$log"
  echo
  echo "DFU mode and the bootloader's button wait are idle loops, skipped to the next event;"
  echo "booting Device OS is busy code."
  echo
  echo "The whole library, elapsed wall time (median of 3, -j 1 and -j 2 alternating):"
  echo
  echo "| run | wall (s) | speed-up |"
  echo "|---|---:|---:|"
  printf '| -j 1 (one process) | %.3f | 1.00x |\n' "$w1"
  printf '| -j 2 (two processes) | %.3f | %.2fx |\n' "$w2" "$(echo "$w1 / $w2" | bc -l)"
  longest=$(sed -nE 's/^PASS +[^ ]*\/([^/:]+)\.yaml: .* ([0-9.]+) s wall\)$/\2 \1/p' "$log" | sort -g | tail -1)
  echo
  echo "No run can be shorter than its longest scenario (here ${longest#* }, ${longest%% *} s of"
  echo "the -j 1 run's scenario time): with -j 2 the library takes at least that long."
}
