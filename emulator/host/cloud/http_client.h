/* A small HTTP/1.1 client over TCP for photon-sim's own cloud commands:
 * one request per connection, Content-Length or chunked bodies, and a
 * streaming mode for the event stream. Plain http:// only (the local
 * cloud). */
#ifndef PHOTON_CLOUD_HTTP_CLIENT_H
#define PHOTON_CLOUD_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct http_response {
    int status;
    char *body; /* NUL-terminated, malloc'ed */
    size_t len;
} http_response;

/* url: "http://HOST:PORT"; path: "/v1/devices". extra_headers: "" or
 * "Name: value\r\n" lines. Returns 0, or -1 with a message (cannot
 * connect, bad answer). */
int http_request(const char *url, const char *method, const char *path, const char *token,
                 const char *content_type, const void *body, size_t body_len,
                 http_response *resp, char *err, size_t errlen);
void http_response_free(http_response *r);

/* An open event stream. */
typedef struct http_stream http_stream;
/* Open GET path and read the headers: the status in *status (a non-200
 * answer's body in *error_body, malloc'ed). NULL on connection errors. */
http_stream *http_stream_open(const char *url, const char *path, const char *token,
                              int *status, char **error_body, char *err, size_t errlen);
int http_stream_fd(const http_stream *s);
/* The next complete line of the body (without the newline) into line;
 * 1 a line, 0 not yet (timeout_ms passed), -1 the stream ended. */
int http_stream_line(http_stream *s, char *line, size_t n, int timeout_ms);
void http_stream_close(http_stream *s);

#endif
