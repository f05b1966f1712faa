#!/usr/bin/env bash
# `photon-sim inspect` prints the module table of specs/photon-hardware.md §2.
. "$(dirname "$0")/lib.bash"
check() { # name function index version start end deps...
  local name=$1; shift
  expect_rc 0 "inspect $name" -- "$SIM" inspect "$name"
  for pat in "$@"; do expect_out "$pat" "$name: $pat"; done
}
check bootloader@1.5.0 'bootloader\.0 version 501' '0x08000000-0x08003be4' 'reset 0x08003769' 'CRC-32 +ok' 'SHA-256 +ok'
check bootloader@2.2.0 'bootloader\.0 version 1006' '0x08000000-0x08003b10' 'reset 0x0800019d'
check system-part1@1.5.0 'system\.1 version 1502' '0x08020000-0x0805a344' 'system\.2 >= 207'
check system-part1@2.2.0 'system\.1 version 2202' '0x08020000-0x0805af54' 'system\.2 >= 207' 'reset 0x080201f1'
check system-part2@1.5.0 'system\.2 version 1502' '0x08060000-0x0809fbb4' 'system\.1 >= 1502, bootloader >= 400' 'reset 0x080834b9'
check system-part2@2.2.0 'system\.2 version 2202' '0x08060000-0x0809fae4' 'system\.1 >= 2202, bootloader >= 1003' 'reset 0x0808430d'
check system-part1@0.5.2 'system\.1 version 17' '0x08020000-0x0805d448' 'depends on   nothing' 'reset 0x08020231'
check system-part2@0.5.2 'system\.2 version 17' '0x08060000-0x0808dc60' 'system\.1 >= 17' 'reset 0x08074b75'
check tinker@0.4.5 'user\.1 version 3' '0x080a0000-0x080a14c8' 'header at \+0x0' 'system\.2 >= 6'
check photon-tinker 'user\.1 version 2' '0x080a0000-0x080a0f6c' 'system\.2 >= 1'
check photon-doctor 'user\.1 version 4' '0x080a0000-0x080a1ae4' 'system\.2 >= 108'
expect_rc 0 "json" -- "$SIM" inspect --json tinker@0.4.5 system-part2@2.2.0
expect_out '"function": "system", "index": 2, "version": 2202, "platform": 6' "json fields"
expect_out '"crc_ok": true' "json CRC verdict"
finish
