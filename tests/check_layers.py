#!/usr/bin/env python3
"""The layering of the sources (docs/ARCHITECTURE.md), checked in CI.

Each folder includes only itself and folders of a lower layer:

  0  emulator/core          Unicorn and the Cortex-M, no chip or board
  1  peripherals, peripherals/chips
  2  boards, emulator/host
  3  emulator               (the world: devices with their state files),
     emulator/host/cloud    (the local Particle cloud: knows modules)
  4  emulator/ui, emulator/scenario
  5  emulator/cli

An include is resolved as the compiler does (the including file's folder,
then the folders of the layers the file may use); including a file of a
higher layer, of another folder of the same layer, or by a relative path
("../") fails. emulator/core must name no chip, board or chip address.
Usage: check_layers.py [SOURCE_DIR]; exit status 1 on a violation."""
import os
import re
import sys

LAYERS = {
    "emulator/core": 0,
    "peripherals": 1,
    "peripherals/chips": 1,
    "boards": 2,
    "emulator/host": 2,
    "emulator": 3,
    "emulator/host/cloud": 3,
    "emulator/ui": 4,
    "emulator/scenario": 4,
    "emulator/cli": 5,
}

# Names and addresses of a particular chip or board, not allowed in the core.
CORE_FORBIDDEN = re.compile(r"stm32|photon|particle|f205|f2xx|bcm43|rm0033|wiced", re.I)
# Hex literals in the STM32 memory map: flash, system memory, SRAM,
# peripherals (the Cortex-M's own 0xE0000000 region, and the boundaries of
# the ARMv7-M default memory map, multiples of 0x20000000, are
# architectural).
CHIP_ADDRESS = re.compile(r"\b0x(08[0-9a-f]{6}|1fff[0-9a-f]{4}|200[0-9a-f]{5}|4[0-9a-f]{7}|5[0-9a-f]{7})u?\b", re.I)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main():
    top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    files = {}  # folder -> set of file names
    for folder in LAYERS:
        path = os.path.join(top, folder)
        files[folder] = set(f for f in os.listdir(path) if f.endswith((".c", ".h"))) if os.path.isdir(path) else set()
    errors = []
    for folder, rank in LAYERS.items():
        # where an include may resolve: the file's own folder, then lower layers
        lower = [f for f, r in LAYERS.items() if r < rank]
        for name in sorted(files[folder]):
            rel = f"{folder}/{name}"
            with open(os.path.join(top, rel), encoding="utf-8", errors="replace") as fh:
                lines = fh.read().split("\n")
            for no, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if m:
                    inc = m.group(1)
                    if "/" in inc:
                        errors.append(f"{rel}:{no}: include by path \"{inc}\": include by name")
                    elif inc in files[folder]:
                        pass
                    elif any(inc in files[f] for f in lower):
                        pass
                    else:
                        owner = [f for f in LAYERS if inc in files[f]]
                        if owner:
                            errors.append(f"{rel}:{no}: \"{inc}\" is in {owner[0]} (layer {LAYERS[owner[0]]}); "
                                          f"{folder} (layer {rank}) may include only lower layers")
                        # else: a system or library header
                if folder == "emulator/core":
                    code = line
                    hit = CORE_FORBIDDEN.search(code)
                    if hit:
                        errors.append(f"{rel}:{no}: a chip or board name in the core: {hit.group(0)}")
                    for hit in CHIP_ADDRESS.finditer(code):
                        if int(hit.group(1), 16) % 0x20000000:
                            errors.append(f"{rel}:{no}: a chip address in the core: {hit.group(0)}")
    for e in errors:
        print(e)
    if errors:
        print(f"check_layers: {len(errors)} violation(s)")
        return 1
    print(f"check_layers: {sum(len(v) for v in files.values())} files, no violation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
