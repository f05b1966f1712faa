#!/usr/bin/env bash
# Every bad value of an option exits 2 with a message naming the option;
# --load and --raw write exactly their bytes in command-line order; a file
# name with '@' is a file; FIFOs and other non-regular files are refused;
# a YAML document nested too deep is refused while it is parsed.
. "$(dirname "$0")/lib.bash"
run() { "$SIM" run --fresh --no-save --fast-flash -q "$@"; }

bad() { # bad OPTION-REGEX ARGS...: exit 2 and the message names the option
  local opt=$1; shift
  expect_rc 2 "bad value: $*" -- "$@"
  expect_out "$opt" "  the message names $opt"
}
for v in abc -1 '' 1e5 99999999999999999999999 ' 7' 0x; do
  bad '--seed' run --seed "$v" --timeout 0.01
done
for v in nan inf -1 '' 1e300 abc 5x; do
  bad '--timeout' run --timeout "$v"
  bad '--hold setup=' run --hold "setup=$v" --timeout 0.01
done
for v in 0 nan 1e-300 -2 inf ''; do bad '--speed' run --speed "$v" --timeout 0.01; done
bad '--log' run --log '' --timeout 0.01
bad 'LED pattern' run --until-led "blinking yellow 0ms"
bad 'LED pattern' run --until-led "blinking yellow 1e300ms"
bad 'LED pattern' run --until-led "SOS 0"
bad '--usbip' run --usbip 70000 --timeout 0.01
bad '--wait' "$SIM" usb --wait nan -- true
bad 'PHOTON_USBIP_PORT' env PHOTON_USBIP_PORT=abc "$SIM" usb -- true
bad '--jobs' "$SIM" scenario -j 0 "$SRC/tests/scenarios/backup_registers_reset.yaml"
bad '--seed' "$SIM" scenario --seed -3 "$SRC/tests/scenarios/backup_registers_reset.yaml"
bad '--speed' "$SIM" scenario --speed nan "$SRC/tests/scenarios/backup_registers_reset.yaml"
bad '--count' "$SIM" cloud list --count 1e3

# no fixed limit on --load/--raw: 40 of each are all applied
printf 'AB' > "$TMP/ab.bin"
args=()
for i in $(seq 40); do args+=(--load bootloader@2.2.0 --raw "$TMP/ab.bin@0x080C0000"); done
expect_rc 0 "40 --load and 40 --raw" -- run "${args[@]}" --timeout 0.01

# --raw and --load in either order keep both (a raw write elsewhere in
# Tinker's sector); the state file shows the bytes
flash_at() { # flash_at STATE ADDR LEN: hex of the bytes
  python3 - "$@" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read(); p = 48
while p < len(b):
    nl = struct.unpack_from('<H', b, p)[0]; name = b[p+2:p+2+nl].decode()
    ln = struct.unpack_from('<I', b, p+2+nl)[0]; data = b[p+6+nl:p+6+nl+ln]; p += 6 + nl + ln
    if ln == 1 << 20:
        a = int(sys.argv[2], 0) - 0x08000000; print(data[a:a+int(sys.argv[3])].hex())
PY
}
printf 'RAW!' > "$TMP/at@sign.bin"
for order in load-first raw-first; do
  st=$TMP/$order.state
  if [ $order = load-first ]; then
    w=(--load tinker@0.4.5 --raw "$TMP/at@sign.bin@0x080B8000")
  else
    w=(--raw "$TMP/at@sign.bin@0x080B8000" --load tinker@0.4.5)
  fi
  expect_rc 0 "$order: --raw and --load" -- \
    "$SIM" run --state "$st" --fresh --fast-flash -q --usb-serial none "${w[@]}" --timeout 0
  expect_rc 0 "$order: Tinker is intact" -- "$SIM" inspect --state "$st"
  expect_out '^user' "$order: the user app is listed"
  expect_out 'CRC-32 +ok' "$order: with a good CRC"
  [ "$(flash_at "$st" 0x080B8000 4)" = 52415721 ] && echo "ok: $order: the raw bytes are there" ||
    { echo "FAIL: $order: raw bytes $(flash_at "$st" 0x080B8000 4)"; fails=$((fails + 1)); }
done
# a file whose name has '@' and no address: taken whole, at 0x08000000
cp "$TMP/at@sign.bin" "$TMP/x@y"
expect_rc 0 "a file name with '@' (no address)" -- \
  "$SIM" run --state "$TMP/at.state" --fresh -q --usb-serial none --raw "$TMP/x@y" --timeout 0
[ "$(flash_at "$TMP/at.state" 0x08000000 4)" = 52415721 ] && echo "ok: written at 0x08000000" ||
  { echo "FAIL: '@' file not at 0x08000000"; fails=$((fails + 1)); }
bad 'bad address' run --raw "$TMP/nofile@0x8zz" --timeout 0.01

# FIFOs are refused where a regular file is needed, not waited on
mkfifo "$TMP/fifo"
expect_rc 2 "a FIFO as --raw" -- run --raw "$TMP/fifo" --timeout 0.01
expect_out 'not a regular file' "says why"
expect_rc 2 "a FIFO as --load" -- run --load "$TMP/fifo" --timeout 0.01
expect_out 'not a (regular )?file' "says why"

# YAML nested 100000 deep: refused while parsing, at once
python3 -c "print('steps: ' + '['*100000 + ']'*100000)" > "$TMP/deep.yaml"
expect_rc 2 "YAML nested 100000 deep" -- "$SIM" scenario --check "$TMP/deep.yaml"
expect_out 'nested more than 64 levels' "says the limit"
finish
