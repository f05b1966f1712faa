/* PNG (ISO/IEC 15948): signature, IHDR, IDAT (zlib), IEND, each chunk with
 * a CRC-32. The writer emits 8-bit RGB with the Sub filter on every row;
 * the reader takes 8-bit RGB/RGBA without interlace, any filter. */
#include "png.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define PNG_MAX_DIM 16384

static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Append a chunk at out+*pos (room is the caller's business). */
static void chunk(uint8_t *out, size_t *pos, const char *type, const uint8_t *data, size_t n)
{
    uint8_t *p = out + *pos;
    put32(p, (uint32_t)n);
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, data, n);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, p + 4, (uInt)(n + 4));
    put32(p + 8 + n, (uint32_t)crc);
    *pos += 12 + n;
}

uint8_t *png_encode_argb(const uint32_t *px, int w, int h, size_t pitch, size_t *len)
{
    if (w <= 0 || h <= 0 || w > PNG_MAX_DIM || h > PNG_MAX_DIM)
        return NULL;
    size_t row = 1 + (size_t)w * 3;
    size_t rawlen = row * (size_t)h;
    uint8_t *raw = malloc(rawlen);
    if (!raw)
        return NULL;
    for (int y = 0; y < h; y++) {
        const uint32_t *src = (const uint32_t *)((const uint8_t *)px + (size_t)y * pitch);
        uint8_t *d = raw + (size_t)y * row;
        d[0] = 1; /* Sub: each byte minus the one a pixel to the left */
        uint8_t prev[3] = {0, 0, 0};
        for (int x = 0; x < w; x++) {
            uint8_t c[3] = {(uint8_t)(src[x] >> 16), (uint8_t)(src[x] >> 8), (uint8_t)src[x]};
            for (int k = 0; k < 3; k++) {
                d[1 + x * 3 + k] = (uint8_t)(c[k] - prev[k]);
                prev[k] = c[k];
            }
        }
    }
    uLongf zlen = compressBound((uLong)rawlen);
    size_t cap = 8 + 25 + 12 + zlen + 12;
    uint8_t *out = malloc(cap);
    if (!out) {
        free(raw);
        return NULL;
    }
    memcpy(out, signature, 8);
    size_t pos = 8;
    uint8_t ihdr[13];
    put32(ihdr, (uint32_t)w);
    put32(ihdr + 4, (uint32_t)h);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 2;  /* truecolour */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    chunk(out, &pos, "IHDR", ihdr, sizeof(ihdr));
    /* IDAT: compress straight into its place after the length and type */
    uint8_t *idat = out + pos;
    if (compress2(idat + 8, &zlen, raw, (uLong)rawlen, 6) != Z_OK) {
        free(raw);
        free(out);
        return NULL;
    }
    free(raw);
    put32(idat, (uint32_t)zlen);
    memcpy(idat + 4, "IDAT", 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, idat + 4, (uInt)(zlen + 4));
    put32(idat + 8 + zlen, (uint32_t)crc);
    pos += 12 + zlen;
    chunk(out, &pos, "IEND", NULL, 0);
    *len = pos;
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

static int paeth(int a, int b, int c)
{
    int p = a + b - c;
    int pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc)
        return a;
    return pb <= pc ? b : c;
}

uint32_t *png_decode_argb(const uint8_t *d, size_t len, int *wp, int *hp, char *err,
                          size_t errlen)
{
    if (len < 8 || memcmp(d, signature, 8)) {
        snprintf(err, errlen, "not a PNG file");
        return NULL;
    }
    size_t pos = 8;
    uint32_t w = 0, h = 0;
    int ctype = -1;
    uint8_t *z = NULL;
    size_t zlen = 0;
    bool end = false;
    while (!end) {
        if (len - pos < 12) {
            snprintf(err, errlen, "truncated PNG");
            goto fail;
        }
        uint32_t n = get32(d + pos);
        if (n > len - pos - 12) {
            snprintf(err, errlen, "truncated PNG chunk");
            goto fail;
        }
        const uint8_t *type = d + pos + 4, *data = d + pos + 8;
        uLong crc = crc32(0L, Z_NULL, 0);
        crc = crc32(crc, type, n + 4);
        if ((uint32_t)crc != get32(data + n)) {
            snprintf(err, errlen, "PNG chunk %.4s: bad CRC", (const char *)type);
            goto fail;
        }
        if (!memcmp(type, "IHDR", 4)) {
            if (n != 13) {
                snprintf(err, errlen, "bad IHDR");
                goto fail;
            }
            w = get32(data);
            h = get32(data + 4);
            ctype = data[9];
            if (data[8] != 8 || (ctype != 2 && ctype != 6) || data[10] || data[11] || data[12]) {
                snprintf(err, errlen, "only 8-bit RGB/RGBA non-interlaced PNGs are supported");
                goto fail;
            }
            if (!w || !h || w > PNG_MAX_DIM || h > PNG_MAX_DIM) {
                snprintf(err, errlen, "PNG size %ux%u out of range", w, h);
                goto fail;
            }
        } else if (!memcmp(type, "IDAT", 4)) {
            uint8_t *nz = realloc(z, zlen + n + 1);
            if (!nz) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            z = nz;
            memcpy(z + zlen, data, n);
            zlen += n;
        } else if (!memcmp(type, "IEND", 4)) {
            end = true;
        }
        pos += 12 + n;
    }
    if (ctype < 0 || !z) {
        snprintf(err, errlen, "PNG without IHDR or IDAT");
        goto fail;
    }
    int bpp = ctype == 6 ? 4 : 3;
    size_t row = 1 + (size_t)w * (size_t)bpp;
    uLongf rawlen = (uLongf)(row * h);
    uint8_t *raw = malloc(rawlen);
    uint32_t *px = malloc((size_t)w * h * sizeof(uint32_t));
    if (!raw || !px) {
        free(raw);
        free(px);
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    uLongf got = rawlen;
    if (uncompress(raw, &got, z, (uLong)zlen) != Z_OK || got != rawlen) {
        free(raw);
        free(px);
        snprintf(err, errlen, "PNG image data does not inflate to %ux%u", w, h);
        goto fail;
    }
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *r = raw + y * row, *cur = r + 1;
        const uint8_t *up = y ? raw + (y - 1) * row + 1 : NULL;
        for (size_t i = 0; i < row - 1; i++) {
            int a = i >= (size_t)bpp ? cur[i - bpp] : 0;
            int b = up ? up[i] : 0;
            int c = up && i >= (size_t)bpp ? up[i - bpp] : 0;
            switch (r[0]) {
            case 0: break;
            case 1: cur[i] = (uint8_t)(cur[i] + a); break;
            case 2: cur[i] = (uint8_t)(cur[i] + b); break;
            case 3: cur[i] = (uint8_t)(cur[i] + ((a + b) >> 1)); break;
            case 4: cur[i] = (uint8_t)(cur[i] + paeth(a, b, c)); break;
            default:
                snprintf(err, errlen, "PNG row %u: unknown filter %u", y, r[0]);
                free(raw);
                free(px);
                goto fail;
            }
        }
        for (uint32_t x = 0; x < w; x++) {
            const uint8_t *s = cur + x * bpp;
            px[y * w + x] = 0xFF000000u | (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
        }
    }
    free(raw);
    free(z);
    *wp = (int)w;
    *hp = (int)h;
    return px;
fail:
    free(z);
    return NULL;
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
            if (cap > ((size_t)1 << 30)) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "%s: too large", path);
                return NULL;
            }
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, "%s: out of memory", path);
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
