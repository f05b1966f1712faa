#include "module.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static const struct {
    uint16_t id;
    const char *name;
} platforms[] = {
    {0, "core"},   {6, "photon"},  {8, "p1"},     {10, "electron"}, {12, "argon"},
    {13, "boron"}, {14, "xenon"},  {22, "asom"},  {23, "bsom"},     {25, "b5som"},
    {26, "tracker"},
};

const char *platform_name(uint16_t id)
{
    for (size_t i = 0; i < ARRAY_SIZE(platforms); i++)
        if (platforms[i].id == id)
            return platforms[i].name;
    return "unknown";
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

int module_peek(const uint8_t *p, size_t avail, uint32_t *ho, uint32_t *start, uint32_t *end)
{
    if (avail < 4)
        return -1;
    uint32_t o = header_offset(rd32(p));
    if (avail < (size_t)o + 8)
        return -1;
    *ho = o;
    *start = rd32(p + o);
    *end = rd32(p + o + 4);
    return 0;
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

/* ---- changing a header ---------------------------------------------------- */

enum { K_PLATFORM, K_VERSION, K_FUNCTION, K_INDEX, K_START, K_FLAGS, K_DEPENDS, K_DEPENDS2,
       K_CRC };
const char *const module_edit_keys[] = {"platform", "version", "function", "index", "start",
                                        "flags",    "depends", "depends2", "crc",   NULL};
const char *const module_edit_help[] = {
    "platform ID or name (6 or photon, 8 or p1, 10 or electron, ...)",
    "module version (0-65535; 2202 is Device OS 2.2.0)",
    "module function (bootloader, system, user, monolithic, or a number)",
    "module index (0-255: system-part2 is system.2)",
    "start address (the end moves with it)",
    "header flags (0-255: 1 drop header, 2 compressed, 4 combined)",
    "first dependency: system-part2>=3000, system.1>=2202, bootloader>=1003, or none",
    "second dependency, the same way",
    "fix (default: recompute SHA-256 and CRC-32), keep (leave them), bad (a wrong CRC)",
};

/* A whole number in [0, max]: decimal or 0x hex. */
static bool parse_num(const char *s, uint64_t max, uint64_t *out)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static int func_parse(const char *s, size_t n, uint8_t *func)
{
    uint64_t v;
    char buf[32];
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (parse_num(buf, 255, &v)) {
        *func = (uint8_t)v;
        return 0;
    }
    for (unsigned f = 0; f <= MODULE_FUNC_USER + 3; f++)
        if (!strcasecmp(buf, module_func_name((uint8_t)f))) {
            *func = (uint8_t)f;
            return 0;
        }
    if (!strcasecmp(buf, "mono")) {
        *func = MODULE_FUNC_MONO;
        return 0;
    }
    return -1;
}

/* A module by name: bootloader, system-partN, user (user.1), or
 * FUNCTION.INDEX (system.2, 4.2). */
static int module_ref_parse(const char *s, size_t n, uint8_t *func, uint8_t *index)
{
    char buf[32];
    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    uint64_t idx;
    char *dot = strchr(buf, '.');
    if (!strcasecmp(buf, "bootloader")) {
        *func = MODULE_FUNC_BOOTLOADER;
        *index = 0;
    } else if (!strncasecmp(buf, "system-part", 11) && parse_num(buf + 11, 255, &idx)) {
        *func = MODULE_FUNC_SYSTEM;
        *index = (uint8_t)idx;
    } else if (!strcasecmp(buf, "user") || !strcasecmp(buf, "user-part")) {
        *func = MODULE_FUNC_USER;
        *index = 1;
    } else if (dot && func_parse(buf, (size_t)(dot - buf), func) == 0 &&
               parse_num(dot + 1, 255, &idx)) {
        *index = (uint8_t)idx;
    } else {
        return -1;
    }
    return 0;
}

int module_dep_parse(const char *s, module_dep *d, char *err, size_t errlen)
{
    while (isspace((unsigned char)*s))
        s++;
    if (!strcasecmp(s, "none")) {
        *d = (module_dep){0, 0, 0};
        return 0;
    }
    const char *ge = strstr(s, ">=");
    uint64_t ver;
    if (!ge || !parse_num(ge + 2, 0xFFFF, &ver)) {
        snprintf(err, errlen, "'%s' is not a dependency such as system-part2>=3000 "
                 "(or none): MODULE>=VERSION, VERSION 0-65535", s);
        return -1;
    }
    size_t n = (size_t)(ge - s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    module_dep r = {0, 0, (uint16_t)ver};
    if (module_ref_parse(s, n, &r.func, &r.index)) {
        snprintf(err, errlen, "'%.*s' is not a module: bootloader, system-part1, "
                 "system-part2, user, or FUNCTION.INDEX such as system.2", (int)n, s);
        return -1;
    }
    if (r.func == MODULE_FUNC_NONE) {
        snprintf(err, errlen, "'%s': function none is no dependency (write none)", s);
        return -1;
    }
    *d = r;
    return 0;
}

int module_edit_set(module_edit *e, const char *key, const char *value, char *err,
                    size_t errlen)
{
    int k = 0;
    while (module_edit_keys[k] && strcmp(module_edit_keys[k], key))
        k++;
    if (!module_edit_keys[k]) {
        snprintf(err, errlen, "no header field '%s' (platform, version, function, index, "
                 "start, flags, depends, depends2, crc)", key);
        return -1;
    }
    if (e->set & (1u << k)) {
        snprintf(err, errlen, "%s given twice", key);
        return -1;
    }
    uint64_t v = 0;
    bool ok = true;
    switch (k) {
    case K_PLATFORM:
        ok = parse_num(value, 0xFFFF, &v);
        for (size_t i = 0; !ok && i < ARRAY_SIZE(platforms); i++)
            if (!strcasecmp(value, platforms[i].name)) {
                v = platforms[i].id;
                ok = true;
            }
        e->platform = (uint16_t)v;
        break;
    case K_VERSION: ok = parse_num(value, 0xFFFF, &v); e->version = (uint16_t)v; break;
    case K_FUNCTION: ok = func_parse(value, strlen(value), &e->func) == 0; break;
    case K_INDEX: ok = parse_num(value, 0xFF, &v); e->index = (uint8_t)v; break;
    case K_START: ok = parse_num(value, 0xFFFFFFFFu, &v); e->start = (uint32_t)v; break;
    case K_FLAGS: ok = parse_num(value, 0xFF, &v); e->flags = (uint8_t)v; break;
    case K_DEPENDS:
    case K_DEPENDS2: {
        char why[200];
        if (module_dep_parse(value, k == K_DEPENDS ? &e->dep1 : &e->dep2, why, sizeof(why))) {
            snprintf(err, errlen, "%s: %s", key, why);
            return -1;
        }
        break;
    }
    case K_CRC:
        if (!strcmp(value, "fix")) e->crc = MODULE_CRC_FIX;
        else if (!strcmp(value, "keep")) e->crc = MODULE_CRC_KEEP;
        else if (!strcmp(value, "bad")) e->crc = MODULE_CRC_BAD;
        else ok = false;
        break;
    }
    if (!ok) {
        snprintf(err, errlen, "%s: '%s' is not a %s", key, value, module_edit_help[k]);
        return -1;
    }
    e->set |= 1u << k;
    return 0;
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, (uint16_t)v);
    wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr_dep(uint8_t *p, const module_dep *d)
{
    p[0] = d->func;
    p[1] = d->index;
    wr16(p + 2, d->version);
}

int module_edit_apply(uint8_t *buf, size_t len, const module_edit *e, module_info *out,
                      char *err, size_t errlen)
{
    module_info mi;
    if (module_parse(buf, len, &mi, err, errlen))
        return -1;
    uint8_t *h = buf + mi.header_offset;
    uint32_t size = mi.end - mi.start;
    if (e->set & (1u << K_START)) {
        if (e->start > UINT32_MAX - size) {
            snprintf(err, errlen, "start 0x%08x: a module of %u bytes would end past 4 GB",
                     e->start, size);
            return -1;
        }
        wr32(h, e->start);
        wr32(h + 4, e->start + size);
    }
    if (e->set & (1u << K_FLAGS))
        h[9] = e->flags;
    if (e->set & (1u << K_VERSION))
        wr16(h + 10, e->version);
    if (e->set & (1u << K_PLATFORM))
        wr16(h + 12, e->platform);
    if (e->set & (1u << K_FUNCTION))
        h[14] = e->func;
    if (e->set & (1u << K_INDEX))
        h[15] = e->index;
    if (e->set & (1u << K_DEPENDS))
        wr_dep(h + 16, &e->dep1);
    if (e->set & (1u << K_DEPENDS2))
        wr_dep(h + 20, &e->dep2);
    if (e->crc != MODULE_CRC_KEEP) {
        if (mi.sha_present)
            SHA256(buf, size - 34, buf + size - 34);
        uint32_t crc = (uint32_t)crc32_z(0, buf, size);
        if (e->crc == MODULE_CRC_BAD)
            crc = ~crc;
        uint8_t *c = buf + size; /* stored big-endian */
        c[0] = (uint8_t)(crc >> 24);
        c[1] = (uint8_t)(crc >> 16);
        c[2] = (uint8_t)(crc >> 8);
        c[3] = (uint8_t)crc;
    }
    module_info tmp;
    return module_parse(buf, len, out ? out : &tmp, err, errlen);
}
