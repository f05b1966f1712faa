#!/usr/bin/env bash
# Benchmark: wall time to flash system-part1 (about 240 KB) into the
# emulated Photon with the unmodified dfu-util, through the libusb shim and
# USB/IP, next to what the same download takes on a real Photon.
#
#   bench/usb_dfu.sh [RUNS]        (default 5; needs build/photon-sim, dfu-util)
#
# Prints a Markdown table. The real board's time is derived from the
# STM32F205 datasheet (what the bootloader waits for) plus full-speed USB:
#   erase:    tERASE128KB typical 1 s (x32) per 128 KB sector touched
#   program:  tPROG typical 16 us per 32-bit word (the bootloader writes words)
#   USB:      DfuSe needs 6 control transfers per 4 KB block (set address,
#             2 GETSTATUS, DNLOAD, 2 GETSTATUS); a Linux host completes at most
#             one control transfer per 1 ms frame at full speed, and a 4 KB
#             data stage (64 packets of 64 bytes) takes about 4 frames
# which is a lower bound: real hosts add scheduling latency on top.
set -u
RUNS=${1:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIM=${PHOTON_SIM:-$ROOT/build/photon-sim}
IMG=$ROOT/images/cache/system-part1@2.2.0.bin
command -v dfu-util >/dev/null || { echo "dfu-util is not installed" >&2; exit 2; }
[ -x "$SIM" ] && [ -f "$IMG" ] || { echo "build photon-sim and fetch the images first" >&2; exit 2; }
TMP=$(mktemp -d)
trap '[ -n "${PID:-}" ] && kill -KILL "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT

mkfifo "$TMP/out"
"$SIM" run --fresh --no-save --load bootloader@2.2.0 --usbip 0 --timeout 100000 \
  --log usb --log-file "$TMP/usb.log" > "$TMP/out" 2>&1 &
PID=$!
exec {FD}< "$TMP/out"
PORT=
while IFS= read -r -t 60 line <&"$FD"; do
  [[ $line =~ 127\.0\.0\.1:([0-9]+) ]] && PORT=${BASH_REMATCH[1]}
  [[ $line =~ attached ]] && break
done
[ -n "$PORT" ] || { echo "the simulator did not come up" >&2; exit 1; }
cat <&"$FD" > /dev/null &

SIZE=$(stat -c %s "$IMG")
walls=()
virts=()
for i in $(seq "$RUNS"); do
  before=$(wc -l < "$TMP/usb.log")
  t0=$(date +%s.%N)
  "$SIM" usb --port "$PORT" -- dfu-util -d 2b04:d006 -a 0 -s 0x08020000 -D "$IMG" > "$TMP/dfu.log" 2>&1 \
    || { echo "dfu-util failed:" >&2; tail -5 "$TMP/dfu.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')")
  # device-side (virtual) duration: first to last transfer of this session
  v=$(tail -n +"$((before + 1))" "$TMP/usb.log" | grep -oE '^\[[0-9.]+ ms\] usb: control' |
      sed -E 's/^\[([0-9.]+) ms\].*/\1/' | sed -n '1p;$p' | tr '\n' ' ')
  virts+=("$(echo "$v" | awk '{printf "%.3f", ($2 - $1) / 1000}')")
done
kill -TERM "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; PID=

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
W=$(median "${walls[@]}")
V=$(median "${virts[@]}")
BLOCKS=$(( (SIZE + 4095) / 4096 ))
SECTORS=$(( (SIZE + 131071) / 131072 ))
REAL=$(awk -v s="$SECTORS" -v n="$SIZE" -v b="$BLOCKS" 'BEGIN {printf "%.3f", s * 1.0 + n / 4 * 0.000016 + b * (6 + 4) * 0.001}')
printf '| quantity | value |\n|---|---|\n'
printf '| image | system-part1@2.2.0.bin, %d bytes (%d DfuSe blocks, %d sectors erased) |\n' "$SIZE" "$BLOCKS" "$SECTORS"
printf '| runs | %d |\n' "$RUNS"
printf '| simulator, wall clock (median) | %.3f s (%s) |\n' "$W" "$(printf '%.3f ' "${walls[@]}")"
printf '| simulator, virtual time on the device (median) | %.3f s |\n' "$V"
printf '| real Photon, datasheet + full-speed USB lower bound | %.3f s |\n' "$REAL"
printf '| speed-up over the real board (lower bound / simulator wall) | %.1fx |\n' "$(awk -v r="$REAL" -v w="$W" 'BEGIN {print r / w}')"
printf '| effective rate in the simulator | %.0f KB/s |\n' "$(awk -v n="$SIZE" -v w="$W" 'BEGIN {print n / 1024 / w}')"
