#include "module.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>
#include <zlib.h>


static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

const char *module_func_name(uint8_t func)
{
    static const char *const n[] = {"none", "resource", "bootloader", "monolithic",
                                    "system", "user", "settings", "ncp", "radio"};
    return func < ARRAY_SIZE(n) ? n[func] : "unknown";
}

const char *platform_name(uint16_t id)
{
    switch (id) {
    case 0: return "core";
    case 6: return "photon";
    case 8: return "p1";
    case 10: return "electron";
    case 12: return "argon";
    case 13: return "boron";
    case 14: return "xenon";
    case 22: return "asom";
    case 23: return "bsom";
    case 25: return "b5som";
    case 26: return "tracker";
    default: return "unknown";
    }
}

const char *module_dep_str(const module_dep *d, char *buf, size_t n)
{
    if (d->func == MODULE_FUNC_NONE)
        snprintf(buf, n, "%s", "");
    else if (d->func == MODULE_FUNC_BOOTLOADER)
        snprintf(buf, n, "bootloader >= %u", d->version);
    else
        snprintf(buf, n, "%s.%u >= %u", module_func_name(d->func), d->index, d->version);
    return buf;
}

static void read_header(const uint8_t *h, module_info *mi)
{
    mi->start = rd32(h);
    mi->end = rd32(h + 4);
    mi->flags = h[9];
    mi->version = rd16(h + 10);
    mi->platform = rd16(h + 12);
    mi->func = h[14];
    mi->index = h[15];
    mi->dep1 = (module_dep){h[16], h[17], rd16(h + 18)};
    mi->dep2 = (module_dep){h[20], h[21], rd16(h + 22)};
}

/* A vector table starts with a stack pointer into SRAM (flash_mal.c's
 * test: (word0 & 0x2FF10000) == 0x20000000). */
static uint32_t header_offset(uint32_t word0)
{
    return (word0 & 0x2FF10000u) == 0x20000000u ? 0x184 : 0;
}

int module_parse(const uint8_t *buf, size_t len, module_info *mi, char *err,
                 size_t errlen)
{
    memset(mi, 0, sizeof(*mi));
    if (len < 8) {
        snprintf(err, errlen, "too short to be a module (%zu bytes)", len);
        return -1;
    }
    mi->header_offset = header_offset(rd32(buf));
    if (len < mi->header_offset + 24 + 4) {
        snprintf(err, errlen, "truncated: %zu bytes, no room for a module header", len);
        return -1;
    }
    if (mi->header_offset) {
        mi->vector_sp = rd32(buf);
        mi->vector_reset = rd32(buf + 4);
    }
    read_header(buf + mi->header_offset, mi);
    if (mi->end <= mi->start || mi->end - mi->start > (1u << 20)) {
        snprintf(err, errlen,
                 "not a Particle module: header at +0x%x gives start 0x%08x end 0x%08x",
                 mi->header_offset, mi->start, mi->end);
        return -1;
    }
    size_t body = mi->end - mi->start;
    mi->length_ok = len == body + 4;
    if (len < body + 4) {
        snprintf(err, errlen,
                 "truncated: the header says %zu bytes + 4 CRC bytes, the file has %zu",
                 body, len);
        return -1;
    }
    const uint8_t *c = buf + body;
    mi->crc_stored = (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3];
    mi->crc_computed = (uint32_t)crc32_z(0, buf, body);
    mi->crc_ok = mi->crc_stored == mi->crc_computed;
    if (body >= 36) {
        mi->suffix_size = rd16(buf + body - 2);
        if (mi->suffix_size >= 36 && mi->suffix_size <= 64 && body >= mi->suffix_size) {
            mi->sha_present = true;
            memcpy(mi->sha_stored, buf + body - 34, 32);
            SHA256(buf, body - 34, mi->sha_computed);
            mi->sha_ok = !memcmp(mi->sha_stored, mi->sha_computed, 32);
        }
    }
    return 0;
}

int module_parse_flash(const uint8_t *flash, uint32_t flash_size, uint32_t base,
                       uint32_t addr, module_info *mi)
{
    char err[128];
    if (addr < base || addr - base + 0x184 + 24 > flash_size)
        return -1;
    const uint8_t *p = flash + (addr - base);
    module_info tmp;
    memset(&tmp, 0, sizeof(tmp));
    tmp.header_offset = header_offset(rd32(p));
    read_header(p + tmp.header_offset, &tmp);
    if (tmp.end <= tmp.start || tmp.end - tmp.start > flash_size ||
        (uint64_t)(addr - base) + (tmp.end - tmp.start) + 4 > flash_size)
        return -1;
    /* A module normally sits at its start address; a copy elsewhere (the
     * factory image at 0x080E0000, an OTA download in the scratch area)
     * keeps the header of its destination and counts if its CRC holds. */
    bool copy = tmp.start != addr;
    if (copy && (tmp.start < base || tmp.end - base > flash_size))
        return -1;
    if (module_parse(p, tmp.end - tmp.start + 4, mi, err, sizeof(err)))
        return -1;
    if (copy && !mi->crc_ok)
        return -1;
    return 0;
}
