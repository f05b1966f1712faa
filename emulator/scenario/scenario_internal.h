/* Internals shared by the scenario parser (scenario_parse.c) and runner
 * (scenario.c). Steps use scenario.h only. */
#ifndef PHOTON_SCENARIO_INTERNAL_H
#define PHOTON_SCENARIO_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define DEFAULT_STEP_TIMEOUT (30 * PS_PER_S)

/* A growing string. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static inline void sb_vprintf(sbuf *b, const char *fmt, va_list ap)
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

__attribute__((format(printf, 2, 3))) static inline void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

static inline char *sb_take(sbuf *b)
{
    char *s = b->s ? b->s : strdup("");
    b->s = NULL;
    b->n = b->cap = 0;
    return s;
}

/* An access point given as "ssid=..,security=.." or as a mapping with
 * those keys (scenario_wifi_steps.c). */
bool scn_wifi_ap_from_val(const scn_val *v, radio_ap *ap, char *err, size_t errlen);

/* The arena: everything a parsed scenario owns, freed at once. */
typedef struct arena_blk {
    struct arena_blk *next;
    max_align_t data[];
} arena_blk;

void *scn_arena_alloc(arena_blk **ar, size_t n);
char *scn_arena_strdup(arena_blk **ar, const char *s);
void scn_arena_free(arena_blk **ar);

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
    radio_ap *aps; /* device: wifi-ap */
    size_t naps;
    netenv_opts net; /* device: hostfwd, softap-fwd, dns, pcap */
    bool cloud;      /* device: cloud: a local cloud of its own (scenario_cloud.c) */
    uint64_t step_timeout;
    scn_step *steps;
    size_t nsteps;
};

/* ---- parsing (scenario_parse.c, scenario_args.c) ---- */
typedef struct parse_ctx {
    scenario *sc;
    const char *file; /* as named on the command line */
    scn_error_list *errs;
    size_t nerr0;
    size_t nodes;
} parse_ctx;

struct scn_args {
    parse_ctx *pc;
    scn_step *st;
    const scn_val *map;    /* SV_MAP, or NULL */
    const scn_val *scalar; /* the scalar form (the main key) */
    bool *used;
};

__attribute__((format(printf, 3, 0))) void scn_verr(parse_ctx *pc, int line, const char *fmt,
                                                    va_list ap);
/* Report an error at `line` (0: the file); returns false. */
__attribute__((format(printf, 3, 4))) bool scn_perr(parse_ctx *pc, int line, const char *fmt,
                                                    ...);
const char *scn_kind_name(const scn_val *v);
/* The closest of `cands` to `word`, as " (did you mean X?)" in buf, or "". */
const char *scn_suggest(const char *word, const char *const *cands, size_t n, char *buf,
                        size_t bufn);
void scn_render(sbuf *b, const scn_val *v, int depth);
char *scn_resolve_rel(scn_args *a, const char *p);
bool scn_resolve_image(parse_ctx *pc, const char *name, const char **out, char *err,
                       size_t errlen);

#endif
