/* Inside the cloud: the shared structures of the server (cloud.c), the
 * device connections (conn.c), the CoAP sessions (device_session.c), OTA
 * (ota.c), events (events.c) and the REST API (api*.c, sse.c). */
#ifndef PHOTON_CLOUD_INTERNAL_H
#define PHOTON_CLOUD_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "channel.h"
#include "coap.h"
#include "cloud.h"
#include "cloud_ops.h"
#include "handshake.h"
#include "module.h"
#include "store.h"

typedef struct dsession dsession;
typedef struct ota ota;
typedef struct api api;

/* One TCP connection from a device: the handshake, then the channel. */
typedef enum { CONN_HANDSHAKE, CONN_SESSION, CONN_CLOSED } conn_state;

#define CONN_IN_CAP (2 + CHANNEL_MAX_CIPHERTEXT)
#define CONN_OUT_MAX (256 * 1024) /* a peer that reads nothing is dropped */
#define CONN_HANDSHAKE_MS 30000

typedef struct conn {
    cloud *c;
    int fd;
    char peer[64];
    conn_state state;
    uint8_t nonce[HS_NONCE_LEN];
    uint8_t in[CONN_IN_CAP];
    size_t in_len;
    uint8_t *out;
    size_t out_len, out_cap;
    int64_t deadline; /* handshake */
    channel ch;
    dsession *s;
    struct conn *next;
} conn;

/* A device the cloud knows and has seen in this run; lives across its
 * connections (an OTA's verdict needs the connection after the reset). */
typedef struct ota_track ota_track;

typedef struct cdev {
    char id[25];
    dsession *s; /* NULL while offline */
    unsigned gen; /* sessions so far in this run */
    ota_track *track;
    struct cdev *next;
} cdev;

#define SESSION_MAX_PENDING 32
#define SESSION_MAX_SUBS 16

typedef enum { REQ_FREE, REQ_DESCRIBE, REQ_FUNCTION, REQ_VARIABLE, REQ_SIGNAL } req_kind;

typedef struct pending {
    req_kind kind;
    uint8_t token;
    uint16_t mid;
    int64_t deadline;
    cloud_reply_fn reply;
    void *ctx;
    char name[72];
    int vartype;
} pending;

typedef struct subscription {
    char filter[72];
    char device[25]; /* "" = scope */
    bool mine;       /* MY_DEVICES, else every public event */
} subscription;

struct dsession {
    cloud *c;
    conn *cn;
    cdev *dev;
    uint16_t mid;
    uint8_t token;
    bool hello;
    uint8_t hello_flags;
    int platform, product_id, product_version;
    int64_t last_rx, connected_at;
    bool safe_mode, goodbye;
    bool burst_done; /* the time request: the connection burst is over */
    int goodbye_reason;
    char *system_json, *app_json; /* this connection's describe */
    bool describe_pending;
    /* 1.x answers the first describe before the app's setup() has
     * registered anything: ask again a few times while it is empty */
    int describe_retries;
    int64_t describe_again_at; /* 0: not planned */
    pending req[SESSION_MAX_PENDING];
    subscription subs[SESSION_MAX_SUBS];
    int nsubs;
    ota *ota;
};

typedef struct listener {
    int id;
    char prefix[72];
    char device[25]; /* "" = all */
    cloud_event_fn fn;
    void *ctx;
    struct listener *next;
} listener;

struct cloud {
    cloud_options o;
    EVP_PKEY *key;
    store *st;
    char token[72];
    char api_url[96];
    int listen_fd, device_port;
    conn *conns;
    cdev *devs;
    listener *listeners;
    int next_listener;
    api *api;
    cloud_flash_probe_fn probe; /* the device's flash, in-process only */
    void *probe_ctx;
};

/* cloud.c */
int64_t cloud_now(cloud *c);
int64_t cloud_unix(cloud *c);
/* "2026-01-01T12:00:00.000Z" */
void cloud_iso_time(cloud *c, char out[32]);
__attribute__((format(printf, 2, 3))) void cloud_log(cloud *c, const char *fmt, ...);
/* With log_messages: "peer -> CON 0.01 mid ..." (dir "->" to the device). */
void cloud_log_message(cloud *c, const char *peer, const char *dir, const uint8_t *msg, size_t len);
__attribute__((format(printf, 2, 3))) void cloud_debug(cloud *c, const char *fmt, ...);
cdev *cloud_dev(cloud *c, const char *id, bool create);
/* The device by id or name in the store (1), 0 unknown, -1 error. */
int cloud_lookup(cloud *c, const char *id_or_name, store_device *d);

/* conn.c */
conn *conn_new(cloud *c, int fd, const char *peer);
/* Read, run the handshake or the session, write. Returns false when the
 * connection is closed and must be freed. */
bool conn_service(conn *cn, short revents);
bool conn_wants_write(const conn *cn);
void conn_close(conn *cn, const char *why);
void conn_free(conn *cn);
/* Seal and queue one CoAP message; -1 if the connection is gone. */
int conn_send(conn *cn, const uint8_t *msg, size_t len);
size_t conn_pending_out(const conn *cn);

/* device_session.c */
dsession *dsession_new(cloud *c, conn *cn, const char *id);
/* The connection ended: fail pending requests, mark the device offline. */
void dsession_end(dsession *s, const char *why);
/* One decrypted message; -1 ends the connection. */
int dsession_receive(dsession *s, const uint8_t *msg, size_t len);
void dsession_tick(dsession *s, int64_t now);
int64_t dsession_next_deadline(const dsession *s);
uint16_t dsession_mid(dsession *s);
uint8_t dsession_new_token(dsession *s);
int dsession_send(dsession *s, const uint8_t *msg, size_t len);
void dsession_ack(dsession *s, uint16_t mid);
void dsession_request_describe(dsession *s);
void dsession_deliver_event(dsession *s, const cloud_event *e, const char *from_id);
/* Called when a connection's output drains (OTA refills); whether the
 * session has more to send than is queued. */
void dsession_writable(dsession *s);
bool dsession_wants_write(const dsession *s);
void dsession_cancel(dsession *s, void *ctx);
pending *dsession_add_pending(dsession *s, req_kind kind, cloud_reply_fn reply, void *ctx);

/* ota.c */
ota *ota_start(dsession *s, const uint8_t *data, size_t len, const module_info *mi,
               cloud_reply_fn reply, void *ctx);
/* A message for the OTA (matched by token or path); true if consumed. */
bool ota_receive(ota *o, const coap_msg *m);
void ota_tick(ota *o, int64_t now);
int64_t ota_deadline(const ota *o);
void ota_writable(ota *o);
bool ota_wants_write(const ota *o);
void ota_session_ended(ota *o, const char *why);
void ota_cancel(ota *o, void *ctx);
void ota_free(ota *o);
bool ota_finished(const ota *o);
/* After the reconnect: once the describe and the end of the connection
 * burst (or `force`) are there, compare what runs with what was sent. */
void ota_track_check(cloud *c, cdev *d, bool force);
void ota_track_tick(cloud *c, cdev *d, int64_t now);
int64_t ota_track_deadline(const cdev *d);
void ota_track_free(ota_track *t);

/* events.c */
/* Publish to listeners and subscribed devices. from_id: the publishing
 * device (NULL for the API). */
void events_publish(cloud *c, const char *name, const char *data, int ttl, bool is_public,
                    const char *from_id);

/* api.c */
api *api_start(cloud *c, char *err, size_t errlen);
void api_stop(api *a);
int api_port(const api *a);
int api_pollfds(api *a, struct pollfd *fds, int max);
int api_timeout(api *a);
void api_process(api *a);

#endif
