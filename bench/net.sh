#!/usr/bin/env bash
# The Photon on a network: what a connected device costs and how fast TCP
# goes between the host and the firmware. Prints a markdown section
# (bench/net-RESULTS.md).   bench/net.sh
#  1. Idle on Wi-Fi: Device OS 2.2.0 joined to a WPA2 access point (lease,
#     DNS answered), its cloud pointed at an address where nothing answers,
#     so it keeps retrying (blinking cyan) as a device without a cloud does:
#     real-time factor from 30 to 150 s of virtual time, the difference of
#     a 30 s and a 150 s run (start-up excluded); the same for the device
#     idle in listening mode, as the baseline measured in the same run.
#  2. TCP host -> device: 2.2.0 in listening mode, the firmware's SoftAP
#     HTTP server on 192.168.0.1:80 through the soft AP network's forward;
#     a host client writes 8 MB into one connection (the firmware's TCP/IP
#     stack takes them, its server reads and discards); bytes per wall
#     second, and per virtual second of the device.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
sim=${PHOTON_SIM:-$top/build/photon-sim}
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; true' EXIT
field() { grep -o '[0-9][0-9.]*' <<<"$1" | sed -n "$2p"; }
stats() { grep -o '[0-9.]* s of virtual time in [0-9.]* s ([0-9.]*x real time); [0-9.]* M instructions, [0-9.]* MIPS; [0-9.]* s skipped idle' <<<"$1"; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
imgs=(--load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5)
net=(--wifi-ap ssid=Home,password=secret123 --dns device.spark.io=10.0.2.99)

# 1. idle on Wi-Fi: credentials given once, then runs of the device that has them
st=$work/dev.state
"$sim" run --state "$st" --fresh --fast-flash "${imgs[@]}" "${net[@]}" --wifi Home:secret123 \
  --until-led "blinking cyan" --timeout 40 -q >/dev/null
a=$(stats "$("$sim" run --state "$st" --no-save "${net[@]}" --timeout 30 --stats 2>&1)")
b=$(stats "$("$sim" run --state "$st" --no-save "${net[@]}" --timeout 150 --stats 2>&1)")
dv=$(echo "$(field "$b" 1) - $(field "$a" 1)" | bc -l)
dw=$(echo "$(field "$b" 2) - $(field "$a" 2)" | bc -l)
ds=$(echo "$(field "$b" 6) - $(field "$a" 6)" | bc -l)
# the same device without credentials, idle in listening mode, in this run: the baseline
st2=$work/listening.state
"$sim" run --state "$st2" --fresh --fast-flash "${imgs[@]}" --until-led "blinking blue" \
  --timeout 30 -q >/dev/null
a=$(stats "$("$sim" run --state "$st2" --no-save --timeout 30 --stats 2>&1)")
b=$(stats "$("$sim" run --state "$st2" --no-save --timeout 150 --stats 2>&1)")
lv=$(echo "$(field "$b" 1) - $(field "$a" 1)" | bc -l)
lw=$(echo "$(field "$b" 2) - $(field "$a" 2)" | bc -l)

# 2. TCP into the firmware's SoftAP HTTP server
coproc simp { exec "$sim" run --fresh --no-save --fast-flash "${imgs[@]}" --softap-fwd tcp::0-:80 --fast 2>&1; }
pid=$simp_PID
port=
while read -r line <&"${simp[0]}"; do
  case "$line" in
    *"-> 192.168.0.1:80 "*) port=${line#*127.0.0.1:}; port=${port%% *} ;;
    *"LED blinking blue"*) break ;;
  esac
done
tcp=$(python3 - "$port" <<'PY'
import os, socket, sys, time
port = int(sys.argv[1])
data = os.urandom(1 << 20)
c = socket.create_connection(("127.0.0.1", port), timeout=120)
t0 = time.monotonic()
sent = 0
try:
    while sent < 8 << 20:
        sent += c.send(data)
    c.shutdown(socket.SHUT_WR)
    c.recv(100)  # until the device answers or closes: everything was taken
except OSError:
    pass
print(sent, time.monotonic() - t0)
PY
)
kill -INT "$pid"; cat <&"${simp[0]}" >/dev/null || true; wait "$pid" || true; pid=
bytes=${tcp% *} secs=${tcp#* }

echo "## The Photon on a network"
echo
echo "Measured by \`bench/net.sh\` on $(date -u +%Y-%m-%d), commit $(git -C "$top" rev-parse --short HEAD),"
echo "$("$sim" --version | sed -n 's/^CPU engine: //p'), load average before the run: $load."
echo
echo "| measurement | value |"
echo "|---|---|"
echo "| idle on Wi-Fi (2.2.0 joined, lease, cloud retrying), 30 to 150 s: virtual / wall | $(printf '%.1f' "$dv") s / $(printf '%.2f' "$dw") s |"
echo "| real-time factor, idle on Wi-Fi | $(echo "$dv / $dw" | bc -l | xargs printf '%.1f')x |"
echo "| idle time skipped | $(echo "100 * $ds / $dv" | bc -l | xargs printf '%.1f') % |"
echo "| real-time factor, idle in listening mode (no credentials, the same run's baseline) | $(echo "$lv / $lw" | bc -l | xargs printf '%.1f')x |"
echo "| TCP host -> device (2.2.0's SoftAP HTTP server), bytes | $bytes |"
echo "| TCP host -> device, wall seconds | $(printf '%.2f' "$secs") |"
echo "| TCP host -> device, throughput | $(echo "$bytes / $secs / 1000" | bc -l | xargs printf '%.0f') kB/s |"
