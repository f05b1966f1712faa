/* USB scenario steps (the link: emulator/usbip.h):
 *
 *   - usb-attached: 2b04:d006          the device enumerates on the cable
 *   - usb-detached                     ... and leaves it (a reset, :leave)
 *   - dfu: {args: "-a 0 -s 0x08020000 -D", image: system-part1@2.2.0}
 *                                      the real dfu-util through the shim
 *
 * The first USB step plugs the cable into the simulated host and starts a
 * USB/IP server on a free port of 127.0.0.1 for the rest of the scenario;
 * scenarios without USB steps never have a cable (and stay deterministic).
 * While a host tool runs, virtual time is paced to the wall clock between
 * USB transfers (see usbip.h). */
#define _GNU_SOURCE
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "scenario.h"
#include "scenario_serial.h"
#include "usbip.h"

#define DFU_UTIL "dfu-util"
#define MAX_ARGS 64
#define SHOW_LINES 20

static const int link_key; /* scn_get_ext key */

static void link_end(void *ctx)
{
    usb_link_free(ctx);
}

/* The scenario's USB link, plugged in on first use (scenario_serial.h). */
usb_link *scn_usb_link(scn *s, bool *created)
{
    usb_link *l = scn_get_ext(s, &link_key);
    if (created)
        *created = false;
    if (l)
        return l;
    char err[512];
    usb_link_opts o = {.port = 0, .announce = false};
    l = usb_link_start(scn_runner(s), &o, err, sizeof(err));
    if (!l) {
        scn_note(s, "USB: %s", err);
        return NULL;
    }
    scn_set_ext(s, &link_key, l);
    scn_at_end(s, link_end, l);
    scn_event(s, "USB cable plugged into a host (USB/IP on 127.0.0.1:%d)", usb_link_port(l));
    if (created)
        *created = true;
    return l;
}

static uint16_t vid(const usb_link *l)
{
    return (uint16_t)(l->host.dev_desc[8] | l->host.dev_desc[9] << 8);
}

static uint16_t pid(const usb_link *l)
{
    return (uint16_t)(l->host.dev_desc[10] | l->host.dev_desc[11] << 8);
}

/* ---- usb-attached / usb-detached -------------------------------------- */

typedef struct attach_args {
    bool want;
    bool match_id;
    uint16_t vid, pid;
    uint64_t timeout_ps; /* 0: the scenario's default */
} attach_args;

typedef struct attach_wait {
    scn *s;
    usb_link *l;
    const attach_args *a;
} attach_wait;

static bool attach_reached(const attach_wait *w)
{
    if (usb_link_attached(w->l) != w->a->want)
        return false;
    return !w->a->want || !w->a->match_id || (vid(w->l) == w->a->vid && pid(w->l) == w->a->pid);
}

static bool poll_attach(void *ctx, runner *r, int wait_ms)
{
    attach_wait *w = ctx;
    (void)r;
    (void)wait_ms;
    if (attach_reached(w))
        scn_done(w->s);
    return false;
}

static bool parse_id(scn_args *a, attach_args *x)
{
    const char *id = NULL;
    if (!scn_arg_str(a, "id", false, &id))
        return false;
    if (!id)
        return true;
    unsigned v, p;
    char end;
    if (sscanf(id, "%4x:%4x%c", &v, &p, &end) != 2)
        return scn_arg_error(a, scn_arg_line(a, "id"), "id: want VID:PID in hex, e.g. 2b04:d006");
    x->match_id = true;
    x->vid = (uint16_t)v;
    x->pid = (uint16_t)p;
    return true;
}

static bool parse_attached(scn_args *a, scn_step *st)
{
    attach_args *x = scn_alloc(a, sizeof(*x));
    st->data = x;
    x->want = true;
    bool ok = parse_id(a, x);
    ok &= scn_arg_duration(a, "timeout", false, &x->timeout_ps);
    return ok;
}

static bool parse_detached(scn_args *a, scn_step *st)
{
    attach_args *x = scn_alloc(a, sizeof(*x));
    st->data = x;
    x->want = false;
    return scn_arg_duration(a, "timeout", false, &x->timeout_ps);
}

static void describe(usb_link *l, char *buf, size_t n) /* n >= 320 */
{
    if (!usb_link_attached(l)) {
        snprintf(buf, n, "no USB device on the bus");
        return;
    }
    snprintf(buf, n, "%04x:%04x \"%s\" (serial %s), device %u", vid(l), pid(l), l->host.product,
             l->host.serial[0] ? l->host.serial : "none", l->host.devnum);
}

static scn_status run_attach(scn *s, scn_step *st)
{
    const attach_args *a = st->data;
    usb_link *l = scn_usb_link(s, NULL);
    if (!l)
        return SCN_ERROR;
    uint64_t timeout = a->timeout_ps ? a->timeout_ps : scn_step_timeout(s);
    attach_wait w = {s, l, a};
    char tb[32], d[400];
    if (!attach_reached(&w)) {
        l->wait_attached = a->want; /* end the slice at the event */
        scn_set_poller(s, poll_attach, &w);
        scn_wait r = scn_run_until(s, scn_now(s) + timeout);
        scn_set_poller(s, NULL, NULL);
        l->wait_attached = -1;
        if (r == SCN_WAIT_ERROR)
            return SCN_ERROR;
    }
    describe(l, d, sizeof(d));
    if (!attach_reached(&w)) {
        if (a->want && a->match_id)
            scn_expected(s, "USB device %04x:%04x attached within %s", a->vid, a->pid,
                         scn_fmt_time(timeout, tb, sizeof(tb)));
        else
            scn_expected(s, "the USB device %s within %s", a->want ? "attached" : "gone",
                         scn_fmt_time(timeout, tb, sizeof(tb)));
        scn_seen(s, "%s (host: %s)", d, usbhost_state_name(l->host.state));
        return SCN_FAIL;
    }
    scn_event(s, "USB: %s", d);
    return SCN_PASS;
}

const scn_step_type scn_step_usb_attached = {
    .name = "usb-attached",
    .keys = "id timeout",
    .main_key = "id",
    .summary = "wait until the device is enumerated on USB (the cable is plugged into a host "
               "on first use); `id` VID:PID such as 2b04:d006 (DFU) or 2b04:c006 (Device OS); "
               "`timeout` in virtual time",
    .parse = parse_attached,
    .run = run_attach,
};

const scn_step_type scn_step_usb_detached = {
    .name = "usb-detached",
    .keys = "timeout",
    .main_key = NULL,
    .summary = "wait until the device has left the USB bus (soft disconnect, reset, DFU "
               ":leave); `timeout` in virtual time",
    .parse = parse_detached,
    .run = run_attach,
};

/* ---- dfu ------------------------------------------------------------- */

typedef struct dfu_args {
    char *argv[MAX_ARGS + 3];
    int argc;
    const char *text;
    char *image;
    long exit_code;
    const char *output;  /* extended regex, or NULL */
    uint64_t timeout_ps; /* wall time */
} dfu_args;

static bool parse_dfu(scn_args *a, scn_step *st)
{
    dfu_args *d = scn_alloc(a, sizeof(*d));
    st->data = d;
    d->timeout_ps = 60 * PS_PER_S;
    const char *args = NULL, *image = NULL;
    bool ok = scn_arg_str(a, "args", true, &args);
    ok &= scn_arg_image(a, "image", false, &image);
    ok &= scn_arg_int(a, "exit", false, 0, 255, &d->exit_code);
    ok &= scn_arg_duration(a, "timeout", false, &d->timeout_ps);
    if (scn_arg_str(a, "output", false, &d->output) && d->output) {
        regex_t re;
        int rc = regcomp(&re, d->output, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
        if (rc) {
            char e[256];
            regerror(rc, &re, e, sizeof(e));
            return scn_arg_error(a, scn_arg_line(a, "output"),
                                 "output: bad regular expression '%s': %s", d->output, e);
        }
        regfree(&re);
    }
    if (!ok || !args)
        return false;
    if (d->timeout_ps == 0)
        return scn_arg_error(a, scn_arg_line(a, "timeout"), "timeout: must be more than 0");
    /* split on blanks; "double quotes" group words */
    d->argv[d->argc++] = DFU_UTIL;
    char *copy = scn_strdup(a, args), *p = copy;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (d->argc >= MAX_ARGS)
            return scn_arg_error(a, scn_arg_line(a, "args"), "args: more than %d words",
                                 MAX_ARGS);
        char *w = p;
        if (*p == '"') {
            w = ++p;
            while (*p && *p != '"')
                p++;
            if (!*p)
                return scn_arg_error(a, scn_arg_line(a, "args"), "args: unbalanced quote");
        } else {
            while (*p && *p != ' ' && *p != '\t')
                p++;
        }
        if (*p)
            *p++ = 0;
        d->argv[d->argc++] = w;
    }
    if (image)
        d->argv[d->argc++] = d->image = scn_strdup(a, image);
    d->argv[d->argc] = NULL;
    d->text = args;
    return true;
}

typedef struct dfu_wait {
    scn *s;
    usb_command *c;
    double deadline;
    bool timed_out;
} dfu_wait;

static bool poll_dfu(void *ctx, runner *r, int wait_ms)
{
    dfu_wait *w = ctx;
    (void)r;
    (void)wait_ms;
    if (w->c->exited) {
        scn_done(w->s);
    } else if (wall_seconds() > w->deadline) {
        w->timed_out = true;
        scn_done(w->s);
    }
    return false;
}

static void show_output(scn *s, const usb_command *c)
{
    if (!c->output_len) {
        scn_note(s, "dfu-util printed nothing");
        return;
    }
    /* the last SHOW_LINES lines; dfu-util's progress bars use \r */
    size_t start = c->output_len, lines = 0;
    while (start > 0 && lines <= SHOW_LINES) {
        start--;
        if (c->output[start] == '\n' && start + 1 < c->output_len)
            lines++;
    }
    if (lines > SHOW_LINES)
        start++;
    scn_note(s, "output%s:", start ? " (the last lines)" : "");
    const char *p = c->output + start, *end = c->output + c->output_len;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
        const char *cr = memrchr(p, '\r', len); /* the final state of a progress line */
        if (cr && cr + 1 < p + len) {
            len -= (size_t)(cr + 1 - p);
            p = cr + 1;
        }
        scn_note(s, "  | %.*s", (int)len, p);
        p += len + 1;
    }
}

static scn_status run_dfu(scn *s, scn_step *st)
{
    const dfu_args *a = st->data;
    bool created;
    usb_link *l = scn_usb_link(s, &created);
    if (!l)
        return SCN_ERROR;
    if (created) {
        /* the cable just went in: give the host time to enumerate */
        attach_args want = {.want = true};
        attach_wait w = {s, l, &want};
        l->wait_attached = 1;
        scn_set_poller(s, poll_attach, &w);
        scn_wait r = scn_run_until(s, scn_now(s) + scn_step_timeout(s));
        scn_set_poller(s, NULL, NULL);
        l->wait_attached = -1;
        if (r == SCN_WAIT_ERROR)
            return SCN_ERROR;
    }
    char err[512];
    usb_command *c = usb_command_start(l, a->argv, scn_dir(s), false, err, sizeof(err));
    if (!c) {
        scn_note(s, "cannot run %s: %s", DFU_UTIL, err);
        return SCN_ERROR;
    }
    scn_event(s, "dfu: %s %s%s%s", DFU_UTIL, a->text, a->image ? " " : "",
              a->image ? a->image : "");
    dfu_wait w = {s, c, wall_seconds() + (double)a->timeout_ps / PS_PER_S, false};
    scn_set_poller(s, poll_dfu, &w);
    scn_wait r = scn_run_until(s, UINT64_MAX);
    scn_set_poller(s, NULL, NULL);
    if (!c->exited)
        usb_command_wait(c, scn_now(s)); /* kills it and collects the output */
    scn_status rc = SCN_PASS;
    char tb[32];
    if (r == SCN_WAIT_ERROR) {
        rc = SCN_ERROR;
    } else if (w.timed_out) {
        scn_expected(s, "%s to finish within %s (wall clock)", DFU_UTIL,
                     scn_fmt_time(a->timeout_ps, tb, sizeof(tb)));
        scn_seen(s, "still running; killed");
        rc = SCN_FAIL;
    } else if (c->status != a->exit_code) {
        scn_expected(s, "%s exit status %ld", DFU_UTIL, a->exit_code);
        scn_seen(s, "exit status %d%s", c->status,
                 c->status == 127 ? " (dfu-util not installed?)" : "");
        rc = SCN_FAIL;
    } else if (a->output) {
        regex_t re;
        if (regcomp(&re, a->output, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0) {
            if (regexec(&re, c->output ? c->output : "", 0, NULL, 0) != 0) {
                scn_expected(s, "%s output matching /%s/", DFU_UTIL, a->output);
                scn_seen(s, "no line matches");
                rc = SCN_FAIL;
            }
            regfree(&re);
        }
    }
    if (rc == SCN_FAIL)
        show_output(s, c);
    usb_command_free(c);
    return rc;
}

const scn_step_type scn_step_dfu = {
    .name = "dfu",
    .keys = "args image exit output timeout",
    .main_key = "args",
    .summary = "run the real dfu-util with `args` through the libusb shim (the cable is "
               "plugged in on first use); `image` (a short name such as tinker@0.4.5 or a "
               "file) is appended as the last argument; expects `exit` (default 0) and "
               "`output` (a regular expression); `timeout` is wall time (default 60 s)",
    .parse = parse_dfu,
    .run = run_dfu,
};
