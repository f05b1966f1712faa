/* photon-sim cloud list|info|call|get|publish|subscribe|flash|signal|
 * rename: small commands for scripts on the local cloud's REST API, the
 * same API the Particle CLI uses. `flash` goes further than the Particle
 * CLI: it waits for the device to come back and says whether the new
 * module is the one that runs. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "numparse.h"
#include "cli_cloud.h"
#include "http_client.h"
#include "images.h"
#include "module.h"
#include "store.h"

typedef struct client {
    const char *api;
    char token[128];
    bool json;
    bool is_public;
    int ttl, count, timeout;
    const char *device;
} client;

static void encode(const char *in, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (; *in && k + 4 < n; in++) {
        unsigned char c = (unsigned char)*in;
        if (isalnum(c) || strchr("-_.~", c)) {
            out[k++] = (char)c;
        } else {
            out[k++] = '%';
            out[k++] = hex[c >> 4];
            out[k++] = hex[c & 15];
        }
    }
    out[k] = 0;
}

/* "name=value&..." from pairs, NULL-terminated. */
static char *form(const char *const *kv)
{
    size_t cap = 16;
    for (int i = 0; kv[i]; i += 2)
        cap += 3 * (strlen(kv[i]) + (kv[i + 1] ? strlen(kv[i + 1]) : 0)) + 2;
    char *out = calloc(1, cap);
    if (!out)
        return NULL;
    size_t k = 0;
    for (int i = 0; kv[i]; i += 2) {
        if (!kv[i + 1])
            continue;
        if (k)
            out[k++] = '&';
        encode(kv[i], out + k, cap - k);
        k += strlen(out + k);
        out[k++] = '=';
        encode(kv[i + 1], out + k, cap - k);
        k += strlen(out + k);
    }
    return out;
}

static const char *api_error(json_t *b, int status, char *buf, size_t n)
{
    const char *e = json_string_value(json_object_get(b, "error_description"));
    if (!e)
        e = json_string_value(json_object_get(b, "error"));
    const char *info = json_string_value(json_object_get(b, "info"));
    snprintf(buf, n, "HTTP %d: %s%s%s", status, e ? e : "error", info ? ": " : "", info ? info : "");
    return buf;
}

/* One request; the JSON answer in *out. Returns 0 (2xx), 1 (an error
 * answer, printed), 3 (no answer). */
static int call_api(client *cl, const char *method, const char *path, const char *ctype,
                    const void *body, size_t len, json_t **out)
{
    http_response r;
    char err[512];
    *out = NULL;
    if (http_request(cl->api, method, path, cl->token, ctype, body, len, &r, err, sizeof(err))) {
        fprintf(stderr, "photon-sim cloud: %s\n", err);
        return EXIT_INTERNAL;
    }
    json_t *j = json_loadb(r.body, r.len, JSON_DECODE_ANY, NULL);
    int status = r.status;
    http_response_free(&r);
    if (status / 100 != 2) {
        fprintf(stderr, "photon-sim cloud: %s\n", api_error(j, status, err, sizeof(err)));
        json_decref(j);
        return EXIT_NOT_SEEN;
    }
    *out = j ? j : json_null();
    return EXIT_OK;
}

static void print_json(json_t *j)
{
    char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    printf("%s\n", t ? t : "null");
    free(t);
}

static int do_list(client *cl)
{
    json_t *j;
    int rc = call_api(cl, "GET", "/v1/devices", NULL, NULL, 0, &j);
    if (rc)
        return rc;
    if (cl->json) {
        print_json(j);
    } else {
        size_t i;
        json_t *d;
        if (!json_array_size(j))
            printf("No devices found.\n");
        json_array_foreach(j, i, d)
        {
            printf("%s [%s] (%s) is %s\n", json_string_value(json_object_get(d, "name")),
                   json_string_value(json_object_get(d, "id")),
                   platform_name((uint16_t)json_integer_value(json_object_get(d, "platform_id"))),
                   json_is_true(json_object_get(d, "connected")) ? "online" : "offline");
        }
    }
    json_decref(j);
    return EXIT_OK;
}

static int do_simple(client *cl, const char *method, const char *path, const char *body,
                     const char *field)
{
    json_t *j;
    int rc = call_api(cl, method, path, body ? "application/x-www-form-urlencoded" : NULL, body,
                      body ? strlen(body) : 0, &j);
    if (rc)
        return rc;
    json_t *v = field ? json_object_get(j, field) : NULL;
    if (cl->json || !field || !v)
        print_json(j);
    else if (json_is_string(v))
        printf("%s\n", json_string_value(v));
    else
        print_json(v);
    json_decref(j);
    return EXIT_OK;
}

static void print_event(const char *name, json_t *data)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_update(o, data);
    char *t = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s\n", t ? t : "{}");
    fflush(stdout);
    free(t);
    json_decref(o);
}

/* Read SSE lines until an event arrives: its name and JSON (owned). 1 an
 * event, 0 the deadline passed, -1 the stream ended. */
static int next_event(http_stream *s, time_t deadline, char *name, size_t n, json_t **data)
{
    char line[8192];
    name[0] = 0;
    for (;;) {
        time_t now = time(NULL);
        if (deadline && now >= deadline)
            return 0;
        int r = http_stream_line(s, line, sizeof(line), deadline ? (int)(deadline - now) * 1000 : 60000);
        if (r < 0)
            return -1;
        if (r == 0)
            continue;
        if (!strncmp(line, "event: ", 7))
            snprintf(name, n, "%.*s", (int)(n - 1), line + 7);
        else if (!strncmp(line, "data: ", 6) && name[0]) {
            *data = json_loads(line + 6, 0, NULL);
            if (*data)
                return 1;
        }
    }
}

static http_stream *open_stream(client *cl, const char *prefix)
{
    char path[512], enc_dev[200], enc_prefix[200];
    encode(prefix ? prefix : "", enc_prefix, sizeof(enc_prefix));
    if (cl->device) {
        encode(cl->device, enc_dev, sizeof(enc_dev));
        snprintf(path, sizeof(path), "/v1/devices/%s/events%s%s", enc_dev, *enc_prefix ? "/" : "", enc_prefix);
    } else {
        snprintf(path, sizeof(path), "/v1/devices/events%s%s", *enc_prefix ? "/" : "", enc_prefix);
    }
    int status;
    char *ebody = NULL, err[512];
    http_stream *s = http_stream_open(cl->api, path, cl->token, &status, &ebody, err, sizeof(err));
    if (!s && ebody) {
        json_t *j = json_loads(ebody, 0, NULL);
        fprintf(stderr, "photon-sim cloud: %s\n", api_error(j, status, err, sizeof(err)));
        json_decref(j);
        free(ebody);
    } else if (!s) {
        fprintf(stderr, "photon-sim cloud: %s\n", err);
    }
    return s;
}

static int do_subscribe(client *cl, const char *prefix)
{
    http_stream *s = open_stream(cl, prefix);
    if (!s)
        return EXIT_NOT_SEEN;
    time_t deadline = cl->timeout ? time(NULL) + cl->timeout : 0;
    int seen = 0, rc = EXIT_OK;
    for (;;) {
        char name[128];
        json_t *data = NULL;
        int r = next_event(s, deadline, name, sizeof(name), &data);
        if (r <= 0) {
            rc = cl->count ? EXIT_NOT_SEEN : EXIT_OK;
            if (r < 0)
                fprintf(stderr, "photon-sim cloud: the event stream ended\n");
            break;
        }
        print_event(name, data);
        json_decref(data);
        if (cl->count && ++seen >= cl->count)
            break;
    }
    http_stream_close(s);
    return rc;
}


/* `flash`: upload like the Particle CLI, then follow the device's events
 * to the verdict (photon-sim/flash/result). */
static int do_flash(client *cl, const char *dev, const char *name)
{
    size_t len;
    char file[4096], msg[512];
    /* a file, or an image's short name (tinker@0.4.5) */
    if (images_resolve(name, file, sizeof(file), msg, sizeof(msg))) {
        fprintf(stderr, "photon-sim cloud flash: %s\n", msg);
        return EXIT_USAGE;
    }
    uint8_t *bin = read_file(file, &len, 64u << 20, msg, sizeof(msg));
    if (!bin) {
        fprintf(stderr, "photon-sim cloud flash: %s\n", msg);
        return EXIT_USAGE;
    }
    module_info mi;
    char err[256];
    if (module_parse(bin, len, &mi, err, sizeof(err)) == 0)
        printf("%s: %s.%u version %u for %s, %zu bytes%s\n", file, module_func_name(mi.func), mi.index,
               mi.version, platform_name(mi.platform), len, mi.crc_ok ? "" : " (its CRC is wrong)");
    cl->device = dev;
    http_stream *s = open_stream(cl, "");
    if (!s) {
        free(bin);
        return EXIT_NOT_SEEN;
    }
    /* multipart/form-data as particle-api-js sends it */
    static const char boundary[] = "----photon-sim-flash-7d1f0c2a";
    char head[512], tail[128];
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    int hl = snprintf(head, sizeof(head),
                      "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                      "Content-Type: application/octet-stream\r\n\r\n", boundary, base);
    int tl = snprintf(tail, sizeof(tail), "\r\n--%s\r\nContent-Disposition: form-data; name=\"latest\"\r\n\r\ntrue\r\n--%s--\r\n",
                      boundary, boundary);
    size_t blen = (size_t)hl + len + (size_t)tl;
    char *body = malloc(blen);
    char ctype[128], path[256], enc[200];
    if (!body) {
        free(bin);
        http_stream_close(s);
        return EXIT_INTERNAL;
    }
    memcpy(body, head, (size_t)hl);
    memcpy(body + hl, bin, len);
    memcpy(body + hl + len, tail, (size_t)tl);
    free(bin);
    snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%s", boundary);
    encode(dev, enc, sizeof(enc));
    snprintf(path, sizeof(path), "/v1/devices/%s", enc);
    json_t *j;
    int rc = call_api(cl, "PUT", path, ctype, body, blen, &j);
    free(body);
    if (rc) {
        http_stream_close(s);
        return rc;
    }
    printf("cloud: %s\n", json_string_value(json_object_get(j, "status")));
    fflush(stdout);
    json_decref(j);
    time_t deadline = time(NULL) + (cl->timeout ? cl->timeout : 300);
    rc = EXIT_NOT_SEEN;
    for (;;) {
        char name[128];
        json_t *data = NULL;
        int r = next_event(s, deadline, name, sizeof(name), &data);
        if (r <= 0) {
            fprintf(stderr, "photon-sim cloud flash: %s before the device's verdict\n",
                    r ? "the event stream ended" : "timed out");
            break;
        }
        const char *d = json_string_value(json_object_get(data, "data"));
        if (!strcmp(name, "photon-sim/flash/result")) {
            json_t *res = d ? json_loads(d, 0, NULL) : NULL;
            const char *st = json_string_value(json_object_get(res, "status"));
            if (cl->json)
                print_json(res);
            else
                printf("result: %s: %s\n", st ? st : "?",
                       json_string_value(json_object_get(res, "message")));
            rc = st && !strcmp(st, "running") ? EXIT_OK : EXIT_NOT_SEEN;
            json_decref(res);
            json_decref(data);
            break;
        }
        if (strcmp(name, "photon-sim/device/describe"))
            printf("event: %s %s\n", name, d ? d : "");
        fflush(stdout);
        json_decref(data);
    }
    http_stream_close(s);
    return rc;
}

static void client_usage(FILE *f)
{
    fprintf(f, "usage: photon-sim cloud COMMAND [--api URL] [--token T] [--json] ARGS...\n"
               "commands: list, info DEVICE, call DEVICE FUNCTION [ARG], get DEVICE VARIABLE,\n"
               "  publish NAME [DATA] [--public] [--ttl N],\n"
               "  subscribe [PREFIX] [--device D] [--count N] [--timeout S],\n"
               "  flash DEVICE FILE [--timeout S], signal DEVICE on|off, rename DEVICE NAME\n"
               "See `photon-sim cloud --help`.\n");
}

static bool default_token(client *cl)
{
    const char *t = getenv("PHOTON_CLOUD_TOKEN");
    if (t && *t) {
        snprintf(cl->token, sizeof(cl->token), "%s", t);
        return true;
    }
    char path[4096], err[256];
    cloud_default_file("cloud.db", path, sizeof(path));
    if (access(path, R_OK))
        return false;
    store *s = store_open(path, err, sizeof(err));
    bool ok = s && store_local_token(s, cl->token, sizeof(cl->token)) == 1;
    store_close(s);
    return ok;
}

int cloud_client_main(int argc, char **argv)
{
    static const char *const cmds[] = {"list", "info", "call", "get", "publish", "subscribe",
                                       "flash", "signal", "rename", NULL};
    const char *cmd = argv[0];
    int known = 0;
    for (int i = 0; cmds[i]; i++)
        known |= !strcmp(cmd, cmds[i]);
    if (!known)
        return -1;
    static const struct option opts[] = {
        {"api", 1, 0, 'a'}, {"token", 1, 0, 't'}, {"json", 0, 0, 'j'}, {"public", 0, 0, 'p'},
        {"ttl", 1, 0, 'T'}, {"count", 1, 0, 'c'}, {"timeout", 1, 0, 'w'},
        {"device", 1, 0, 'd'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    client cl = {.ttl = 60};
    const char *api = getenv("PHOTON_CLOUD_API");
    cl.api = api && *api ? api : "http://127.0.0.1:8080";
    bool have_token = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': cl.api = optarg; break;
        case 't': snprintf(cl.token, sizeof(cl.token), "%s", optarg); have_token = true; break;
        case 'j': cl.json = true; break;
        case 'p': cl.is_public = true; break;
        case 'T':
        case 'c':
        case 'w': {
            uint64_t v;
            if (!num_u64(optarg, INT32_MAX, &v)) {
                fprintf(stderr, "photon-sim cloud: --%s wants a whole number, got '%s'\n",
                        c == 'T' ? "ttl" : c == 'c' ? "count" : "timeout", optarg);
                return EXIT_USAGE;
            }
            *(c == 'T' ? &cl.ttl : c == 'c' ? &cl.count : &cl.timeout) = (int)v;
            break;
        }
        case 'd': cl.device = optarg; break;
        case 'h': client_usage(stdout); return EXIT_OK;
        default: client_usage(stderr); return EXIT_USAGE;
        }
    }
    if (!have_token && !default_token(&cl)) {
        fprintf(stderr, "photon-sim cloud %s: no access token: pass --token, set PHOTON_CLOUD_TOKEN, "
                        "or run the cloud once with its default store\n", cmd);
        return EXIT_USAGE;
    }
    char **a = argv + optind;
    int n = argc - optind;
    char p[1024], e1[200], e2[200];
    encode(n > 0 ? a[0] : "", e1, sizeof(e1));
    encode(n > 1 ? a[1] : "", e2, sizeof(e2));
#define NEED(lo, hi)                                                                        \
    do {                                                                                    \
        if (n < (lo) || n > (hi)) {                                                         \
            client_usage(stderr);                                                           \
            return EXIT_USAGE;                                                              \
        }                                                                                   \
    } while (0)
    if (!strcmp(cmd, "list")) {
        NEED(0, 0);
        return do_list(&cl);
    }
    if (!strcmp(cmd, "info")) {
        NEED(1, 1);
        snprintf(p, sizeof(p), "/v1/devices/%s", e1);
        return do_simple(&cl, "GET", p, NULL, NULL);
    }
    if (!strcmp(cmd, "call")) {
        NEED(2, 3);
        snprintf(p, sizeof(p), "/v1/devices/%s/%s", e1, e2);
        char *f = form((const char *[]){"arg", n > 2 ? a[2] : "", NULL});
        int rc = do_simple(&cl, "POST", p, f, "return_value");
        free(f);
        return rc;
    }
    if (!strcmp(cmd, "get")) {
        NEED(2, 2);
        snprintf(p, sizeof(p), "/v1/devices/%s/%s", e1, e2);
        return do_simple(&cl, "GET", p, NULL, "result");
    }
    if (!strcmp(cmd, "publish")) {
        NEED(1, 2);
        char ttl[16];
        snprintf(ttl, sizeof(ttl), "%d", cl.ttl);
        char *f = form((const char *[]){"name", a[0], "data", n > 1 ? a[1] : NULL, "private",
                                        cl.is_public ? "false" : "true", "ttl", ttl, NULL});
        int rc = do_simple(&cl, "POST", "/v1/devices/events", f, NULL);
        free(f);
        return rc;
    }
    if (!strcmp(cmd, "subscribe")) {
        NEED(0, 1);
        return do_subscribe(&cl, n ? a[0] : "");
    }
    if (!strcmp(cmd, "flash")) {
        NEED(2, 2);
        return do_flash(&cl, a[0], a[1]);
    }
    if (!strcmp(cmd, "signal")) {
        NEED(2, 2);
        if (strcmp(a[1], "on") && strcmp(a[1], "off")) {
            fprintf(stderr, "photon-sim cloud signal: on or off, not '%s'\n", a[1]);
            return EXIT_USAGE;
        }
        snprintf(p, sizeof(p), "/v1/devices/%s", e1);
        char *f = form((const char *[]){"signal", strcmp(a[1], "on") ? "0" : "1", NULL});
        int rc = do_simple(&cl, "PUT", p, f, NULL);
        free(f);
        return rc;
    }
    NEED(2, 2); /* rename */
    snprintf(p, sizeof(p), "/v1/devices/%s", e1);
    char *f = form((const char *[]){"name", a[1], NULL});
    int rc = do_simple(&cl, "PUT", p, f, "name");
    free(f);
    return rc;
}
