#!/usr/bin/env bash
# `dfu-util -l` (the unmodified Debian binary, through photon-sim's libusb
# shim and USB/IP) against bootloaders 1.5.0 and 2.2.0 in DFU mode: the
# Photon's IDs, its device ID as the serial, both DfuSe alt settings with
# their exact strings; the product string as the simulator's host read it
# from the device; the device re-enumerates after DFU :leave.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
command -v "$DFU_UTIL" >/dev/null || { echo "SKIP: dfu-util is not installed"; exit 77; }
ID=3a001d000d47343432313031
for v in 1.5.0 2.2.0; do
  sim_start --fresh --no-save --device-id $ID --load bootloader@$v --timeout 3600 || { echo "FAIL: simulator did not start"; exit 1; }
  if sim_wait 'USB device .* attached' 60; then
    LAST_OUT=$(grep 'USB device' "$SIM_LOG")
    expect_out "2b04:d006 \"Photon DFU Mode\" \(serial $ID\) attached as bus id 1-1" "bootloader $v: enumerated as 2b04:d006 \"Photon DFU Mode\""
  else
    echo "FAIL: bootloader $v: the device never attached"; fails=$((fails + 1))
  fi
  expect_rc 0 "bootloader $v: dfu-util -l" -- dfu -l
  expect_out "Found DFU: \[2b04:d006\] ver=0250, devnum=[0-9]+, cfg=1, intf=0, path=\"1-1\", alt=1, name=\"@DCT Flash   /0x00000000/01\*016Kg\", serial=\"$ID\"" "bootloader $v: alt 1 (DCT) with the device ID as serial"
  expect_out "Found DFU: \[2b04:d006\] ver=0250, devnum=[0-9]+, cfg=1, intf=0, path=\"1-1\", alt=0, name=\"@Internal Flash   /0x08000000/03\*016Ka,01\*016Kg,01\*064Kg,07\*128Kg\", serial=\"$ID\"" "bootloader $v: alt 0 (internal flash)"
  n=$(grep -c '^Found DFU' <<<"$LAST_OUT")
  if command -v usbip >/dev/null; then
    # Linux's own USB/IP client reads the same device list
    expect_rc 0 "bootloader $v: usbip list -r" -- usbip --tcp-port "$USB_PORT" list -r 127.0.0.1
    expect_out '1-1: .*\(2b04:d006\)' "usbip list: bus id 1-1, 2b04:d006"
    expect_out '0 - .*\(fe/01/02\)' "usbip list: interface 0 is DFU (fe/01/02)"
  fi
  [ "$n" = 2 ] && echo "ok: bootloader $v: exactly two DFU interfaces" || { echo "FAIL: bootloader $v: $n DFU interfaces"; fails=$((fails + 1)); }
  sim_stop
done
# :leave with no system firmware: the device leaves the bus, resets, the
# bootloader stays in DFU mode and enumerates again with a new address
sim_start --fresh --no-save --load bootloader@2.2.0 --timeout 3600 || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'USB device .* attached as bus id 1-1, device 2$' 60 || { echo "FAIL: no device 2"; fails=$((fails + 1)); }
IMG=${SRC:-$(dirname "$0")/../..}/images/cache
expect_rc 0 "dfu-util :leave" -- dfu -a 0 -s 0x080A0000:leave -D "$IMG/tinker@0.4.5.bin"
sim_wait 'USB device detached' 60 && echo "ok: detached after :leave" || { echo "FAIL: no detach"; fails=$((fails + 1)); }
sim_wait 'USB device 2b04:d006 .* attached as bus id 1-1, device 3$' 60 \
  && echo "ok: re-enumerated after the reset, as device 3" || { echo "FAIL: no re-enumeration"; fails=$((fails + 1)); }
expect_rc 0 "dfu-util -l after the re-enumeration" -- dfu -l
expect_out 'Found DFU: \[2b04:d006\] ver=0250, devnum=3, ' "dfu-util sees the new device number"
sim_stop

# the shim without a simulator: a clear message, no device, no crash
USB_PORT=1
expect_rc 0 "dfu-util -l with no simulator listening" -- dfu -l
expect_out "cannot reach the photon-sim USB/IP server" "the shim says why no device is found"
finish
