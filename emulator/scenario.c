/* Scenario files: parsing (libyaml, line numbers in every error), the
 * argument helpers for step parsers, and the run loop with its evidence
 * (LED timeline, serial lines) and reports. The steps themselves are in
 * scenario_steps*.c; the command line in cli_scenario.c. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "hash.h"
#include "images.h"
#include "module.h"

#define MAX_NODES 100000 /* an alias bomb is refused, not expanded */
#define MAX_DEPTH 64
#define SERIAL_KEEP 12   /* serial lines kept for a failure report */
#define TIMELINE_SHOW 16 /* timeline entries shown in a failure report */
#define DEFAULT_STEP_TIMEOUT (30 * PS_PER_S)

/* ---- small helpers ---------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_vprintf(sbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int k = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (k < 0)
        return;
    if (b->n + (size_t)k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + (size_t)k + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s)
            return;
        b->s = s;
        b->cap = cap;
    }
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    b->n += (size_t)k;
}

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

static char *sb_take(sbuf *b)
{
    char *s = b->s ? b->s : strdup("");
    b->s = NULL;
    b->n = b->cap = 0;
    return s;
}

const char *scn_fmt_time(uint64_t ps, char *buf, size_t n)
{
    snprintf(buf, n, "%.3f s", (double)ps / PS_PER_S);
    return buf;
}

/* ---- arena: everything a parsed scenario owns -------------------------------- */

typedef struct arena_blk {
    struct arena_blk *next;
    max_align_t data[];
} arena_blk;

static void *arena_alloc(arena_blk **ar, size_t n)
{
    arena_blk *b = calloc(1, sizeof(*b) + n + 1);
    if (!b) {
        fprintf(stderr, "photon-sim: out of memory\n");
        exit(3);
    }
    b->next = *ar;
    *ar = b;
    return b->data;
}

static char *arena_strdup(arena_blk **ar, const char *s)
{
    size_t n = strlen(s);
    char *d = arena_alloc(ar, n + 1);
    memcpy(d, s, n + 1);
    return d;
}

static void arena_free(arena_blk **ar)
{
    while (*ar) {
        arena_blk *n = (*ar)->next;
        free(*ar);
        *ar = n;
    }
}

/* ---- the parsed scenario -------------------------------------------------------- */

typedef struct scn_image {
    const char *path;  /* resolved */
    const char *name;  /* as written */
    bool raw;
    uint32_t addr;     /* raw: where */
    int line;
} scn_image;

struct scenario {
    arena_blk *ar;
    char *path, *dir, *name;
    /* device */
    const char *state;
    int state_line;
    bool save;
    scn_image *images;
    size_t nimages;
    bool force;
    const char *device_id;
    bool have_seed;
    uint64_t seed;
    bool fast_flash;
    uint64_t step_timeout;
    scn_step *steps;
    size_t nsteps;
};

const char *scenario_name(const scenario *sc)
{
    return sc->name;
}

size_t scenario_nsteps(const scenario *sc)
{
    return sc->nsteps;
}

void scenario_free(scenario *sc)
{
    if (!sc)
        return;
    arena_blk *ar = sc->ar;
    arena_free(&ar); /* sc itself lives in the arena */
}

void scn_errors_free(scn_error_list *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->msgs[i]);
    free(e->msgs);
    e->msgs = NULL;
    e->n = 0;
}

typedef struct parse_ctx {
    scenario *sc;
    const char *file; /* as named on the command line */
    scn_error_list *errs;
    size_t nerr0;
    size_t nodes;
} parse_ctx;

__attribute__((format(printf, 3, 0))) static void verr(parse_ctx *pc, int line,
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

__attribute__((format(printf, 3, 4))) static bool perr(parse_ctx *pc, int line,
                                                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    verr(pc, line, fmt, ap);
    va_end(ap);
    return false;
}

static const char *kind_name(const scn_val *v)
{
    switch (v->kind) {
    case SV_NULL: return "nothing";
    case SV_SCALAR: return "a single value";
    case SV_SEQ: return "a list";
    case SV_MAP: return "a mapping";
    }
    return "?";
}

/* ---- YAML to scn_val ------------------------------------------------------------- */

static bool convert(parse_ctx *pc, yaml_document_t *doc, yaml_node_t *node, scn_val *out,
                    int depth)
{
    memset(out, 0, sizeof(*out));
    out->line = (int)node->start_mark.line + 1;
    if (++pc->nodes > MAX_NODES || depth > MAX_DEPTH)
        return perr(pc, out->line, "the document is too large or too deeply nested");
    switch (node->type) {
    case YAML_SCALAR_NODE: {
        const char *v = (const char *)node->data.scalar.value;
        bool plain = node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && (!v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
                      !strcmp(v, "NULL"))) {
            out->kind = SV_NULL;
            return true;
        }
        if (strlen(v) != node->data.scalar.length)
            return perr(pc, out->line, "a NUL character inside a value");
        out->kind = SV_SCALAR;
        out->quoted = !plain;
        out->str = arena_strdup(&pc->sc->ar, v);
        return true;
    }
    case YAML_SEQUENCE_NODE: {
        out->kind = SV_SEQ;
        yaml_node_item_t *a = node->data.sequence.items.start, *e = node->data.sequence.items.top;
        out->n = (size_t)(e - a);
        out->items = arena_alloc(&pc->sc->ar, (out->n ? out->n : 1) * sizeof(scn_val));
        for (size_t i = 0; i < out->n; i++) {
            yaml_node_t *c = yaml_document_get_node(doc, a[i]);
            if (!c || !convert(pc, doc, c, &out->items[i], depth + 1))
                return false;
        }
        return true;
    }
    case YAML_MAPPING_NODE: {
        out->kind = SV_MAP;
        yaml_node_pair_t *a = node->data.mapping.pairs.start, *e = node->data.mapping.pairs.top;
        out->n = (size_t)(e - a);
        size_t k = out->n ? out->n : 1;
        out->items = arena_alloc(&pc->sc->ar, k * sizeof(scn_val));
        out->keys = arena_alloc(&pc->sc->ar, k * sizeof(char *));
        out->key_lines = arena_alloc(&pc->sc->ar, k * sizeof(int));
        for (size_t i = 0; i < out->n; i++) {
            yaml_node_t *kn = yaml_document_get_node(doc, a[i].key);
            yaml_node_t *vn = yaml_document_get_node(doc, a[i].value);
            if (!kn || !vn)
                return perr(pc, out->line, "broken mapping");
            int kl = (int)kn->start_mark.line + 1;
            if (kn->type != YAML_SCALAR_NODE)
                return perr(pc, kl, "a mapping key must be a plain name");
            const char *key = (const char *)kn->data.scalar.value;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(out->keys[j], key)) /* reported; parsing goes on */
                    perr(pc, kl, "'%s' appears twice (first on line %d)", key,
                         out->key_lines[j]);
            out->keys[i] = arena_strdup(&pc->sc->ar, key);
            out->key_lines[i] = kl;
            if (!convert(pc, doc, vn, &out->items[i], depth + 1))
                return false;
        }
        return true;
    }
    default:
        return perr(pc, out->line, "empty node");
    }
}

static bool load_yaml(parse_ctx *pc, const char *text, size_t len, scn_val *root)
{
    yaml_parser_t p;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&p))
        return perr(pc, 0, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    bool ok = false;
    if (!yaml_parser_load(&p, &doc)) {
        int line = (int)(p.problem_mark.line + 1);
        if (p.context)
            perr(pc, line, "YAML: %s %s (from line %d)", p.problem ? p.problem : "error",
                 p.context, (int)p.context_mark.line + 1);
        else
            perr(pc, line, "YAML: %s", p.problem ? p.problem : "error");
        yaml_parser_delete(&p);
        return false;
    }
    yaml_node_t *r = yaml_document_get_root_node(&doc);
    if (!r) {
        perr(pc, 0, "the file is empty (expected `steps:` and optionally `device:`)");
    } else if (convert(pc, &doc, r, root, 0)) {
        ok = true;
        yaml_document_t next;
        if (yaml_parser_load(&p, &next)) {
            yaml_node_t *r2 = yaml_document_get_root_node(&next);
            if (r2) {
                perr(pc, (int)r2->start_mark.line + 1,
                     "a second YAML document: a scenario file holds one");
                ok = false;
            }
            yaml_document_delete(&next);
        } else {
            perr(pc, (int)p.problem_mark.line + 1, "YAML: %s", p.problem ? p.problem : "error");
            ok = false;
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    return ok;
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

typedef struct region {
    const char *name;
    uint32_t addr;
} region;

static const region regions[] = {
    {"bootloader", 0x08000000}, {"dct1", 0x08004000},   {"dct2", 0x08008000},
    {"eeprom", 0x0800C000},     {"system-part1", 0x08020000}, {"system-part2", 0x08060000},
    {"user", 0x080A0000},       {"user-part", 0x080A0000},    {"ota", 0x080C0000},
    {"factory", 0x080E0000},    {"BKPSRAM", 0x40024000},      {"OTP", OTP_BASE},
    {"UID", UID_BASE},
};

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
    bool found = false;
    for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
        if (!strcasecmp(name, regions[i].name)) {
            base = regions[i].addr;
            found = true;
        }
    unsigned bk;
    char tail;
    if (!found && (sscanf(name, "RTC_BKP%uR%c", &bk, &tail) == 1 ||
                   sscanf(name, "rtc_bkp%ur%c", &bk, &tail) == 1)) {
        if (bk >= RTC_NBKP) {
            *why = "the RTC has backup registers RTC_BKP0R to RTC_BKP19R";
            return false;
        }
        base = RTC_BASE + 0x50 + 4u * bk;
        found = true;
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
static const char *suggest(const char *word, const char *const *cands, size_t n, char *buf,
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
static void render(sbuf *b, const scn_val *v, int depth)
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
            render(b, &v->items[i], depth + 1);
        }
        sb_printf(b, "]");
        break;
    case SV_MAP:
        sb_printf(b, "{");
        for (size_t i = 0; i < v->n && depth < 3; i++) {
            sb_printf(b, "%s%s: ", i ? ", " : "", v->keys[i]);
            render(b, &v->items[i], depth + 1);
        }
        sb_printf(b, "}");
        break;
    }
}

/* ---- step arguments ---------------------------------------------------------------- */

struct scn_args {
    parse_ctx *pc;
    scn_step *st;
    const scn_val *map;    /* SV_MAP, or NULL */
    const scn_val *scalar; /* the scalar form (the main key) */
    bool *used;
};

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
    perr(a->pc, line ? line : a->st->line, "%s: %s", a->st->type->name, b.s ? b.s : "");
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
        *ok = scn_arg_error(a, v->line, "%s: expected %s, got %s", key, what, kind_name(v));
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
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
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
                  suggest(v->str, names, n, sug, sizeof(sug)));
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

static char *resolve_rel(scn_args *a, const char *p)
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
    char *p = resolve_rel(a, v->str);
    struct stat st;
    if (stat(p, &st) != 0)
        return scn_arg_error(a, v->line, "%s: %s: %s", key, p, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return scn_arg_error(a, v->line, "%s: %s is not a file", key, p);
    *out = p;
    return true;
}

/* A short name from the manifest, or a file (relative to the scenario). */
static bool resolve_image(parse_ctx *pc, const char *name, const char **out, char *err,
                          size_t errlen)
{
    struct stat st;
    size_t len = strlen(name);
    bool pathlike = strchr(name, '/') || (len > 4 && !strcmp(name + len - 4, ".bin"));
    char path[4096];
    if (!pathlike && images_resolve(name, path, sizeof(path), err, errlen) == 0) {
        *out = arena_strdup(&pc->sc->ar, path);
        return true;
    }
    if (name[0] == '/')
        snprintf(path, sizeof(path), "%s", name);
    else
        snprintf(path, sizeof(path), "%s/%s", pc->sc->dir, name);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        *out = arena_strdup(&pc->sc->ar, path);
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
    if (resolve_image(a->pc, v->str, out, err, sizeof(err)))
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
    return arena_alloc(&a->pc->sc->ar, n);
}

char *scn_strdup(scn_args *a, const char *s)
{
    return arena_strdup(&a->pc->sc->ar, s);
}

const char *scn_args_dir(scn_args *a)
{
    return a->pc->sc->dir;
}

/* ---- the scenario's structure ----------------------------------------------------- */

static bool check_keys(parse_ctx *pc, const scn_val *m, const char *what,
                       const char *const *known)
{
    bool ok = true;
    for (size_t i = 0; i < m->n; i++) {
        bool found = false;
        size_t nk = 0;
        for (; known[nk]; nk++)
            if (!strcmp(m->keys[i], known[nk]))
                found = true;
        if (!found) {
            sbuf b = {0};
            for (size_t j = 0; j < nk; j++)
                sb_printf(&b, "%s%s", j ? ", " : "", known[j]);
            char sug[80];
            ok = perr(pc, m->key_lines[i], "unknown key '%s' in %s%s (known: %s)", m->keys[i],
                      what, suggest(m->keys[i], known, nk, sug, sizeof(sug)), b.s);
            free(b.s);
        }
    }
    return ok;
}

static const scn_val *mget(const scn_val *m, const char *key, int *line)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->keys[i], key)) {
            if (line)
                *line = m->key_lines[i];
            return &m->items[i];
        }
    return NULL;
}

/* A parse context for a mapping that is not a step (device, top level):
 * reuse the argument helpers through a pseudo step. */
static const scn_step_type device_type = {.name = "device"};
static const scn_step_type top_type = {.name = "scenario"};

static void args_for_map(scn_args *a, parse_ctx *pc, scn_step *st, const scn_val *m,
                         const scn_step_type *t, bool *used)
{
    memset(st, 0, sizeof(*st));
    st->type = t;
    st->file = pc->file;
    st->line = m->line;
    a->pc = pc;
    a->st = st;
    a->map = m;
    a->scalar = NULL;
    a->used = used;
}

static bool load_image_check(parse_ctx *pc, scn_image *im, bool force)
{
    if (im->raw) {
        size_t len;
        char err[512];
        uint8_t *buf = read_file(im->path, &len, FLASH_SIZE, err, sizeof(err));
        if (!buf)
            return perr(pc, im->line, "%s", err);
        free(buf);
        if (im->addr < FLASH_BASE || (uint64_t)im->addr + len > FLASH_BASE + FLASH_SIZE)
            return perr(pc, im->line, "%s (%zu bytes) does not fit in flash at 0x%08x",
                        im->path, len, im->addr);
        return true;
    }
    size_t len;
    char err[512];
    uint8_t *buf = read_file(im->path, &len, FLASH_SIZE, err, sizeof(err));
    if (!buf)
        return perr(pc, im->line, "%s", err);
    module_info mi;
    bool ok = true;
    if (module_parse(buf, len, &mi, err, sizeof(err)))
        ok = perr(pc, im->line, "image %s: %s (use {file: ..., address: ...} for raw bytes)",
                  im->path, err);
    else if (!force && mi.platform != 6)
        ok = perr(pc, im->line, "image %s is for platform %u (%s), not the Photon; add "
                  "`force: true` to the device to load it anyway", im->path, mi.platform,
                  platform_name(mi.platform));
    else if (!force && !mi.crc_ok)
        ok = perr(pc, im->line, "image %s: CRC mismatch (stored %08x, computed %08x); add "
                  "`force: true` to the device to load it anyway", im->path, mi.crc_stored,
                  mi.crc_computed);
    else if (mi.start < FLASH_BASE || (uint64_t)mi.start + len > FLASH_BASE + FLASH_SIZE)
        ok = perr(pc, im->line, "image %s: start address 0x%08x is outside the flash",
                  im->path, mi.start);
    free(buf);
    return ok;
}

static bool parse_device(parse_ctx *pc, const scn_val *d)
{
    scenario *sc = pc->sc;
    if (d->kind == SV_NULL)
        return true;
    if (d->kind != SV_MAP)
        return perr(pc, d->line, "device: expected a mapping (state, images, device-id, "
                    "seed, fast-flash, ...), got %s", kind_name(d));
    static const char *const known[] = {"state", "save", "images", "force", "device-id",
                                        "seed", "fast-flash", NULL};
    bool ok = check_keys(pc, d, "device", known);
    scn_step st;
    scn_args a;
    bool used[64] = {0};
    if (d->n > 64)
        return perr(pc, d->line, "device: too many keys");
    args_for_map(&a, pc, &st, d, &device_type, used);
    ok &= scn_arg_bool(&a, "save", false, &sc->save);
    if (scn_arg_has(&a, "state")) {
        sc->state_line = scn_arg_line(&a, "state");
        const char *st_name = NULL;
        struct stat sb;
        if (!sc->save) {
            ok &= scn_arg_path(&a, "state", true, &sc->state); /* it must exist */
        } else if (scn_arg_str(&a, "state", true, &st_name)) {
            /* with save: true it is created if missing */
            sc->state = resolve_rel(&a, st_name);
            if (stat(sc->state, &sb) == 0 && !S_ISREG(sb.st_mode))
                ok = perr(pc, sc->state_line, "device: state: %s is not a file", sc->state);
        } else {
            ok = false;
        }
    }
    if (sc->save && !sc->state)
        ok = perr(pc, scn_arg_line(&a, "save"), "device: save: true needs a state file "
                  "(state: FILE)");
    ok &= scn_arg_bool(&a, "force", false, &sc->force);
    ok &= scn_arg_bool(&a, "fast-flash", false, &sc->fast_flash);
    if (scn_arg_has(&a, "seed")) {
        ok &= scn_arg_u64(&a, "seed", true, 0, UINT64_MAX, &sc->seed);
        sc->have_seed = true;
    }
    if (scn_arg_str(&a, "device-id", false, &sc->device_id) && sc->device_id) {
        size_t n = strlen(sc->device_id);
        bool hex = n == 24;
        for (size_t i = 0; i < n && hex; i++)
            hex = isxdigit((unsigned char)sc->device_id[i]);
        if (!hex)
            ok = perr(pc, scn_arg_line(&a, "device-id"),
                      "device: device-id '%s' is not 24 hex digits", sc->device_id);
    } else if (!sc->device_id && scn_arg_has(&a, "device-id")) {
        ok = false;
    }
    int il;
    const scn_val *im = mget(d, "images", &il);
    if (im && im->kind != SV_NULL) {
        const scn_val *items = im;
        size_t n = 1;
        if (im->kind == SV_SEQ) {
            items = im->items;
            n = im->n;
        } else if (im->kind != SV_SCALAR) {
            return perr(pc, im->line, "device: images: expected a list of image names or "
                        "{file, address} entries, got %s", kind_name(im));
        }
        if (im->kind == SV_SCALAR && !strcmp(im->str, "default")) {
            n = 0;
            while (session_default_images[n])
                n++;
            sc->images = arena_alloc(&sc->ar, n * sizeof(scn_image));
            sc->nimages = n;
            for (size_t i = 0; i < n; i++) {
                sc->images[i].name = session_default_images[i];
                sc->images[i].line = im->line;
                char err[1024];
                if (!resolve_image(pc, session_default_images[i], &sc->images[i].path, err,
                                   sizeof(err)))
                    ok = perr(pc, im->line, "device: images: %s", err);
            }
        } else {
            sc->images = arena_alloc(&sc->ar, (n ? n : 1) * sizeof(scn_image));
            sc->nimages = n;
            for (size_t i = 0; i < n; i++) {
                const scn_val *e = &items[i];
                scn_image *out = &sc->images[i];
                out->line = e->line;
                if (e->kind == SV_SCALAR) {
                    out->name = e->str;
                    char err[1024];
                    if (!resolve_image(pc, e->str, &out->path, err, sizeof(err)))
                        ok = perr(pc, e->line, "device: images: %s", err);
                } else if (e->kind == SV_MAP) {
                    static const char *const rk[] = {"file", "address", NULL};
                    if (!check_keys(pc, e, "an images entry", rk)) {
                        ok = false;
                        continue;
                    }
                    scn_step st2;
                    scn_args a2;
                    bool used2[8] = {0};
                    args_for_map(&a2, pc, &st2, e, &device_type, used2);
                    const char *f = NULL;
                    if (!scn_arg_str(&a2, "file", true, &f) ||
                        !scn_arg_address(&a2, "address", true, &out->addr)) {
                        ok = false;
                        continue;
                    }
                    out->raw = true;
                    out->name = f;
                    char err[1024];
                    if (!resolve_image(pc, f, &out->path, err, sizeof(err)))
                        ok = perr(pc, scn_arg_line(&a2, "file"), "device: images: %s", err);
                } else {
                    ok = perr(pc, e->line, "device: images: expected an image name or "
                              "{file, address}, got %s", kind_name(e));
                }
            }
        }
    }
    if (ok)
        for (size_t i = 0; i < sc->nimages; i++)
            ok &= load_image_check(pc, &sc->images[i], sc->force);
    (void)used;
    return ok;
}

static bool parse_step(parse_ctx *pc, const scn_val *v, scn_step *st)
{
    memset(st, 0, sizeof(*st));
    st->file = pc->file;
    st->line = v->line;
    const char *name = NULL;
    const scn_val *arg = NULL;
    int name_line = v->line;
    if (v->kind == SV_SCALAR) {
        name = v->str;
    } else if (v->kind == SV_MAP) {
        for (size_t i = 0; i < v->n; i++) {
            if (!strcmp(v->keys[i], "name")) {
                if (v->items[i].kind != SV_SCALAR)
                    return perr(pc, v->key_lines[i], "name: expected a string, got %s",
                                kind_name(&v->items[i]));
                st->label = v->items[i].str;
                continue;
            }
            if (name)
                return perr(pc, v->key_lines[i],
                            "one step per list item: '%s' and '%s' are both here (start "
                            "another item with '- ')", name, v->keys[i]);
            name = v->keys[i];
            name_line = v->key_lines[i];
            arg = &v->items[i];
        }
        if (!name)
            return perr(pc, v->line, "a step needs a step name (only 'name:' is here)");
    } else {
        return perr(pc, v->line, "a step must be a name (`- reset`) or a mapping "
                    "(`- wait: 2s`), not %s", kind_name(v));
    }
    st->line = name_line;
    const scn_step_type *t = scenario_find_step(name);
    if (!t) {
        const char *names[128];
        size_t n = 0;
        sbuf b = {0};
        for (; scenario_step_types[n] && n < 128; n++) {
            names[n] = scenario_step_types[n]->name;
            sb_printf(&b, "%s%s", n ? ", " : "", names[n]);
        }
        char sug[80];
        perr(pc, name_line, "unknown step '%s'%s (known steps: %s)", name,
             suggest(name, names, n, sug, sizeof(sug)), b.s);
        free(b.s);
        return false;
    }
    st->type = t;
    sbuf txt = {0};
    sb_printf(&txt, "%s", t->name);
    if (arg && arg->kind != SV_NULL) {
        sb_printf(&txt, " ");
        render(&txt, arg, 0);
    }
    if (txt.n > 120)
        strcpy(txt.s + 114, " [...]");
    st->text = arena_strdup(&pc->sc->ar, txt.s);
    free(txt.s);

    scn_args a = {.pc = pc, .st = st};
    bool ok = true;
    if (arg && arg->kind == SV_MAP) {
        a.map = arg;
        a.used = arena_alloc(&pc->sc->ar, (arg->n ? arg->n : 1) * sizeof(bool));
        /* keys the step does not know */
        for (size_t i = 0; i < arg->n; i++) {
            const char *k = arg->keys[i];
            const char *p = t->keys ? t->keys : "";
            size_t kl = strlen(k);
            bool found = false;
            while (*p && !found) {
                const char *e = strchr(p, ' ');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                found = n == kl && !strncmp(p, k, kl);
                p += n + (e ? 1 : 0);
            }
            if (!found) {
                /* the known keys as a list, for a suggestion */
                char kb[256], sug[80];
                const char *kl2[32];
                size_t nk = 0;
                snprintf(kb, sizeof(kb), "%s", t->keys ? t->keys : "");
                for (char *tok = strtok(kb, " "); tok && nk < 32; tok = strtok(NULL, " "))
                    kl2[nk++] = tok;
                suggest(k, kl2, nk, sug, sizeof(sug));
                if (t->keys && *t->keys)
                    ok = perr(pc, arg->key_lines[i], "%s: unknown key '%s'%s (known: %s)",
                              t->name, k, sug, t->keys);
                else
                    ok = perr(pc, arg->key_lines[i], "%s takes no arguments", t->name);
            }
        }
    } else if (arg && arg->kind == SV_SCALAR) {
        if (!t->main_key)
            return perr(pc, arg->line, "%s: takes %s, not a single value", t->name,
                        t->keys && *t->keys ? "a mapping of its keys" : "no arguments");
        a.scalar = arg;
    } else if (arg && arg->kind == SV_SEQ) {
        return perr(pc, arg->line, "%s: expected %s, got a list", t->name,
                    t->main_key ? "a value or a mapping" : "a mapping");
    }
    if (!ok)
        return false;
    if (t->parse)
        return t->parse(&a, st);
    if (arg && arg->kind != SV_NULL)
        return perr(pc, arg->line, "%s takes no arguments", t->name);
    return true;
}

/* The line number in "file:LINE: message" (0 if none). */
static long err_line(const parse_ctx *pc, const char *m)
{
    size_t n = strlen(pc->file);
    if (strncmp(m, pc->file, n) || m[n] != ':')
        return 0;
    return strtol(m + n + 1, NULL, 10);
}

/* This file's errors in line order (stable). */
static void sort_errors(parse_ctx *pc)
{
    char **e = pc->errs->msgs + pc->nerr0;
    size_t n = pc->errs->n - pc->nerr0;
    for (size_t i = 1; i < n; i++) {
        char *x = e[i];
        long lx = err_line(pc, x);
        size_t j = i;
        while (j > 0 && err_line(pc, e[j - 1]) > lx) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = x;
    }
}

scenario *scenario_parse(const char *path, const char *text, scn_error_list *errs)
{
    arena_blk *ar = NULL;
    scenario *sc = arena_alloc(&ar, sizeof(*sc));
    sc->ar = ar;
    parse_ctx pc = {.sc = sc, .file = path, .errs = errs, .nerr0 = errs->n};
    sc->path = arena_strdup(&sc->ar, path);
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        sc->dir = arena_alloc(&sc->ar, n + 2);
        memcpy(sc->dir, path, n ? n : 1);
    } else {
        sc->dir = arena_strdup(&sc->ar, ".");
    }
    sc->step_timeout = DEFAULT_STEP_TIMEOUT;
    char *owned = NULL;
    size_t len;
    if (!text) {
        char err[512];
        struct stat sb;
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            perr(&pc, 0, "is a directory, not a scenario file");
            goto fail;
        }
        owned = (char *)read_file(path, &len, 4u << 20, err, sizeof(err));
        if (!owned) {
            perr(&pc, 0, "%s", strstr(err, ": ") ? strstr(err, ": ") + 2 : err);
            goto fail;
        }
        text = owned;
        if (memchr(text, 0, len)) {
            perr(&pc, 0, "not a text file");
            goto fail;
        }
    } else {
        len = strlen(text);
    }
    scn_val root;
    if (!load_yaml(&pc, text, len, &root))
        goto fail;
    if (root.kind != SV_MAP) {
        perr(&pc, root.line, "a scenario is a mapping with `steps:` (and optionally `name:`, "
             "`device:`), not %s", kind_name(&root));
        goto fail;
    }
    static const char *const known[] = {"name", "description", "device", "steps",
                                        "step-timeout", NULL};
    bool ok = check_keys(&pc, &root, "the scenario", known);
    scn_step pst;
    scn_args a;
    bool used[64] = {0};
    if (root.n > 64) {
        perr(&pc, root.line, "too many top-level keys");
        goto fail;
    }
    args_for_map(&a, &pc, &pst, &root, &top_type, used);
    const char *name = NULL, *desc = NULL;
    ok &= scn_arg_str(&a, "name", false, &name);
    ok &= scn_arg_str(&a, "description", false, &desc);
    ok &= scn_arg_duration(&a, "step-timeout", false, &sc->step_timeout);
    if (!name) {
        const char *base = slash ? slash + 1 : path;
        name = base;
    }
    sc->name = arena_strdup(&sc->ar, name);
    int dl;
    const scn_val *dev = mget(&root, "device", &dl);
    if (dev)
        ok &= parse_device(&pc, dev);
    int sl;
    const scn_val *steps = mget(&root, "steps", &sl);
    if (!steps || steps->kind == SV_NULL) {
        ok = perr(&pc, steps ? sl : root.line, "no steps: a scenario needs `steps:` with at "
                  "least one step");
    } else if (steps->kind != SV_SEQ) {
        ok = perr(&pc, steps->line, "steps: expected a list (`- wait: 1s`), got %s",
                  kind_name(steps));
    } else if (steps->n == 0) {
        ok = perr(&pc, sl, "steps: the list is empty");
    } else {
        sc->steps = arena_alloc(&sc->ar, steps->n * sizeof(scn_step));
        sc->nsteps = steps->n;
        for (size_t i = 0; i < steps->n; i++)
            ok &= parse_step(&pc, &steps->items[i], &sc->steps[i]);
    }
    if (!ok || errs->n > pc.nerr0)
        goto fail;
    free(owned);
    return sc;
fail:
    if (errs->n == pc.nerr0)
        perr(&pc, 0, "invalid scenario");
    sort_errors(&pc);
    free(owned);
    ar = sc->ar;
    arena_free(&ar);
    return NULL;
}

/* ---- running ---------------------------------------------------------------------- */

typedef struct serial_port {
    char name[16];
    char buf[256];
    size_t n;
} serial_port;

typedef struct serial_line {
    uint64_t t;
    char port[16];
    char *text;
} serial_line;

struct scn {
    scenario *sc;
    const scn_run_opts *o;
    scn_result *res;
    session s;
    runner r;
    led_classifier lc; /* restarted at every reset */
    bool done;
    /* the timeline: patterns, resets, what the scenario did */
    char **tl;
    size_t tl_n, tl_cap;
    /* serial */
    serial_port ports[4];
    int nports;
    serial_line lines[SERIAL_KEEP];
    size_t nlines; /* total seen */
    /* the current step's hooks */
    pattern_listener led_fn;
    void *led_ctx;
    void (*serial_fn)(void *, const char *, const char *);
    void *serial_ctx;
    void (*reset_fn)(void *, reset_kind);
    void *reset_ctx;
    bool (*poll_fn)(void *, runner *, int);
    void *poll_ctx;
    struct {
        void (*fn)(void *);
        void *ctx;
    } at_end[16];
    int nat_end;
    struct {
        const void *key;
        void *value;
    } ext[16];
    int n_ext;
    /* the current step's report */
    sbuf expected, seen, notes;
    sbuf log;
};

photon *scn_photon(scn *s) { return s->s.p; }
session *scn_session(scn *s) { return &s->s; }
runner *scn_runner(scn *s) { return &s->r; }
uint64_t scn_now(scn *s) { return machine_now(s->s.p->m); }
const char *scn_dir(scn *s) { return s->sc->dir; }
uint64_t scn_step_timeout(scn *s) { return s->sc->step_timeout; }
bool scn_verbose(scn *s) { return s->o->verbose; }

void scn_on_led(scn *s, pattern_listener fn, void *ctx)
{
    s->led_fn = fn;
    s->led_ctx = ctx;
}

void scn_on_serial(scn *s, void (*fn)(void *, const char *, const char *), void *ctx)
{
    s->serial_fn = fn;
    s->serial_ctx = ctx;
}

void scn_on_reset(scn *s, void (*fn)(void *, reset_kind), void *ctx)
{
    s->reset_fn = fn;
    s->reset_ctx = ctx;
}

void scn_set_poller(scn *s, bool (*poll)(void *, runner *, int), void *ctx)
{
    s->poll_fn = poll;
    s->poll_ctx = ctx;
}

void scn_at_end(scn *s, void (*fn)(void *), void *ctx)
{
    if (s->nat_end < 16) {
        s->at_end[s->nat_end].fn = fn;
        s->at_end[s->nat_end].ctx = ctx;
        s->nat_end++;
    }
}

void *scn_get_ext(scn *s, const void *key)
{
    for (int i = 0; i < s->n_ext; i++)
        if (s->ext[i].key == key)
            return s->ext[i].value;
    return NULL;
}

void scn_set_ext(scn *s, const void *key, void *value)
{
    for (int i = 0; i < s->n_ext; i++)
        if (s->ext[i].key == key) {
            s->ext[i].value = value;
            return;
        }
    if (s->n_ext < 16) {
        s->ext[s->n_ext].key = key;
        s->ext[s->n_ext].value = value;
        s->n_ext++;
    }
}

void scn_expected(scn *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&s->expected, fmt, ap);
    va_end(ap);
}

void scn_seen(scn *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&s->seen, fmt, ap);
    va_end(ap);
}

void scn_note(scn *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&s->notes, fmt, ap);
    va_end(ap);
    sb_printf(&s->notes, "\n");
}

static void timeline_add(scn *s, uint64_t t, const char *text)
{
    if (s->tl_n == s->tl_cap) {
        size_t cap = s->tl_cap ? s->tl_cap * 2 : 64;
        char **n = realloc(s->tl, cap * sizeof(*n));
        if (!n)
            return;
        s->tl = n;
        s->tl_cap = cap;
    }
    char tb[32];
    size_t len = strlen(text) + 40;
    char *e = malloc(len);
    if (!e)
        return;
    snprintf(e, len, "[%12s] %s", scn_fmt_time(t, tb, sizeof(tb)), text);
    s->tl[s->tl_n++] = e;
    sb_printf(&s->log, "%s\n", e);
    if (s->o->verbose) {
        printf("  %s\n", e);
        fflush(stdout);
    }
}

void scn_event(scn *s, const char *fmt, ...)
{
    sbuf b = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    timeline_add(s, scn_now(s), b.s ? b.s : "");
    free(b.s);
}

led_pattern scn_led_now(scn *s, uint64_t *since)
{
    if (since)
        *since = s->lc.cur_since;
    return s->lc.cur;
}

static void on_pattern(void *ctx, uint64_t since, uint64_t seen, const led_pattern *p)
{
    scn *s = ctx;
    char buf[96], line[128];
    snprintf(line, sizeof(line), "LED %s", led_pattern_str(p, buf, sizeof(buf)));
    timeline_add(s, since, line);
    if (s->led_fn)
        s->led_fn(s->led_ctx, since, seen, p);
}

static void classifier_restart(scn *s)
{
    led_classifier *c = &s->lc;
    clock_disarm(&s->s.p->m->clock, &c->ev);
    c->n = 0;
    memset(&c->cur, 0, sizeof(c->cur));
    c->cur_since = 0;
    c->solid_reported = (size_t)-1;
    ledc_feed(c, scn_now(s), s->s.p->led.rgb);
}

static void on_reset(void *ctx, reset_kind kind)
{
    scn *s = ctx;
    char buf[64];
    snprintf(buf, sizeof(buf), "reset (%s)", reset_kind_name(kind));
    timeline_add(s, scn_now(s), buf);
    classifier_restart(s);
    if (s->reset_fn)
        s->reset_fn(s->reset_ctx, kind);
}

void scn_serial_feed(scn *s, const char *port, const uint8_t *buf, size_t n)
{
    serial_port *sp = NULL;
    for (int i = 0; i < s->nports; i++)
        if (!strcmp(s->ports[i].name, port))
            sp = &s->ports[i];
    if (!sp) {
        if (s->nports == 4)
            return;
        sp = &s->ports[s->nports++];
        snprintf(sp->name, sizeof(sp->name), "%s", port);
        sp->n = 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf[i];
        if (c == '\r')
            continue;
        if (c != '\n' && sp->n + 1 < sizeof(sp->buf)) {
            sp->buf[sp->n++] = (char)(c >= 0x20 && c < 0x7F ? c : '.');
            continue;
        }
        sp->buf[sp->n] = 0;
        serial_line *l = &s->lines[s->nlines % SERIAL_KEEP];
        free(l->text);
        l->t = scn_now(s);
        snprintf(l->port, sizeof(l->port), "%s", port);
        l->text = strdup(sp->buf);
        s->nlines++;
        if (s->serial_fn)
            s->serial_fn(s->serial_ctx, port, sp->buf);
        sp->n = 0;
        if (c != '\n') /* an overlong line continues */
            sp->buf[sp->n++] = (char)c;
    }
}

static void usart1_tx(void *ctx, uint8_t b)
{
    scn_serial_feed(ctx, "usart1", &b, 1);
}

/* USART1 (TX pin) into the evidence: an attach hook (scenario_steps.c). */
void scn_attach_usart1(scn *s)
{
    photon *p = scn_photon(s);
    p->usart[1].tx = usart1_tx;
    p->usart[1].tx_ctx = s;
}

static bool step_poll(void *ctx, runner *r, int wait_ms)
{
    scn *s = ctx;
    if (s->poll_fn)
        return s->poll_fn(s->poll_ctx, r, wait_ms);
    return false;
}

void scn_done(scn *s)
{
    s->done = true;
    s->r.stop = true;
    machine_request_stop(s->s.p->m, STOP_REQUEST);
}

scn_wait scn_run_until(scn *s, uint64_t deadline)
{
    s->done = false;
    for (;;) {
        if (s->done)
            return SCN_WAIT_DONE;
        if (scn_now(s) >= deadline)
            return SCN_WAIT_TIMEOUT;
        stop_reason why = runner_run(&s->r, deadline);
        if (why == STOP_ERROR) {
            scn_note(s, "the emulator stopped with an error at %.3f s (see the messages above)",
                     (double)scn_now(s) / PS_PER_S);
            return SCN_WAIT_ERROR;
        }
        if (runner_interrupted()) {
            scn_note(s, "interrupted");
            return SCN_WAIT_ERROR;
        }
        if (why == STOP_DEADLINE && !s->done)
            return SCN_WAIT_TIMEOUT;
    }
}

/* The report of a failed step, with the evidence. */
static void build_report(scn *s, const scn_step *st, size_t idx, scn_status status, sbuf *r)
{
    char tb[32];
    sb_printf(r, "%s:%d: step %zu of %zu %s: %s%s%s%s\n", st->file, st->line, idx + 1,
              s->sc->nsteps, status == SCN_ERROR ? "could not run" : "failed", st->text,
              st->label ? " (\"" : "", st->label ? st->label : "", st->label ? "\")" : "");
    if (s->expected.n)
        sb_printf(r, "  expected: %s\n", s->expected.s);
    if (s->seen.n)
        sb_printf(r, "  seen:     %s\n", s->seen.s);
    if (s->notes.n) {
        char *p = s->notes.s;
        while (*p) {
            char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            sb_printf(r, "  %.*s\n", (int)n, p);
            p += n + (e ? 1 : 0);
        }
    }
    sb_printf(r, "  at %s of virtual time\n", scn_fmt_time(scn_now(s), tb, sizeof(tb)));
    size_t from = s->tl_n > TIMELINE_SHOW ? s->tl_n - TIMELINE_SHOW : 0;
    sb_printf(r, "  timeline%s:\n", from ? " (the last entries)" : "");
    for (size_t i = from; i < s->tl_n; i++)
        sb_printf(r, "    %s\n", s->tl[i]);
    const uint8_t *rgb = s->s.p->led.rgb;
    const char *cn = led_color_name(rgb);
    sb_printf(r, "  LED now:  %s (r %u, g %u, b %u)\n", cn ? cn : "off", rgb[0], rgb[1], rgb[2]);
    size_t nl = s->nlines < SERIAL_KEEP ? s->nlines : SERIAL_KEEP;
    bool partial = false;
    for (int i = 0; i < s->nports; i++)
        partial |= s->ports[i].n > 0;
    if (!nl && !partial) {
        sb_printf(r, "  serial:   no output\n");
        return;
    }
    sb_printf(r, "  serial (the last lines):\n");
    for (size_t i = s->nlines - nl; i < s->nlines; i++) {
        serial_line *l = &s->lines[i % SERIAL_KEEP];
        sb_printf(r, "    [%12s] %s: %s\n", scn_fmt_time(l->t, tb, sizeof(tb)), l->port,
                  l->text);
    }
    for (int i = 0; i < s->nports; i++)
        if (s->ports[i].n)
            sb_printf(r, "    (unfinished) %s: %.*s\n", s->ports[i].name, (int)s->ports[i].n,
                      s->ports[i].buf);
}

static void load_images(scn *s, bool *ok, sbuf *err)
{
    scenario *sc = s->sc;
    char e[1024];
    for (size_t i = 0; i < sc->nimages; i++) {
        scn_image *im = &sc->images[i];
        int rc;
        if (im->raw) {
            char spec[4200];
            snprintf(spec, sizeof(spec), "%s@0x%08x", im->path, im->addr);
            rc = session_load_raw(&s->s, spec, e, sizeof(e));
        } else {
            rc = session_load_module(&s->s, im->path, sc->force, e, sizeof(e));
        }
        if (rc) {
            sb_printf(err, "%s:%d: %s\n", sc->path, im->line, e);
            *ok = false;
            return;
        }
    }
}

void scenario_run(scenario *sc, const scn_run_opts *o, scn_result *res)
{
    memset(res, 0, sizeof(*res));
    double wall0 = wall_seconds();
    scn *s = calloc(1, sizeof(*s));
    if (!s) {
        res->status = SCN_ERROR;
        res->report = strdup("out of memory\n");
        return;
    }
    s->sc = sc;
    s->o = o;
    s->res = res;
    session_opts so = {0};
    so.state_path = sc->state;
    so.fresh = !sc->state;
    so.no_save = !sc->save;
    so.seed = o->have_seed ? o->seed : sc->seed;
    so.device_id = sc->device_id;
    so.fast_flash = sc->fast_flash;
    char err[1024];
    sbuf rep = {0};
    if (session_open(&s->s, &so, err, sizeof(err))) {
        res->status = SCN_ERROR;
        sb_printf(&rep, "%s:%d: %s\n", sc->path, sc->state ? sc->state_line : 0, err);
        res->report = sb_take(&rep);
        free(s);
        return;
    }
    photon *p = s->s.p;
    machine *m = p->m;
    m->log.mask = o->logmask ? o->logmask : m->log.mask;
    if (o->log_out)
        m->log.out = o->log_out;
    if (o->led_trace) {
        fprintf(o->led_trace, "# %s\n", sc->path);
        led_set_trace(&p->led, o->led_trace);
    }
    bool ok = true;
    load_images(s, &ok, &rep);
    if (!ok) {
        res->status = SCN_ERROR;
        res->report = sb_take(&rep);
        session_close(&s->s);
        free(s);
        return;
    }
    ledc_init(&s->lc, m);
    led_listen(&p->led, ledc_feed, &s->lc);
    ledc_listen(&s->lc, on_pattern, s);
    machine_add_reset_hook(m, on_reset, s);
    runner_init(&s->r, &s->s);
    s->r.realtime = o->realtime;
    s->r.speed = o->speed > 0 ? o->speed : 1;
    if (o->realtime)
        s->r.slice_ps = 10 * PS_PER_MS;
    runner_add_poller(&s->r, step_poll, s);
    photon_device_id(p, res->device_id);
    if (o->verbose) {
        printf("%s: %s\n  device %s%s\n", sc->path, sc->name, res->device_id,
               sc->state ? "" : " (fresh)");
        fflush(stdout);
    }
    for (int i = 0; scenario_attach_hooks[i]; i++)
        scenario_attach_hooks[i](s);
    session_power_on(&s->s); /* the reset hook records "power-on" */

    res->status = SCN_PASS;
    for (size_t i = 0; i < sc->nsteps; i++) {
        scn_step *st = &sc->steps[i];
        char tb[32];
        sb_printf(&s->log, "[%12s] %s:%d %s\n", scn_fmt_time(scn_now(s), tb, sizeof(tb)),
                  st->file, st->line, st->text);
        if (o->verbose) {
            printf("  [%12s] %s:%d %s%s%s%s\n", scn_fmt_time(scn_now(s), tb, sizeof(tb)),
                   st->file, st->line, st->text, st->label ? "  (" : "",
                   st->label ? st->label : "", st->label ? ")" : "");
            fflush(stdout);
        }
        s->expected.n = s->seen.n = s->notes.n = 0;
        if (s->expected.s) s->expected.s[0] = 0;
        if (s->seen.s) s->seen.s[0] = 0;
        if (s->notes.s) s->notes.s[0] = 0;
        scn_status r = st->type->run(s, st);
        s->led_fn = NULL;
        s->serial_fn = NULL;
        s->reset_fn = NULL;
        s->poll_fn = NULL;
        res->steps_run = i + 1;
        if (r != SCN_PASS) {
            res->status = r;
            res->fail_file = st->file;
            res->fail_line = st->line;
            res->fail_step = strdup(st->text);
            build_report(s, st, i, r, &rep);
            sb_printf(&s->log, "  -> %s\n", r == SCN_FAIL ? "FAILED" : "ERROR");
            break;
        }
    }
    for (int i = s->nat_end - 1; i >= 0; i--)
        s->at_end[i].fn(s->at_end[i].ctx);
    res->virtual_ps = scn_now(s);
    /* the LED trace's hash: the determinism check */
    sha256_ctx h;
    sha256_init(&h);
    for (size_t i = 0; i < p->led.n; i++) {
        uint8_t rec[11];
        uint64_t t = p->led.hist[i].t;
        for (int k = 0; k < 8; k++)
            rec[k] = (uint8_t)(t >> (8 * k));
        memcpy(rec + 8, p->led.hist[i].rgb, 3);
        sha256_update(&h, rec, sizeof(rec));
    }
    sha256_final(&h, res->led_trace_sha);
    if (session_save(&s->s, err, sizeof(err))) {
        sb_printf(&rep, "%s:%d: saving the state: %s\n", sc->path, sc->state_line, err);
        if (res->status == SCN_PASS)
            res->status = SCN_ERROR;
    }
    if (o->led_trace) {
        led_set_trace(&p->led, NULL);
        fflush(o->led_trace);
    }
    res->report = sb_take(&rep);
    res->log = sb_take(&s->log);
    ledc_free(&s->lc);
    session_close(&s->s);
    for (size_t i = 0; i < s->tl_n; i++)
        free(s->tl[i]);
    free(s->tl);
    for (int i = 0; i < SERIAL_KEEP; i++)
        free(s->lines[i].text);
    free(s->expected.s);
    free(s->seen.s);
    free(s->notes.s);
    free(s);
    res->wall_s = wall_seconds() - wall0;
}

void scn_result_free(scn_result *r)
{
    free(r->fail_step);
    free(r->report);
    free(r->log);
    memset(r, 0, sizeof(*r));
}
