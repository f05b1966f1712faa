#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images.h"
#include "module.h"

const char *const session_default_images[] = {
    "bootloader@2.2.0", "system-part1@2.2.0", "system-part2@2.2.0", "tinker@0.4.5", NULL,
};

int session_open(session *s, const session_opts *o, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    radio *air = o->air;
    if (!air) {
        radio_init(&s->own_air);
        radio_add_default(&s->own_air);
        air = &s->own_air;
    }
    photon_config cfg = {.seed = o->seed, .fast_flash = o->fast_flash, .air = air};
    s->p = photon_new(&cfg, err, errlen);
    if (!s->p)
        return -1;
    snprintf(s->state_path, sizeof(s->state_path), "%s",
             o->state_path ? o->state_path : state_default_path());
    s->save = !o->no_save;
    s->battery = !o->no_battery;
    photon_fresh(s->p, o->seed);
    if (!o->fresh) {
        int rc = photon_state_load(s->p, s->state_path, &s->backup, err, errlen);
        if (rc < 0) {
            session_close(s);
            return -1;
        }
        s->existed = rc == 0;
    }
    if (o->device_id && photon_set_device_id(s->p, o->device_id)) {
        snprintf(err, errlen, "device ID '%s' is not 24 hex digits", o->device_id);
        session_close(s);
        return -1;
    }
    return 0;
}

void session_close(session *s)
{
    photon_free(s->p);
    s->p = NULL;
}

void session_power_on(session *s)
{
    machine_reset(s->p->m, RESET_POWER_ON);
    if (s->existed && s->battery)
        photon_backup_apply(s->p, &s->backup);
}

static void erase_range(photon *p, uint32_t start, uint32_t end)
{
    for (int n = 0; n < FLASH_NSECTORS; n++) {
        uint32_t a = FLASH_BASE + flash_sector_start(n);
        uint32_t b = a + flash_sector_size(n);
        if (a < end && b > start)
            memset(p->m->flash + (a - FLASH_BASE), 0xFF, flash_sector_size(n));
    }
    machine_code_changed(p->m, start, end);
}

int session_load_module(session *s, const char *name, bool force, char *err,
                        size_t errlen)
{
    char path[4096], e2[512];
    if (images_resolve(name, path, sizeof(path), err, errlen))
        return -1;
    size_t len;
    uint8_t *buf = read_file(path, &len, FLASH_SIZE, err, errlen);
    if (!buf)
        return -1;
    module_info mi;
    if (module_parse(buf, len, &mi, e2, sizeof(e2))) {
        snprintf(err, errlen, "%s: %s", path, e2);
        free(buf);
        return -1;
    }
    if (!force && mi.platform != PHOTON_PLATFORM_ID) {
        snprintf(err, errlen,
                 "%s is for platform %u (%s), not the Photon (6); use --force to load it anyway",
                 path, mi.platform, platform_name(mi.platform));
        free(buf);
        return -1;
    }
    if (!force && !mi.crc_ok) {
        snprintf(err, errlen,
                 "%s: CRC mismatch (stored %08x, computed %08x); use --force to load it anyway",
                 path, mi.crc_stored, mi.crc_computed);
        free(buf);
        return -1;
    }
    if (mi.start < FLASH_BASE || (uint64_t)mi.start + len > FLASH_BASE + FLASH_SIZE) {
        snprintf(err, errlen, "%s: start address 0x%08x is outside the flash", path, mi.start);
        free(buf);
        return -1;
    }
    erase_range(s->p, mi.start, mi.start + (uint32_t)len);
    memcpy(s->p->m->flash + (mi.start - FLASH_BASE), buf, len);
    free(buf);
    return 0;
}

int session_load_raw(session *s, const char *spec, char *err, size_t errlen)
{
    char file[4096];
    snprintf(file, sizeof(file), "%s", spec);
    uint32_t addr = FLASH_BASE;
    char *at = strrchr(file, '@');
    if (at) {
        char *end;
        *at = 0;
        unsigned long a = strtoul(at + 1, &end, 0);
        if (*end || a > 0xFFFFFFFFul) {
            snprintf(err, errlen, "bad address in '%s' (want FILE@0x08000000)", spec);
            return -1;
        }
        addr = (uint32_t)a;
    }
    size_t len;
    uint8_t *buf = read_file(file, &len, FLASH_SIZE, err, errlen);
    if (!buf)
        return -1;
    if (addr < FLASH_BASE || (uint64_t)addr + len > FLASH_BASE + FLASH_SIZE) {
        snprintf(err, errlen, "%s does not fit in flash at 0x%08x", file, addr);
        free(buf);
        return -1;
    }
    erase_range(s->p, addr, addr + (uint32_t)len);
    memcpy(s->p->m->flash + (addr - FLASH_BASE), buf, len);
    free(buf);
    return 0;
}

int session_save(session *s, char *err, size_t errlen)
{
    if (!s->save)
        return 0;
    return photon_state_save(s->p, s->state_path, err, errlen);
}
