#!/usr/bin/env bash
# The window's command-line side without a display: screenshots drawn
# offscreen (timed, at the end of the run, at another scale), the layout
# for scripts, and clear errors for bad input.
. "$(dirname "$0")/lib.bash"
unset DISPLAY WAYLAND_DISPLAY SDL_VIDEODRIVER
PNGPIXEL=${PNGPIXEL:-$(dirname "$SIM")/tests/pngpixel}
BL=(--fresh --no-save --load bootloader@2.2.0)

expect_rc 0 "layout at scale 2" -- "$SIM" run --print-layout --scale 2
expect_out '^window 0 0 1472 1056$' "scale 2 doubles the window"
expect_out '^setup [0-9]+ [0-9]+ [0-9]+ [0-9]+$' "SETUP's place is printed"

expect_rc 0 "a screenshot when the run ends (--until-led)" -- \
  "$SIM" run "${BL[@]}" --until-led "blinking yellow" --screenshot "$TMP/end.png" --scale 0.5
expect_out "screenshot .*end.png" "reported"
expect_rc 0 "the PNG is readable, half size" -- "$PNGPIXEL" "$TMP/end.png" 367 263
expect_rc 2 "no pixel outside it" -- "$PNGPIXEL" "$TMP/end.png" 368 10

expect_rc 0 "a timed screenshot ends a run without another end" -- \
  "$SIM" run "${BL[@]}" --screenshot "$TMP/t.png" --at 0.5
expect_out 'stopped at 0\.500 s' "stopped at the screenshot"

expect_rc 2 "--window without a display is an error" -- "$SIM" run "${BL[@]}" --window --timeout 1
expect_out 'no display' "says why"
expect_rc 2 "an unwritable screenshot is an error" -- \
  "$SIM" run "${BL[@]}" --screenshot "$TMP/no/such/dir.png" --at 0.1
expect_out 'screenshot: .*no/such/dir.png: No such file' "says which file and why"
[ -e "$TMP/no/such/dir.png" ] && { echo "FAIL: a file appeared"; fails=$((fails + 1)); }
expect_rc 2 "--at without --screenshot" -- "$SIM" run --at 1
expect_out 'every --at follows its own --screenshot' "says so"
expect_rc 2 "bad --scale" -- "$SIM" run --scale 99
expect_rc 2 "--window with --headless" -- "$SIM" run --window --headless
finish
