/* Unit-test fixture for the cloud: a cloud on free local ports with a
 * temporary store and key, a fake clock, and helpers that run the cloud
 * and mock devices in one thread until something has happened. */
#ifndef PHOTON_TEST_CLOUD_FIXTURE_H
#define PHOTON_TEST_CLOUD_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cloud_internal.h"
#include "mock_device.h"

#define FX_MAX_EVENTS 64

typedef struct fx {
    char dir[64], store[96], key[96];
    cloud *c;
    int64_t now;       /* the fake monotonic clock, ms */
    bool api;
    bool trust_new_keys;
    bool no_fast_ota;
    /* the last asynchronous reply */
    int status;
    json_t *body;
    int replies;
    /* events seen by a listener on everything */
    int listener;
    int nevents;
    char ev_name[FX_MAX_EVENTS][72];
    char ev_data[FX_MAX_EVENTS][4096];
    char ev_core[FX_MAX_EVENTS][25];
} fx;

void fx_open(fx *f);
void fx_close(fx *f);      /* and remove the directory */
void fx_reopen(fx *f);     /* close the cloud, open it again on the same files */
void fx_device(fx *f, mock_device *d, const char *id);
/* fx_open and fx_device; fx_end frees the device and closes. */
void fx_with_device(fx *f, mock_device *d, const char *id);
void fx_end(fx *f, mock_device *d);
/* Run the cloud and the devices (NULL-terminated) until cond(f) or a bound
 * on the number of rounds; returns cond's last value. */
bool fx_pump(fx *f, mock_device **devs, bool (*cond)(fx *f, void *arg), void *arg);
/* Common conditions. */
bool fx_online(fx *f, void *dev);   /* the mock has its session and Hello */
bool fx_replied(fx *f, void *unused);
bool fx_event(fx *f, void *name);   /* the listener saw that event */
/* The reply function for cloud operations: records status and body. */
void fx_reply(void *ctx, int status, json_t *body);
/* The index of the last event of that name, or -1. */
int fx_find_event(fx *f, const char *name);
/* Advance the fake clock. */
void fx_advance(fx *f, int64_t ms);
/* A module image (user part for the Photon unless changed): header at 0,
 * body, suffix with its SHA-256, CRC-32 big-endian. Returns its length. */
size_t fx_module(uint8_t *buf, size_t body, uint16_t version, uint16_t platform,
                 uint16_t dep_version, bool bad_crc);

#endif
