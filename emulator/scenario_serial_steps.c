/* Scenario steps on serial output: wait-serial. Output reaches the
 * scenario through scn_serial_feed() from any port (USART1 is wired by
 * default; the USB CDC serial feeds "usb"). Each match consumes the output
 * up to the end of the matched line, so two waits for the same text need
 * two lines. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "scenario_serial.h"

#define MAX_PORTS 8

typedef struct serial_args {
    const char *text;  /* a substring, or */
    const char *match; /* an extended regular expression (per line) */
    const char *port;  /* NULL: any port */
    uint64_t timeout;
    bool has_timeout;
} serial_args;

static bool parse_wait_serial(scn_args *a, scn_step *st)
{
    serial_args *w = scn_alloc(a, sizeof(*w));
    st->data = w;
    bool ok = scn_arg_str(a, "text", false, &w->text);
    ok &= scn_arg_str(a, "match", false, &w->match);
    ok &= scn_arg_str(a, "port", false, &w->port);
    w->has_timeout = scn_arg_has(a, "timeout");
    ok &= scn_arg_duration(a, "timeout", false, &w->timeout);
    if (!ok)
        return false;
    if (!w->text == !w->match)
        return scn_arg_error(a, 0, "give text (a substring) or match (a regular expression)");
    if (w->text && !w->text[0])
        return scn_arg_error(a, scn_arg_line(a, "text"), "text: empty");
    if (w->match) {
        regex_t re;
        int rc = regcomp(&re, w->match, REG_EXTENDED | REG_NOSUB);
        if (rc) {
            char e[256];
            regerror(rc, &re, e, sizeof(e));
            return scn_arg_error(a, scn_arg_line(a, "match"),
                                 "match: bad regular expression '%s': %s", w->match, e);
        }
        regfree(&re);
    }
    return true;
}

typedef struct serial_wait {
    scn *s;
    const serial_args *a;
    regex_t re;
    bool hit;
    char line[256];
    char port[16];
    uint64_t scanned[MAX_PORTS]; /* per port: where the first unscanned line starts */
} serial_wait;

static bool line_matches(serial_wait *w, const char *line)
{
    if (w->a->text)
        return strstr(line, w->a->text) != NULL;
    return regexec(&w->re, line, 0, NULL, 0) == 0;
}

/* Look through what arrived since the last scan; consume through a match. */
static bool scan(serial_wait *w)
{
    static char line[4096];
    for (int i = 0; i < MAX_PORTS; i++) {
        const char *port = scn_serial_port(w->s, i);
        if (!port)
            break;
        if (w->a->port && strcmp(port, w->a->port))
            continue;
        uint64_t base;
        size_t len;
        const char *out = scn_serial_output(w->s, port, &base, &len);
        size_t pos = w->scanned[i] > base ? (size_t)(w->scanned[i] - base) : 0;
        while (pos < len) {
            const char *nl = memchr(out + pos, '\n', len - pos);
            size_t ll = nl ? (size_t)(nl - (out + pos)) : len - pos;
            size_t k = ll < sizeof(line) - 1 ? ll : sizeof(line) - 1;
            memcpy(line, out + pos, k);
            line[k] = 0;
            if (line_matches(w, line)) {
                snprintf(w->line, sizeof(w->line), "%.*s", (int)sizeof(w->line) - 1, line);
                snprintf(w->port, sizeof(w->port), "%s", port);
                scn_serial_consume(w->s, port, base + pos + ll + (nl ? 1 : 0));
                return true;
            }
            if (!nl)
                break; /* the unfinished line: look again when it grows */
            pos += ll + 1;
        }
        w->scanned[i] = base + pos;
    }
    return false;
}

static void on_serial(void *ctx, const char *port)
{
    serial_wait *w = ctx;
    (void)port;
    if (!w->hit && scan(w)) {
        w->hit = true;
        scn_done(w->s);
    }
}

static scn_status run_wait_serial(scn *s, scn_step *st)
{
    const serial_args *a = st->data;
    if (a->port && !scn_serial_port_open(s, a->port))
        return SCN_ERROR; /* a named port is opened (the USB serial plugged in) */
    serial_wait *w = calloc(1, sizeof(*w));
    if (!w)
        return SCN_ERROR;
    w->s = s;
    w->a = a;
    if (a->match && regcomp(&w->re, a->match, REG_EXTENDED | REG_NOSUB)) {
        free(w);
        return SCN_ERROR;
    }
    uint64_t timeout = a->has_timeout ? a->timeout : scn_step_timeout(s);
    uint64_t start = scn_now(s);
    scn_status rc = SCN_PASS;
    if (scan(w)) {
        w->hit = true;
    } else {
        scn_on_serial(s, on_serial, w);
        scn_wait r = scn_run_until(s, start + timeout);
        scn_on_serial(s, NULL, NULL);
        if (r == SCN_WAIT_ERROR)
            rc = SCN_ERROR;
    }
    if (w->hit) {
        scn_event(s, "%s: %s", w->port, w->line);
    } else if (rc == SCN_PASS) {
        char tb[32];
        scn_expected(s, "a line %s \"%s\"%s%s within %s", a->text ? "containing" : "matching",
                     a->text ? a->text : a->match, a->port ? " on " : "",
                     a->port ? a->port : "", scn_fmt_time(timeout, tb, sizeof(tb)));
        scn_seen(s, "none%s (the serial output since the last match was searched)",
                 scn_serial_port(s, 0) ? "" : ": no serial output at all");
        rc = SCN_FAIL;
    }
    if (a->match)
        regfree(&w->re);
    free(w);
    return rc;
}

const scn_step_type scn_step_wait_serial = {
    .name = "wait-serial",
    .keys = "text match port timeout",
    .main_key = "text",
    .summary = "wait for a line of serial output containing `text` (or matching the "
               "regular expression `match`), on `port` (usb: the USB serial, opened and "
               "plugged in; usart1; default any port already in use); the "
               "unfinished last line counts (prompts); output up to the matched line is "
               "consumed; fails at `timeout` (default: the step-timeout)",
    .parse = parse_wait_serial,
    .run = run_wait_serial,
};
