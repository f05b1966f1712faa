#!/usr/bin/env bash
# The local cloud's own cost of an OTA: a 100 KB user module flashed with
# `photon-sim cloud flash` into the test double of a Photon (mock-photon,
# which answers at once), fast and non-fast, median of three; the wall
# time is what the cloud adds to an OTA, the rest is the device's. Writes
# bench/cloud-RESULTS.md.
#   bench/cloud_ota.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sim=${PHOTON_SIM:-$top/build/photon-sim}
mock=${MOCK_PHOTON:-$top/build/tests/mock-photon}
out=$top/bench/cloud-RESULTS.md
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

# a valid Photon user module of 100 KB (header, suffix with SHA-256, CRC)
python3 - "$work/app.bin" <<'PY'
import hashlib, struct, sys, zlib
body = 100 * 1024 - 4
b = bytearray((i * 7) & 0xFF for i in range(body))
b[0:24] = struct.pack('<IIBBHHBB BBH BBH'.replace(' ', ''), 0x080A0000, 0x080A0000 + body, 0, 0, 5,
                      6, 5, 1, 4, 2, 6, 0, 0, 0)
b[body - 36:body - 34] = b'\0\0'
b[body - 2:body] = struct.pack('<H', 36)
b[body - 34:body - 2] = hashlib.sha256(bytes(b[:body - 34])).digest()
open(sys.argv[1], 'wb').write(bytes(b) + struct.pack('>I', zlib.crc32(bytes(b))))
PY

run_mode() { # extra cloud args...: median wall seconds of three flashes
  mkfifo "$work/c.fifo"
  "$sim" cloud -q --store "$work/c.db" --key "$work/k.pem" --api-port 0 --device-port 0 "$@" > "$work/c.fifo" &
  local cpid=$! api tok port line
  pids+=("$cpid")
  exec {cfd}< "$work/c.fifo"
  while IFS= read -r -u $cfd line; do
    case $line in api:*) api=${line#api: };; token:*) tok=${line#token: };; devices:*) port=${line##*:}; break;; esac
  done
  mkfifo "$work/m.fifo"
  "$mock" --server-key "$work/k.pem" --port "$port" --key "$work/dev.pem" > "$work/m.fifo" 2>&1 &
  local mpid=$!
  pids+=("$mpid")
  exec {mfd}< "$work/m.fifo"
  read -r -u $mfd line
  local i t0 t1
  for i in 1 2 3; do
    t0=$(date +%s.%N)
    "$sim" cloud flash --api "$api" --token "$tok" photon-234567 "$work/app.bin" > /dev/null
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
  done | sort -n | sed -n 2p
  kill "$mpid" "$cpid"; wait "$mpid" "$cpid" 2>/dev/null || true
  exec {cfd}<&- {mfd}<&-
  rm -f "$work/c.fifo" "$work/m.fifo"
}

fast=$(run_mode)
slow=$(run_mode --no-fast-ota)
ratio=$(echo "$slow / $fast" | bc -l)
cat > "$out" <<EOF2
# Local cloud: the cloud's share of an OTA (bench/cloud_ota.sh)

\`photon-sim cloud flash\` of a 100 KB user module (200 chunks of 512 bytes) into the
test double of a Photon (\`mock-photon\`, which answers every message at once), through
the REST API, the device protocol and the reconnect after the reset, until the
verdict. Median of three, on $(nproc) shared cores, $(date -u +%Y-%m-%d).

| transfer | wall clock |
|---|---|
| fast OTA (chunks streamed, ChunkMissed loop) | $(printf %.3f "$fast") s |
| non-fast OTA (one chunk per round trip) | $(printf %.3f "$slow") s |
| non-fast / fast | $(printf %.1f "$ratio")x |

This is the floor the cloud adds to an OTA; a real Photon over the Particle cloud takes
tens of seconds for the same size. The figures for the emulated Photon itself (power-on
to breathing cyan, OTA with the real firmware, the real-time factor while connected) wait
for the simulated network.
EOF2
cat "$out"
