/* The USB/IP protocol (Linux Documentation/usb/usbip_protocol.rst), server
 * side, without sockets: bytes from a client go in, replies come out of
 * the connection's output buffer, and transfers go to a backend (the USB
 * host model, or a fake one in tests and the fuzzer).
 *
 * A connection starts with an operation: OP_REQ_DEVLIST (answered, then the
 * connection closes) or OP_REQ_IMPORT (on success the connection carries
 * USBIP_CMD_SUBMIT / USBIP_CMD_UNLINK from then on). Anything malformed
 * (wrong version, unknown code, impossible lengths) gets an error reply
 * where the protocol has one, and the connection is closed; nothing a
 * client sends can do more than that. */
#ifndef PHOTON_USBIP_PROTO_H
#define PHOTON_USBIP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "usbhost.h"

#define USBIP_VERSION 0x0111
#define USBIP_MAX_XFER (1u << 20) /* largest transfer buffer accepted */
#define USBIP_MAX_OUT (16u << 20) /* a client that does not read gets dropped */

enum {
    OP_REQ_DEVLIST = 0x8005,
    OP_REP_DEVLIST = 0x0005,
    OP_REQ_IMPORT = 0x8003,
    OP_REP_IMPORT = 0x0003,
    USBIP_CMD_SUBMIT = 1,
    USBIP_CMD_UNLINK = 2,
    USBIP_RET_SUBMIT = 3,
    USBIP_RET_UNLINK = 4,
    USBIP_ST_OK = 0,
    USBIP_ST_NA = 1,
    USBIP_ST_DEV_BUSY = 2,
    USBIP_ST_DEV_ERR = 3,
    USBIP_ST_NODEV = 4,
    USBIP_ST_ERROR = 5,
};

/* The exported device as USB/IP describes it. */
typedef struct usbip_dev_info {
    char path[256];
    char busid[32];
    uint32_t busnum, devnum, speed;
    uint8_t dev_desc[18];
    const uint8_t *config; /* the active configuration descriptor */
    unsigned config_len;
} usbip_dev_info;

typedef struct usbip_backend {
    /* The device that can be imported, if any. */
    bool (*device)(void *ctx, usbip_dev_info *d);
    /* As usbhost_submit / usbhost_cancel / usbhost_port_reset. */
    int (*submit)(void *ctx, usb_urb *u);
    bool (*cancel)(void *ctx, usb_urb *u);
    int (*port_reset)(void *ctx, usb_urb *u);
    void *ctx;
} usbip_backend;

typedef struct usbip_proto usbip_proto;
typedef struct usbip_conn usbip_conn;
typedef struct usbip_pending usbip_pending;

struct usbip_conn {
    usbip_proto *p;
    int state;             /* see usbip_proto.c */
    uint8_t *in;           /* unparsed input */
    size_t in_len, in_cap;
    uint8_t *out;          /* replies not yet sent */
    size_t out_len, out_cap, out_sent;
    usbip_pending *pending; /* transfers at the backend, oldest first */
    usbip_pending *pending_tail;
    uint32_t npending;
    uint32_t devid;
    uint64_t submits, errors;
    char why[128];         /* why it is closing */
    usbip_conn *next;
    void *user;            /* the socket layer's */
};

struct usbip_proto {
    usbip_backend be;
    usbip_conn *conns;
    usbip_conn *importer; /* the connection that imported the device */
    /* called when a connection has new output (to flush it soon) */
    void (*on_output)(void *ctx, usbip_conn *c);
    void *on_output_ctx;
    void (*log)(void *ctx, const char *msg);
    void *log_ctx;
    uint64_t pending_count; /* transfers at the backend, all connections */
};

void usbip_proto_init(usbip_proto *p, const usbip_backend *be);
usbip_conn *usbip_conn_new(usbip_proto *p);
/* Feed bytes from the client. Returns false once the connection should be
 * closed (after sending what is in its output buffer). */
bool usbip_conn_feed(usbip_conn *c, const uint8_t *data, size_t len);
/* The client went away (or the server drops it): cancel its transfers
 * (oldest first, each at the head of its pipe: linear in their number) and
 * free it. */
void usbip_conn_free(usbip_conn *c);
bool usbip_conn_closing(const usbip_conn *c);
/* It imported the device (a client that did not is idle between requests). */
bool usbip_conn_imported(const usbip_conn *c);
/* Output consumed by the socket layer. */
void usbip_conn_sent(usbip_conn *c, size_t n);
static inline size_t usbip_conn_unsent(const usbip_conn *c)
{
    return c->out_len - c->out_sent;
}
/* The device went away: pending transfers have failed (-ENODEV) through
 * the backend; importing connections close after their last reply. */
void usbip_proto_device_gone(usbip_proto *p);
void usbip_proto_free(usbip_proto *p);

/* Encoding helpers, shared with the client side in tools/ (big endian). */
static inline void usbip_put16(uint8_t *b, uint16_t v)
{
    b[0] = (uint8_t)(v >> 8);
    b[1] = (uint8_t)v;
}
static inline void usbip_put32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}
static inline uint16_t usbip_get16(const uint8_t *b)
{
    return (uint16_t)(b[0] << 8 | b[1]);
}
static inline uint32_t usbip_get32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

#endif
