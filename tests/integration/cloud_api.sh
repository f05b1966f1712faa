#!/usr/bin/env bash
# The local cloud end to end: `photon-sim cloud` with curl and its own CLI
# against the test double of a Photon (mock-photon): tokens (the real API's
# errors), list, info, call, get, publish and the event stream both ways,
# signal, rename, OTA flash with the truth told by `photon-sim cloud
# flash` (runs / not applied / installed but not running), bad uploads and
# bad devices, and a store that survives a restart intact.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/cloud_lib.bash"
IMG=${SRC:-$(dirname "$0")/../..}/images/cache
command -v curl >/dev/null && command -v jq >/dev/null || { echo "SKIP: curl and jq are needed"; exit 77; }
[ -f "$IMG/tinker@0.4.5.bin" ] || { echo "SKIP: images not fetched"; exit 77; }

# ---- usage errors: refused before anything is made --------------------------
expect_rc 2 "a bad port" -- "$SIM" cloud --store "$TMP/x.db" --key "$TMP/x.pem" --api-port http
expect_rc 2 "a bad address" -- "$SIM" cloud --store "$TMP/x.db" --key "$TMP/x.pem" --device-addr 10.0.2
[ ! -e "$TMP/x.db" ] && [ ! -e "$TMP/x.pem" ] && echo "ok: ... and no file made" || { echo "FAIL: files made"; fails=$((fails + 1)); }
expect_rc 2 "an unknown command" -- "$SIM" cloud frobnicate
expect_rc 2 "call without its arguments" -- "$SIM" cloud call --token x photon
expect_rc 3 "no cloud at that address" -- "$SIM" cloud list --api http://127.0.0.1:1 --token x
expect_out 'is `photon-sim cloud` running' "... says what to check"

cloud_start
[[ $API =~ ^http://127\.0\.0\.1:[0-9]+$ ]] && echo "ok: the API listens on 127.0.0.1" || { echo "FAIL: API $API"; fails=$((fails + 1)); }

# ---- tokens ---------------------------------------------------------------
BODY=$(curl -s -w '\n%{http_code}' "$API/v1/devices"); CODE=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}
[ "$CODE" = 400 ] && check "no token: 400 invalid_request" '.error == "invalid_request" and .error_description == "The access token was not found"'
BODY=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer 0000" "$API/v1/devices"); CODE=${BODY##*$'\n'}; BODY=${BODY%$'\n'*}
[ "$CODE" = 401 ] && check "a wrong token: 401 invalid_token" '.error == "invalid_token"' || { echo "FAIL: wrong token gave $CODE"; fails=$((fails + 1)); }
BODY=$(curl -s "$API/v1/devices?access_token=$TOKEN")
check "the token as a query parameter" 'type == "array"'
BODY=$(curl -s -d grant_type=password -d username=me@example.com -d password=wrong "$API/oauth/token")
check "OAuth: a wrong password is refused" '.error == "invalid_grant"'
BODY=$(curl -s -u particle:particle -d grant_type=password -d username=me@example.com -d "password=$TOKEN" "$API/oauth/token")
check "OAuth: password grant gives a bearer token" '.token_type == "bearer" and (.access_token | length) == 40'
T2=$(jq -r .access_token <<<"$BODY")
BODY=$(curl -s -H "Authorization: Bearer $T2" "$API/v1/user")
check "the new token works" '.username == "local@photon-sim"'

# ---- a device: list, info, call, get --------------------------------------
mock_start a --id 0123456789abcdef01234567 --key "$TMP/a.pem"
mock_wait a '^online' && echo "ok: the device is online" || { echo "FAIL: device a not online"; exit 1; }
expect_rc 0 "photon-sim cloud list" -- "$SIM" cloud list
expect_out '^photon-234567 \[0123456789abcdef01234567\] \(photon\) is online$' "list: the device, online"
api GET /v1/devices/photon-234567
check "device info: Tinker's functions" '.connected and (.functions | index("digitalwrite")) and .platform_id == 6'
api POST /v1/devices/photon-234567/digitalwrite -d arg=D7,HIGH
check "call digitalwrite D7,HIGH returns 1" '.return_value == 1 and .connected'
api POST /v1/devices/photon-234567/digitalread -H 'Content-Type: application/json' -d '{"args":"D7"}'
check "digitalread D7 (JSON body) returns 1" '.return_value == 1'
expect_rc 0 "cloud call" -- "$SIM" cloud call photon-234567 digitalread D6
expect_out '^0$' "cloud call prints the return value"
api POST /v1/devices/photon-234567/nosuch -d arg=x
[ "$CODE" = 404 ] && echo "ok: an unknown function: 404" || { echo "FAIL: unknown function gave $CODE"; fails=$((fails + 1)); }
api GET /v1/devices/photon-234567/temp
check "get a double variable" '.result == 21.5 and .name == "temp" and .coreInfo.connected'
expect_rc 0 "cloud get" -- "$SIM" cloud get photon-234567 name
expect_out '^stroby$' "cloud get prints the value"
expect_rc 1 "cloud get of an unknown variable fails" -- "$SIM" cloud get photon-234567 nosuch
expect_out 'HTTP 404: Variable not found' "... with the API's error"
api GET /v1/devices/nosuchdevice
[ "$CODE" = 403 ] && check "an unknown device: Permission Denied" '.error == "Permission Denied"'

# ---- events both ways -----------------------------------------------------
mkfifo "$TMP/sse.fifo"
curl -sN -H "Authorization: Bearer $TOKEN" "$API/v1/devices/events" > "$TMP/sse.fifo" &
SSE_PID=$!
exec {SSE}< "$TMP/sse.fifo"
read -r -t 30 -u $SSE line; [ "$line" = ":ok" ] && echo "ok: the event stream opens with :ok" || { echo "FAIL: stream said '$line'"; fails=$((fails + 1)); }
sse_event() { # NAME: read the stream until that event; its data line in EV
  local l got=
  while IFS= read -r -t 30 -u $SSE l; do
    [ "$l" = "event: $1" ] && got=1 && continue
    [ -n "$got" ] && [[ $l == data:* ]] && { EV=${l#data: }; return 0; }
  done; return 1; }
expect_rc 0 "cloud publish" -- "$SIM" cloud publish test/api "from the api"
sse_event test/api && BODY=$EV && check "the stream shows an API event" '.data == "from the api" and .coreid == "api" and .ttl == 60'
mock_start b --id 00112233445566778899aabb --key "$TMP/b.pem" --publish "test/device=hello from b"
mock_wait b '^online' || { echo "FAIL: device b not online"; fails=$((fails + 1)); }
sse_event test/device && BODY=$EV && check "the stream shows a device's event" '.data == "hello from b" and .coreid == "00112233445566778899aabb"'
api POST /v1/devices/events -d name=particle/test -d data=to-devices -d private=true
check "publish through the API" '.ok == true'
mock_wait a '^event particle/test to-devices$' && echo "ok: a subscribed device receives it" || { echo "FAIL: device a got no event"; fails=$((fails + 1)); }
api POST /v1/devices/events -d name=spark/device/key/restore -d data=x
[ "$CODE" = 400 ] && echo "ok: spark/device/key/restore is never sent" || { echo "FAIL: key/restore gave $CODE"; fails=$((fails + 1)); }

# ---- signal, rename --------------------------------------------------------
api PUT /v1/devices/photon-234567 -d signal=1
check "signal on" '.signaling == true and .id == "0123456789abcdef01234567"'
expect_rc 0 "cloud rename" -- "$SIM" cloud rename photon-234567 my-photon
api GET /v1/devices/my-photon
check "the new name finds the device" '.name == "my-photon"'
api PUT /v1/devices/my-photon -d 'name=photon-99aabb'
[ "$CODE" = 400 ] && echo "ok: a name already taken is refused" || { echo "FAIL: duplicate name gave $CODE"; fails=$((fails + 1)); }

# ---- OTA: the API's answer, then the truth -----------------------------------
api PUT /v1/devices/my-photon -F "file=@$IMG/tinker@0.4.5.bin" -F latest=true
check "flash through the API: Update started" '.status == "Update started" and .id == "0123456789abcdef01234567"'
mock_wait a '^ota-done' && mock_wait a '^online' && echo "ok: the device took the update and came back" || { echo "FAIL: no OTA"; fails=$((fails + 1)); }
sse_event spark/flash/status && BODY=$EV && check "spark/flash/status started" '.data == "started "'
expect_rc 0 "cloud flash: the new module runs" -- "$SIM" cloud flash my-photon "$IMG/photon-doctor.bin"
expect_out '^cloud: Update started$' "cloud flash: the API's answer first"
expect_out 'event: spark/flash/status success' "cloud flash: the cloud's success event"
expect_out 'event: spark/device/last_reset update' "cloud flash: the reset"
expect_out '^result: running: the new user.1 runs \(version 4' "cloud flash: the truth: Doctor runs"

mock_start c --id 0000000000000000000000c1 --verdict -1340
mock_wait c '^online'
expect_rc 1 "cloud flash: refused at UpdateDone" -- "$SIM" cloud flash photon-0000c1 "$IMG/tinker@0.4.5.bin"
expect_out 'result: not-applied: nothing applied: the device refused the image at UpdateDone \(device says r=-1340' "... says so, with r"
mock_start d --id 0000000000000000000000d1 --refuse-copy
mock_wait d '^online'
expect_rc 1 "cloud flash: the bootloader refuses the copy" -- "$SIM" cloud flash photon-0000d1 "$IMG/tinker@0.4.5.bin"
expect_out 'result: not-applied: .*the bootloader did not apply it.* the old user.1 \(version 6' "... the old app still runs"
mock_start e --id 0000000000000000000000e1 --v15 --system2 17
mock_wait e '^online'
expect_rc 1 "cloud flash: an app for a newer system (1.5.0 verdict)" -- "$SIM" cloud flash photon-0000e1 "$IMG/photon-doctor.bin"
expect_out 'result: not-running: the new user.1 is installed but does not run: failed dependencies \(needs system.2 >= 108\); the device is in safe mode' "... installed, safe mode, the dependency named"

# ---- bad uploads ------------------------------------------------------------
api PUT /v1/devices/my-photon -H 'Content-Type: multipart/form-data; boundary=xyz' --data-binary $'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\nab'
[ "$CODE" = 400 ] && check "a cut multipart body: 400" '.ok == false' || { echo "FAIL: bad multipart gave $CODE"; fails=$((fails + 1)); }
head -c 3000000 /dev/zero > "$TMP/huge.bin"
api PUT /v1/devices/my-photon -F "file=@$TMP/huge.bin"
[ "$CODE" = 413 ] && echo "ok: a huge upload: 413" || { echo "FAIL: huge upload gave $CODE"; fails=$((fails + 1)); }
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[12]=12; open(sys.argv[2],'wb').write(d)" "$IMG/tinker@0.4.5.bin" "$TMP/argon.bin"
api PUT /v1/devices/my-photon -F "file=@$TMP/argon.bin"
[ "$CODE" = 400 ] && check "a binary for another platform: 400" '.error | test("platform 12 \\(argon\\)")'
head -c 5000 /dev/urandom > "$TMP/noise.bin"
api PUT /v1/devices/my-photon -F "file=@$TMP/noise.bin"
[ "$CODE" = 400 ] && echo "ok: not a module: 400" || { echo "FAIL: noise gave $CODE"; fails=$((fails + 1)); }

# ---- bad devices -------------------------------------------------------------
mock_start g --id 0000000000000000000000f1 --garbage
mock_wait g '^closed' && echo "ok: garbage instead of a handshake: dropped" || { echo "FAIL: garbage device"; fails=$((fails + 1)); }
mock_start h --id 0000000000000000000000f2 --half-handshake
mock_wait h '^closed half-handshake'
mock_start i --id 0123456789abcdef01234567
mock_wait i '^closed' && echo "ok: a known id with another key is refused (trust on first use)" || { echo "FAIL: key change accepted"; fails=$((fails + 1)); }
grep -q 'presents a public key other than the one recorded' "$CLOUD_LOG" && echo "ok: ... and the log says why" || { echo "FAIL: no key log"; fails=$((fails + 1)); }
api GET /v1/devices/my-photon
check "the cloud still serves" '.connected == true'
kill $SSE_PID 2>/dev/null; exec {SSE}<&-

# ---- persistence -------------------------------------------------------------
for n in a b c d e; do mock_stop $n; done
cloud_stop
[ "$(sqlite3 "$TMP/cloud.db" 'PRAGMA integrity_check')" = ok ] && echo "ok: the store is intact" || { echo "FAIL: store integrity"; fails=$((fails + 1)); }
OLD=$TOKEN
cloud_start
[ "$TOKEN" = "$OLD" ] && echo "ok: the local token is kept" || { echo "FAIL: new token"; fails=$((fails + 1)); }
expect_rc 0 "list after a restart" -- "$SIM" cloud list
expect_out '^my-photon \[0123456789abcdef01234567\] \(photon\) is offline$' "the name is kept, the device offline"
api GET /v1/devices/my-photon
check "the last describe and flash verdict are kept" '(.functions | length) == 4 and .photon_sim_last_flash.status == "running"'
mock_start a --id 0123456789abcdef01234567 --key "$TMP/a.pem"
mock_wait a '^online' && echo "ok: the same device key is accepted after the restart" || { echo "FAIL: device a after restart"; fails=$((fails + 1)); }
mock_stop a
cloud_stop
finish
