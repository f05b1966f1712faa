/* The window: SDL2 events and frames from a runner poller, the buttons
 * driven through the board (photon_setup_button / photon_reset_button /
 * photon_power_cycle), and screenshots from clock events. */
#include "window.h"

#include <SDL2/SDL.h>
#include <SDL2/SDL_ttf.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "boardview.h"
#include "ledmeaning.h"

const char view_help[] =
    "window (on a desktop, `photon-sim run` shows the board):\n"
    "  --window             open the window even when the run ends by itself\n"
    "                       (--until-led, --timeout, --screenshot ... --at); an\n"
    "                       error if there is no display\n"
    "  --headless           no window. Without either, a window opens when there\n"
    "                       is a display (DISPLAY or WAYLAND_DISPLAY) and the run\n"
    "                       does not end by itself. The window paces virtual time\n"
    "                       to the wall clock (--speed X). Click and hold SETUP or\n"
    "                       RESET (a right click latches them); keys: S and R hold\n"
    "                       them, P power cycle, Space pause, + and - speed, Esc\n"
    "                       quit\n"
    "  --scale N            window size factor, 0.5 to 8 (default 1; 2 for a\n"
    "                       projector); also the size of screenshots\n"
    "  --screenshot FILE    write a PNG of the window (drawn offscreen: no display\n"
    "                       needed) at the virtual time given by the next --at, or\n"
    "                       when the run ends; repeatable\n"
    "  --at SECONDS         when to take that screenshot; a run without another\n"
    "                       end stops after the last one\n"
    "  --print-layout       print where the board's parts are in the window\n"
    "                       (\"name x y w h\" at --scale) and exit\n";

void view_opts_init(view_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->scale = 1;
}

bool view_opt_scale(view_opts *o, const char *arg, char *err, size_t n)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !(v >= BV_SCALE_MIN && v <= BV_SCALE_MAX)) {
        snprintf(err, n, "--scale wants a number from %g to %g, got '%s'", BV_SCALE_MIN,
                 BV_SCALE_MAX, arg);
        return false;
    }
    o->scale = v;
    return true;
}

bool view_opt_screenshot(view_opts *o, const char *path, char *err, size_t n)
{
    if (o->nshots == VIEW_MAX_SHOTS) {
        snprintf(err, n, "at most %d --screenshot", VIEW_MAX_SHOTS);
        return false;
    }
    if (!*path) {
        snprintf(err, n, "--screenshot wants a file name");
        return false;
    }
    o->shots[o->nshots].path = path;
    o->shots[o->nshots].at = -1;
    o->nshots++;
    return true;
}

bool view_opt_at(view_opts *o, const char *arg, char *err, size_t n)
{
    if (!o->nshots || o->shots[o->nshots - 1].at >= 0) {
        snprintf(err, n, "--at %s: every --at follows its own --screenshot FILE", arg);
        return false;
    }
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || (*end && strcmp(end, "s")) || !(v >= 0 && v <= 1e7)) {
        snprintf(err, n, "--at wants seconds of virtual time, got '%s'", arg);
        return false;
    }
    o->shots[o->nshots - 1].at = v;
    return true;
}

bool view_opts_check(const view_opts *o, char *err, size_t n)
{
    if (o->window && o->headless) {
        snprintf(err, n, "--window and --headless contradict each other");
        return false;
    }
    return true;
}

bool view_has_timed_shots(const view_opts *o)
{
    for (int i = 0; i < o->nshots; i++)
        if (o->shots[i].at >= 0)
            return true;
    return false;
}

void view_print_layout(const view_opts *o, FILE *f)
{
    bv_layout l;
    bv_layout_init(&l, o->scale);
    bv_print_layout(&l, f);
}

/* ---- the view ------------------------------------------------------------ */

/* An LED's drive averaged over the virtual time a frame covers, so that what
 * the window shows is what the eye (or a camera) would see in that time,
 * at any speed. */
typedef struct led_avg {
    double cur[3], acc[3];
    uint64_t t_last, t0;
} led_avg;

typedef struct shot_ev {
    clock_event ev;
    view *v;
    int i;
} shot_ev;

enum { SRC_KEY = 1, SRC_MOUSE = 2, SRC_LATCH = 4 };

struct view {
    view_opts o;
    session *s;
    runner *r;
    bool has_end;
    /* window */
    bool video;
    SDL_Window *win;
    SDL_Renderer *ren;
    boardview *bv;
    double frame_dt, last_frame;
    double render_avg;   /* wall seconds a frame takes to draw */
    bv_state last;       /* the frame on screen */
    bool drawn, expose;
    led_avg led, d7;
    unsigned held[3]; /* BV_SETUP, BV_RESET: SRC_* bits */
    int mouse_on;     /* which button the left mouse button holds */
    bool paused;      /* we halted the runner */
    char title[200];
    /* screenshots */
    bv_offscreen *off;
    shot_ev ev[VIEW_MAX_SHOTS];
    int timed_left;
    bool failed;
};

static void avg_reset(led_avg *a, const uint8_t *rgb, int nch, uint64_t now)
{
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < nch; i++)
        a->cur[i] = rgb[i];
    a->t_last = a->t0 = now;
}

static void avg_feed(led_avg *a, uint64_t t, const uint8_t *rgb, int nch)
{
    if (t > a->t_last) {
        for (int i = 0; i < 3; i++)
            a->acc[i] += a->cur[i] * (double)(t - a->t_last);
        a->t_last = t;
    }
    for (int i = 0; i < nch; i++)
        a->cur[i] = rgb[i];
}

/* The average since the last frame, and start a new one. */
static void avg_take(led_avg *a, uint64_t now, double out[3])
{
    avg_feed(a, now, NULL, 0);
    uint64_t dt = a->t_last - a->t0;
    for (int i = 0; i < 3; i++) {
        out[i] = dt ? a->acc[i] / (double)dt : a->cur[i];
        a->acc[i] = 0;
    }
    a->t0 = a->t_last;
}

static void on_led(void *ctx, uint64_t t, const uint8_t rgb[3])
{
    view *v = ctx;
    avg_feed(&v->led, t, rgb, 3);
}

/* led.h has no way to stop listening: take ours out of the list. */
static void unlisten(rgb_led *l, led_listener fn, void *ctx)
{
    for (int i = 0; i < l->nl; i++)
        if (l->l[i].fn == fn && l->l[i].ctx == ctx) {
            memmove(&l->l[i], &l->l[i + 1], sizeof(l->l[0]) * (size_t)(l->nl - i - 1));
            l->nl--;
            return;
        }
}

static void on_d7(void *ctx, uint64_t t, const uint8_t rgb[3])
{
    view *v = ctx;
    avg_feed(&v->d7, t, rgb, 1);
}

/* A line about what the user did, in the run's output ("[  1.394 s] SETUP
 * pressed"), unless quiet. */
__attribute__((format(printf, 2, 3))) static void say(view *v, const char *fmt, ...)
{
    if (v->o.quiet)
        return;
    printf("[%10.3f s] ", (double)machine_now(v->s->p->m) / PS_PER_S);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

/* What the view shows now; `averaged`: the LEDs over the last frame. */
static void snapshot(view *v, bv_state *st, bool averaged)
{
    photon *p = v->s->p;
    memset(st, 0, sizeof(*st));
    uint64_t now = machine_now(p->m);
    if (averaged) {
        double d[3];
        avg_take(&v->led, now, st->rgb);
        avg_take(&v->d7, now, d);
        st->d7 = d[0];
    } else {
        for (int i = 0; i < 3; i++)
            st->rgb[i] = p->led.rgb[i];
        st->d7 = p->d7.rgb[0];
    }
    st->setup = p->setup_held;
    st->reset = p->reset_held;
    st->paused = v->r->halted;
    st->realtime = v->r->realtime;
    st->speed = v->r->speed;
    st->now = now;
    st->pattern = v->s->pattern.cur;
    st->since = v->s->pattern.cur_since;
}

/* ---- screenshots --------------------------------------------------------- */

static void take_shot(view *v, int i)
{
    bv_state st;
    snapshot(v, &st, false);
    char err[512];
    if (bv_offscreen_png(v->off, &st, v->o.shots[i].path, err, sizeof(err))) {
        fprintf(stderr, "photon-sim run: screenshot: %s\n", err);
        v->failed = true;
        v->r->stop = true;
        machine_request_stop(v->s->p->m, STOP_REQUEST);
        return;
    }
    say(v, "screenshot %s", v->o.shots[i].path);
}

static void shot_fire(void *arg)
{
    shot_ev *e = arg;
    view *v = e->v;
    take_shot(v, e->i);
    if (--v->timed_left == 0 && !v->win && !v->has_end) {
        v->r->stop = true;
        machine_request_stop(v->s->p->m, STOP_REQUEST);
    }
}

/* ---- input --------------------------------------------------------------- */

static const char *const button_name[3] = {"", "SETUP", "RESET"};

static void set_held(view *v, int b, unsigned src, bool on)
{
    bool was = v->held[b] != 0;
    if (on)
        v->held[b] |= src;
    else
        v->held[b] &= ~src;
    bool now = v->held[b] != 0;
    if (was == now)
        return;
    photon *p = v->s->p;
    if (b == BV_SETUP)
        photon_setup_button(p, now);
    else
        photon_reset_button(p, now);
    say(v, "%s %s", button_name[b], now ? "pressed" : "released");
}

static void pace_restart(view *v)
{
    v->r->wall0 = wall_seconds();
    v->r->virt0 = machine_now(v->s->p->m);
    /* slices short enough that a frame at slow speeds still sees change */
    double slice = v->frame_dt * v->r->speed * (double)PS_PER_S;
    if (slice > 10.0 * PS_PER_MS)
        slice = 10.0 * PS_PER_MS;
    if (slice < 1.0 * PS_PER_MS)
        slice = 1.0 * PS_PER_MS;
    v->r->slice_ps = (uint64_t)slice;
}

static void change_speed(view *v, double factor)
{
    double s = v->r->speed * factor;
    if (s < 1.0 / 64)
        s = 1.0 / 64;
    if (s > 1024)
        s = 1024;
    if (s == v->r->speed)
        return;
    v->r->speed = s;
    pace_restart(v);
    char buf[32];
    if (s >= 1)
        snprintf(buf, sizeof(buf), "%g", s);
    else
        snprintf(buf, sizeof(buf), "1/%g", 1 / s);
    say(v, "speed %sx real time", buf);
}

static void toggle_pause(view *v)
{
    runner *r = v->r;
    if (!r->halted) {
        r->halted = true;
        v->paused = true;
        say(v, "paused");
    } else if (v->paused) {
        r->halted = false;
        v->paused = false;
        pace_restart(v);
        say(v, "running");
    }
}

static void quit(view *v)
{
    v->r->stop = true;
    machine_request_stop(v->s->p->m, STOP_REQUEST);
}

/* Window coordinates of a mouse event in the view's layout. */
static int hit(view *v, int x, int y)
{
    return bv_hit(bv_get_layout(v->bv), x, y);
}

static bool handle_event(view *v, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_QUIT:
        quit(v);
        return true;
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
        bool down = e->type == SDL_KEYDOWN;
        if (down && e->key.repeat)
            return false;
        switch (e->key.keysym.sym) {
        case SDLK_s: set_held(v, BV_SETUP, SRC_KEY, down); return true;
        case SDLK_r: set_held(v, BV_RESET, SRC_KEY, down); return true;
        case SDLK_p:
            if (down) {
                say(v, "power cycle");
                photon_power_cycle(v->s->p);
            }
            return down;
        case SDLK_SPACE:
            if (down)
                toggle_pause(v);
            return down;
        case SDLK_PLUS:
        case SDLK_EQUALS:
        case SDLK_KP_PLUS:
            if (down)
                change_speed(v, 2);
            return false;
        case SDLK_MINUS:
        case SDLK_KP_MINUS:
            if (down)
                change_speed(v, 0.5);
            return false;
        case SDLK_ESCAPE:
        case SDLK_q:
            if (down)
                quit(v);
            return down;
        default: return false;
        }
    }
    case SDL_MOUSEBUTTONDOWN: {
        int b = hit(v, e->button.x, e->button.y);
        if (b == BV_NONE)
            return false;
        if (e->button.button == SDL_BUTTON_LEFT) {
            if (v->mouse_on && v->mouse_on != b)
                set_held(v, v->mouse_on, SRC_MOUSE, false);
            v->mouse_on = b;
            set_held(v, b, SRC_MOUSE, true);
        } else if (e->button.button == SDL_BUTTON_RIGHT) {
            set_held(v, b, SRC_LATCH, !(v->held[b] & SRC_LATCH));
        }
        return true;
    }
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT && v->mouse_on) {
            set_held(v, v->mouse_on, SRC_MOUSE, false);
            v->mouse_on = BV_NONE;
            return true;
        }
        return false;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
            v->expose = true;
        if (e->window.event == SDL_WINDOWEVENT_FOCUS_LOST) {
            /* a key released elsewhere never comes back as a key-up */
            set_held(v, BV_SETUP, SRC_KEY, false);
            set_held(v, BV_RESET, SRC_KEY, false);
        }
        return false;
    default: return false;
    }
}

/* ---- frames -------------------------------------------------------------- */

static void render(view *v, bool force)
{
    double t0 = wall_seconds();
    bv_state st;
    snapshot(v, &st, true);
    /* what the eye cannot tell apart is not drawn again */
    for (int i = 0; i < 3; i++)
        st.rgb[i] = round(st.rgb[i] * 4) / 4;
    st.d7 = round(st.d7 * 4) / 4;
    st.now -= st.now % PS_PER_MS;
    if (!force && v->drawn && !memcmp(&st, &v->last, sizeof(st)))
        return;
    v->last = st;
    v->drawn = true;
    SDL_SetRenderDrawColor(v->ren, 0, 0, 0, 255);
    SDL_RenderClear(v->ren);
    bv_draw(v->bv, &st);
    SDL_RenderPresent(v->ren);
    char status[160], title[200];
    led_pattern_status(&st.pattern, status, sizeof(status));
    snprintf(title, sizeof(title), "photon-sim: %s", status);
    if (strcmp(title, v->title)) {
        snprintf(v->title, sizeof(v->title), "%s", title);
        SDL_SetWindowTitle(v->win, title);
    }
    double took = wall_seconds() - t0;
    v->render_avg = v->render_avg > 0 ? 0.9 * v->render_avg + 0.1 * took : took;
}

/* Frames come at the display's rate out of the time the runner would wait
 * for the wall clock. When there is no such time (the emulation is behind
 * the wall clock, or runs as fast as it can), drawing takes at most
 * RENDER_SHARE of the wall time, so the window hardly slows it down. */
#define RENDER_SHARE 0.05

static bool view_poll(void *ctx, runner *r, int wait_ms)
{
    view *v = ctx;
    bool busy = false;
    double deadline = wall_seconds() + wait_ms / 1000.0;
    for (;;) {
        SDL_Event e;
        while (SDL_PollEvent(&e))
            busy |= handle_event(v, &e);
        double now = wall_seconds();
        double dt = v->frame_dt;
        if (wait_ms == 0 && !r->halted && v->render_avg / RENDER_SHARE > dt)
            dt = v->render_avg / RENDER_SHARE;
        if (now - v->last_frame >= dt) {
            /* keep to the display's rate without drifting */
            v->last_frame = now - v->last_frame < 2 * dt ? v->last_frame + dt : now;
            render(v, v->expose);
            v->expose = false;
            now = wall_seconds();
        }
        if (busy || r->stop || now >= deadline)
            break;
        double until = v->last_frame + v->frame_dt;
        if (until > deadline)
            until = deadline;
        int ms = (int)ceil((until - now) * 1000);
        if (ms > 0 && SDL_WaitEventTimeout(&e, ms))
            busy |= handle_event(v, &e);
    }
    return busy;
}

/* ---- set-up -------------------------------------------------------------- */

/* The video drivers to try: the user's choice (SDL_VIDEODRIVER), else the
 * desktop's. SDL's own fallbacks (offscreen, KMSDRM on a text console) are
 * no window to look at: without a desktop the run is headless. */
static int video_drivers(const char *out[3])
{
    const char *drv = getenv("SDL_VIDEODRIVER"), *d = getenv("DISPLAY"),
               *w = getenv("WAYLAND_DISPLAY");
    int n = 0;
    if (drv && *drv) {
        out[n++] = NULL; /* SDL reads it itself */
        return n;
    }
    if (d && *d)
        out[n++] = "x11";
    if (w && *w)
        out[n++] = "wayland";
    return n;
}

static int open_window(view *v, char *err, size_t n)
{
    const char *drivers[3];
    int nd = video_drivers(drivers);
    if (!nd) {
        snprintf(err, n, "cannot open the window: no display (DISPLAY and WAYLAND_DISPLAY are not set)");
        return -1;
    }
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    SDL_SetHint(SDL_HINT_MOUSE_FOCUS_CLICKTHROUGH, "1");
    SDL_SetHint(SDL_HINT_VIDEO_X11_NET_WM_BYPASS_COMPOSITOR, "0");
    int i;
    for (i = 0; i < nd; i++) {
        if (drivers[i])
            SDL_SetHint(SDL_HINT_VIDEODRIVER, drivers[i]);
        if (SDL_InitSubSystem(SDL_INIT_VIDEO) == 0)
            break;
        snprintf(err, n, "cannot open a window (%s): %s",
                 drivers[i] ? drivers[i] : getenv("SDL_VIDEODRIVER"), SDL_GetError());
    }
    if (i == nd)
        return -1;
    v->video = true;
    bv_layout l;
    bv_layout_init(&l, v->o.scale);
    v->win = SDL_CreateWindow("photon-sim", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, l.w,
                              l.h, SDL_WINDOW_RESIZABLE);
    if (!v->win) {
        snprintf(err, n, "cannot open a window: %s", SDL_GetError());
        return -1;
    }
    v->ren = SDL_CreateRenderer(v->win, -1, 0);
    if (!v->ren)
        v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
    if (!v->ren) {
        snprintf(err, n, "cannot draw in the window: %s", SDL_GetError());
        return -1;
    }
    /* a resized window scales the drawing; mouse positions follow */
    SDL_RenderSetLogicalSize(v->ren, l.w, l.h);
    if (!(v->bv = bv_new(v->ren, v->o.scale, err, n)))
        return -1;
    SDL_DisplayMode mode;
    int hz = 60;
    if (SDL_GetWindowDisplayMode(v->win, &mode) == 0 && mode.refresh_rate > 0)
        hz = mode.refresh_rate;
    if (hz < 20)
        hz = 20;
    if (hz > 240)
        hz = 240;
    v->frame_dt = 1.0 / hz;
    v->last_frame = wall_seconds() - v->frame_dt;
    return 0;
}

static void close_window(view *v)
{
    bv_free(v->bv);
    v->bv = NULL;
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    v->ren = NULL;
    if (v->win)
        SDL_DestroyWindow(v->win);
    v->win = NULL;
    if (v->video)
        SDL_Quit(); /* video was all we used; this also ends its D-Bus link */
    v->video = false;
}

int view_start(view **out, const view_opts *o, session *s, runner *r, bool has_end, char *err,
               size_t n)
{
    *out = NULL;
    view *v = calloc(1, sizeof(*v));
    if (!v) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    v->o = *o;
    v->s = s;
    v->r = r;
    v->has_end = has_end;
    photon *p = s->p;
    machine *m = p->m;
    bool timed = view_has_timed_shots(o);
    bool want = o->window || (!o->headless && !has_end && !timed);
    if (want) {
        char why[512];
        if (open_window(v, why, sizeof(why))) {
            close_window(v);
            if (o->window) {
                snprintf(err, n, "%s", why);
                view_free(v);
                return -1;
            }
            if (!o->quiet)
                fprintf(stderr, "photon-sim: %s; running headless\n", why);
        }
    }
    if (v->win) {
        avg_reset(&v->led, p->led.rgb, 3, machine_now(m));
        avg_reset(&v->d7, p->d7.rgb, 1, machine_now(m));
        led_listen(&p->led, on_led, v);
        led_listen(&p->d7, on_d7, v);
        r->realtime = true;
        pace_restart(v);
        runner_add_poller(r, view_poll, v);
        render(v, true);
    }
    if (o->nshots) {
        if (!(v->off = bv_offscreen_new(o->scale, err, n))) {
            view_free(v);
            return -1;
        }
        for (int i = 0; i < o->nshots; i++) {
            if (o->shots[i].at < 0)
                continue;
            shot_ev *e = &v->ev[i];
            e->v = v;
            e->i = i;
            clock_event_init(&e->ev, "screenshot", shot_fire, e);
            uint64_t at = (uint64_t)llround(o->shots[i].at * (double)PS_PER_S);
            if (at < machine_now(m))
                at = machine_now(m);
            clock_arm(&m->clock, &e->ev, at);
            v->timed_left++;
        }
    }
    *out = v;
    return 0;
}

int view_finish(view *v)
{
    if (!v)
        return 0;
    if (!v->failed)
        for (int i = 0; i < v->o.nshots; i++)
            if (v->o.shots[i].at < 0) {
                take_shot(v, i);
                if (v->failed)
                    break;
            }
    return v->failed ? -1 : 0;
}

void view_free(view *v)
{
    if (!v)
        return;
    machine *m = v->s->p->m;
    unlisten(&v->s->p->led, on_led, v);
    unlisten(&v->s->p->d7, on_d7, v);
    for (int i = 0; i < v->o.nshots; i++)
        if (v->ev[i].v && v->ev[i].ev.armed)
            clock_disarm(&m->clock, &v->ev[i].ev);
    bv_offscreen_free(v->off);
    close_window(v);
    if (TTF_WasInit())
        TTF_Quit();
    free(v);
}
