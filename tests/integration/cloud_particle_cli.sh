#!/usr/bin/env bash
# The unmodified Particle CLI (npm particle-cli 3.43.1, installed by
# tools/particle-cli/install) against the local cloud through its own
# profile mechanism (`particle config NAME apiUrl URL`, a HOME of its own),
# with the test double of a Photon: login --token, list, call, get,
# publish, subscribe, nyan (signal), device rename, flash. `particle flash`
# says "Flash success!" in both cases below; `photon-sim cloud flash` tells
# them apart.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/cloud_lib.bash"
particle_cli

cloud_start
particle_login "$API" "$TOKEN"

mock_start a --id 0123456789abcdef01234567
mock_wait a '^online' || { echo "FAIL: device not online"; exit 1; }
expect_rc 0 "particle list" -- p list
expect_out 'photon-234567 \[0123456789abcdef01234567\] \(Photon\) is online' "list: the device, online"
expect_out 'int digitalwrite \(String args\)' "list: Tinker's functions"
expect_rc 0 "particle call digitalwrite D7,HIGH" -- p call photon-234567 digitalwrite D7,HIGH
expect_out '(^|G)1$' "call returns 1 (after the spinner's escape codes)"
expect_rc 0 "particle call digitalread D7" -- p call photon-234567 digitalread D7
expect_out '(^|G)1$' "digitalread returns what was written"
expect_rc 1 "particle call an unknown function" -- p call photon-234567 nosuch
expect_out 'Function `nosuch` not found' "... not found, as the real API answers"
expect_rc 0 "particle get" -- p get photon-234567 version
expect_out '^42$' "get returns the variable"
expect_rc 0 "particle publish" -- p publish particle/cli "from the CLI"
expect_out 'Published private event: particle/cli' "publish: the CLI's answer"
mock_wait a '^event particle/cli from the CLI$' && echo "ok: the device received the event" || { echo "FAIL: no event at the device"; fails=$((fails + 1)); }

subscribe_roundtrip

expect_rc 0 "particle cloud nyan (signal)" -- p cloud nyan photon-234567 on
expect_rc 0 "particle device rename" -- p device rename photon-234567 my-photon
expect_out 'Successfully renamed device photon-234567 to: my-photon' "rename: the CLI's answer"

cp "$IMG/photon-doctor.bin" "$TMP/doctor.bin"
expect_rc 0 "particle flash my-photon doctor.bin" -- p flash my-photon "$TMP/doctor.bin"
expect_out 'Flash success!' "flash: the CLI says success"
mock_wait a '^ota-done' && mock_wait a '^online' && echo "ok: the device updated and came back" || { echo "FAIL: no OTA"; fails=$((fails + 1)); }

# the forum thread: the CLI says success, the bootloader refuses the copy
mock_start b --id 00112233445566778899aabb --refuse-copy
mock_wait b '^online'
cp "$IMG/tinker@0.4.5.bin" "$TMP/tinker.bin"
expect_rc 0 "particle flash to a device whose bootloader refuses it" -- p flash photon-99aabb "$TMP/tinker.bin"
expect_out 'Flash success!' "... the CLI still says success"
expect_rc 1 "photon-sim cloud flash tells the truth" -- "$SIM" cloud flash photon-99aabb "$IMG/tinker@0.4.5.bin"
expect_out 'result: not-applied: .*the bootloader did not apply it' "... nothing applied"
expect_rc 0 "particle call still answers (the old app runs)" -- p call photon-99aabb digitalread D7

mock_stop a; mock_stop b
cloud_stop
finish
