/* What can be asked of the cloud, by the REST API and by tests: each call
 * answers with an HTTP status and the JSON body the real Particle API
 * gives. Device operations are asynchronous: the reply function is called
 * later from cloud_process(), exactly once, unless cloud_cancel() forgets
 * the context first. The reply function owns the body (json_decref). */
#ifndef PHOTON_CLOUD_OPS_H
#define PHOTON_CLOUD_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cloud.h"

typedef void (*cloud_reply_fn)(void *ctx, int status, json_t *body);

json_t *cloud_devices_json(cloud *c);
/* GET /v1/devices/:id */
int cloud_device_json(cloud *c, const char *id_or_name, json_t **body);
int cloud_rename(cloud *c, const char *id_or_name, const char *name, json_t **body);
/* POST /v1/devices/events */
int cloud_publish(cloud *c, const char *name, const char *data, int ttl, bool is_private,
                  json_t **body);

void cloud_call(cloud *c, const char *id_or_name, const char *fn, const char *arg,
                cloud_reply_fn reply, void *ctx);
void cloud_get_variable(cloud *c, const char *id_or_name, const char *var,
                        cloud_reply_fn reply, void *ctx);
void cloud_signal(cloud *c, const char *id_or_name, bool on, cloud_reply_fn reply, void *ctx);
/* OTA of a module binary; the reply comes when the device accepts the
 * update ({"id","status":"Update started"}) or refuses it. */
void cloud_flash(cloud *c, const char *id_or_name, const uint8_t *data, size_t len,
                 cloud_reply_fn reply, void *ctx);
/* Forget every pending reply to ctx (its HTTP client went away). */
void cloud_cancel(cloud *c, void *ctx);

typedef struct cloud_event {
    const char *name, *data; /* data may be NULL */
    int ttl;
    bool is_public;
    const char *coreid;       /* NULL for events published through the API */
    const char *published_at; /* ISO 8601 */
} cloud_event;

typedef void (*cloud_event_fn)(void *ctx, const cloud_event *e);
/* Events whose name starts with `prefix` ("" for all), from one device
 * (id or name) or from all (NULL). Returns a listener id > 0, or -1. */
int cloud_listen(cloud *c, const char *prefix, const char *device, cloud_event_fn fn,
                 void *ctx);
void cloud_unlisten(cloud *c, int id);

#endif
