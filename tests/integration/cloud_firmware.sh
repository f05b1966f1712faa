#!/usr/bin/env bash
# The real Device OS on the local cloud. Wi-Fi credentials go in through
# the firmware's own path (listening mode, `w` on the USB serial, in a
# scenario); the cloud's key and address through the firmware's paths too.
#  1. `photon-sim cloud` on its own and Device OS 2.2.0 + Tinker provisioned
#     with `photon-sim cloud keys` and the real dfu-util on DFU alt 1 (as
#     `particle keys server` does), the cloud's name answered by --dns: the
#     handshake (the device's key trusted on first use), breathing cyan, a
#     call from a scenario's `run` step and the D7 pin high in the GPIO model.
#  2. `photon-sim run --cloud` with the unmodified Particle CLI and curl:
#     list, call digitalwrite/digitalread, publish/subscribe, the API's
#     tokens; OTA with `particle flash` (blinking magenta, a reset,
#     breathing cyan, the new module in the describe) and with
#     `photon-sim cloud flash` (it says "running").
#  3. Device OS 1.5.0 + Tinker on `run --cloud`: breathing cyan, Tinker's
#     functions in `particle list` (the cloud asks 1.5.0 for its describe),
#     signal, OTA.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/cloud_lib.bash"
particle_cli
export XDG_STATE_HOME=$TMP/xdg # run --cloud's store and key
AP="ssid=Home,security=wpa2,password=secret123,channel=6"
RUN_PID=

# scenario NAME: run $TMP/NAME.yaml (written by the caller)
scenario() {
  expect_rc 0 "scenario: $1" -- "$SIM" scenario "$TMP/$1.yaml"
}

# credentials STATE VERSION: a device with bootloader, system parts VERSION
# and Tinker gets the access point's credentials in listening mode, typed
# on the USB serial as a user would (the wifi step); the state file keeps
# them.
credentials() {
  cat > "$TMP/cred.yaml" <<EOF
name: Wi-Fi credentials through listening mode, Device OS $2
device:
  images: [bootloader@$2, system-part1@$2, system-part2@$2, tinker@0.4.5]
  fast-flash: true
  state: $1
  save: true
  wifi-ap: ["$AP"]
steps:
  - wait-led: {pattern: blinking blue, timeout: 30s}
  - wifi: "Home:secret123"
EOF
  scenario cred
}

# run_start STATE: photon-sim run --cloud in the background; its output is
# read line by line (run_wait) from a file, so it never blocks on a pipe.
run_start() {
  : > "$TMP/run.out"
  "$SIM" run --state "$1" --cloud --cloud-port 0 --cloud-api-port 0 --wifi-ap "$AP" \
    --no-usb --fast > "$TMP/run.out" 2> "$TMP/run.err" &
  RUN_PID=$!
  exec {RUN_FD}< <(tail -n +1 -f "$TMP/run.out")
  run_wait '^Cloud: api ' || { echo "FAIL: run --cloud did not start"; cat "$TMP/run.err"; exit 1; }
  API=$(sed -n 's/^Cloud: api \([^,]*\),.*/\1/p' <<<"$RUN_LINE")
  TOKEN=$(sed -n 's/.*, token \([0-9a-f]*\),.*/\1/p' <<<"$RUN_LINE")
  export PHOTON_CLOUD_API=$API PHOTON_CLOUD_TOKEN=$TOKEN
}

# run_wait REGEX: read the run's output until a line matches (wall time
# out: 120 s); RUN_LINE is that line.
run_wait() {
  local line
  while IFS= read -r -t 120 -u "$RUN_FD" line; do
    [[ $line =~ $1 ]] && { RUN_LINE=$line; return 0; }
  done
  echo "  (no line matching /$1/; the run's output ends:)"; tail -15 "$TMP/run.out" | sed 's/^/  | /'
  return 1
}

# expect_run REGEX WHAT
expect_run() {
  run_wait "$1" && echo "ok: $2" || { echo "FAIL: $2"; fails=$((fails + 1)); }
}

run_stop() {
  kill -TERM "$RUN_PID"; wait "$RUN_PID"; local rc=$?
  [ $rc = 130 ] && echo "ok: run --cloud stops on SIGTERM (130, interrupted)" ||
    { echo "FAIL: run exit $rc"; tail "$TMP/run.err"; fails=$((fails + 1)); }
  exec {RUN_FD}<&-
  RUN_PID=
  if grep -qE 'Sanitizer|runtime error' "$TMP/run.err"; then
    echo "FAIL: the run reported errors"; grep -E 'Sanitizer|runtime error' "$TMP/run.err" | head -5; fails=$((fails + 1))
  fi
}
trap '[ -n "$RUN_PID" ] && kill -KILL "$RUN_PID" 2>/dev/null; cleanup_cloud' EXIT

# ---- 1. a cloud of its own, provisioned through DFU alt 1 ------------------
cloud_start
expect_rc 0 "photon-sim cloud keys: the DCT block for cloud.photon-sim" -- \
  "$SIM" cloud keys --key "$TMP/cloud-key.pem" --dct "$TMP/server.bin" --host cloud.photon-sim --port "$DPORT"
credentials "$TMP/dfu.state" 2.2.0
cat > "$TMP/dfu.yaml" <<EOF
name: provisioned through DFU alt 1, the device reaches the local cloud
device:
  images: [bootloader@2.2.0, system-part1@2.2.0, system-part2@2.2.0, tinker@0.4.5]
  fast-flash: true
  state: $TMP/dfu.state
  wifi-ap: ["$AP"]
  dns: cloud.photon-sim=10.0.2.2
steps:
  - press: setup
  - reset: pin
  - wait-led: {pattern: blinking yellow, timeout: 10s}
  - release: setup
  - dfu: {args: "-d 2b04:d006 -a 1 -s 2082:leave -D", image: $TMP/server.bin}
  - wait-led: {pattern: breathing cyan, timeout: 30s}
  - run:
      command: \$PHOTON_SIM cloud call \$PHOTON_SIM_DEVICE_ID digitalwrite D7,HIGH
      device: running
      output: '^1$'
  # the D7 pin (PA13) high, read as the CPU would from GPIOA's IDR
  - expect-memory: {address: 0x40020010, mask: 0x2000, value: 0x2000}
  - expect-led: breathing cyan
EOF
scenario dfu
grep -q "new device .* its public key recorded (trust on first use)" "$CLOUD_LOG" &&
  echo "ok: the cloud learned the device's key on its first handshake" ||
  { echo "FAIL: no first-use key in the cloud's log"; fails=$((fails + 1)); }
cloud_stop

# ---- 2. run --cloud, Device OS 2.2.0, the real Particle CLI and curl --------
credentials "$TMP/d22.state" 2.2.0
run_start "$TMP/d22.state"
expect_run 'DCT now names cloud.photon-sim:' "run --cloud points the device's DCT at its cloud"
expect_run 'LED breathing cyan' "2.2.0 + Tinker: breathing cyan on run --cloud"
DEV=photon-$(sed -n 's/^photon-sim: device .*\(......\), state.*/\1/p' "$TMP/run.out")
particle_login "$API" "$TOKEN"
expect_rc 0 "particle list" -- p list
expect_out "$DEV \[[0-9a-f]{24}\] \(Photon\) is online" "list: the device, online"
expect_out 'int digitalwrite \(String args\)' "list: Tinker's functions"
expect_rc 0 "particle call digitalwrite D7,HIGH" -- p call "$DEV" digitalwrite D7,HIGH
expect_out '(^|G)1$' "Tinker answers 1"
expect_run 'D7 LED on' "the D7 LED lights"
# Tinker's digitalread makes the pin an input with its pull-down first
expect_rc 0 "particle call digitalread D7" -- p call "$DEV" digitalread D7
expect_out '(^|G)0$' "digitalread: the pin with its pull-down reads 0"
expect_rc 0 "particle publish" -- p publish test/cli "from the CLI"
expect_out 'Published private event: test/cli' "publish: the CLI's answer"
subscribe_roundtrip
api GET /v1/devices
check "curl: the device listed, connected" ".[0].connected == true and .[0].name == \"$DEV\""
BODY=$(curl -s -w '\n%{http_code}' "$API/v1/devices"); CODE=${BODY##*$'\n'}
[ "$CODE" = 400 ] && echo "ok: curl without a token: 400" || { echo "FAIL: no token: HTTP $CODE"; fails=$((fails + 1)); }
BODY=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer 0123456789abcdef" "$API/v1/devices"); CODE=${BODY##*$'\n'}
[ "$CODE" = 401 ] && echo "ok: curl with a wrong token: 401" || { echo "FAIL: wrong token: HTTP $CODE"; fails=$((fails + 1)); }

# OTA of another Tinker build (user part version 2)
cp "$IMG/photon-tinker.bin" "$TMP/tinker2.bin"
expect_rc 0 "particle flash DEV tinker2.bin" -- p flash "$DEV" "$TMP/tinker2.bin"
expect_out 'Flash success!' "flash: the CLI says success"
expect_run 'LED (blinking|breathing|solid) magenta' "OTA: the LED goes magenta"
expect_run 'reset \(software\)' "OTA: the device resets"
expect_run 'LED breathing cyan' "OTA: breathing cyan again"
expect_rc 0 "photon-sim cloud info" -- "$SIM" cloud info "$DEV"
BODY=$LAST_OUT
check "the describe after the reconnect shows the new user part running (version 2)" \
  '.photon_sim_last_flash.status == "running" and .photon_sim_last_flash.running.version == 2'
expect_rc 0 "photon-sim cloud flash tinker@0.4.5 back" -- "$SIM" cloud flash "$DEV" "$IMG/tinker@0.4.5.bin"
expect_out 'result: running: the new user.1 runs \(version 3' "photon-sim cloud flash: running"
run_stop

# ---- 3. Device OS 1.5.0 on run --cloud --------------------------------------
credentials "$TMP/d15.state" 1.5.0
run_start "$TMP/d15.state"
expect_run 'LED breathing cyan' "1.5.0 + Tinker: breathing cyan on run --cloud"
DEV=photon-$(sed -n 's/^photon-sim: device .*\(......\), state.*/\1/p' "$TMP/run.out")
expect_rc 0 "photon-sim cloud signal on (1.5.0 answers under its own message id)" -- \
  "$SIM" cloud signal "$DEV" on
expect_out '"signaling": true' "signal: the rainbow"
# 1.5.0 answers the cloud's first describe before Tinker's setup() has
# registered its functions; the cloud asks again: two describes
"$SIM" cloud subscribe photon-sim/device/describe --device "$DEV" --count 2 --timeout 120 \
  > "$TMP/describes" 2>&1 &
DESC_PID=$!
expect_rc 0 "photon-sim cloud flash tinker2.bin (1.5.0)" -- "$SIM" cloud flash "$DEV" "$TMP/tinker2.bin"
expect_out 'result: running: the new user.1 runs \(version 2' "1.5.0 OTA: running"
expect_run 'LED breathing cyan' "1.5.0 after the OTA: breathing cyan"
wait $DESC_PID && echo "ok: two describes after the reconnect" || { echo "FAIL: describes"; cat "$TMP/describes"; fails=$((fails + 1)); }
particle_login "$API" "$TOKEN"
expect_rc 0 "particle list (1.5.0)" -- p list
expect_out 'int digitalwrite \(String args\)' "list: Tinker's functions on 1.5.0 (asked for again after setup())"
run_stop
finish
