/* Running a parsed scenario: the device session, the LED classifier that
 * restarts at every reset, the timeline and serial lines kept as evidence,
 * the per-step hooks, and the failure report. Parsing is in
 * scenario_parse.c, the steps in scenario_*steps*.c, the command line in
 * cli_scenario.c. */
#include "scenario_internal.h"

#include <inttypes.h>

#include <openssl/evp.h>

#define SERIAL_KEEP 12   /* serial lines kept for a failure report */
#define TIMELINE_SHOW 16 /* timeline entries shown in a failure report */

const char *scn_fmt_time(uint64_t ps, char *buf, size_t n)
{
    snprintf(buf, n, "%.3f s", (double)ps / PS_PER_S);
    return buf;
}


/* ---- running ---------------------------------------------------------------------- */

#define SERIAL_PENDING_MAX (1u << 20)

typedef struct serial_port {
    char name[16];
    char buf[256]; /* the line being assembled (evidence) */
    size_t n;
    char *out;     /* output not consumed yet, from absolute offset `base` */
    size_t on, ocap;
    uint64_t base;
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
    world w;    /* one device */
    session *s; /* its session */
    led_classifier lc; /* restarted at every reset */
    bool done;
    radio air; /* the access points around the device */
    /* every pattern the LED showed, first time each */
    struct {
        led_pattern p;
        uint64_t at;
    } ever[256];
    int n_ever;
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
    void (*serial_fn)(void *, const char *);
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

photon *scn_photon(scn *s) { return s->s->p; }
session *scn_session(scn *s) { return s->s; }
machine *scn_machine(scn *s) { return s->s->p->m; }
runner *scn_runner(scn *s) { return &s->w.r; }
uint64_t scn_now(scn *s) { return machine_now(s->s->p->m); }
const char *scn_dir(scn *s) { return s->sc->dir; }
uint64_t scn_step_timeout(scn *s) { return s->sc->step_timeout; }
bool scn_verbose(scn *s) { return s->o->verbose; }
bool scn_usb_at_power_on(scn *s) { return s->sc->usb_plugged; }

void scn_on_led(scn *s, pattern_listener fn, void *ctx)
{
    s->led_fn = fn;
    s->led_ctx = ctx;
}

void scn_on_serial(scn *s, void (*fn)(void *, const char *), void *ctx)
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

bool scn_led_ever(scn *s, const led_pattern *want, uint64_t *when)
{
    for (int i = 0; i < s->n_ever; i++) {
        if (led_pattern_match(want, &s->ever[i].p)) {
            if (when)
                *when = s->ever[i].at;
            return true;
        }
    }
    return false;
}

radio *scn_radio(scn *s)
{
    return &s->air;
}

netenv *scn_net(scn *s)
{
    return &s->w.net;
}

const scenario *scn_scenario(scn *s)
{
    return s->sc;
}

static void remember_pattern(scn *s, uint64_t since, const led_pattern *p)
{
    char a[96], b[96];
    led_pattern_str(p, a, sizeof(a));
    for (int i = 0; i < s->n_ever; i++)
        if (!strcmp(led_pattern_str(&s->ever[i].p, b, sizeof(b)), a))
            return;
    if (s->n_ever < (int)(sizeof(s->ever) / sizeof(s->ever[0]))) {
        s->ever[s->n_ever].p = *p;
        s->ever[s->n_ever++].at = since;
    }
}

static void on_pattern(void *ctx, uint64_t since, uint64_t seen, const led_pattern *p)
{
    scn *s = ctx;
    char buf[96], line[128];
    remember_pattern(s, since, p);
    snprintf(line, sizeof(line), "LED %s", led_pattern_str(p, buf, sizeof(buf)));
    timeline_add(s, since, line);
    if (s->led_fn)
        s->led_fn(s->led_ctx, since, seen, p);
}

static void classifier_restart(scn *s)
{
    led_classifier *c = &s->lc;
    clock_disarm(&s->s->p->m->clock, &c->ev);
    c->n = 0;
    memset(&c->cur, 0, sizeof(c->cur));
    c->cur_since = 0;
    c->solid_reported = (size_t)-1;
    ledc_feed(c, scn_now(s), s->s->p->led.rgb);
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

static serial_port *find_port(scn *s, const char *port)
{
    for (int i = 0; i < s->nports; i++)
        if (!strcmp(s->ports[i].name, port))
            return &s->ports[i];
    return NULL;
}

/* Keep `c` in the port's unconsumed output. */
static void pending_add(serial_port *sp, char c)
{
    if (sp->on == SERIAL_PENDING_MAX) { /* drop the oldest half */
        size_t drop = SERIAL_PENDING_MAX / 2;
        memmove(sp->out, sp->out + drop, sp->on - drop);
        sp->on -= drop;
        sp->base += drop;
    }
    if (sp->on == sp->ocap) {
        size_t cap = sp->ocap ? sp->ocap * 2 : 4096;
        char *o = realloc(sp->out, cap);
        if (!o)
            return;
        sp->out = o;
        sp->ocap = cap;
    }
    sp->out[sp->on++] = c;
}

void scn_serial_feed(scn *s, const char *port, const uint8_t *buf, size_t n)
{
    serial_port *sp = find_port(s, port);
    if (!sp) {
        if (s->nports == 4)
            return;
        sp = &s->ports[s->nports++];
        memset(sp, 0, sizeof(*sp));
        snprintf(sp->name, sizeof(sp->name), "%s", port);
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf[i];
        if (c == '\r')
            continue;
        char t = c == '\n' ? '\n' : (char)(c >= 0x20 && c < 0x7F ? c : '.');
        pending_add(sp, t);
        if (c != '\n' && sp->n + 1 < sizeof(sp->buf)) {
            sp->buf[sp->n++] = t;
            continue;
        }
        sp->buf[sp->n] = 0;
        serial_line *l = &s->lines[s->nlines % SERIAL_KEEP];
        free(l->text);
        l->t = scn_now(s);
        snprintf(l->port, sizeof(l->port), "%s", port);
        l->text = strdup(sp->buf);
        s->nlines++;
        sp->n = 0;
        if (c != '\n') /* an overlong line continues */
            sp->buf[sp->n++] = t;
    }
    if (s->serial_fn && n)
        s->serial_fn(s->serial_ctx, sp->name);
}

const char *scn_serial_port(scn *s, int i)
{
    return i >= 0 && i < s->nports ? s->ports[i].name : NULL;
}

const char *scn_serial_output(scn *s, const char *port, uint64_t *base, size_t *len)
{
    serial_port *sp = find_port(s, port);
    *base = sp ? sp->base : 0;
    *len = sp ? sp->on : 0;
    return sp && sp->out ? sp->out : "";
}

void scn_serial_consume(scn *s, const char *port, uint64_t upto)
{
    serial_port *sp = find_port(s, port);
    if (!sp || upto <= sp->base)
        return;
    size_t k = upto - sp->base > sp->on ? sp->on : (size_t)(upto - sp->base);
    memmove(sp->out, sp->out + k, sp->on - k);
    sp->on -= k;
    sp->base += k;
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
    s->w.r.stop = true;
    machine_request_stop(s->s->p->m, STOP_REQUEST);
}

scn_wait scn_run_until(scn *s, uint64_t deadline)
{
    s->done = false;
    for (;;) {
        if (s->done)
            return SCN_WAIT_DONE;
        if (scn_now(s) >= deadline)
            return SCN_WAIT_TIMEOUT;
        stop_reason why = world_run(&s->w, deadline);
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
    const uint8_t *rgb = s->s->p->led.rgb;
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
            rc = session_load_raw_at(s->s, im->path, im->addr, e, sizeof(e));
        } else {
            rc = session_load_module(s->s, im->path, sc->force, e, sizeof(e));
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
    radio_init(&s->air);
    for (size_t i = 0; i < sc->naps; i++)
        radio_set_ap(&s->air, &sc->aps[i], err, sizeof(err));
    radio_add_default(&s->air, RADIO_DEFAULT_SSID);
    so.air = &s->air;
    sbuf rep = {0};
    world_init(&s->w);
    world_device *dev = world_add(&s->w, "photon", &so, err, sizeof(err));
    if (!dev) {
        res->status = SCN_ERROR;
        sb_printf(&rep, "%s:%d: %s\n", sc->path, sc->state ? sc->state_line : 0, err);
        res->report = sb_take(&rep);
        free(s);
        return;
    }
    s->s = &dev->s;
    photon *p = s->s->p;
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
    if (ok && (netenv_apply(&s->w.net, netenv_device(&s->w.net, NULL), &sc->net, err,
                            sizeof(err)) ||
               netenv_start(&s->w.net, s->air.ap[0].ssid, o->verbose, err, sizeof(err)))) {
        sb_printf(&rep, "%s: device: %s\n", sc->path, err);
        ok = false;
    }
    if (!ok) {
        res->status = SCN_ERROR;
        res->report = sb_take(&rep);
        world_close(&s->w);
        free(s);
        return;
    }
    ledc_init(&s->lc, m);
    led_listen(&p->led, ledc_feed, &s->lc);
    ledc_listen(&s->lc, on_pattern, s);
    machine_add_reset_hook(m, on_reset, s);
    s->w.r.realtime = o->realtime;
    s->w.r.speed = o->speed > 0 ? o->speed : 1;
    if (o->realtime)
        s->w.r.slice_ps = 10 * PS_PER_MS;
    runner_add_poller(&s->w.r, step_poll, s);
    photon_device_id(p, res->device_id);
    if (o->verbose) {
        printf("%s: %s\n  device %s%s\n", sc->path, sc->name, res->device_id,
               sc->state ? "" : " (fresh)");
        fflush(stdout);
    }
    for (int i = 0; scenario_attach_hooks[i]; i++)
        scenario_attach_hooks[i](s);
    world_power_on(&s->w); /* the reset hook records "power-on" */

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
    res->insns = p->m->cpu.insns;
    /* the LED trace's hash: the determinism check */
    EVP_MD_CTX *h = EVP_MD_CTX_new();
    EVP_DigestInit_ex(h, EVP_sha256(), NULL);
    for (size_t i = 0; i < p->led.n; i++) {
        uint8_t rec[11];
        uint64_t t = p->led.hist[i].t;
        for (int k = 0; k < 8; k++)
            rec[k] = (uint8_t)(t >> (8 * k));
        memcpy(rec + 8, p->led.hist[i].rgb, 3);
        EVP_DigestUpdate(h, rec, sizeof(rec));
    }
    EVP_DigestFinal_ex(h, res->led_trace_sha, NULL);
    EVP_MD_CTX_free(h);
    if (world_save(&s->w, err, sizeof(err))) {
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
    world_close(&s->w);
    for (size_t i = 0; i < s->tl_n; i++)
        free(s->tl[i]);
    free(s->tl);
    for (int i = 0; i < SERIAL_KEEP; i++)
        free(s->lines[i].text);
    for (int i = 0; i < s->nports; i++)
        free(s->ports[i].out);
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

