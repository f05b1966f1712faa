/* Finding images: a file path, or a short name from images/manifest
 * ("bootloader@2.2.0", "tinker@0.4.5") looked up in the image cache. */
#ifndef PHOTON_IMAGES_H
#define PHOTON_IMAGES_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* The cache directory: $PHOTON_SIM_IMAGES or the build's images/cache. */
const char *images_dir(void);
/* Resolve to a readable path. Returns 0, or -1 with a message. */
int images_resolve(const char *name, char *path, size_t n, char *err, size_t errlen);
/* Read a whole file (at most `max` bytes). Caller frees. */
uint8_t *read_file(const char *path, size_t *len, size_t max, char *err, size_t errlen);
/* The short names the manifest knows, space separated. */
const char *images_known(void);

#endif
