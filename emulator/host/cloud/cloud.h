/* The local Particle cloud in one object: the device protocol server (TCP
 * 5683, RSA handshake, encrypted CoAP sessions, OTA), the REST API
 * (libmicrohttpd) and the SQLite store. Single-threaded and pollable:
 * cloud_pollfds() gives the descriptors to wait on and cloud_timeout() the
 * next timer, cloud_process() does the work without blocking, so the
 * simulator can run it inside its own loop (`photon-sim run --cloud`) and
 * `photon-sim cloud` around poll(). */
#ifndef PHOTON_CLOUD_H
#define PHOTON_CLOUD_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct cloud cloud;

typedef struct cloud_options {
    const char *api_addr;    /* default 127.0.0.1 */
    int api_port;            /* default 8080; 0 = any free port */
    bool no_api;             /* device server only (tests) */
    const char *device_addr; /* default 127.0.0.1 */
    int device_port;         /* default 5683; 0 = any free port */
    const char *store_path;  /* SQLite file (created) */
    const char *key_path;    /* server RSA-2048 key, PEM; generated if missing */
    const char *token;       /* NULL: the store's local token, made once */
    bool trust_new_keys;     /* accept a device whose key changed */
    bool no_fast_ota;        /* never offer fast OTA */
    int request_timeout_ms;  /* function, variable, describe: default 30000 */
    int ota_timeout_ms;      /* per OTA step: default 30000 */
    int reconnect_timeout_ms; /* after an OTA, wait for the device: default 180000 */
    FILE *log;               /* NULL: quiet */
    bool verbose;            /* every protocol step, not only what happens */
    bool log_messages;       /* every CoAP message both ways, one line each */
    /* Time sources (tests inject their own): a monotonic millisecond clock
     * for timeouts and Unix seconds for time replies and timestamps. */
    int64_t (*now_ms)(void *ctx);
    int64_t (*unix_time)(void *ctx);
    void *time_ctx;
} cloud_options;

cloud *cloud_open(const cloud_options *o, char *err, size_t errlen);
void cloud_close(cloud *c);

int cloud_api_port(const cloud *c);
int cloud_device_port(const cloud *c);
const char *cloud_token(const cloud *c);
/* "http://127.0.0.1:8080" */
const char *cloud_api_url(const cloud *c);

/* Fill at most `max` descriptors to wait on; returns how many. */
int cloud_pollfds(cloud *c, struct pollfd *fds, int max);
/* Milliseconds until the next timer (-1: none). */
int cloud_timeout(cloud *c);
/* Accept, read, write, run timers and the HTTP server, without blocking. */
void cloud_process(cloud *c);
/* Wait up to timeout_ms (or the next timer) for work, then process. */
void cloud_step(cloud *c, int timeout_ms);

/* What a cloud that runs in its device's own process (cloud_link.h) can
 * read of that device's flash after an OTA: the evidence for why the
 * bootloader did not apply an update Device OS accepted (ota_evidence.c).
 * A cloud on its own has none and says less. */
#define CLOUD_DCT_SLOTS_OFFSET 2852 /* application DCT: 5 x 20-byte OTA slots */
#define CLOUD_DCT_SLOT_SIZE 20
#define CLOUD_DCT_SLOTS 5           /* slot 0 is the factory image's */
typedef struct cloud_flash_view {
    const uint8_t *flash;  /* the whole flash, read only */
    uint32_t base, size;   /* its address and size */
    uint32_t ota_area;     /* where the OTA scratch area starts */
    bool dct_ok;           /* the DCT is set up: `slots` holds its OTA slots */
    uint8_t slots[CLOUD_DCT_SLOTS * CLOUD_DCT_SLOT_SIZE];
} cloud_flash_view;
/* Fill `v` for the device `device_id`; false if that is not the probe's
 * device. */
typedef bool (*cloud_flash_probe_fn)(void *ctx, const char *device_id, cloud_flash_view *v);
void cloud_set_flash_probe(cloud *c, cloud_flash_probe_fn fn, void *ctx);

#endif
