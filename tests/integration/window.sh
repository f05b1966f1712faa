#!/usr/bin/env bash
# The window (photon-sim run --window) under Xvfb:
#  1. the bootloader alone blinks yellow (DFU): screenshots at 0.150 s and
#     0.250 s of virtual time show the LED dark in one and yellow in the
#     other, as the LED trace says; headless and in the window alike;
#  2. a mouse press on SETUP (xdotool) held through a reset (key R) takes a
#     device that boots its firmware normally into DFU mode.
# Starts its own X server (xvfb-run -a); skips (77) only without Xvfb.
. "$(dirname "$0")/lib.bash"

if [ -z "${PHOTON_IN_XVFB:-}" ]; then
  if ! command -v xvfb-run >/dev/null || ! command -v Xvfb >/dev/null; then
    echo "SKIP: Xvfb is not installed (xvfb package; tools/install-deps installs it)"
    exit 77
  fi
  PHOTON_IN_XVFB=1 exec xvfb-run -a -s "-screen 0 1280x1024x24" bash "$0" "$@"
fi
command -v xdotool >/dev/null || { echo "FAIL: xdotool is not installed (tools/install-deps)"; exit 1; }
PNGPIXEL=${PNGPIXEL:-$(dirname "$SIM")/tests/pngpixel}
[ -x "$PNGPIXEL" ] || { echo "FAIL: no pngpixel tool at $PNGPIXEL"; exit 1; }

pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; xdotool mouseup 1 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

# where the RGB LED's diffuser is in the window (scale 1)
read -r _ lx ly lw lh < <("$SIM" run --print-layout | grep '^led ')
cx=$((lx + lw / 2)) cy=$((ly + lh / 2)) rad=$((lw / 4))
read -r _ sx sy sw sh < <("$SIM" run --print-layout | grep '^setup ')

# the LED state at MS from a --led-trace file: lit or dark
led_at() {
  awk -F, -v t="$2" 'NR > 1 && $1 + 0 <= t { s = ($2 + $3 + $4 > 0) ? "lit" : "dark" } END { print s ? s : "dark" }' "$1"
}

# check_led PNG lit|dark DESCRIPTION
check_led() {
  local rgb r g b
  rgb=$("$PNGPIXEL" "$1" $cx $cy $rad) || { echo "FAIL: $3: cannot read $1"; fails=$((fails + 1)); return; }
  read -r r g b <<<"$rgb"
  if [ "$2" = lit ]; then
    if [ "$r" -ge 200 ] && [ "$g" -ge 190 ] && [ "$b" -le 130 ]; then echo "ok: $3: LED yellow ($rgb)"
    else echo "FAIL: $3: LED should be yellow, is ($rgb)"; fails=$((fails + 1)); fi
  else
    if [ "$r" -le 110 ] && [ "$g" -le 110 ] && [ "$b" -le 110 ]; then echo "ok: $3: LED dark ($rgb)"
    else echo "FAIL: $3: LED should be dark, is ($rgb)"; fails=$((fails + 1)); fi
  fi
}

# ---- 1. screenshots within a blink period ------------------------------------
for mode in headless window; do
  if [ $mode = headless ]; then
    run=(env -u DISPLAY -u WAYLAND_DISPLAY "$SIM" run)
  else
    run=("$SIM" run --window --timeout 0.3)
  fi
  expect_rc 0 "$mode: bootloader alone, two screenshots" -- \
    "${run[@]}" --fresh --no-save --load bootloader@2.2.0 --led-trace "$TMP/$mode.csv" \
    --screenshot "$TMP/$mode-150.png" --at 0.150 --screenshot "$TMP/$mode-250.png" --at 0.250
  expect_out "screenshot .*$mode-150.png" "$mode: first screenshot taken"
  expect_out "screenshot .*$mode-250.png" "$mode: second screenshot taken"
  a=$(led_at "$TMP/$mode.csv" 150) b=$(led_at "$TMP/$mode.csv" 250)
  if [ "$a" != "$b" ]; then echo "ok: $mode: LED trace: $a at 150 ms, $b at 250 ms"
  else echo "FAIL: $mode: LED trace has the LED $a at both times"; fails=$((fails + 1)); fi
  check_led "$TMP/$mode-150.png" "$a" "$mode: 0.150 s"
  check_led "$TMP/$mode-250.png" "$b" "$mode: 0.250 s"
done

# ---- 2. SETUP pressed with the mouse, held through a reset: DFU ---------------
"$SIM" run --window --state "$TMP/dev.state" --load bootloader@2.2.0 --load system-part1@2.2.0 \
  --load system-part2@2.2.0 --load tinker@0.4.5 --usart1 none \
  --until-led "blinking yellow" --timeout 60 >"$TMP/out" 2>&1 &
pid=$!
# wait for a line in the run's output (the program's own timeout bounds it)
wait_for() { timeout 120 grep -m1 -q -- "$1" <(tail -n +1 --pid=$pid -f "$TMP/out"); }
wid=$(timeout 30 xdotool search --sync --name '^photon-sim' | head -1)
if [ -z "$wid" ]; then
  echo "FAIL: no photon-sim window appeared"; cat "$TMP/out"; exit 1
fi
echo "ok: window $wid is open"
# the firmware boots normally first: no DFU without SETUP
if wait_for "LED solid white"; then echo "ok: the device boots its firmware (solid white)"
else echo "FAIL: no normal boot"; tail -20 "$TMP/out"; exit 1; fi
xdotool mousemove --window "$wid" $((sx + sw / 2)) $((sy + sh / 2)) mousedown 1
xdotool key r
wait "$pid"; rc=$?; pid=
xdotool mouseup 1
LAST_OUT=$(cat "$TMP/out")
if [ $rc -eq 0 ]; then echo "ok: the run saw blinking yellow"
else echo "FAIL: exit $rc, wanted 0"; echo "$LAST_OUT" | tail -20; fails=$((fails + 1)); fi
expect_out 'SETUP pressed' "the mouse press reached SETUP"
expect_out 'RESET pressed' "key R pressed RESET"
expect_out 'reset \(pin\)' "the RESET button reset the chip"
expect_out 'LED blinking magenta' "SETUP held 1 s after reset: the bootloader's safe-mode signal"
expect_out 'saw "blinking yellow' "SETUP held 3 s after reset: DFU mode"
if grep -q 'SETUP released' <<<"$LAST_OUT"; then
  echo "FAIL: SETUP was released before DFU mode"; fails=$((fails + 1))
fi
finish
