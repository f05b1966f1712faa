#!/usr/bin/env bash
# The scenario library's speed: every tests/scenarios/*.yaml run once, in
# one `photon-sim scenario` invocation; wall time against the virtual time
# it covers (the real-time factor). Writes a markdown snippet for
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
trap 'rm -f "$log"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)
set +e
"$sim" scenario "${files[@]}" >"$log" 2>&1
rc=$?
set -e
[ $rc -eq 0 ] || { echo "bench/scenarios.sh: the scenario library did not pass (exit $rc):" >&2; cat "$log" >&2; exit 1; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  echo "## Scenario library: wall time against virtual time"
  echo
  echo "\`photon-sim scenario tests/scenarios/*.yaml\` (${#files[@]} files, one process), commit $rev,"
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
  echo "booting Device OS is busy code and runs near real time."
}
