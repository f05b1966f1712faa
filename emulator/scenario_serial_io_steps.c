/* Scenario steps that talk to a serial port as a terminal would
 * (scenario_serial.h): serial-write (bytes to the firmware), serial-line
 * (the line coding and the open port's DTR, as a program's termios and
 * open/close set them), and expect-serial (a whole response: a JSON
 * document in the output, such as the listening-mode `s` command's module
 * list, matched against a pattern). */
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "scenario_serial.h"

/* ---- serial-write -------------------------------------------------------- */

typedef struct write_args {
    const char *port;
    const char *text;
    uint8_t *bytes;
    size_t nbytes;
} write_args;

static bool parse_write(scn_args *a, scn_step *st)
{
    write_args *w = scn_alloc(a, sizeof(*w));
    st->data = w;
    w->port = "usb";
    bool ok = scn_arg_str(a, "port", false, &w->port);
    ok &= scn_arg_str(a, "text", false, &w->text);
    ok &= scn_arg_bytes(a, "bytes", false, &w->bytes, &w->nbytes);
    if (ok && !w->text == !w->bytes)
        return scn_arg_error(a, 0, "give text (\"s\", \"w\\r\\n\") or bytes (hex)");
    return ok;
}

static scn_status run_write(scn *s, scn_step *st)
{
    const write_args *w = st->data;
    chardev *cd = scn_serial_port_open(s, w->port);
    if (!cd)
        return SCN_ERROR;
    const uint8_t *b = w->text ? (const uint8_t *)w->text : w->bytes;
    size_t n = w->text ? strlen(w->text) : w->nbytes;
    if (chardev_send(cd, b, n))
        return SCN_ERROR;
    scn_event(s, "%s: wrote %zu byte%s", w->port, n, n == 1 ? "" : "s");
    return SCN_PASS;
}

const scn_step_type scn_step_serial_write = {
    .name = "serial-write",
    .keys = "text bytes port",
    .main_key = "text",
    .summary = "send `text` (YAML escapes: \"\\r\\n\") or `bytes` (hex) to the firmware on `port` "
               "(usb: the USB serial, default; usart1), opened as a terminal would; the "
               "bytes go as fast as the firmware takes them",
    .parse = parse_write,
    .run = run_write,
};

/* ---- serial-line --------------------------------------------------------- */

typedef struct line_args {
    const char *port;
    uint64_t baud;
    bool has_baud;
    bool open, has_open;
} line_args;

static bool parse_line(scn_args *a, scn_step *st)
{
    line_args *l = scn_alloc(a, sizeof(*l));
    st->data = l;
    l->port = "usb";
    bool ok = scn_arg_str(a, "port", false, &l->port);
    l->has_baud = scn_arg_has(a, "baud");
    ok &= scn_arg_u64(a, "baud", false, 50, 12000000, &l->baud);
    l->has_open = scn_arg_has(a, "open");
    ok &= scn_arg_bool(a, "open", false, &l->open);
    if (ok && !l->has_baud && !l->has_open)
        return scn_arg_error(a, 0, "give baud (the line coding) and/or open (true/false)");
    return ok;
}

static scn_status run_line(scn *s, scn_step *st)
{
    const line_args *l = st->data;
    chardev *cd = scn_serial_port_open(s, l->port);
    if (!cd)
        return SCN_ERROR;
    if (l->has_baud) {
        chardev_params p = {(uint32_t)l->baud, 8, 'N', 2};
        chardev_request_params(cd, &p);
        scn_event(s, "%s: line coding %u 8N1", l->port, (unsigned)l->baud);
    }
    if (l->has_open && l->open != (cd->host_opens > 0)) {
        chardev_set_control(cd, l->open ? CHARDEV_DTR | CHARDEV_RTS : 0);
        chardev_host_event(cd, l->open);
        scn_event(s, "%s: port %s", l->port, l->open ? "opened (DTR up)" : "closed (DTR down)");
    }
    return SCN_PASS;
}

const scn_step_type scn_step_serial_line = {
    .name = "serial-line",
    .keys = "port baud open",
    .main_key = "baud",
    .summary = "set `port`'s line coding to `baud` 8N1 as a terminal's termios would (on the "
               "USB serial Device OS takes 14400 for DFU mode, 28800 for listening mode), "
               "and/or `open: false` to close the port (DTR down), `open: true` to reopen it",
    .parse = parse_line,
    .run = run_line,
};

/* ---- expect-serial: a JSON response --------------------------------------- */

typedef struct expect_args {
    const char *port;
    const scn_val *json; /* the pattern */
    uint64_t timeout;
    bool has_timeout;
} expect_args;

static bool parse_expect(scn_args *a, scn_step *st)
{
    expect_args *e = scn_alloc(a, sizeof(*e));
    st->data = e;
    e->port = "usb";
    bool ok = scn_arg_str(a, "port", false, &e->port);
    e->has_timeout = scn_arg_has(a, "timeout");
    ok &= scn_arg_duration(a, "timeout", false, &e->timeout);
    e->json = scn_arg_val(a, "json");
    if (ok && !e->json)
        return scn_arg_error(a, 0, "give json: the pattern the response must match");
    return ok;
}

/* Match a JSON value against a YAML pattern. A mapping needs an object
 * with every key matching; a sequence needs an array with its items
 * matching distinct elements in order; a scalar matches a number
 * (optionally with a comparison: ">= 2202", "!= 0"), a string (equal), a
 * boolean or null. On a mismatch `why` says where. */
static bool match(const scn_val *p, json_t *v, const char *path, char *why, size_t n)
{
    if (p->kind == SV_MAP) {
        if (!json_is_object(v)) {
            snprintf(why, n, "%s: not an object", path[0] ? path : "the response");
            return false;
        }
        for (size_t i = 0; i < p->n; i++) {
            char sub[256];
            snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", p->keys[i]);
            json_t *f = json_object_get(v, p->keys[i]);
            if (!f) {
                snprintf(why, n, "%s: missing", sub);
                return false;
            }
            if (!match(&p->items[i], f, sub, why, n))
                return false;
        }
        return true;
    }
    if (p->kind == SV_SEQ) {
        if (!json_is_array(v)) {
            snprintf(why, n, "%s: not an array", path);
            return false;
        }
        size_t k = 0;
        for (size_t i = 0; i < p->n; i++) {
            bool found = false;
            char last[512] = "";
            for (; k < json_array_size(v) && !found; k++) {
                char sub[256];
                snprintf(sub, sizeof(sub), "%s[%zu]", path, k);
                found = match(&p->items[i], json_array_get(v, k), sub, last, sizeof(last));
            }
            if (!found) {
                snprintf(why, n, "%s: no element (in order) matches item %zu of the pattern "
                         "(line %d)%s%s", path, i + 1, p->items[i].line,
                         last[0] ? "; the last tried: " : "", last);
                return false;
            }
        }
        return true;
    }
    const char *want = p->kind == SV_SCALAR && p->str ? p->str : "null";
    char got[128];
    if (json_is_number(v)) {
        double x = json_number_value(v), y;
        char op[3] = "==";
        const char *q = want;
        if (!p->quoted && (q[0] == '<' || q[0] == '>' || q[0] == '!' || q[0] == '=')) {
            size_t l = q[1] == '=' ? 2 : 1;
            memcpy(op, q, l);
            op[l] = 0;
            q += l;
        }
        char *end;
        y = strtod(q, &end);
        if (end != q && !*end) {
            bool ok = !strcmp(op, "==") || !strcmp(op, "=") ? x == y
                      : !strcmp(op, "!=")                   ? x != y
                      : !strcmp(op, ">=")                   ? x >= y
                      : !strcmp(op, "<=")                   ? x <= y
                      : !strcmp(op, ">")                    ? x > y
                      : !strcmp(op, "<")                    ? x < y
                                                            : false;
            if (!ok)
                snprintf(why, n, "%s: %g, expected %s", path, x, want);
            return ok;
        }
    }
    if (json_is_string(v))
        snprintf(got, sizeof(got), "%s", json_string_value(v));
    else if (json_is_true(v) || json_is_false(v))
        snprintf(got, sizeof(got), "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_null(v))
        snprintf(got, sizeof(got), "null");
    else if (json_is_number(v))
        snprintf(got, sizeof(got), "%g", json_number_value(v));
    else
        snprintf(got, sizeof(got), "(an %s)", json_is_object(v) ? "object" : "array");
    if (strcmp(got, want)) {
        snprintf(why, n, "%s: %s, expected %s", path, got, want);
        return false;
    }
    return true;
}

typedef struct json_wait {
    scn *s;
    const expect_args *a;
    json_t *doc;
    uint64_t end; /* absolute offset after the document */
    uint64_t scanned;
    bool done;
} json_wait;

/* The first complete JSON object in the port's unconsumed output. */
static bool find_json(json_wait *w)
{
    uint64_t base;
    size_t len;
    const char *out = scn_serial_output(w->s, w->a->port, &base, &len);
    for (size_t i = 0; i < len; i++) {
        if (out[i] != '{')
            continue;
        json_error_t err;
        json_t *j = json_loadb(out + i, len - i, JSON_DISABLE_EOF_CHECK, &err);
        if (j) {
            w->doc = j;
            w->end = base + i + err.position;
            return true;
        }
        if ((size_t)err.position >= len - i)
            return false; /* incomplete: wait for more */
    }
    return false;
}

static void on_output(void *ctx, const char *port)
{
    json_wait *w = ctx;
    if (!w->done && !strcmp(port, w->a->port) && find_json(w)) {
        w->done = true;
        scn_done(w->s);
    }
}

static scn_status run_expect(scn *s, scn_step *st)
{
    const expect_args *a = st->data;
    if (!scn_serial_port_open(s, a->port))
        return SCN_ERROR;
    json_wait w = {.s = s, .a = a};
    uint64_t timeout = a->has_timeout ? a->timeout : scn_step_timeout(s);
    if (!find_json(&w)) {
        scn_on_serial(s, on_output, &w);
        scn_wait r = scn_run_until(s, scn_now(s) + timeout);
        scn_on_serial(s, NULL, NULL);
        if (r == SCN_WAIT_ERROR)
            return SCN_ERROR;
    }
    char tb[32];
    if (!w.doc) {
        scn_expected(s, "a JSON response on %s within %s", a->port,
                     scn_fmt_time(timeout, tb, sizeof(tb)));
        scn_seen(s, "none complete (the output since the last match was searched)");
        return SCN_FAIL;
    }
    scn_serial_consume(s, a->port, w.end);
    char why[512] = "";
    bool ok = match(a->json, w.doc, "", why, sizeof(why));
    char *text = json_dumps(w.doc, JSON_COMPACT);
    if (ok) {
        scn_event(s, "%s: the JSON response matches (%zu bytes)", a->port,
                  text ? strlen(text) : 0);
    } else {
        scn_expected(s, "the JSON response on %s to match the pattern (line %d)", a->port,
                     a->json->line);
        scn_seen(s, "%s", why);
        scn_note(s, "the response: %.2000s", text ? text : "?");
    }
    free(text);
    json_decref(w.doc);
    return ok ? SCN_PASS : SCN_FAIL;
}

const scn_step_type scn_step_expect_serial = {
    .name = "expect-serial",
    .keys = "json port timeout",
    .main_key = NULL,
    .summary = "wait for a whole JSON response on `port` (usb by default; e.g. after "
               "serial-write s in listening mode) and match it against the pattern `json`: "
               "mappings need those keys, sequences those items in order, numbers may be "
               "compared (\">= 2202\"); fails at `timeout` (default: the step-timeout)",
    .parse = parse_expect,
    .run = run_expect,
};
