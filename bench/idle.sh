#!/usr/bin/env bash
# What an idle device costs the host: 2.2.0 in listening mode (blinking
# blue, no credentials) and 2.2.0 breathing cyan on the local cloud, each
# measured as the difference of a short and a long run (the boot cancels
# out), as user CPU seconds of the process (less sensitive to the other
# processes on the machine than wall seconds) per virtual second. With two
# builds, their runs alternate and the ratio is taken from the same run.
# Median of 3. Prints a markdown table.
#   bench/idle.sh [SIM_A [SIM_B]]   (default: build/photon-sim)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sims=("${@:-$root/build/photon-sim}")
for s in "${sims[@]}"; do
  [ -x "$s" ] || { echo "bench/idle.sh: $s is missing (build first)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cpu() { # command...: user CPU seconds
  /usr/bin/time -f '%U' -o "$work/t" "$@" >/dev/null 2>&1 || { echo "bench/idle.sh: failed: $*" >&2; exit 1; }
  cat "$work/t"
}

"${sims[0]}" run --state "$work/dev.state" --fresh --fast-flash --load bootloader@2.2.0 \
  --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5 \
  --until-led "blinking blue" --timeout 30 -q >/dev/null
listening() { # SIM: CPU seconds per virtual second (30 s to 150 s)
  local a b
  a=$(cpu "$1" run --state "$work/dev.state" --no-save --timeout 30 -q)
  b=$(cpu "$1" run --state "$work/dev.state" --no-save --timeout 150 -q)
  echo "($b - $a) / 120" | bc -l
}

cloud_yaml() { # SECONDS of breathing cyan
  cat <<EOF
name: "idle on the local cloud"
device:
  images: [bootloader@2.2.0, system-part1@2.2.0, system-part2@2.2.0, tinker@0.4.5]
  fast-flash: true
  cloud: true
  wifi-ap:
    - ssid=Home,security=wpa2,password=secret123,channel=6
steps:
  - wait-led: {pattern: blinking blue, timeout: 20s}
  - wifi: "Home:secret123"
  - wait-led: {pattern: blinking cyan, timeout: 30s}
  - reset: pin
  - wait-led: {pattern: breathing cyan, timeout: 90s}
  - expect-led: {pattern: breathing cyan, for: ${1}s}
EOF
}
cloud_yaml 1 >"$work/short.yaml"
cloud_yaml 121 >"$work/long.yaml"
cloud() { # SIM: CPU seconds per virtual second of breathing cyan
  local a b
  a=$(cpu "$1" scenario "$work/short.yaml")
  b=$(cpu "$1" scenario "$work/long.yaml")
  echo "($b - $a) / 120" | bc -l
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
for i in 1 2 3; do
  for j in "${!sims[@]}"; do
    listening "${sims[$j]}" >>"$work/l$j"
    cloud "${sims[$j]}" >>"$work/c$j"
  done
done
median() { sort -g "$1" | sed -n 2p; }
factor() { echo "1 / $1" | bc -l | xargs printf '%.1f'; }
echo "bench/idle.sh, $(date -u +%Y-%m-%d), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown),"
echo "load average before the run: $load. Real-time factor = virtual seconds per CPU second."
echo
if [ ${#sims[@]} = 2 ]; then
  echo "| idle device (2.2.0) | A: real-time factor | B: real-time factor | B / A |"
  echo "|---|---:|---:|---:|"
  for k in l c; do
    label=$([ $k = l ] && echo "listening mode (blinking blue)" || echo "on the local cloud (breathing cyan)")
    a=$(median "$work/${k}0") b=$(median "$work/${k}1")
    echo "| $label | $(factor "$a")x | $(factor "$b")x | $(echo "$a / $b" | bc -l | xargs printf '%.2f')x |"
  done
  echo
  echo "A: ${sims[0]}; B: ${sims[1]}."
else
  echo "| idle device (2.2.0) | real-time factor |"
  echo "|---|---:|"
  echo "| listening mode (blinking blue) | $(factor "$(median "$work/l0")")x |"
  echo "| on the local cloud (breathing cyan) | $(factor "$(median "$work/c0")")x |"
fi
