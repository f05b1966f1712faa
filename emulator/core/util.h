/* Small helpers every layer uses. */
#ifndef CORE_UTIL_H
#define CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member)                                        \
    ((type *)((char *)(ptr) - offsetof(type, member)))

/* Widen [*lo, *hi) to cover [a, b); an empty range (*hi <= *lo) becomes it. */
static inline void range_cover(uint32_t *lo, uint32_t *hi, uint32_t a, uint32_t b)
{
    if (*hi <= *lo) {
        *lo = a;
        *hi = b;
        return;
    }
    if (a < *lo)
        *lo = a;
    if (b > *hi)
        *hi = b;
}

#endif
