#!/usr/bin/env bash
# The libusb shim must define every libusb function a preloaded program can
# reach, so that no call falls through to another libusb: every libusb_*
# that dfu-util imports, and every libusb_* that node-usb's addon (in the
# Particle CLI) exports and calls through its own PLT. The shim exports
# nothing else.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/usb_lib.bash"
. "$(dirname "$0")/particle_lib.bash"
SHIM=$(dirname "$SIM")/tools/libphoton-usb.so
[ -f "$SHIM" ] || { echo "FAIL: no shim at $SHIM"; exit 1; }
nm -D --defined-only "$SHIM" | awk '$2=="T" {print $3}' | sort > "$TMP/shim"

# covers NAME LIST: every symbol in LIST is exported by the shim
covers() {
  local missing; missing=$(comm -23 "$2" "$TMP/shim")
  [ -s "$2" ] || { echo "FAIL: $1: no libusb symbols found"; fails=$((fails + 1)); return; }
  if [ -z "$missing" ]; then echo "ok: the shim defines all $(wc -l < "$2") libusb functions of $1"
  else echo "FAIL: the shim lacks what $1 uses:"; echo "$missing" | sed 's/^/  /'; fails=$((fails + 1)); fi
}

other=$(grep -v '^libusb_' "$TMP/shim" || true)
[ -z "$other" ] && echo "ok: the shim exports only libusb_* functions" \
  || { echo "FAIL: the shim exports more: $other"; fails=$((fails + 1)); }

if command -v "$DFU_UTIL" >/dev/null; then
  nm -D --undefined-only "$(command -v "$DFU_UTIL")" | awk '{print $2}' | grep '^libusb_' | sed 's/@.*//' | sort -u > "$TMP/dfu"
  covers dfu-util "$TMP/dfu"
fi

particle_require
addon=$(ls "$ROOT"/tools/particle-cli/node_modules/usb/prebuilds/linux-x64/node.napi.glibc.node 2>/dev/null)
[ -f "$addon" ] || { echo "FAIL: node-usb's addon is not where the CLI loads it from"; exit 1; }
nm -D --defined-only "$addon" | awk '$2=="T" && $3 ~ /^libusb_/ {print $3}' | sort -u > "$TMP/nodeusb"
covers "node-usb's addon" "$TMP/nodeusb"
finish
