#include "numparse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool num_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return false; /* empty, a sign, a space */
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* The number at the start of `s`; *end after it. */
static bool real_prefix(const char *s, double *v, char **end)
{
    if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.' || s[0] == '-' || s[0] == '+'))
        return false; /* empty, spaces, "nan", "inf" */
    errno = 0;
    *v = strtod(s, end);
    return *end != s && !errno && isfinite(*v);
}

bool num_real(const char *s, double lo, double hi, double *out)
{
    double v;
    char *end;
    if (!real_prefix(s, &v, &end) || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}

bool num_seconds(const char *s, double lo, double hi, double *out)
{
    double v;
    char *end;
    if (!real_prefix(s, &v, &end))
        return false;
    if (!strcmp(end, "ms"))
        v /= 1e3;
    else if (!strcmp(end, "us"))
        v /= 1e6;
    else if (*end && strcmp(end, "s"))
        return false;
    if (!(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}
