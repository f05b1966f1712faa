/* Scenario files: parsing with libyaml (line numbers in every error) and
 * the scenario's structure (device, steps). The values and the argument
 * helpers for step parsers are in scenario_args.c, the run loop in
 * scenario.c, the steps in scenario_*steps*.c. */
#include "scenario_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include <yaml.h>
#include <unistd.h>

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
    if (sc->workdir && sc->workdir_pid == (long)getpid()) {
        for (scn_made_image *m = sc->made; m; m = m->next)
            unlink(m->path);
        rmdir(sc->workdir);
    }
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

/* ---- YAML to scn_val ------------------------------------------------------------- */

static bool convert(parse_ctx *pc, yaml_document_t *doc, yaml_node_t *node, scn_val *out,
                    int depth)
{
    memset(out, 0, sizeof(*out));
    out->line = (int)node->start_mark.line + 1;
    if (++pc->nodes > MAX_NODES || depth > MAX_DEPTH)
        return scn_perr(pc, out->line, "the document is too large or too deeply nested");
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
            return scn_perr(pc, out->line, "a NUL character inside a value");
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
                return scn_perr(pc, out->line, "broken mapping");
            int kl = (int)kn->start_mark.line + 1;
            if (kn->type != YAML_SCALAR_NODE)
                return scn_perr(pc, kl, "a mapping key must be a plain name");
            const char *key = (const char *)kn->data.scalar.value;
            for (size_t j = 0; j < i; j++)
                if (!strcmp(out->keys[j], key)) /* reported; parsing goes on */
                    scn_perr(pc, kl, "'%s' appears twice (first on line %d)", key,
                         out->key_lines[j]);
            out->keys[i] = scn_arena_strdup(&pc->sc->ar, key);
            out->key_lines[i] = kl;
            if (!convert(pc, doc, vn, &out->items[i], depth + 1))
                return false;
        }
        return true;
    }
    default:
        return scn_perr(pc, out->line, "empty node");
    }
}

/* The depth and node limits while parsing, before libyaml builds a tree
 * (which a document nested 100k deep takes minutes to do): one pass over
 * the events, stopping at the first that is too deep or too many. A
 * syntax error is left for the loader to report. */
static bool within_limits(parse_ctx *pc, const char *text, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return scn_perr(pc, 0, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    bool ok = true;
    int depth = 0;
    for (long events = 0;; events++) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e))
            break;
        int line = (int)e.start_mark.line + 1;
        yaml_event_type_t t = e.type;
        yaml_event_delete(&e);
        if (t == YAML_STREAM_END_EVENT)
            break;
        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT)
            depth++;
        else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
            depth--;
        if (depth > MAX_DEPTH) {
            ok = scn_perr(pc, line, "nested more than %d levels deep", MAX_DEPTH);
            break;
        }
        if (events > 4L * MAX_NODES) {
            ok = scn_perr(pc, line, "more than %d YAML nodes", MAX_NODES);
            break;
        }
    }
    yaml_parser_delete(&p);
    return ok;
}

static bool load_yaml(parse_ctx *pc, const char *text, size_t len, scn_val *root)
{
    yaml_parser_t p;
    yaml_document_t doc;
    if (!within_limits(pc, text, len))
        return false;
    if (!yaml_parser_initialize(&p))
        return scn_perr(pc, 0, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    bool ok = false;
    if (!yaml_parser_load(&p, &doc)) {
        int line = (int)(p.problem_mark.line + 1);
        if (p.context)
            scn_perr(pc, line, "YAML: %s %s (from line %d)", p.problem ? p.problem : "error",
                 p.context, (int)p.context_mark.line + 1);
        else
            scn_perr(pc, line, "YAML: %s", p.problem ? p.problem : "error");
        yaml_parser_delete(&p);
        return false;
    }
    yaml_node_t *r = yaml_document_get_root_node(&doc);
    if (!r) {
        scn_perr(pc, 0, "the file is empty (expected `steps:` and optionally `device:`)");
    } else if (convert(pc, &doc, r, root, 0)) {
        ok = true;
        yaml_document_t next;
        if (yaml_parser_load(&p, &next)) {
            yaml_node_t *r2 = yaml_document_get_root_node(&next);
            if (r2) {
                scn_perr(pc, (int)r2->start_mark.line + 1,
                     "a second YAML document: a scenario file holds one");
                ok = false;
            }
            yaml_document_delete(&next);
        } else {
            scn_perr(pc, (int)p.problem_mark.line + 1, "YAML: %s", p.problem ? p.problem : "error");
            ok = false;
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
    return ok;
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
            ok = scn_perr(pc, m->key_lines[i], "unknown key '%s' in %s%s (known: %s)", m->keys[i],
                      what, scn_suggest(m->keys[i], known, nk, sug, sizeof(sug)), b.s);
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
        uint8_t *buf = read_file(im->path, &len, STM32F205_FLASH_SIZE, err, sizeof(err));
        if (!buf)
            return scn_perr(pc, im->line, "%s", err);
        free(buf);
        if (im->addr < STM32F205_FLASH_BASE || (uint64_t)im->addr + len > STM32F205_FLASH_BASE + STM32F205_FLASH_SIZE)
            return scn_perr(pc, im->line, "%s (%zu bytes) does not fit in flash at 0x%08x",
                        im->path, len, im->addr);
        return true;
    }
    size_t len;
    char err[512];
    uint8_t *buf = read_file(im->path, &len, STM32F205_FLASH_SIZE, err, sizeof(err));
    if (!buf)
        return scn_perr(pc, im->line, "%s", err);
    module_info mi;
    bool ok = true;
    if (module_parse(buf, len, &mi, err, sizeof(err)))
        ok = scn_perr(pc, im->line, "image %s: %s (use {file: ..., address: ...} for raw bytes)",
                  im->path, err);
    else if (!force && mi.platform != 6)
        ok = scn_perr(pc, im->line, "image %s is for platform %u (%s), not the Photon; add "
                  "`force: true` to the device to load it anyway", im->path, mi.platform,
                  platform_name(mi.platform));
    else if (!force && !mi.crc_ok)
        ok = scn_perr(pc, im->line, "image %s: CRC mismatch (stored %08x, computed %08x); add "
                  "`force: true` to the device to load it anyway", im->path, mi.crc_stored,
                  mi.crc_computed);
    else if (mi.start < STM32F205_FLASH_BASE || (uint64_t)mi.start + len > STM32F205_FLASH_BASE + STM32F205_FLASH_SIZE)
        ok = scn_perr(pc, im->line, "image %s: start address 0x%08x is outside the flash",
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
        return scn_perr(pc, d->line, "device: expected a mapping (state, images, device-id, "
                    "seed, fast-flash, ...), got %s", scn_kind_name(d));
    static const char *const known[] = {"state", "save", "images", "force", "device-id",
                                        "seed", "fast-flash", "wifi-ap", "hostfwd",
                                        "softap-fwd", "dns", "pcap", "host-port", "cloud",
                                        "usb", NULL};
    bool ok = check_keys(pc, d, "device", known);
    scn_step st;
    scn_args a;
    bool used[64] = {0};
    if (d->n > 64)
        return scn_perr(pc, d->line, "device: too many keys");
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
            sc->state = scn_resolve_rel(&a, st_name);
            if (stat(sc->state, &sb) == 0 && !S_ISREG(sb.st_mode))
                ok = scn_perr(pc, sc->state_line, "device: state: %s is not a file", sc->state);
        } else {
            ok = false;
        }
    }
    if (sc->save && !sc->state)
        ok = scn_perr(pc, scn_arg_line(&a, "save"), "device: save: true needs a state file "
                  "(state: FILE)");
    ok &= scn_arg_bool(&a, "force", false, &sc->force);
    ok &= scn_arg_bool(&a, "fast-flash", false, &sc->fast_flash);
    ok &= scn_arg_bool(&a, "usb", false, &sc->usb_plugged);
    ok &= scn_arg_bool(&a, "cloud", false, &sc->cloud);
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
            ok = scn_perr(pc, scn_arg_line(&a, "device-id"),
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
                ok = scn_perr(pc, items[i].line, "device: wifi-ap: %s", err);
        }
    }
    static const char *const net_keys[] = {"hostfwd", "softap-fwd", "dns", "pcap", "host-port"};
    for (int k = 0; k < 5; k++) {
        int nl;
        const scn_val *v = mget(d, net_keys[k], &nl);
        if (!v || v->kind == SV_NULL)
            continue;
        size_t n = v->kind == SV_SEQ ? v->n : 1;
        const scn_val *items = v->kind == SV_SEQ ? v->items : v;
        for (size_t i = 0; i < n; i++) {
            char err[512];
            const char *val = items[i].kind == SV_SCALAR ? items[i].str : NULL;
            if (val && k == NETOPT_PCAP)
                val = scn_resolve_rel(&a, val);
            if (!val)
                ok = scn_perr(pc, items[i].line, "device: %s: expected %s, got %s", net_keys[k],
                              k == NETOPT_DNS         ? "NAME=ADDR"
                              : k == NETOPT_PCAP      ? "a file"
                              : k == NETOPT_HOST_PORT ? "GUESTPORT=HOSTPORT"
                                                      : "a forward rule",
                              scn_kind_name(&items[i]));
            else if (netenv_opts_add(&sc->net, (netenv_opt)k, scn_arena_strdup(&sc->ar, val),
                                     err, sizeof(err)))
                ok = scn_perr(pc, items[i].line, "device: %s: %s", net_keys[k], err);
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
            return scn_perr(pc, im->line, "device: images: expected a list of image names or "
                        "{file, address} entries, got %s", scn_kind_name(im));
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
                if (!scn_resolve_image(pc, session_default_images[i], &sc->images[i].path, err,
                                   sizeof(err)))
                    ok = scn_perr(pc, im->line, "device: images: %s", err);
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
                    if (!scn_resolve_image(pc, e->str, &out->path, err, sizeof(err)))
                        ok = scn_perr(pc, e->line, "device: images: %s", err);
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
                    if (!scn_resolve_image(pc, f, &out->path, err, sizeof(err)))
                        ok = scn_perr(pc, scn_arg_line(&a2, "file"), "device: images: %s", err);
                } else {
                    ok = scn_perr(pc, e->line, "device: images: expected an image name or "
                              "{file, address}, got %s", scn_kind_name(e));
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
                    return scn_perr(pc, v->key_lines[i], "name: expected a string, got %s",
                                scn_kind_name(&v->items[i]));
                st->label = v->items[i].str;
                continue;
            }
            if (name)
                return scn_perr(pc, v->key_lines[i],
                            "one step per list item: '%s' and '%s' are both here (start "
                            "another item with '- ')", name, v->keys[i]);
            name = v->keys[i];
            name_line = v->key_lines[i];
            arg = &v->items[i];
        }
        if (!name)
            return scn_perr(pc, v->line, "a step needs a step name (only 'name:' is here)");
    } else {
        return scn_perr(pc, v->line, "a step must be a name (`- reset`) or a mapping "
                    "(`- wait: 2s`), not %s", scn_kind_name(v));
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
        scn_perr(pc, name_line, "unknown step '%s'%s (known steps: %s)", name,
             scn_suggest(name, names, n, sug, sizeof(sug)), b.s);
        free(b.s);
        return false;
    }
    st->type = t;
    sbuf txt = {0};
    sb_printf(&txt, "%s", t->name);
    if (arg && arg->kind != SV_NULL) {
        sb_printf(&txt, " ");
        scn_render(&txt, arg, 0);
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
                scn_suggest(k, kl2, nk, sug, sizeof(sug));
                if (t->keys && *t->keys)
                    ok = scn_perr(pc, arg->key_lines[i], "%s: unknown key '%s'%s (known: %s)",
                              t->name, k, sug, t->keys);
                else
                    ok = scn_perr(pc, arg->key_lines[i], "%s takes no arguments", t->name);
            }
        }
    } else if (arg && arg->kind == SV_SCALAR) {
        if (!t->main_key)
            return scn_perr(pc, arg->line, "%s: takes %s, not a single value", t->name,
                        t->keys && *t->keys ? "a mapping of its keys" : "no arguments");
        a.scalar = arg;
    } else if (arg && arg->kind == SV_SEQ) {
        return scn_perr(pc, arg->line, "%s: expected %s, got a list", t->name,
                    t->main_key ? "a value or a mapping" : "a mapping");
    }
    if (!ok)
        return false;
    if (t->parse)
        return t->parse(&a, st);
    if (arg && arg->kind != SV_NULL)
        return scn_perr(pc, arg->line, "%s takes no arguments", t->name);
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
            scn_perr(&pc, 0, "is a directory, not a scenario file");
            goto fail;
        }
        owned = (char *)read_file(path, &len, 4u << 20, err, sizeof(err));
        if (!owned) {
            scn_perr(&pc, 0, "%s", strstr(err, ": ") ? strstr(err, ": ") + 2 : err);
            goto fail;
        }
        text = owned;
        if (memchr(text, 0, len)) {
            scn_perr(&pc, 0, "not a text file");
            goto fail;
        }
    } else {
        len = strlen(text);
    }
    scn_val root;
    if (!load_yaml(&pc, text, len, &root))
        goto fail;
    if (root.kind != SV_MAP) {
        scn_perr(&pc, root.line, "a scenario is a mapping with `steps:` (and optionally `name:`, "
             "`device:`), not %s", scn_kind_name(&root));
        goto fail;
    }
    static const char *const known[] = {"name", "description", "device", "steps",
                                        "step-timeout", NULL};
    bool ok = check_keys(&pc, &root, "the scenario", known);
    scn_step pst;
    scn_args a;
    bool used[64] = {0};
    if (root.n > 64) {
        scn_perr(&pc, root.line, "too many top-level keys");
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
        ok = scn_perr(&pc, steps ? sl : root.line, "no steps: a scenario needs `steps:` with at "
                  "least one step");
    } else if (steps->kind != SV_SEQ) {
        ok = scn_perr(&pc, steps->line, "steps: expected a list (`- wait: 1s`), got %s",
                  scn_kind_name(steps));
    } else if (steps->n == 0) {
        ok = scn_perr(&pc, sl, "steps: the list is empty");
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
        scn_perr(&pc, 0, "invalid scenario");
    sort_errors(&pc);
    free(owned);
    ar = sc->ar;
    scn_arena_free(&ar);
    return NULL;
}

