/* A test double of a Photon's cloud side, for tests only: it connects to
 * the cloud's device port, does the device half of the RSA handshake
 * (specs/particle-cloud-protocol.md §1), speaks the encrypted CoAP session
 * like Device OS 2.2.0 (flags 0x36, posts its describe) or 1.5.0 (flags
 * 0x06, answers GET /d), runs Tinker's functions on a pin table, and
 * receives OTAs (non-fast and fast, with lost chunks on demand), answers
 * UpdateDone in either version's form, then "resets" and comes back with
 * the describe of what it now runs. Non-blocking: mock_step() does what
 * can be done now, so a test can run it next to the cloud in one thread. */
#ifndef PHOTON_TEST_MOCK_DEVICE_H
#define PHOTON_TEST_MOCK_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "channel.h"

typedef enum { MOCK_OFF, MOCK_NONCE, MOCK_KEYS, MOCK_SESSION } mock_state;

typedef enum {
    MOCK_APPLY,         /* the bootloader installs the new module */
    MOCK_REFUSE_COPY,   /* the bootloader refuses it: the old one stays */
} mock_boot;

#define MOCK_MAX_EVENTS 64
#define MOCK_MAX_DROP 16

typedef struct mock_event {
    char name[72];
    char data[640];
} mock_event;

typedef struct mock_device {
    /* configuration */
    char host[64];
    int port;
    uint8_t id[12];
    char idhex[25];
    EVP_PKEY *key;        /* RSA-1024 */
    EVP_PKEY *server_pub; /* the cloud's RSA-2048 public key */
    bool v15;             /* behave like 1.5.0 (no describe post, vc/vv verdict) */
    bool fast_ota;        /* offer fast OTA in UpdateReady */
    bool refuse_updates;  /* answer UpdateBegin with 5.03 */
    int verdict_r;        /* 2.2.0's r (0: computed from the module) */
    bool no_verdict;      /* 0.5.x: UpdateDone answered without a payload */
    int drop[MOCK_MAX_DROP]; /* chunk indexes lost the first time (fast) */
    int ndrop;
    mock_boot boot;
    bool auto_reboot;     /* reset and reconnect after an OTA */
    int system2_version;  /* what user dependencies are checked against */
    char extra_sub[64];   /* one more subscription (MY_DEVICES), "" for none */
    bool mute_functions;  /* ACK calls, never return (a hung function) */
    bool mute_ota;        /* ignore OTA messages after UpdateBegin */
    /* state */
    mock_state state;
    int fd;
    channel ch;
    uint16_t mid;
    uint8_t token;
    uint8_t in[4096];
    size_t in_len;
    uint8_t nonce[40];
    int pins[8];          /* D0..D7 */
    /* the user module the device runs */
    char user_sha[65];
    int user_version, user_vc, user_vv, user_dep_version;
    bool safe_mode;
    const char *last_reset; /* sent once after a (re)connect, or NULL */
    /* OTA */
    bool updating, fast;
    uint32_t file_size, chunk_size;
    uint8_t *ota;
    uint8_t *received; /* per chunk */
    int chunk_index;
    bool dropped_once[MOCK_MAX_DROP];
    bool reboot_pending;
    int ota_done;      /* UpdateDone answered with 2.04 */
    int missed_rounds; /* ChunkMissed sent */
    /* what arrived */
    mock_event events[MOCK_MAX_EVENTS];
    int nevents;
    uint32_t time_reply;
    int hellos, describes_asked, signals, chunks_seen, pings_acked, connects, acks;
    char error[256];
} mock_device;

/* Defaults: a 2.2.0 Tinker with a fresh RSA-1024 key, the id given as 24
 * hex digits, the server public key read from the cloud's PEM key file. */
int mock_init(mock_device *d, const char *idhex, const char *server_key_pem, const char *host,
              int port);
void mock_free(mock_device *d);
/* Connect (blocking connect to a local listener completes at once). */
int mock_connect(mock_device *d);
void mock_disconnect(mock_device *d);
/* Read and answer what is there; false if the connection failed (see
 * d->error). */
bool mock_step(mock_device *d);
/* Send raw bytes on the socket (garbage tests). */
int mock_send_raw(mock_device *d, const void *buf, size_t n);
/* Session messages the device sends on its own. */
int mock_publish(mock_device *d, const char *name, const char *data, bool con);
int mock_ping(mock_device *d);
int mock_send_coap(mock_device *d, const uint8_t *msg, size_t len);
/* The describe texts the device sends now. */
void mock_system_describe(const mock_device *d, char *out, size_t n);
void mock_app_describe(const mock_device *d, char *out, size_t n);
/* The last event received with that name, or NULL. */
const mock_event *mock_event_named(const mock_device *d, const char *name);

/* Reset now (after an OTA): Goodbye, close, apply the update as the
 * bootloader would (per d->boot), reconnect. */
bool mock_reboot(mock_device *d);

/* Internals shared by mock_device.c and mock_device_ota.c. */
struct coap_msg;
int mock_fail(mock_device *d, const char *fmt, const char *arg);
uint16_t mock_next_mid(mock_device *d);
int mock_send_msg(mock_device *d, uint8_t type, uint8_t code, const char *path, const void *query,
                  size_t qlen, const void *payload, size_t plen, const uint8_t *tok);
int mock_reply(mock_device *d, uint8_t type, uint8_t code, uint16_t mid, uint8_t tkl,
               const uint8_t *tok, const void *payload, size_t plen);
int mock_ack(mock_device *d, uint16_t mid);
int mock_connection_burst(mock_device *d);
int mock_ota_begin(mock_device *d, const struct coap_msg *m);
int mock_ota_chunk(mock_device *d, const struct coap_msg *m);
int mock_ota_done(mock_device *d, const struct coap_msg *m);

#endif
