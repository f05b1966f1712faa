/* Particle module images: the module_info header, the suffix and the CRC,
 * as `particle binary inspect` reads them (specs/photon-hardware.md §2). */
#ifndef PHOTON_MODULE_H
#define PHOTON_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    MODULE_FUNC_NONE = 0,
    MODULE_FUNC_RESOURCE = 1,
    MODULE_FUNC_BOOTLOADER = 2,
    MODULE_FUNC_MONO = 3,
    MODULE_FUNC_SYSTEM = 4,
    MODULE_FUNC_USER = 5,
};

typedef struct module_dep {
    uint8_t func, index;
    uint16_t version;
} module_dep;

typedef struct module_info {
    uint32_t header_offset; /* 0x184 after a vector table, else 0 */
    uint32_t start, end;
    uint8_t flags;
    uint16_t version, platform;
    uint8_t func, index;
    module_dep dep1, dep2;
    uint32_t vector_sp, vector_reset; /* if the image starts with a table */
    /* verdicts */
    bool length_ok;          /* file = end - start + 4 */
    uint32_t crc_stored, crc_computed;
    bool crc_ok;
    uint16_t suffix_size;
    bool sha_present, sha_ok;
    uint8_t sha_stored[32], sha_computed[32];
} module_info;

/* Parse and check an image. Returns 0, or -1 with a message. */
int module_parse(const uint8_t *buf, size_t len, module_info *mi, char *err,
                 size_t errlen);
/* Parse a module in place in flash at `addr` (offset into `flash`). */
int module_parse_flash(const uint8_t *flash, uint32_t flash_size, uint32_t base,
                       uint32_t addr, module_info *mi);
const char *module_func_name(uint8_t func);
const char *platform_name(uint16_t id);
/* "system.2 >= 207" style dependency text; "" if none. */
const char *module_dep_str(const module_dep *d, char *buf, size_t n);

#endif
