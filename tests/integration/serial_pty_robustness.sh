#!/usr/bin/env bash
# A pty client that sends garbage and disappears in the middle of it never
# hurts the simulator: the USB serial pty of a device in DFU mode (no
# serial function: the bytes go nowhere) and USART1's pty (the bytes reach
# the USART) take a megabyte of random bytes from a writer that is killed
# mid-write, and a reader that vanishes; afterwards the device still
# answers dfu-util, the ptys can be opened again and the simulator ends
# cleanly.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
command -v "$DFU_UTIL" >/dev/null || { echo "SKIP: dfu-util is not installed"; exit 77; }

sim_start --fresh --no-save --load bootloader@2.2.0 --usart1 pty || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'USB device 2b04:d006 .* attached' 60 || { echo "FAIL: no DFU device"; exit 1; }
usb_pty=$(grep -oE 'USB serial: /dev/pts/[0-9]+' "$SIM_LOG" | grep -oE '/dev/pts/[0-9]+')
usart_pty=$(grep -oE 'USART1: /dev/pts/[0-9]+' "$SIM_LOG" | grep -oE '/dev/pts/[0-9]+')
[ -c "$usb_pty" ] && [ -c "$usart_pty" ] && echo "ok: both ptys are printed" || { echo "FAIL: ptys '$usb_pty' '$usart_pty'"; exit 1; }

head -c 1048576 /dev/urandom > "$TMP/garbage"
for pty in "$usb_pty" "$usart_pty"; do
  # a writer killed in the middle of a megabyte, a reader that just goes
  python3 - "$pty" "$TMP/garbage" <<'PY' &
import os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
data = open(sys.argv[2], 'rb').read()
os.write(fd, b'\x03\x1b[2J\r\n\x00\xff' * 100)
for i in range(0, len(data), 4096):
    os.write(fd, data[i:i + 4096])
PY
  writer=$!
  python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDONLY|os.O_NOCTTY|os.O_NONBLOCK); os.close(fd)" "$pty"
  expect_rc 0 "dfu-util still answers while $pty is flooded" -- dfu -l
  expect_out "Found DFU: \[2b04:d006\]" "the device is listed"
  kill -KILL "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
  echo "ok: the writer on $pty was killed mid-transfer"
  python3 -c "import os,sys; fd=os.open(sys.argv[1], os.O_RDWR|os.O_NOCTTY); os.write(fd, b'again'); os.close(fd)" "$pty" \
    && echo "ok: $pty opens again" || { echo "FAIL: $pty cannot be reopened"; fails=$((fails + 1)); }
done
expect_rc 0 "dfu-util still answers afterwards" -- dfu -l
sim_stop; rc=$?
[ $rc = 130 ] || [ $rc = 0 ] && echo "ok: the simulator ends cleanly (exit $rc)" \
  || { echo "FAIL: simulator exit $rc"; fails=$((fails + 1)); }
finish
