#!/usr/bin/env bash
# The real Device OS 2.2.0 + Tinker on `photon-sim run --cloud`:
#  - power-on to breathing cyan (a device with Wi-Fi credentials, given in
#    listening mode by a scenario first): virtual and wall time;
#  - the real-time factor while it breathes cyan and idles: the virtual
#    seconds of a 20 s and a 80 s run, their difference over the difference
#    of their wall times (so the boot does not count);
#  - an OTA of a 100 KB user module (Tinker 0.4.5 padded to 100 KB, a valid
#    module) with `photon-sim cloud flash`: wall time from the upload to the
#    verdict "running" (transfer, the device's reset and the bootloader's
#    copy, the reconnect and the describe), median of three.
# Appends to bench/cloud-RESULTS.md.
#   bench/cloud_firmware.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sim=${PHOTON_SIM:-$top/build/photon-sim}
out=$top/bench/cloud-RESULTS.md
work=$(mktemp -d)
export XDG_STATE_HOME=$work/xdg
run_pid=
trap '[ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null; rm -rf "$work"' EXIT
ap="ssid=Home,security=wpa2,password=secret123,channel=6"

cat > "$work/cred.yaml" <<EOF
name: credentials
device:
  images: default
  fast-flash: true
  state: $work/dev.state
  save: true
  wifi-ap: ["$ap"]
steps:
  - wait-led: {pattern: blinking blue, timeout: 30s}
  - wifi: "Home:secret123"
EOF
"$sim" scenario "$work/cred.yaml" > /dev/null

# Tinker padded to 100 KB between its code and its suffix, with the end
# address, SHA-256 and CRC-32 made right
python3 - "$top/images/cache/tinker@0.4.5.bin" "$work/app.bin" <<'PY'
import hashlib, struct, sys, zlib
src = open(sys.argv[1], 'rb').read()
body = src[:-4]
slen = struct.unpack('<H', body[-2:])[0]
code, suffix = bytearray(body[:-slen]), bytearray(body[-slen:])
size = 100 * 1024 - 4
code += b'\0' * (size - len(code) - len(suffix))
b = code + suffix
start = struct.unpack('<I', b[0:4])[0]
b[4:8] = struct.pack('<I', start + len(b))
b[-34:-2] = hashlib.sha256(bytes(b[:-34])).digest()
open(sys.argv[2], 'wb').write(bytes(b) + struct.pack('>I', zlib.crc32(bytes(b))))
PY

opts=(--state "$work/dev.state" --no-save --cloud --cloud-port 0 --cloud-api-port 0
      --wifi-ap "$ap" --no-usb --fast)
# power-on to breathing cyan
t0=$(date +%s.%N)
line=$("$sim" run "${opts[@]}" -q --until-led "breathing cyan")
t1=$(date +%s.%N)
cyan_virt=$(sed -n 's/.*at \([0-9.]*\) s$/\1/p' <<<"$line")
cyan_wall=$(echo "$t1 - $t0" | bc -l)
# idle breathing cyan: 20 s and 80 s of virtual time
idle() {
  "$sim" run "${opts[@]}" -q --timeout "$1" --stats | sed -n 's/.* in \([0-9.]*\) s (.*/\1/p'
}
w20=$(idle 20); w80=$(idle 80)
rtf=$(echo "60 / ($w80 - $w20)" | bc -l)

# OTA of 100 KB, three times
"$sim" run "${opts[@]}" --timeout 100000 > "$work/run.out" 2> "$work/run.err" &
run_pid=$!
exec {rfd}< <(tail -n +1 -f "$work/run.out")
while IFS= read -r -t 120 -u $rfd line; do
  case $line in "Cloud: api "*) cloud=$line;; *"LED breathing cyan"*) break;; esac
done
export PHOTON_CLOUD_API=$(sed -n 's/^Cloud: api \([^,]*\),.*/\1/p' <<<"$cloud")
export PHOTON_CLOUD_TOKEN=$(sed -n 's/.*, token \([0-9a-f]*\),.*/\1/p' <<<"$cloud")
dev=$(sed -n 's/^photon-sim: device \([0-9a-f]*\),.*/\1/p' "$work/run.out")
times=()
for i in 1 2 3; do
  t0=$(date +%s.%N)
  "$sim" cloud flash "$dev" "$work/app.bin" | grep -q '^result: running' || { echo "OTA $i did not run"; exit 1; }
  t1=$(date +%s.%N)
  times+=("$(echo "$t1 - $t0" | bc -l)")
done
kill "$run_pid"; wait "$run_pid" 2>/dev/null || true; run_pid=
ota=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)

{
  echo
  echo "## The real Device OS 2.2.0 + Tinker on \`run --cloud\` ($(date -u +%F), $(nproc) cores, $("$sim" --version | head -1))"
  echo
  echo "bench/cloud_firmware.sh, one run each:"
  echo
  printf -- '- power-on to breathing cyan: %.2f s virtual, %.2f s wall\n' "$cyan_virt" "$cyan_wall"
  printf -- '- breathing cyan, idle: %.1fx real time (60 s of virtual time in %.2f s of wall time)\n' \
    "$rtf" "$(echo "$w80 - $w20" | bc -l)"
  printf -- '- OTA of a 100 KB user module, upload to the verdict "running" (transfer, reset, copy,\n'
  printf -- '  reconnect, describe): %.2f s wall (median of %s s); a real Photon takes tens of seconds\n' \
    "$ota" "$(printf '%.2f ' "${times[@]}")"
} | tee -a "$out"
