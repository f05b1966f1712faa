#!/usr/bin/env bash
# Provisioning a Photon for the local cloud through the firmware's own
# path: `photon-sim cloud keys` writes the bytes `particle keys server
# KEY.der --host H --port P` writes (checked against OpenSSL's DER and the
# layout of particle-cli's keys.js), then the real dfu-util puts them at
# DCT offset 2082 through the emulated bootloader's DFU alt 1; they read
# back identical, and the device's own key at offset 34 is untouched.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
IMG=${SRC:-$(dirname "$0")/../..}/images/cache
command -v openssl >/dev/null || { echo "SKIP: openssl is needed"; exit 77; }
KEY=$TMP/cloud-key.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEY" 2>/dev/null

expect_rc 0 "cloud keys --der --dct" -- "$SIM" cloud keys --key "$KEY" --der "$TMP/server.der" \
  --dct "$TMP/dct.bin" --host 10.0.2.2 --port 5683
expect_out 'write it: photon-sim usb -- dfu-util -d 2b04:d006 -a 1 -s 2082 -D' "keys names the dfu-util command"
openssl pkey -in "$KEY" -pubout -outform DER -out "$TMP/openssl.der" 2>/dev/null
cmp -s "$TMP/server.der" "$TMP/openssl.der" && echo "ok: the DER is OpenSSL's SubjectPublicKeyInfo" \
  || { echo "FAIL: DER differs from OpenSSL's"; fails=$((fails + 1)); }
# the block as particle-cli builds it: key, 0xFF, TLV at 384, port at 450
python3 - "$TMP/openssl.der" "$TMP/expected.bin" <<'PY'
import sys
der = open(sys.argv[1], 'rb').read()
b = bytearray(b'\xff' * 512)
b[:len(der)] = der
b[384:390] = bytes([0, 4, 10, 0, 2, 2])
b[450:452] = (5683).to_bytes(2, 'big')
open(sys.argv[2], 'wb').write(b)
PY
cmp -s "$TMP/dct.bin" "$TMP/expected.bin" && echo "ok: the DCT block is byte for byte what particle keys server writes" \
  || { echo "FAIL: the DCT block differs"; cmp -l "$TMP/dct.bin" "$TMP/expected.bin" | head; fails=$((fails + 1)); }
expect_rc 0 "a domain name instead of an address" -- "$SIM" cloud keys --key "$KEY" --dct "$TMP/dct2.bin" --host cloud.photon-sim
[ "$(od -An -tx1 -j384 -N18 "$TMP/dct2.bin" | tr -d ' \n')" = "0110$(printf 'cloud.photon-sim' | od -An -tx1 | tr -d ' \n')" ] \
  && echo "ok: type 1, length, name" || { echo "FAIL: domain TLV"; fails=$((fails + 1)); }
[ "$(od -An -tx1 -j450 -N2 "$TMP/dct2.bin" | tr -d ' ')" = ffff ] && echo "ok: no --port leaves FFFF (5683)" \
  || { echo "FAIL: port bytes"; fails=$((fails + 1)); }
expect_rc 2 "a name longer than 63 characters is refused" -- "$SIM" cloud keys --key "$KEY" --dct "$TMP/x.bin" \
  --host "$(printf 'a%.0s' {1..64})"
expect_rc 2 "a bad address is refused" -- "$SIM" cloud keys --key "$KEY" --dct "$TMP/x.bin" --host 10.0.2.300

command -v "$DFU_UTIL" >/dev/null || { echo "SKIP (rest): dfu-util is not installed"; finish; exit $?; }
[ -f "$IMG/system-part2@2.2.0.bin" ] || { echo "SKIP (rest): images not fetched"; finish; exit $?; }
# a Photon with its system (the bootloader reaches the DCT through it), in
# DFU mode by holding SETUP
sim_start --fresh --no-save --load bootloader@2.2.0 --load system-part1@2.2.0 --load system-part2@2.2.0 \
  --load tinker@0.4.5 --hold setup=3.5 --timeout 600 || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'USB device .* attached' 60 || { echo "FAIL: no USB device"; exit 1; }
expect_rc 0 "read the device key area (DCT 34, 612 bytes)" -- dfu -a 1 -s 34:612 -U "$TMP/key-before.bin"
expect_rc 0 "write the block at DCT 2082 (alt 1)" -- dfu -d 2b04:d006 -a 1 -s 2082 -D "$TMP/dct.bin"
expect_out "File downloaded successfully" "alt 1: written"
expect_rc 0 "read it back" -- dfu -a 1 -s 2082:512 -U "$TMP/dct-back.bin"
cmp -s "$TMP/dct.bin" "$TMP/dct-back.bin" && echo "ok: the DCT holds the server key, address and port" \
  || { echo "FAIL: the DCT reads back differently"; fails=$((fails + 1)); }
expect_rc 0 "read the device key area again" -- dfu -a 1 -s 34:612 -U "$TMP/key-after.bin"
cmp -s "$TMP/key-before.bin" "$TMP/key-after.bin" && echo "ok: the device's own key is untouched" \
  || { echo "FAIL: the device key area changed"; fails=$((fails + 1)); }
sim_stop
finish
