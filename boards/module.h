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
/* Where a module's header would be in `p` (`avail` bytes: at least 0x184 +
 * 8 for an image that starts with a vector table) and the start and end
 * addresses it gives, without checking anything. -1 if `avail` is short. */
int module_peek(const uint8_t *p, size_t avail, uint32_t *header_offset, uint32_t *start,
                uint32_t *end);

/* Changes to a module's header, for test images ("an app built for a newer
 * Device OS"): `photon-sim image set` and the scenario step image-set.
 * Every change is given as KEY=VALUE text (module_edit_set); applying them
 * rewrites the header and recomputes the SHA-256 in the suffix (if there
 * is one) and the CRC-32, or leaves the CRC wrong on purpose. */
typedef enum { MODULE_CRC_FIX, MODULE_CRC_KEEP, MODULE_CRC_BAD } module_crc_mode;
typedef struct module_edit {
    unsigned set; /* bit i: module_edit_keys[i] was given */
    uint16_t platform, version;
    uint8_t func, index, flags;
    uint32_t start;
    module_dep dep1, dep2;
    module_crc_mode crc;
} module_edit;
/* The keys, NULL-terminated: platform, version, function, index, start,
 * flags, depends, depends2, crc. */
extern const char *const module_edit_keys[];
/* What each key takes, for help texts (same order). */
extern const char *const module_edit_help[];
/* Record one change. Values: platform a number or a name (photon, p1,
 * electron, ...); version 0-65535; function a name (bootloader, system,
 * user, monolithic, ...) or a number; index and flags 0-255; start an
 * address (the end moves with it); depends / depends2 a dependency
 * ("system-part2>=3000", "system.2 >= 3000", "bootloader>=1003",
 * "user.1>=3") or "none"; crc fix (default), keep (leave the stored CRC
 * and SHA-256 as they are) or bad (store a wrong CRC). Returns 0, or -1
 * with a message (unknown key, bad value, key given twice). */
int module_edit_set(module_edit *e, const char *key, const char *value, char *err,
                    size_t errlen);
/* Parse a dependency as `depends` takes it. */
int module_dep_parse(const char *s, module_dep *d, char *err, size_t errlen);
/* Apply the changes to a module image in place (module_parse must accept
 * it). `mi` (may be NULL) receives the result as module_parse sees it.
 * Returns 0, or -1 with a message. */
int module_edit_apply(uint8_t *buf, size_t len, const module_edit *e, module_info *mi,
                      char *err, size_t errlen);

#endif
