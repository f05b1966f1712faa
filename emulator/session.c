#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devstate.h"
#include "faults.h"
#include "images.h"
#include "module.h"
#include "numparse.h"

const char *const session_default_images[] = {
    "bootloader@2.2.0", "system-part1@2.2.0", "system-part2@2.2.0", "tinker@0.4.5", NULL,
};

/* About what a state file takes: the memories and room for the fields. */
static uint64_t state_bytes(void)
{
    uint64_t n = 64 << 10;
    for (int i = 0; i < stm32f205_nnonvolatile; i++)
        n += stm32f205_nonvolatile[i].hi - stm32f205_nonvolatile[i].lo;
    return n;
}

int session_open(session *s, const session_opts *o, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    radio *air = o->air;
    if (!air) {
        radio_init(&s->own_air);
        radio_add_default(&s->own_air, RADIO_DEFAULT_SSID);
        air = &s->own_air;
    }
    photon_config cfg = {.seed = o->seed, .fast_flash = o->fast_flash, .air = air};
    s->p = photon_new(&cfg, err, errlen);
    if (!s->p)
        return -1;
    fault_watch(s);
    ledc_init(&s->pattern, s->p->m);
    led_listen(&s->p->led, ledc_feed, &s->pattern);
    if (state_resolve(o->state_path ? o->state_path : state_default_path(), s->state_path,
                      sizeof(s->state_path), err, errlen) ||
        state_check_regular(s->state_path, err, errlen)) {
        session_close(s);
        return -1;
    }
    s->save = !o->no_save;
    if (s->save && state_lock_take(&s->lock, s->state_path, state_bytes(), err, errlen)) {
        session_close(s);
        return -1;
    }
    s->battery = !o->no_battery;
    photon_fresh(s->p, o->seed);
    if (!o->fresh) {
        int rc = devstate_load(s->p->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, false,
                               s->state_path, &s->kept, err, errlen);
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
    state_lock_release(&s->lock);
    statefile_free(&s->kept);
    if (s->p)
        ledc_free(&s->pattern);
    photon_free(s->p);
    s->p = NULL;
}

void session_power_on(session *s)
{
    machine_reset(s->p->m, RESET_POWER_ON);
    if (s->existed && s->battery)
        devstate_apply(s->p->m, &s->kept, false);
}

int session_load_module(session *s, const char *name, bool force, char *err,
                        size_t errlen)
{
    char path[4096], e2[512];
    if (images_resolve(name, path, sizeof(path), err, errlen))
        return -1;
    size_t len;
    uint8_t *buf = read_file(path, &len, STM32F205_FLASH_SIZE, err, errlen);
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
    if (mi.start < STM32F205_FLASH_BASE || (uint64_t)mi.start + len > STM32F205_FLASH_BASE + STM32F205_FLASH_SIZE) {
        snprintf(err, errlen, "%s: start address 0x%08x is outside the flash", path, mi.start);
        free(buf);
        return -1;
    }
    /* exactly the image's bytes, as --raw: the rest of its sectors stays */
    memcpy(stm32f205_flash(s->p->m) + (mi.start - STM32F205_FLASH_BASE), buf, len);
    free(buf);
    return 0;
}

/* "FILE@ADDR": split at the last '@' when what follows is an address and
 * the whole is not itself an existing file (names may contain '@'). */
static int split_raw_spec(const char *spec, char *file, size_t n, uint32_t *addr, char *err,
                          size_t errlen)
{
    snprintf(file, n, "%s", spec);
    *addr = STM32F205_FLASH_BASE;
    char *at = strrchr(file, '@');
    struct stat st;
    if (!at || stat(spec, &st) == 0)
        return 0;
    uint64_t a;
    if (!num_u64(at + 1, 0xFFFFFFFFu, &a)) {
        snprintf(err, errlen, "bad address in '%s' (want FILE@0x08000000)", spec);
        return -1;
    }
    *at = 0;
    *addr = (uint32_t)a;
    return 0;
}

int session_load_raw_at(session *s, const char *file, uint32_t addr, char *err, size_t errlen)
{
    size_t len;
    uint8_t *buf = read_file(file, &len, STM32F205_FLASH_SIZE, err, errlen);
    if (!buf)
        return -1;
    if (addr < STM32F205_FLASH_BASE ||
        (uint64_t)addr + len > STM32F205_FLASH_BASE + STM32F205_FLASH_SIZE) {
        snprintf(err, errlen, "%s does not fit in flash at 0x%08x", file, addr);
        free(buf);
        return -1;
    }
    /* exactly these bytes: the rest of their sectors stays (a programmer's
     * read-modify-write of the sector) */
    memcpy(stm32f205_flash(s->p->m) + (addr - STM32F205_FLASH_BASE), buf, len);
    free(buf);
    return 0;
}

int session_load_raw(session *s, const char *spec, char *err, size_t errlen)
{
    char file[4096];
    uint32_t addr;
    if (split_raw_spec(spec, file, sizeof(file), &addr, err, errlen))
        return -1;
    return session_load_raw_at(s, file, addr, err, errlen);
}

int session_save(session *s, char *err, size_t errlen)
{
    if (!s->save)
        return 0;
    return devstate_save(s->p->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, false,
                         s->state_path, err, errlen);
}
