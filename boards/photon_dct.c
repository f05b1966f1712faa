/* The DCT in flash (photon_dct.h). */
#include "photon_dct.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* WICED's DCT header: full_size, used_size (u32 each), then one byte
 * each: write_incomplete, is_current_dct, app_valid, ... */
#define HDR_WRITE_INCOMPLETE 8
#define HDR_IS_CURRENT 9

/* The application DCT runs to the end of its sector. */
#define DCT_APP_SIZE (sector_size(0) - PHOTON_DCT_APP_AT)

static uint32_t sector_size(int i);

static uint8_t *sector(photon *p, int i)
{
    const photon_area *a = photon_area_named(i ? "dct2" : "dct1");
    return a ? photon_flash(p) + (a->lo - STM32F205_FLASH_BASE) : NULL;
}

static uint32_t sector_size(int i)
{
    const photon_area *a = photon_area_named(i ? "dct2" : "dct1");
    return a ? a->hi - a->lo : 0;
}

/* The sector holding the current DCT, or -1. */
static int current(photon *p)
{
    for (int i = 0; i < 2; i++) {
        const uint8_t *s = sector(p, i);
        if (s && s[HDR_IS_CURRENT] == 1 && s[HDR_WRITE_INCOMPLETE] == 0)
            return i;
    }
    return -1;
}

int photon_dct_read(photon *p, uint32_t off, void *out, size_t len)
{
    int c = current(p);
    if (c < 0 || off + len > DCT_APP_SIZE)
        return -1;
    memcpy(out, sector(p, c) + PHOTON_DCT_APP_AT + off, len);
    return 0;
}

int photon_dct_write(photon *p, uint32_t off, const void *data, size_t len, char *err,
                     size_t errlen)
{
    if ((uint64_t)off + len > DCT_APP_SIZE) {
        snprintf(err, errlen, "DCT offset %u + %zu bytes is outside the application DCT", off, len);
        return -1;
    }
    int c = current(p);
    if (c < 0) {
        snprintf(err, errlen, "the DCT is blank (the firmware sets it up on its first boot)");
        return -1;
    }
    uint8_t *cur = sector(p, c), *dst = cur + PHOTON_DCT_APP_AT + off;
    if (!memcmp(dst, data, len))
        return 0;
    /* flash programming clears bits: in place when only 1s become 0s */
    bool in_place = true;
    for (size_t i = 0; i < len && in_place; i++)
        in_place = (dst[i] & ((const uint8_t *)data)[i]) == ((const uint8_t *)data)[i];
    if (in_place) {
        memcpy(dst, data, len);
        return 0;
    }
    uint8_t *other = sector(p, !c);
    uint32_t n = sector_size(c);
    if (!other || sector_size(!c) != n) {
        snprintf(err, errlen, "the board has no second DCT sector");
        return -1;
    }
    memcpy(other, cur, n); /* erase and program the other sector */
    memcpy(other + PHOTON_DCT_APP_AT + off, data, len);
    other[HDR_WRITE_INCOMPLETE] = 0;
    other[HDR_IS_CURRENT] = 1;
    cur[HDR_IS_CURRENT] = 0;
    return 0;
}
