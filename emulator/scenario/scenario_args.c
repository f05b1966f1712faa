/* Step arguments for step parsers (scenario.h) and the values they take:
 * durations, addresses, byte strings, images, paths, LED patterns; with
 * line numbers and "did you mean" in every error. */
#include "scenario_internal.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include <strings.h>
#include <stdlib.h>
#include <unistd.h>

#include "images.h"
#include "module.h"

__attribute__((format(printf, 3, 0))) void scn_verr(parse_ctx *pc, int line,
                                                       const char *fmt, va_list ap)
{
    sbuf b = {0};
    if (line > 0)
        sb_printf(&b, "%s:%d: ", pc->file, line);
    else
        sb_printf(&b, "%s: ", pc->file);
    sb_vprintf(&b, fmt, ap);
    char **m = realloc(pc->errs->msgs, (pc->errs->n + 1) * sizeof(*m));
    if (!m) {
        free(b.s);
        return;
    }
    pc->errs->msgs = m;
    m[pc->errs->n++] = sb_take(&b);
}

__attribute__((format(printf, 3, 4))) bool scn_perr(parse_ctx *pc, int line,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    scn_verr(pc, line, fmt, ap);
    va_end(ap);
    return false;
}

const char *scn_kind_name(const scn_val *v)
{
    switch (v->kind) {
    case SV_NULL: return "nothing";
    case SV_SCALAR: return "a single value";
    case SV_SEQ: return "a list";
    case SV_MAP: return "a mapping";
    }
    return "?";
}

/* ---- values ---------------------------------------------------------------------- */

static bool parse_u64_str(const char *s, uint64_t *out)
{
    char buf[80];
    size_t n = 0;
    for (const char *p = s; *p && n + 1 < sizeof(buf); p++)
        if (*p != '_')
            buf[n++] = *p;
    buf[n] = 0;
    if (!buf[0] || buf[0] == '-' || buf[0] == '+' || isspace((unsigned char)buf[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long long v;
    if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
        v = strtoull(buf + 2, &end, 16), end = buf[2] ? end : buf;
    else if (buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B'))
        v = strtoull(buf + 2, &end, 2), end = buf[2] ? end : buf;
    else
        v = strtoull(buf, &end, 10);
    if (errno || *end || end == buf)
        return false;
    *out = v;
    return true;
}

/* "3s", "500 ms", "1.5s", "250us", "2min". */
static bool parse_duration_str(const char *s, uint64_t *ps, const char **why)
{
    char *end;
    errno = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '-') {
        *why = "a duration cannot be negative";
        return false;
    }
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v)) {
        *why = "want a number with a unit: 3s, 500ms, 250us, 2min";
        return false;
    }
    while (isspace((unsigned char)*end))
        end++;
    double mul;
    if (!*end) {
        *why = "a duration needs a unit (3s, 500ms, 250us, 2min)";
        return false;
    } else if (!strcmp(end, "s") || !strcmp(end, "sec") || !strcmp(end, "secs") ||
               !strcmp(end, "second") || !strcmp(end, "seconds"))
        mul = (double)PS_PER_S;
    else if (!strcmp(end, "ms"))
        mul = (double)PS_PER_MS;
    else if (!strcmp(end, "us") || !strcmp(end, "\xC2\xB5s"))
        mul = (double)PS_PER_US;
    else if (!strcmp(end, "ns"))
        mul = 1000.0;
    else if (!strcmp(end, "min") || !strcmp(end, "mins") || !strcmp(end, "minutes"))
        mul = 60.0 * (double)PS_PER_S;
    else {
        *why = "unknown unit (use s, ms, us, ns or min)";
        return false;
    }
    double r = v * mul;
    if (r > 1e6 * (double)PS_PER_S) {
        *why = "longer than a million seconds";
        return false;
    }
    *ps = (uint64_t)(r + 0.5);
    return true;
}

static bool parse_address_str(const char *s, uint32_t *out, const char **why)
{
    char name[64];
    const char *plus = strchr(s, '+');
    size_t n = plus ? (size_t)(plus - s) : strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= sizeof(name)) {
        *why = "want an address such as 0x08020000 or a region name";
        return false;
    }
    memcpy(name, s, n);
    name[n] = 0;
    uint64_t base = 0, off = 0;
    uint32_t a;
    bool found = photon_address(name, &a);
    if (found)
        base = a;
    unsigned bk;
    char tail;
    if (!found && (sscanf(name, "RTC_BKP%uR%c", &bk, &tail) == 1 ||
                   sscanf(name, "rtc_bkp%ur%c", &bk, &tail) == 1)) {
        *why = "the RTC has backup registers RTC_BKP0R to RTC_BKP19R";
        return false;
    }
    if (!found) {
        if (plus || !parse_u64_str(name, &base)) {
            *why = "want an address (0x08020000) or a region: bootloader, system-part1, "
                   "system-part2, user, factory, ota, dct1, dct2, eeprom, RTC_BKP0R..19R, "
                   "BKPSRAM, OTP, UID (with an optional +OFFSET)";
            return false;
        }
    }
    if (plus) {
        const char *o = plus + 1;
        while (isspace((unsigned char)*o))
            o++;
        if (!parse_u64_str(o, &off)) {
            *why = "bad offset after '+'";
            return false;
        }
    }
    if (base + off > 0xFFFFFFFFull) {
        *why = "the address is beyond 32 bits";
        return false;
    }
    *out = (uint32_t)(base + off);
    return true;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t d[41][41];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t c = d[i - 1][j - 1] + (tolower((unsigned char)a[i - 1]) !=
                                          tolower((unsigned char)b[j - 1]));
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

/* " (did you mean 'x'?)" or "" */
const char *scn_suggest(const char *word, const char *const *cands, size_t n, char *buf,
                        size_t bn)
{
    size_t best = 3;
    const char *b = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, cands[i]);
        if (d < best) {
            best = d;
            b = cands[i];
        }
    }
    if (b)
        snprintf(buf, bn, " (did you mean '%s'?)", b);
    else
        buf[0] = 0;
    return buf;
}

/* Flow-style rendering of a value, for step descriptions. */
void scn_render(sbuf *b, const scn_val *v, int depth)
{
    switch (v->kind) {
    case SV_NULL: sb_printf(b, "~"); break;
    case SV_SCALAR:
        if (v->quoted || strpbrk(v->str, ",:{}[]"))
            sb_printf(b, "\"%s\"", v->str);
        else
            sb_printf(b, "%s", v->str);
        break;
    case SV_SEQ:
        sb_printf(b, "[");
        for (size_t i = 0; i < v->n && depth < 3; i++) {
            if (i)
                sb_printf(b, ", ");
            scn_render(b, &v->items[i], depth + 1);
        }
        sb_printf(b, "]");
        break;
    case SV_MAP:
        sb_printf(b, "{");
        for (size_t i = 0; i < v->n && depth < 3; i++) {
            sb_printf(b, "%s%s: ", i ? ", " : "", v->keys[i]);
            scn_render(b, &v->items[i], depth + 1);
        }
        sb_printf(b, "}");
        break;
    }
}

/* ---- step arguments ---------------------------------------------------------------- */

static const scn_val *lookup(scn_args *a, const char *key, int *line)
{
    if (a->map) {
        for (size_t i = 0; i < a->map->n; i++)
            if (!strcmp(a->map->keys[i], key)) {
                a->used[i] = true;
                if (line)
                    *line = a->map->key_lines[i];
                return &a->map->items[i];
            }
        return NULL;
    }
    if (a->scalar && a->st->type->main_key && !strcmp(key, a->st->type->main_key)) {
        if (line)
            *line = a->scalar->line;
        return a->scalar;
    }
    return NULL;
}

bool scn_arg_error(scn_args *a, int line, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    scn_perr(a->pc, line ? line : a->st->line, "%s: %s", a->st->type->name, b.s ? b.s : "");
    free(b.s);
    return false;
}

bool scn_arg_has(scn_args *a, const char *key)
{
    const scn_val *v = lookup(a, key, NULL);
    return v && v->kind != SV_NULL;
}

int scn_arg_line(scn_args *a, const char *key)
{
    int line = a->st->line;
    lookup(a, key, &line);
    return line;
}

const scn_val *scn_arg_val(scn_args *a, const char *key)
{
    return lookup(a, key, NULL);
}

/* The scalar at `key`; NULL if absent (error if required) or not a scalar
 * (error). *ok tells the difference. */
static const scn_val *scalar_at(scn_args *a, const char *key, bool required, const char *what,
                                bool *ok)
{
    int line = a->st->line;
    const scn_val *v = lookup(a, key, &line);
    *ok = true;
    if (!v || v->kind == SV_NULL) {
        if (required)
            *ok = scn_arg_error(a, line, "'%s' is required (%s)", key, what);
        return NULL;
    }
    if (v->kind != SV_SCALAR) {
        *ok = scn_arg_error(a, v->line, "%s: expected %s, got %s", key, what, scn_kind_name(v));
        return NULL;
    }
    return v;
}

bool scn_arg_str(scn_args *a, const char *key, bool required, const char **out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "a string", &ok);
    if (v)
        *out = v->str;
    return ok;
}

bool scn_arg_bool(scn_args *a, const char *key, bool required, bool *out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "true or false", &ok);
    if (!v)
        return ok;
    static const char *const t[] = {"true", "yes", "on", "True", "TRUE", "Yes", "On"};
    static const char *const f[] = {"false", "no", "off", "False", "FALSE", "No", "Off"};
    for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
        if (!strcmp(v->str, t[i])) {
            *out = true;
            return true;
        }
        if (!strcmp(v->str, f[i])) {
            *out = false;
            return true;
        }
    }
    return scn_arg_error(a, v->line, "%s: expected true or false, got '%s'", key, v->str);
}

bool scn_arg_u64(scn_args *a, const char *key, bool required, uint64_t min, uint64_t max,
                 uint64_t *out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "a number", &ok);
    if (!v)
        return ok;
    uint64_t x;
    if (!parse_u64_str(v->str, &x))
        return scn_arg_error(a, v->line, "%s: expected a number, got '%s'", key, v->str);
    if (x < min || x > max)
        return scn_arg_error(a, v->line, "%s: %s is out of range (%" PRIu64 "..%" PRIu64 ")",
                             key, v->str, min, max);
    *out = x;
    return true;
}

bool scn_arg_int(scn_args *a, const char *key, bool required, long min, long max, long *out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "a number", &ok);
    if (!v)
        return ok;
    const char *s = v->str;
    bool neg = *s == '-';
    uint64_t x;
    if (!parse_u64_str(neg ? s + 1 : s, &x) || x > (uint64_t)LONG_MAX)
        return scn_arg_error(a, v->line, "%s: expected a number, got '%s'", key, v->str);
    long y = neg ? -(long)x : (long)x;
    if (y < min || y > max)
        return scn_arg_error(a, v->line, "%s: %s is out of range (%ld..%ld)", key, v->str, min,
                             max);
    *out = y;
    return true;
}

bool scn_arg_duration(scn_args *a, const char *key, bool required, uint64_t *ps)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "a duration such as 3s or 500ms", &ok);
    if (!v)
        return ok;
    const char *why;
    if (!parse_duration_str(v->str, ps, &why))
        return scn_arg_error(a, v->line, "%s: bad duration '%s': %s", key, v->str, why);
    return true;
}

bool scn_arg_enum(scn_args *a, const char *key, bool required, const char *const *names,
                  int *out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "a name", &ok);
    if (!v)
        return ok;
    size_t n = 0;
    for (; names[n]; n++)
        if (!strcasecmp(v->str, names[n])) {
            *out = (int)n;
            return true;
        }
    sbuf b = {0};
    for (size_t i = 0; i < n; i++)
        sb_printf(&b, "%s%s", i ? ", " : "", names[i]);
    char sug[80];
    scn_arg_error(a, v->line, "%s: '%s' is not one of: %s%s", key, v->str, b.s,
                  scn_suggest(v->str, names, n, sug, sizeof(sug)));
    free(b.s);
    return false;
}

bool scn_arg_address(scn_args *a, const char *key, bool required, uint32_t *out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "an address", &ok);
    if (!v)
        return ok;
    const char *why;
    if (!parse_address_str(v->str, out, &why))
        return scn_arg_error(a, v->line, "%s: bad address '%s': %s", key, v->str, why);
    return true;
}

bool scn_arg_led_pattern(scn_args *a, const char *key, bool required, led_pattern *out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required,
                                 "an LED pattern such as \"blinking yellow\"", &ok);
    if (!v)
        return ok;
    char err[256];
    if (!led_pattern_parse(v->str, out, err, sizeof(err)))
        return scn_arg_error(a, v->line, "%s: %s", key, err);
    return true;
}

char *scn_resolve_rel(scn_args *a, const char *p)
{
    if (p[0] == '/')
        return scn_strdup(a, p);
    size_t n = strlen(a->pc->sc->dir) + strlen(p) + 2;
    char *r = scn_alloc(a, n);
    snprintf(r, n, "%s/%s", a->pc->sc->dir, p);
    return r;
}

bool scn_arg_path(scn_args *a, const char *key, bool required, const char **out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "a file name", &ok);
    if (!v)
        return ok;
    char *p = scn_resolve_rel(a, v->str);
    struct stat st;
    if (stat(p, &st) != 0)
        return scn_arg_error(a, v->line, "%s: %s: %s", key, p, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return scn_arg_error(a, v->line, "%s: %s is not a file", key, p);
    *out = p;
    return true;
}

bool scn_arg_new_image(scn_args *a, const char *key, const char **path)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, true, "a file name", &ok);
    if (!v)
        return ok;
    scenario *sc = a->pc->sc;
    const char *name = v->str;
    if (!name[0] || name[0] == '.' || strchr(name, '/'))
        return scn_arg_error(a, v->line, "%s: '%s' is not a plain file name such as "
                             "newer-app.bin", key, name);
    char buf[4096], err[256];
    if (images_resolve(name, buf, sizeof(buf), err, sizeof(err)) == 0)
        return scn_arg_error(a, v->line, "%s: %s is an image of the manifest already: "
                             "choose another name", key, name);
    for (scn_made_image *m = sc->made; m; m = m->next)
        if (!strcmp(m->name, name))
            return scn_arg_error(a, v->line, "%s: %s is made by an earlier step already", key,
                                 name);
    if (!sc->workdir) {
        const char *tmp = getenv("TMPDIR");
        snprintf(buf, sizeof(buf), "%s/photon-sim-scenario.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(buf))
            return scn_arg_error(a, v->line, "cannot make a temporary directory %s: %s", buf,
                                 strerror(errno));
        sc->workdir = scn_arena_strdup(&sc->ar, buf);
        sc->workdir_pid = (long)getpid();
    }
    scn_made_image *m = scn_arena_alloc(&sc->ar, sizeof(*m));
    snprintf(buf, sizeof(buf), "%s/%s", sc->workdir, name);
    m->name = scn_arena_strdup(&sc->ar, name);
    m->path = scn_arena_strdup(&sc->ar, buf);
    m->next = sc->made;
    sc->made = m;
    *path = m->path;
    return true;
}

/* A short name from the manifest, an image an earlier step makes, or a
 * file (relative to the scenario). */
bool scn_resolve_image(parse_ctx *pc, const char *name, const char **out, char *err,
                       size_t errlen)
{
    struct stat st;
    for (scn_made_image *m = pc->sc->made; m; m = m->next)
        if (!strcmp(m->name, name)) {
            *out = m->path;
            return true;
        }
    size_t len = strlen(name);
    bool pathlike = strchr(name, '/') || (len > 4 && !strcmp(name + len - 4, ".bin"));
    char path[4096];
    if (!pathlike && images_resolve(name, path, sizeof(path), err, errlen) == 0) {
        *out = scn_arena_strdup(&pc->sc->ar, path);
        return true;
    }
    if (name[0] == '/')
        snprintf(path, sizeof(path), "%s", name);
    else
        snprintf(path, sizeof(path), "%s/%s", pc->sc->dir, name);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        *out = scn_arena_strdup(&pc->sc->ar, path);
        return true;
    }
    if (pathlike)
        snprintf(err, errlen, "image %s: %s", path,
                 stat(path, &st) ? strerror(errno) : "not a file");
    return false;
}

bool scn_arg_image(scn_args *a, const char *key, bool required, const char **out)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "an image name or file", &ok);
    if (!v)
        return ok;
    char err[1024];
    if (scn_resolve_image(a->pc, v->str, out, err, sizeof(err)))
        return true;
    return scn_arg_error(a, v->line, "%s: %s", key, err);
}

bool scn_arg_bytes(scn_args *a, const char *key, bool required, uint8_t **out, size_t *len)
{
    bool ok;
    const scn_val *v = scalar_at(a, key, required, "hex bytes such as \"de ad be ef\"", &ok);
    if (!v)
        return ok;
    size_t n = strlen(v->str);
    uint8_t *b = scn_alloc(a, n / 2 + 1);
    size_t k = 0;
    int half = -1;
    for (const char *p = v->str; *p; p++) {
        if (isspace((unsigned char)*p) || *p == ':' || *p == ',') {
            if (half >= 0)
                return scn_arg_error(a, v->line, "%s: odd number of hex digits in '%s'", key,
                                     v->str);
            continue;
        }
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && half < 0) {
            p++;
            continue;
        }
        if (!isxdigit((unsigned char)*p))
            return scn_arg_error(a, v->line, "%s: '%c' is not a hex digit in '%s'", key, *p,
                                 v->str);
        int d = isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
        if (half < 0)
            half = d;
        else {
            b[k++] = (uint8_t)(half << 4 | d);
            half = -1;
        }
    }
    if (half >= 0)
        return scn_arg_error(a, v->line, "%s: odd number of hex digits in '%s'", key, v->str);
    if (!k)
        return scn_arg_error(a, v->line, "%s: no bytes", key);
    *out = b;
    *len = k;
    return true;
}

void *scn_alloc(scn_args *a, size_t n)
{
    return scn_arena_alloc(&a->pc->sc->ar, n);
}

char *scn_strdup(scn_args *a, const char *s)
{
    return scn_arena_strdup(&a->pc->sc->ar, s);
}

const char *scn_args_dir(scn_args *a)
{
    return a->pc->sc->dir;
}
