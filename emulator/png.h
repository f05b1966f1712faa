/* A minimal PNG writer and reader (8-bit RGB/RGBA, zlib), for screenshots
 * of the window and for the tests that check their pixels. */
#ifndef PHOTON_PNG_H
#define PHOTON_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Write `w` x `h` pixels stored as 0xAARRGGBB words (`pitch` bytes a row)
 * as an RGB PNG. The file is written beside and renamed into place, so a
 * failed write never leaves a torn file. Returns 0 or -1 with a message. */
int png_write_argb(const char *path, const uint32_t *px, int w, int h, size_t pitch,
                   char *err, size_t errlen);

/* Encode to memory (malloc'd, *len bytes). Returns NULL on failure. */
uint8_t *png_encode_argb(const uint32_t *px, int w, int h, size_t pitch, size_t *len);

/* Read an 8-bit RGB or RGBA, non-interlaced PNG (what png_write_argb and
 * most tools write) into 0xFFRRGGBB words (malloc'd, w*h). Returns NULL
 * with a message on anything else. */
uint32_t *png_read_argb(const char *path, int *w, int *h, char *err, size_t errlen);
uint32_t *png_decode_argb(const uint8_t *data, size_t len, int *w, int *h, char *err,
                          size_t errlen);

#endif
