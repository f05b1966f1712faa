/* PNG files through libpng's simplified API (png_image). */
#include "pngfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>

/* The pixels as RGB bytes, the layout png_image writes from. */
static uint8_t *to_rgb(const uint32_t *px, int w, int h, size_t pitch)
{
    uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
    if (!rgb)
        return NULL;
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)((const uint8_t *)px + (size_t)y * pitch);
        uint8_t *o = rgb + (size_t)y * (size_t)w * 3;
        for (int x = 0; x < w; x++) {
            o[3 * x] = (uint8_t)(row[x] >> 16);
            o[3 * x + 1] = (uint8_t)(row[x] >> 8);
            o[3 * x + 2] = (uint8_t)row[x];
        }
    }
    return rgb;
}

uint8_t *png_encode_argb(const uint32_t *px, int w, int h, size_t pitch, size_t *len)
{
    if (w <= 0 || h <= 0)
        return NULL;
    uint8_t *rgb = to_rgb(px, w, h, pitch);
    if (!rgb)
        return NULL;
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    uint8_t *out = NULL;
    /* the first call measures, the second writes */
    if (png_image_write_to_memory(&img, NULL, &size, 0, rgb, 0, NULL) && size &&
        (out = malloc(size)) &&
        !png_image_write_to_memory(&img, out, &size, 0, rgb, 0, NULL)) {
        free(out);
        out = NULL;
    }
    png_image_free(&img);
    free(rgb);
    if (out)
        *len = size;
    return out;
}

int png_write_argb(const char *path, const uint32_t *px, int w, int h, size_t pitch,
                   char *err, size_t errlen)
{
    size_t len;
    uint8_t *data = png_encode_argb(px, w, h, pitch, &len);
    if (!data) {
        snprintf(err, errlen, "%s: cannot encode a %dx%d image", path, w, h);
        return -1;
    }
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        free(data);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    /* written beside and renamed into place: never a torn file */
    snprintf(tmp, n, "%s.tmp%d", path, (int)getpid() % 100000);
    FILE *f = fopen(tmp, "wb");
    int rc = 0;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    } else {
        bool ok = fwrite(data, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp, path)) {
            snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
            unlink(tmp);
            rc = -1;
        }
    }
    free(tmp);
    free(data);
    return rc;
}

uint32_t *png_decode_argb(const uint8_t *data, size_t len, int *wp, int *hp, char *err,
                          size_t errlen)
{
    if (len < 8 || png_sig_cmp(data, 0, 8)) {
        snprintf(err, errlen, "not a PNG file");
        return NULL;
    }
    png_image img;
    memset(&img, 0, sizeof(img));
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, data, len)) {
        snprintf(err, errlen, "%s", img.message);
        png_image_free(&img);
        return NULL;
    }
    /* 0xAARRGGBB words are B, G, R, A bytes on a little-endian host */
    img.format = PNG_FORMAT_BGRA;
    if (img.width > 16384 || img.height > 16384) {
        snprintf(err, errlen, "%ux%u pixels is too large", img.width, img.height);
        png_image_free(&img);
        return NULL;
    }
    uint32_t *px = malloc((size_t)img.width * img.height * 4);
    if (!px) {
        snprintf(err, errlen, "out of memory");
        png_image_free(&img);
        return NULL;
    }
    if (!png_image_finish_read(&img, NULL, px, 0, NULL)) {
        snprintf(err, errlen, "%s", img.message);
        png_image_free(&img);
        free(px);
        return NULL;
    }
    *wp = (int)img.width;
    *hp = (int)img.height;
    return px;
}

uint32_t *png_read_argb(const char *path, int *w, int *h, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = cap > ((size_t)1 << 30) ? NULL : realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "%s: too large", path);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    char e[256];
    uint32_t *px = png_decode_argb(buf, n, w, h, e, sizeof(e));
    free(buf);
    if (!px)
        snprintf(err, errlen, "%s: %s", path, e);
    return px;
}
