/* The REST API's request object, shared by the server (api.c), the
 * routes (api_routes.c) and the event stream (sse.c). */
#ifndef PHOTON_CLOUD_API_H
#define PHOTON_CLOUD_API_H

#include <microhttpd.h>

#include "cloud_internal.h"

#define API_MAX_BODY (1024 * 1024)     /* form and JSON bodies */
#define API_MAX_UPLOAD (2 * 1024 * 1024) /* a multipart body with a file */
#define API_MAX_FILE 262144             /* the Photon's OTA area */
#define API_MAX_DRAIN (64 * 1024 * 1024) /* read and dropped before a 413 */

typedef struct sse sse;

typedef struct req {
    api *a;
    struct MHD_Connection *conn;
    const char *method, *url;
    struct MHD_PostProcessor *pp;
    bool multipart, json, bad_body, too_large;
    char *raw; /* JSON body */
    size_t raw_len, body_len;
    json_t *fields; /* form or JSON fields as strings */
    uint8_t *file;
    size_t file_len;
    bool has_file;
    bool suspended, answered;
    int status;
    json_t *reply;
    sse *stream;
} req;

struct api {
    cloud *c;
    struct MHD_Daemon *d;
    int epoll_fd;
    int port;
    sse *streams;
};

/* api.c */
/* A field of the body (form or JSON) or of the query string, or NULL. */
const char *api_field(req *r, const char *name);
/* Answer now (or when resumed): takes the body. */
void api_answer(req *r, int status, json_t *body);
/* The reply function for asynchronous cloud operations (ctx = req). */
void api_async_reply(void *ctx, int status, json_t *body);
/* Suspend until api_async_reply, unless already answered. */
void api_wait(req *r);

/* api_routes.c: dispatch a complete, authenticated request. */
void api_route(req *r);

/* sse.c */
/* Start an event stream for the request; returns the MHD result. */
enum MHD_Result sse_start(req *r, const char *prefix, const char *device);
void sse_detach(req *r);
void sse_keepalive_all(api *a, int64_t now);
int64_t sse_next_keepalive(api *a);
void sse_close_all(api *a);

#endif
