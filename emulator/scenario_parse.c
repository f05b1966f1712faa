/* Scenario files: parsing with libyaml (line numbers in every error),
 * values (durations, addresses, bytes), the argument helpers for step
 * parsers, and the scenario's structure (device, steps). The run loop is
 * in scenario.c, the steps in scenario_*steps*.c. */
#include "scenario_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include <yaml.h>

#include "images.h"
#include "module.h"

#define MAX_NODES 100000 /* an alias bomb is refused, not expanded */
#define MAX_DEPTH 64

/* ---- arena: everything a parsed scenario owns -------------------------------- */

void *scn_arena_alloc(arena_blk **ar, size_t n)
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

char *scn_arena_strdup(arena_blk **ar, const char *s)
{
    size_t n = strlen(s);
    char *d = scn_arena_alloc(ar, n + 1);
    memcpy(d, s, n + 1);
    return d;
}

void scn_arena_free(arena_blk **ar)
{
    while (*ar) {
        arena_blk *n = (*ar)->next;
        free(*ar);
        *ar = n;
    }
}

/* ---- the parsed scenario -------------------------------------------------------- */

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
    scn_arena_free(&ar); /* sc itself lives in the arena */
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
        out->str = scn_arena_strdup(&pc->sc->ar, v);
        return true;
    }
    case YAML_SEQUENCE_NODE: {
        out->kind = SV_SEQ;
        yaml_node_item_t *a = node->data.sequence.items.start, *e = node->data.sequence.items.top;
        out->n = (size_t)(e - a);
        out->items = scn_arena_alloc(&pc->sc->ar, (out->n ? out->n : 1) * sizeof(scn_val));
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
        out->items = scn_arena_alloc(&pc->sc->ar, k * sizeof(scn_val));
        out->keys = scn_arena_alloc(&pc->sc->ar, k * sizeof(char *));
        out->key_lines = scn_arena_alloc(&pc->sc->ar, k * sizeof(int));
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
            out->keys[i] = scn_arena_strdup(&pc->sc->ar, key);
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
                                        "seed", "fast-flash", "wifi-ap", NULL};
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
    int wl;
    const scn_val *wa = mget(d, "wifi-ap", &wl);
    if (wa && wa->kind != SV_NULL) {
        size_t n = wa->kind == SV_SEQ ? wa->n : 1;
        const scn_val *items = wa->kind == SV_SEQ ? wa->items : wa;
        sc->aps = scn_arena_alloc(&sc->ar, (n ? n : 1) * sizeof(radio_ap));
        sc->naps = n;
        for (size_t i = 0; i < n; i++) {
            char err[512];
            if (!scn_wifi_ap_from_val(&items[i], &sc->aps[i], err, sizeof(err)))
                ok = perr(pc, items[i].line, "device: wifi-ap: %s", err);
        }
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
            sc->images = scn_arena_alloc(&sc->ar, n * sizeof(scn_image));
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
            sc->images = scn_arena_alloc(&sc->ar, (n ? n : 1) * sizeof(scn_image));
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
    st->text = scn_arena_strdup(&pc->sc->ar, txt.s);
    free(txt.s);

    scn_args a = {.pc = pc, .st = st};
    bool ok = true;
    if (arg && arg->kind == SV_MAP) {
        a.map = arg;
        a.used = scn_arena_alloc(&pc->sc->ar, (arg->n ? arg->n : 1) * sizeof(bool));
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
    scenario *sc = scn_arena_alloc(&ar, sizeof(*sc));
    sc->ar = ar;
    parse_ctx pc = {.sc = sc, .file = path, .errs = errs, .nerr0 = errs->n};
    sc->path = scn_arena_strdup(&sc->ar, path);
    const char *slash = strrchr(path, '/');
    if (slash) {
        size_t n = (size_t)(slash - path);
        sc->dir = scn_arena_alloc(&sc->ar, n + 2);
        memcpy(sc->dir, path, n ? n : 1);
    } else {
        sc->dir = scn_arena_strdup(&sc->ar, ".");
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
    sc->name = scn_arena_strdup(&sc->ar, name);
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
        sc->steps = scn_arena_alloc(&sc->ar, steps->n * sizeof(scn_step));
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
    scn_arena_free(&ar);
    return NULL;
}

