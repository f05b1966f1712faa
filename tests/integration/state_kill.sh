#!/usr/bin/env bash
# A run killed at any moment leaves a state file that loads: the old or the
# new content, never a torn file. The run is killed (SIGKILL) right when it
# reports resets, which is when it saves the state file.
. "$(dirname "$0")/lib.bash"
st=$TMP/photon.state
"$SIM" run --state "$st" --fresh --fast-flash --load bootloader@2.2.0 --load system-part1@2.2.0 \
  --load system-part2@2.2.0 --load tinker@0.4.5 --timeout 0.1 -q
for round in 1 2 3; do
  # an erased device generates its keys, saves and resets itself: kill at
  # the reset line, when the state file is written
  coproc RUN { exec "$SIM" run --state "$st" --fresh --fast-flash --load bootloader@2.2.0 \
    --load system-part1@2.2.0 --load system-part2@2.2.0 --load tinker@0.4.5 --timeout 60; }
  pid=$RUN_PID
  while IFS= read -r line <&"${RUN[0]}"; do
    case "$line" in *"reset ("*) kill -9 "$pid"; break ;; esac
  done
  wait "$pid" 2>/dev/null
  expect_rc 0 "round $round: the state file loads after SIGKILL" -- "$SIM" inspect --state "$st"
  expect_out 'system-part2' "round $round: the modules are there"
done
ls "$TMP" | grep -q 'tmp\.' && echo "note: a temporary file was left (harmless, ignored on load)"
finish
