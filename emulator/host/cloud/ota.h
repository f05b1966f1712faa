/* Shared between the OTA transfer (ota.c) and its verdict (ota_verdict.c). */
#ifndef PHOTON_CLOUD_OTA_H
#define PHOTON_CLOUD_OTA_H

#include "cloud_internal.h"
#include "coap.h"

/* What the cloud remembers of an OTA until the device has come back and
 * told, through its describe, what it now runs. */
struct ota_track {
    char sha[65];      /* the file's suffix SHA-256, "" if none */
    char module[24];   /* "user.1", "system.2" */
    char func;         /* describe letter: u, s, b */
    int index, version, platform;
    size_t size;
    bool crc_ok;
    uint8_t *file;        /* the bytes sent (size of them) */
    uint32_t start, end;  /* where the file's header puts the module */
    char before_sha[65];  /* the module of that slot before the OTA */
    int before_version;
    unsigned gen;         /* the device's session generation at the end */
    int64_t deadline;     /* give up waiting for the device */
    int64_t describe_at;  /* the new session's describe arrived */
    bool transferred;     /* UpdateDone answered */
    bool done;            /* verdict published */
    json_t *update_done;  /* the device's UpdateDone payload, or null */
    char device_says[200]; /* what that payload means */
    bool device_refused;   /* the payload names a failed check */
    char failure[200];     /* the transfer failed: why */
};

/* After the describe of the reconnected device, how long to wait for the
 * end of its connection burst before judging anyway. */
#define OTA_SETTLE_MS 10000

/* Interpret an UpdateDone payload (2.2.0 {"r":N}; 1.5.0 {"r":"ok",
 * "u":{vc, vv, ...}}; none in 0.5.x) into track->update_done,
 * device_says and device_refused. */
void ota_verdict_update_done(ota_track *t, const uint8_t *payload, size_t len);
/* The transfer ended without UpdateDone's answer: publish "failed". */
void ota_verdict_failed(cloud *c, cdev *d, const char *why);

/* ota_evidence.c: the module `t` sent was accepted by Device OS but is not
 * what the device runs after its reset. From the device's flash as the
 * bootloader left it (`v`), say why in `out`: the update still waits in
 * its DCT slot (the bootloader never processed it), or the bootloader
 * cleared the slot and which of its copy-time checks the module in the OTA
 * area fails, or no slot was ever written. Returns 0, or -1 when `v` tells
 * nothing (the DCT unreadable). */
int ota_evidence_explain(const ota_track *t, const cloud_flash_view *v, uint16_t platform,
                         char *out, size_t n);

#endif
