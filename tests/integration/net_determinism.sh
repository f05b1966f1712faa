#!/usr/bin/env bash
# Determinism with a network: two runs of a device that is given
# credentials, joins, gets its lease, resolves its cloud's name (to an
# address where nothing answers, so no host socket is involved; 2.2.0 also
# looks up pool.ntp.org, which the host's resolver would answer after a
# wall-clock delay, so the table answers that too) and retries
# give identical LED traces and identical captures (every frame at the same
# virtual time), on 2.2.0.
. "$(dirname "$0")/lib.bash"
run() { # NAME [OPTIONS...]
  local name=$1; shift
  "$SIM" run --fresh --no-save --fast-flash --load bootloader@2.2.0 --load system-part1@2.2.0 \
    --load system-part2@2.2.0 --load tinker@0.4.5 --wifi-ap ssid=Home,password=secret123 \
    --wifi Home:secret123 --dns device.spark.io=10.0.2.99 \
    --dns pool.ntp.org=10.0.2.98 --timeout 25 \
    --led-trace "$TMP/$name.led" --pcap "$TMP/$name.pcap" "$@" >"$TMP/$name.out" 2>&1
}
run a && run b || { echo "FAIL: a run failed"; cat "$TMP/a.out" "$TMP/b.out" | tail; exit 1; }
grep -q "blinking cyan" "$TMP/a.out" && echo "ok: the device reached its cloud's lookup" ||
  { echo "FAIL: no blinking cyan"; fails=$((fails + 1)); }
n=$(wc -l <"$TMP/a.led")
[ "$n" -gt 100 ] && cmp -s "$TMP/a.led" "$TMP/b.led" && echo "ok: identical LED traces ($n changes)" ||
  { echo "FAIL: LED traces differ or are short ($n)"; fails=$((fails + 1)); }
frames=$(( ($(stat -c %s "$TMP/a.pcap") > 24) ))
[ $frames = 1 ] && cmp -s "$TMP/a.pcap" "$TMP/b.pcap" && echo "ok: identical captures" ||
  { echo "FAIL: captures differ or are empty"; fails=$((fails + 1)); }
finish
