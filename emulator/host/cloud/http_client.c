/* HTTP/1.1 client for the local cloud's API. */
#define _GNU_SOURCE
#include "http_client.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_RESPONSE (16 * 1024 * 1024)

static int parse_url(const char *url, char *host, size_t hn, char *port, size_t pn, char *err,
                     size_t errlen)
{
    if (strncmp(url, "http://", 7)) {
        snprintf(err, errlen, "API URL '%s': only http://HOST:PORT is supported", url);
        return -1;
    }
    const char *h = url + 7, *end = h + strcspn(h, "/");
    const char *colon = memchr(h, ':', (size_t)(end - h));
    size_t hl = (size_t)((colon ? colon : end) - h);
    if (hl == 0 || hl >= hn) {
        snprintf(err, errlen, "API URL '%s': no host", url);
        return -1;
    }
    memcpy(host, h, hl);
    host[hl] = 0;
    snprintf(port, pn, "%.*s", colon ? (int)(end - colon - 1) : 2, colon ? colon + 1 : "80");
    return 0;
}

static int dial(const char *url, char *hostport, size_t hpn, char *err, size_t errlen)
{
    char host[256], port[16];
    if (parse_url(url, host, sizeof(host), port, sizeof(port), err, errlen))
        return -1;
    snprintf(hostport, hpn, "%s:%s", host, port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc) {
        snprintf(err, errlen, "%s: %s", hostport, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        snprintf(err, errlen, "cannot reach the cloud API at %s: %s (is `photon-sim cloud` running?)",
                 url, strerror(errno));
    return fd;
}

static int send_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int send_head(int fd, const char *method, const char *hostport, const char *path,
                     const char *token, const char *extra, const char *ctype, size_t body_len,
                     bool has_body)
{
    char head[4096];
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: photon-sim\r\nConnection: close\r\n"
                     "%s%s%s%s%s%s",
                     method, path, hostport, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "", ctype ? "Content-Type: " : "", ctype ? ctype : "",
                     ctype ? "\r\n" : "");
    if (has_body)
        n += snprintf(head + n, sizeof(head) - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(head + n, sizeof(head) - (size_t)n, "%s\r\n", extra);
    return n >= (int)sizeof(head) ? -1 : send_all(fd, head, (size_t)n);
}

/* The end of the header block, the status, and whether it is chunked. */
static char *parse_head(char *buf, size_t len, int *status, bool *chunked, long *clen)
{
    char *end = memmem(buf, len, "\r\n\r\n", 4);
    if (!end)
        return NULL;
    *end = 0;
    *status = 0;
    sscanf(buf, "HTTP/%*d.%*d %d", status);
    *chunked = false;
    *clen = -1;
    for (char *line = strstr(buf, "\r\n"); line; line = strstr(line + 2, "\r\n")) {
        char *l = line + 2;
        if (!strncasecmp(l, "Transfer-Encoding:", 18) && strcasestr(l, "chunked"))
            *chunked = true;
        if (!strncasecmp(l, "Content-Length:", 15))
            *clen = strtol(l + 15, NULL, 10);
    }
    return end + 4;
}

/* Decode chunked data in place; returns the decoded length, or -1 if the
 * input ends inside a chunk header (not for whole bodies). */
static long dechunk(char *p, size_t len)
{
    size_t in = 0, out = 0;
    while (in < len) {
        char *nl = memmem(p + in, len - in, "\r\n", 2);
        if (!nl)
            break;
        long size = strtol(p + in, NULL, 16);
        in = (size_t)(nl - p) + 2;
        if (size <= 0 || in + (size_t)size > len)
            break;
        memmove(p + out, p + in, (size_t)size);
        out += (size_t)size;
        in += (size_t)size + 2;
    }
    return (long)out;
}

int http_request(const char *url, const char *method, const char *path, const char *token,
                 const char *content_type, const void *body, size_t body_len,
                 http_response *resp, char *err, size_t errlen)
{
    memset(resp, 0, sizeof(*resp));
    char hostport[300];
    int fd = dial(url, hostport, sizeof(hostport), err, errlen);
    if (fd < 0)
        return -1;
    struct timeval tv = {.tv_sec = 120};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (send_head(fd, method, hostport, path, token, "", content_type, body_len, body != NULL) ||
        (body && send_all(fd, body, body_len))) {
        snprintf(err, errlen, "cannot send to %s: %s", url, strerror(errno));
        close(fd);
        return -1;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (len + 4096 > cap) {
            if (cap >= MAX_RESPONSE)
                break;
            char *p = realloc(buf, cap *= 2);
            if (!p)
                break;
            buf = p;
        }
        ssize_t k = recv(fd, buf + len, cap - len - 1, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    int status;
    bool chunked;
    long clen;
    char *bodyp = buf ? parse_head(buf, len, &status, &chunked, &clen) : NULL;
    if (!bodyp || status < 100) {
        snprintf(err, errlen, "no HTTP answer from %s", url);
        free(buf);
        return -1;
    }
    size_t blen = len - (size_t)(bodyp - buf);
    if (chunked)
        blen = (size_t)dechunk(bodyp, blen);
    else if (clen >= 0 && (size_t)clen < blen)
        blen = (size_t)clen;
    memmove(buf, bodyp, blen);
    buf[blen] = 0;
    resp->status = status;
    resp->body = buf;
    resp->len = blen;
    return 0;
}

void http_response_free(http_response *r)
{
    free(r->body);
    r->body = NULL;
}

struct http_stream {
    int fd;
    bool chunked, ended;
    char raw[65536]; /* received, not yet decoded */
    size_t raw_len;
    long chunk_left; /* bytes left in the current chunk, -1 at a chunk header */
    char data[65536]; /* decoded body, not yet returned as lines */
    size_t data_len;
};

/* Move what can be decoded from raw to data. */
static void decode(http_stream *s)
{
    size_t in = 0;
    while (in < s->raw_len && s->data_len < sizeof(s->data)) {
        if (!s->chunked) {
            size_t n = s->raw_len - in;
            if (n > sizeof(s->data) - s->data_len)
                n = sizeof(s->data) - s->data_len;
            memcpy(s->data + s->data_len, s->raw + in, n);
            s->data_len += n;
            in += n;
            continue;
        }
        if (s->chunk_left < 0) {
            char *nl = memmem(s->raw + in, s->raw_len - in, "\r\n", 2);
            if (!nl)
                break;
            long size = strtol(s->raw + in, NULL, 16);
            in = (size_t)(nl - s->raw) + 2;
            if (size == 0) {
                s->ended = true;
                break;
            }
            s->chunk_left = size;
            continue;
        }
        if (s->chunk_left == 0) { /* the CRLF after a chunk */
            if (s->raw_len - in < 2)
                break;
            in += 2;
            s->chunk_left = -1;
            continue;
        }
        size_t n = s->raw_len - in;
        if ((long)n > s->chunk_left)
            n = (size_t)s->chunk_left;
        if (n > sizeof(s->data) - s->data_len)
            n = sizeof(s->data) - s->data_len;
        memcpy(s->data + s->data_len, s->raw + in, n);
        s->data_len += n;
        in += n;
        s->chunk_left -= (long)n;
    }
    memmove(s->raw, s->raw + in, s->raw_len - in);
    s->raw_len -= in;
}

static int fill(http_stream *s, int timeout_ms)
{
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0)
        return r;
    ssize_t k = recv(s->fd, s->raw + s->raw_len, sizeof(s->raw) - s->raw_len, 0);
    if (k <= 0)
        return -1;
    s->raw_len += (size_t)k;
    return 1;
}

http_stream *http_stream_open(const char *url, const char *path, const char *token, int *status,
                              char **error_body, char *err, size_t errlen)
{
    *error_body = NULL;
    char hostport[300];
    int fd = dial(url, hostport, sizeof(hostport), err, errlen);
    if (fd < 0)
        return NULL;
    http_stream *s = calloc(1, sizeof(*s));
    if (!s || send_head(fd, "GET", hostport, path, token, "Accept: text/event-stream\r\n", NULL, 0,
                        false)) {
        snprintf(err, errlen, "cannot send to %s", url);
        free(s);
        close(fd);
        return NULL;
    }
    s->fd = fd;
    s->chunk_left = -1;
    char *body = NULL;
    bool chunked = false;
    long clen = -1;
    while (!body) {
        if (fill(s, 30000) <= 0 || s->raw_len == sizeof(s->raw)) {
            snprintf(err, errlen, "no HTTP answer from %s", url);
            http_stream_close(s);
            return NULL;
        }
        body = parse_head(s->raw, s->raw_len, status, &chunked, &clen);
    }
    s->chunked = chunked;
    size_t rest = s->raw_len - (size_t)(body - s->raw);
    memmove(s->raw, body, rest);
    s->raw_len = rest;
    if (*status != 200) { /* an error answer: its whole body */
        while (fill(s, 5000) > 0 && s->raw_len < sizeof(s->raw) - 1)
            ;
        decode(s);
        *error_body = strndup(s->data, s->data_len);
        http_stream_close(s);
        return NULL;
    }
    return s;
}

int http_stream_fd(const http_stream *s)
{
    return s->fd;
}

int http_stream_line(http_stream *s, char *line, size_t n, int timeout_ms)
{
    for (;;) {
        decode(s);
        char *nl = memchr(s->data, '\n', s->data_len);
        if (nl) {
            size_t l = (size_t)(nl - s->data);
            snprintf(line, n, "%.*s", (int)l, s->data);
            if (l && line[l - 1 < n ? l - 1 : n - 1] == '\r')
                line[l - 1] = 0;
            memmove(s->data, nl + 1, s->data_len - l - 1);
            s->data_len -= l + 1;
            return 1;
        }
        if (s->data_len == sizeof(s->data)) /* a line longer than the buffer */
            s->data_len = 0;
        if (s->ended)
            return -1;
        int r = fill(s, timeout_ms);
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
    }
}

void http_stream_close(http_stream *s)
{
    if (!s)
        return;
    close(s->fd);
    free(s);
}
