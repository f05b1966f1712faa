#!/usr/bin/env bash
# How `photon-sim usb -- COMMAND` makes the emulated USB serial visible to
# serial port listings: a simulator with a USB/IP server describes its pty
# (bound=0 while no CDC function is on the cable: DFU mode), and the
# `udevadm` that `photon-sim usb` puts on COMMAND's PATH answers
# `udevadm info -e` from that description. With the CDC function bound
# (a description as the simulator writes it then), the real Particle
# CLI's `serial list` finds the port with the Photon's device ID.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
. "$(dirname "$0")/particle_lib.bash"
export XDG_RUNTIME_DIR=$TMP/run
mkdir -p "$XDG_RUNTIME_DIR"

# a device in DFU mode: the pty exists, no serial function is bound
sim_start --fresh --no-save --load bootloader@2.2.0 || { echo "FAIL: simulator did not start"; exit 1; }
sim_wait 'USB device 2b04:d006 .* attached' 60 || { echo "FAIL: no DFU device"; exit 1; }
pty=$(grep -oE 'USB serial: /dev/pts/[0-9]+' "$SIM_LOG" | grep -oE '/dev/pts/[0-9]+')
[ -c "$pty" ] && echo "ok: run prints its USB serial pty ($pty)" || { echo "FAIL: no pty printed"; fails=$((fails + 1)); }
info=$XDG_RUNTIME_DIR/photon-sim/usbip-$USB_PORT.serial
grep -qx "tty=$pty" "$info" && grep -qx "bound=0" "$info" && echo "ok: the description names the pty, no function bound" \
  || { echo "FAIL: description:"; cat "$info"; fails=$((fails + 1)); }
expect_rc 0 "udevadm info -e through photon-sim usb" -- usb udevadm info -e
grep -q "DEVNAME=$pty" <<<"$LAST_OUT" && { echo "FAIL: a port is listed in DFU mode"; fails=$((fails + 1)); } \
  || echo "ok: no serial port while the device is in DFU mode"
expect_rc 1 "other udevadm commands are refused without a host udevadm" -- \
  env PATH="$XDG_RUNTIME_DIR/photon-sim/bin" "$XDG_RUNTIME_DIR/photon-sim/bin/udevadm" trigger
sim_stop
[ -e "$info" ] && { echo "FAIL: the description outlives the simulator"; fails=$((fails + 1)); } \
  || echo "ok: the description is removed at exit"

# the description of a bound CDC function, as the simulator writes it
mkdir -p "$XDG_RUNTIME_DIR/photon-sim"
info=$XDG_RUNTIME_DIR/photon-sim/usbip-5999.serial
printf 'tty=%s\nbound=1\nvendor=2b04\nproduct=c006\nserial=2f002d004347363238353736\nmanufacturer=Particle\nproduct_name=Photon\n' \
  "$pty" > "$info"
USB_PORT=5999
expect_rc 0 "udevadm info -e lists the bound function" -- usb udevadm info -e
expect_out "^N: ttyACM0$" "a ttyACM entry"
expect_out "^E: DEVNAME=$pty$" "pointing at the pty"
expect_out "^E: ID_VENDOR_ID=2b04$" "Particle's vendor ID"
expect_out "^E: ID_MODEL_ID=c006$" "the Photon's product ID"
expect_out "^E: ID_SERIAL_SHORT=2f002d004347363238353736$" "the device ID"

particle_require
particle_home
expect_rc 0 "particle serial list" -- usb "$PARTICLE" serial list
expect_out "^$pty - Photon - 2f002d004347363238353736$" "the CLI finds the emulated port"
finish
