/* PNG files (libpng) for screenshots of the window and for the tests that
 * check their pixels. */
#ifndef PHOTON_PNGFILE_H
#define PHOTON_PNGFILE_H

#include <stddef.h>
#include <stdint.h>

/* Write `w` x `h` pixels stored as 0xAARRGGBB words (`pitch` bytes a row)
 * as an RGB PNG. The file is written beside and renamed into place, so a
 * failed write never leaves a torn file. Returns 0 or -1 with a message. */
int png_write_argb(const char *path, const uint32_t *px, int w, int h, size_t pitch,
                   char *err, size_t errlen);

/* Encode to memory (malloc'd, *len bytes). Returns NULL on failure. */
uint8_t *png_encode_argb(const uint32_t *px, int w, int h, size_t pitch, size_t *len);

/* Read a PNG into 0xAARRGGBB words (malloc'd, w*h; opaque images read as
 * 0xFFRRGGBB). Returns NULL with a message on anything that is not one. */
uint32_t *png_read_argb(const char *path, int *w, int *h, char *err, size_t errlen);
uint32_t *png_decode_argb(const uint8_t *data, size_t len, int *w, int *h, char *err,
                          size_t errlen);

#endif
