/* Numbers from text, strictly: the whole string is the number (no sign
 * unless allowed, no spaces, no trailing words), finite, in range. Every
 * option and scenario value that is a number goes through these, so
 * "nan", "", "1e5" for a count, "-1" for a seed or an overflow are refused
 * instead of silently becoming something else. */
#ifndef CORE_NUMPARSE_H
#define CORE_NUMPARSE_H

#include <stdbool.h>
#include <stdint.h>

/* An unsigned integer, decimal or 0x hex, at most `max`. */
bool num_u64(const char *s, uint64_t max, uint64_t *out);
/* A finite real number in [lo, hi]. */
bool num_real(const char *s, double lo, double hi, double *out);
/* Seconds in [lo, hi]: a number with an optional unit s, ms or us. */
bool num_seconds(const char *s, double lo, double hi, double *out);

#endif
