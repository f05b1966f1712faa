#!/usr/bin/env bash
# images/fetch uses nothing unverified: a missing or altered image is
# reported by --check, and a hash that does not match the manifest is a
# clear error that installs nothing. (The wrong-hash case downloads the
# smallest package, particle-cli@1.16.0, from the npm registry.)
. "$(dirname "$0")/lib.bash"
fetch=$SRC/images/fetch
cache=$TMP/cache
mkdir -p "$cache"
expect_rc 1 "--check on an empty cache" -- env PHOTON_SIM_IMAGES="$cache" "$fetch" --check
expect_out 'missing or wrong: .*bootloader@2.2.0' "names what is missing"
for f in "$SRC"/images/cache/*.bin; do cp "$f" "$cache/"; done
expect_rc 0 "--check on a complete cache" -- env PHOTON_SIM_IMAGES="$cache" "$fetch" --check
printf '\x00' | dd of="$cache/tinker@0.4.5.bin" bs=1 seek=100 conv=notrunc status=none
expect_rc 1 "--check finds an altered image" -- env PHOTON_SIM_IMAGES="$cache" "$fetch" --check
expect_out 'tinker@0.4.5' "and names it"

# a manifest whose pinned hash of photon-tinker is wrong
grep -v '^image' "$SRC/images/manifest" > "$TMP/manifest"
grep '^image photon-tinker ' "$SRC/images/manifest" | sed 's/[0-9a-f]\{64\}$/0000000000000000000000000000000000000000000000000000000000000000/' >> "$TMP/manifest"
rm -f "$cache/photon-tinker.bin"
if command -v npm >/dev/null && [ "${PHOTON_SIM_OFFLINE:-0}" != 1 ]; then
  expect_rc 1 "a wrong hash is an error" -- env PHOTON_SIM_IMAGES="$cache" PHOTON_SIM_MANIFEST="$TMP/manifest" "$fetch"
  expect_out 'photon-tinker: SHA-256 is [0-9a-f]{64}, the manifest pins 0{64}' "says which hash and what was pinned"
  if [ -e "$cache/photon-tinker.bin" ]; then echo "FAIL: the unverified image was installed"; fails=$((fails + 1))
  else echo "ok: nothing unverified was installed"; fi
else
  echo "skipped the download case (no npm, or PHOTON_SIM_OFFLINE=1)"
fi
finish
