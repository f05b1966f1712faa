/* The event stream (Server-Sent Events), as api.particle.io sends it and
 * particle-api-js's EventStream parses it: ":ok" first, then for each
 * event "event: NAME" and "data: {data, ttl, published_at, coreid}" and a
 * blank line, and a ":ok" comment every 9 s while idle (the client gives
 * up after 13 s of silence). While there is nothing to send the
 * connection is suspended; an event resumes it. A client that does not
 * read is dropped once 1 MB waits for it. */
#include "api.h"

#include <stdlib.h>
#include <string.h>

#define SSE_KEEPALIVE_MS 9000
#define SSE_MAX_BACKLOG (1024 * 1024)

struct sse {
    api *a;
    req *r;
    int listener;
    char *buf;
    size_t len, cap, sent;
    bool suspended, closed;
    int64_t next_keepalive;
    sse *next;
};

static void append(sse *s, const char *data, size_t n)
{
    if (s->closed)
        return;
    if (s->len - s->sent + n > SSE_MAX_BACKLOG) {
        s->closed = true; /* the reader ends the stream */
    } else {
        if (s->sent && s->sent == s->len)
            s->len = s->sent = 0;
        if (s->len + n > s->cap) {
            size_t cap = s->cap ? s->cap : 4096;
            while (cap < s->len + n)
                cap *= 2;
            char *p = realloc(s->buf, cap);
            if (!p) {
                s->closed = true;
                return;
            }
            s->buf = p;
            s->cap = cap;
        }
        memcpy(s->buf + s->len, data, n);
        s->len += n;
    }
    if (s->suspended && s->r) {
        s->suspended = false;
        MHD_resume_connection(s->r->conn);
    }
}

static void on_event(void *ctx, const cloud_event *e)
{
    sse *s = ctx;
    json_t *o = json_pack("{s:s?,s:i,s:s,s:s}", "data", e->data, "ttl", e->ttl, "published_at",
                          e->published_at, "coreid", e->coreid ? e->coreid : "api");
    char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!txt)
        return;
    size_t n = strlen(e->name) + strlen(txt) + 32;
    char *msg = malloc(n);
    if (msg) {
        int k = snprintf(msg, n, "event: %s\ndata: %s\n\n", e->name, txt);
        append(s, msg, (size_t)k);
        free(msg);
    }
    free(txt);
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    sse *s = cls;
    if (s->sent < s->len) {
        size_t n = s->len - s->sent < max ? s->len - s->sent : max;
        memcpy(buf, s->buf + s->sent, n);
        s->sent += n;
        return (ssize_t)n;
    }
    if (s->closed)
        return MHD_CONTENT_READER_END_OF_STREAM;
    s->suspended = true;
    MHD_suspend_connection(s->r->conn);
    return 0;
}

static void unlink_stream(sse *s)
{
    for (sse **pp = &s->a->streams; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            break;
        }
}

static void free_stream(void *cls)
{
    sse *s = cls;
    if (s->listener > 0)
        cloud_unlisten(s->a->c, s->listener);
    unlink_stream(s);
    if (s->r)
        s->r->stream = NULL;
    free(s->buf);
    free(s);
}

enum MHD_Result sse_start(req *r, const char *prefix, const char *device)
{
    api *a = r->a;
    if (device) {
        store_device d;
        if (cloud_lookup(a->c, device, &d) != 1) {
            api_answer(r, 403, json_pack("{s:b,s:s,s:s}", "ok", 0, "error", "Permission Denied",
                                         "info", "I didn't recognize that device name or ID"));
            return MHD_YES;
        }
        store_device_free(&d);
    }
    sse *s = calloc(1, sizeof(*s));
    if (!s) {
        api_answer(r, 500, json_pack("{s:b,s:s}", "ok", 0, "error", "out of memory"));
        return MHD_YES;
    }
    s->a = a;
    s->r = r;
    s->listener = cloud_listen(a->c, prefix, device, on_event, s);
    if (s->listener < 0) {
        free(s);
        api_answer(r, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "Bad event name prefix"));
        return MHD_YES;
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s,
                                                                  free_stream);
    if (!resp) {
        cloud_unlisten(a->c, s->listener);
        free(s);
        api_answer(r, 500, json_pack("{s:b,s:s}", "ok", 0, "error", "out of memory"));
        return MHD_YES;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    r->stream = s;
    s->next = a->streams;
    a->streams = s;
    s->next_keepalive = cloud_now(a->c) + SSE_KEEPALIVE_MS;
    append(s, ":ok\n\n", 5);
    enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

void sse_detach(req *r)
{
    if (r->stream) {
        r->stream->r = NULL;
        r->stream = NULL;
    }
}

void sse_keepalive_all(api *a, int64_t now)
{
    for (sse *s = a->streams; s; s = s->next)
        if (s->r && now >= s->next_keepalive) {
            s->next_keepalive = now + SSE_KEEPALIVE_MS;
            append(s, ":ok\n\n", 5);
        }
}

int64_t sse_next_keepalive(api *a)
{
    int64_t next = -1;
    for (sse *s = a->streams; s; s = s->next)
        if (s->r && (next < 0 || s->next_keepalive < next))
            next = s->next_keepalive;
    return next;
}

void sse_close_all(api *a)
{
    for (sse *s = a->streams; s; s = s->next) {
        if (s->listener > 0)
            cloud_unlisten(a->c, s->listener);
        s->listener = -1;
        s->closed = true;
        if (s->suspended && s->r) {
            s->suspended = false;
            MHD_resume_connection(s->r->conn);
        }
    }
}
