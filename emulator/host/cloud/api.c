/* The REST API server on libmicrohttpd, in its external epoll mode so that
 * it runs in the cloud's single-threaded loop: bodies (form, multipart
 * with a file, JSON) with size limits, the access token, and answers that
 * wait for the device through MHD's suspend and resume. */
#define _GNU_SOURCE
#include "api.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static json_t *oauth_error(const char *error, const char *desc)
{
    return json_pack("{s:s,s:s}", "error", error, "error_description", desc);
}

const char *api_field(req *r, const char *name)
{
    const char *v = json_string_value(json_object_get(r->fields, name));
    if (v)
        return v;
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static void set_field(req *r, const char *key, const char *val, size_t len, bool append)
{
    json_t *old = json_object_get(r->fields, key);
    if (append && json_is_string(old)) {
        size_t ol = json_string_length(old);
        char *buf = malloc(ol + len + 1);
        if (!buf)
            return;
        memcpy(buf, json_string_value(old), ol);
        memcpy(buf + ol, val, len);
        buf[ol + len] = 0;
        json_object_set_new(r->fields, key, json_stringn(buf, ol + len));
        free(buf);
    } else {
        json_t *s = json_stringn(val, len);
        if (!s)
            r->bad_body = true; /* not UTF-8 */
        else
            json_object_set_new(r->fields, key, s);
    }
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    (void)kind, (void)content_type, (void)transfer_encoding;
    req *r = cls;
    if (filename && !strcmp(key, "file")) {
        r->has_file = true;
        if (r->file_len + size > API_MAX_FILE) {
            r->too_large = true;
            return MHD_YES;
        }
        uint8_t *p = realloc(r->file, r->file_len + size + 1);
        if (!p)
            return MHD_NO;
        memcpy(p + r->file_len, data, size);
        r->file = p;
        r->file_len += size;
        return MHD_YES;
    }
    if (filename) /* other files (file2, ...) are not flashed */
        return MHD_YES;
    set_field(r, key, data, size, off > 0);
    return MHD_YES;
}

/* JSON body: its members become fields (strings as they are, others as
 * their JSON text). */
static void json_fields(req *r)
{
    json_t *root = json_loadb(r->raw, r->raw_len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        r->bad_body = true;
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (json_is_string(v)) {
            json_object_set(r->fields, k, v);
        } else if (!json_is_null(v)) {
            char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            if (t)
                json_object_set_new(r->fields, k, json_string(t));
            free(t);
        }
    }
    json_decref(root);
}

static enum MHD_Result queue(req *r, int status, json_t *body)
{
    char *txt = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(body);
    if (!txt)
        txt = strdup("{}");
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(txt), txt, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"photon-sim\", error=\"invalid_token\"");
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

void api_answer(req *r, int status, json_t *body)
{
    json_decref(r->reply);
    r->status = status;
    r->reply = body;
    r->answered = true;
    if (r->suspended) {
        r->suspended = false;
        MHD_resume_connection(r->conn);
    }
}

void api_async_reply(void *ctx, int status, json_t *body)
{
    api_answer(ctx, status, body);
}

void api_wait(req *r)
{
    if (!r->answered && !r->suspended) {
        r->suspended = true;
        MHD_suspend_connection(r->conn);
    }
}

static const char *bearer(req *r)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && !strncasecmp(h, "Bearer ", 7))
        return h + 7;
    return api_field(r, "access_token");
}

/* Every call but the token endpoint needs a valid token. Particle's API
 * answers 400 invalid_request when there is none and 401 invalid_token
 * when it is wrong (particle-cli src/lib/auth-errors.js). */
static bool authorized(req *r)
{
    const char *t = bearer(r);
    if (!t || !*t) {
        api_answer(r, 400, oauth_error("invalid_request", "The access token was not found"));
        return false;
    }
    if (!store_token_valid(r->a->c->st, t, cloud_unix(r->a->c))) {
        api_answer(r, 401, oauth_error("invalid_token", "The access token provided is invalid."));
        return false;
    }
    return true;
}

/* Body set-up at the first call. */
static void begin_body(req *r)
{
    const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    r->fields = json_object();
    if (!ct)
        ct = "";
    if (!strncasecmp(ct, "application/json", 16)) {
        r->json = true;
        return;
    }
    r->multipart = !strncasecmp(ct, "multipart/form-data", 19);
    if (r->multipart || !strncasecmp(ct, "application/x-www-form-urlencoded", 33)) {
        r->pp = MHD_create_post_processor(r->conn, 16384, post_iter, r);
        if (!r->pp)
            r->bad_body = true; /* e.g. multipart without a boundary */
    }
}

static void body_data(req *r, const char *data, size_t size)
{
    r->body_len += size;
    if (r->body_len > (r->multipart ? API_MAX_UPLOAD : API_MAX_BODY)) {
        r->too_large = true;
        return;
    }
    if (r->too_large || r->bad_body)
        return;
    if (r->pp) {
        if (MHD_post_process(r->pp, data, size) != MHD_YES)
            r->bad_body = true;
        return;
    }
    if (!r->json)
        return; /* a body of another type: nothing in it is read */
    char *p = realloc(r->raw, r->raw_len + size + 1);
    if (!p) {
        r->too_large = true;
        return;
    }
    memcpy(p + r->raw_len, data, size);
    r->raw = p;
    r->raw_len += size;
}

static void end_body(req *r)
{
    if (r->pp) {
        if (MHD_destroy_post_processor(r->pp) != MHD_YES && !r->too_large)
            r->bad_body = true;
        r->pp = NULL;
    }
    if (r->json && r->raw_len && !r->too_large && !r->bad_body)
        json_fields(r);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    api *a = cls;
    req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        r->a = a;
        r->conn = conn;
        r->method = method;
        r->url = url;
        begin_body(r);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        body_data(r, upload, *upload_size);
        *upload_size = 0;
        /* an over-large body is read and dropped, so that the client gets
         * its 413 (a connection closed on a sending client loses the
         * answer); past API_MAX_DRAIN the connection is cut */
        return r->body_len > API_MAX_DRAIN ? MHD_NO : MHD_YES;
    }
    if (r->stream)
        return MHD_YES; /* the stream's response is queued */
    if (!r->answered && !r->suspended) {
        end_body(r);
        if (r->too_large)
            api_answer(r, 413, json_pack("{s:b,s:s}", "ok", 0, "error",
                                         r->has_file ? "The file is larger than 262144 bytes"
                                                     : "The request body is too large"));
        else if (r->bad_body)
            api_answer(r, 400, json_pack("{s:b,s:s}", "ok", 0, "error", "The request body is malformed"));
        else if (strcmp(url, "/oauth/token") && !authorized(r))
            ;
        else
            api_route(r);
        if (r->stream)
            return MHD_YES;
    }
    if (!r->answered) {
        api_wait(r);
        return MHD_YES;
    }
    json_t *body = r->reply;
    r->reply = NULL;
    return queue(r, r->status, body);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)conn, (void)toe;
    api *a = cls;
    req *r = *con_cls;
    if (!r)
        return;
    cloud_cancel(a->c, r);
    sse_detach(r);
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    json_decref(r->fields);
    json_decref(r->reply);
    free(r->raw);
    free(r->file);
    free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    api *a = cls;
    if (!a->c->o.log || !a->c->o.verbose)
        return;
    fputs("cloud: http: ", a->c->o.log);
    vfprintf(a->c->o.log, fmt, ap);
}

api *api_start(cloud *c, char *err, size_t errlen)
{
    api *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    a->c = c;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->o.api_port)};
    if (inet_pton(AF_INET, c->o.api_addr, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "bad API address '%s' (an IPv4 address such as 127.0.0.1)", c->o.api_addr);
        free(a);
        return NULL;
    }
    a->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                            (uint16_t)c->o.api_port, NULL, NULL, handler, a,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, a,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)128,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, a, MHD_OPTION_END);
    if (!a->d) {
        snprintf(err, errlen, "cannot start the API server on %s:%d (port in use?)", c->o.api_addr,
                 c->o.api_port);
        free(a);
        return NULL;
    }
    a->epoll_fd = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
    a->port = MHD_get_daemon_info(a->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return a;
}

void api_stop(api *a)
{
    if (!a)
        return;
    sse_close_all(a);
    MHD_stop_daemon(a->d);
    free(a);
}

int api_port(const api *a)
{
    return a->port;
}

int api_pollfds(api *a, struct pollfd *fds, int max)
{
    if (max < 1)
        return 0;
    fds[0] = (struct pollfd){.fd = a->epoll_fd, .events = POLLIN};
    return 1;
}

int api_timeout(api *a)
{
    MHD_UNSIGNED_LONG_LONG ms;
    int t = -1;
    if (MHD_get_timeout(a->d, &ms) == MHD_YES)
        t = ms > 600000 ? 600000 : (int)ms;
    int64_t ka = sse_next_keepalive(a);
    if (ka >= 0) {
        int64_t left = ka - cloud_now(a->c);
        int k = left < 0 ? 0 : left > 600000 ? 600000 : (int)left;
        if (t < 0 || k < t)
            t = k;
    }
    return t;
}

void api_process(api *a)
{
    sse_keepalive_all(a, cloud_now(a->c));
    MHD_run(a->d);
}
