#!/usr/bin/env bash
# Bad USB input: clients that send garbage, truncated headers, huge
# lengths, or vanish in the middle of a transfer (tests/integration/
# usbip_abuse.c) never crash the simulator or change the flash; dfu-util
# pointed outside flash gets the firmware's own error (the bootloader
# stalls the request), and the device keeps working.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
command -v "$DFU_UTIL" >/dev/null || { echo "SKIP: dfu-util is not installed"; exit 77; }
ABUSE=${USBIP_ABUSE:-$(dirname "$SIM")/tests/usbip-abuse}
[ -x "$ABUSE" ] || { echo "FAIL: $ABUSE not built"; exit 1; }

sim_start --fresh --no-save --load bootloader@2.2.0 --load tinker@0.4.5 --timeout 36000 \
  || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'USB device .* attached' 60 || { echo "FAIL: no USB device"; exit 1; }
expect_rc 0 "read all of flash before" -- dfu -a 0 -s 0x08000000:1048576 -U "$TMP/before.bin"

rss() { awk '/^VmRSS/ {print $2}' "/proc/$SIM_PID/status"; }
rss0=$(rss)
expect_rc 0 "misbehaving USB/IP clients" -- "$ABUSE" "$USB_PORT"
expect_out "the server survived" "the server survived every case"
expect_out "ok: the server holds a flooding client back" "a wLength flood is held back"
grep -E '^(ok|FAIL)|requests sent' <<<"$LAST_OUT" | sed 's/^/    /'
rss1=$(rss)
[ $((rss1 - rss0)) -lt 100000 ] && echo "ok: memory stayed bounded (+$((rss1 - rss0)) kB)" ||
  { echo "FAIL: memory grew by $((rss1 - rss0)) kB"; fails=$((fails + 1)); }

# sixteen clients that connect and say nothing: a real dfu-util still gets in
# (the oldest idle one is evicted for it)
for i in $(seq 16); do eval "exec {fd$i}<>/dev/tcp/127.0.0.1/$USB_PORT"; done
expect_rc 0 "dfu-util -l with 16 idle USB/IP clients connected" -- dfu -l
expect_out 'Found DFU: \[2b04:d006\]' "it finds the device"
for i in $(seq 16); do eval "exec {fd$i}>&-"; done

head -c 4096 /dev/zero | tr '\0' '\132' > "$TMP/4k.bin"
expect_rc 74 "dfu-util writing beyond the end of flash fails" -- dfu -a 0 -s 0x08100000:force -D "$TMP/4k.bin"
expect_out "Error during download get_status" "the bootloader refused it (stalled the request)"
expect_rc 74 "dfu-util writing into SRAM fails" -- dfu -a 0 -s 0x20000000:force -D "$TMP/4k.bin"
expect_out "Error during download get_status" "the bootloader refused it"
expect_rc 64 "dfu-util's own check of the memory map" -- dfu -a 0 -s 0x08100000 -D "$TMP/4k.bin"
expect_out "not writeable" "dfu-util names the segment"

# DETACH + port reset (-R): the bootloader toggles its soft disconnect for a
# few cycles, which a host does not see; the reset re-enumerates the same device
rm -f "$TMP/head.bin"
expect_rc 0 "dfu-util -R (detach, then USB reset)" -- dfu -a 0 -s 0x08000000:64 -U "$TMP/head.bin" -R
expect_out "Resetting USB" "dfu-util reset the device"
expect_rc 0 "dfu-util -l still works" -- dfu -l
expect_out 'Found DFU: \[2b04:d006\]' "the device is still there"
expect_rc 0 "read all of flash after" -- dfu -a 0 -s 0x08000000:1048576 -U "$TMP/after.bin"
cmp "$TMP/before.bin" "$TMP/after.bin" && echo "ok: flash unchanged" || { echo "FAIL: flash changed"; fails=$((fails + 1)); }
[ "$(stat -c %s "$TMP/after.bin")" = 1048576 ] && echo "ok: 1 MB read" || { echo "FAIL: short read"; fails=$((fails + 1)); }
kill -0 "$SIM_PID" 2>/dev/null && echo "ok: simulator alive" || { echo "FAIL: simulator died"; fails=$((fails + 1)); }
sim_stop; rc=$?
[ $rc = 130 ] && echo "ok: simulator stops cleanly on SIGTERM" || { echo "FAIL: simulator exit $rc"; fails=$((fails + 1)); }
grep -iE 'emulation error|internal' "$SIM_LOG" && { echo "FAIL: emulator errors"; fails=$((fails + 1)); }
finish
