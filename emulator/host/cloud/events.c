/* Event routing: every event goes to the API's listeners (the SSE streams,
 * tests) whose prefix and device match, and to the connected devices
 * whose subscriptions match. Events that devices publish in the reserved
 * spark/ and particle/ namespaces are never sent to other devices (they
 * could reset them), and no device receives its own events. */
#include "cloud_internal.h"

#include <string.h>

void events_publish(cloud *c, const char *name, const char *data, int ttl, bool is_public,
                    const char *from_id)
{
    char at[32];
    cloud_iso_time(c, at);
    cloud_event e = {.name = name,
                     .data = data,
                     .ttl = ttl,
                     .is_public = is_public,
                     .coreid = from_id,
                     .published_at = at};
    for (listener *l = c->listeners, *next; l; l = next) {
        next = l->next; /* a listener may go away in its callback */
        if (strncmp(name, l->prefix, strlen(l->prefix)))
            continue;
        if (l->device[0] && (!from_id || strcmp(l->device, from_id)))
            continue;
        l->fn(l->ctx, &e);
    }
    bool reserved = !strncmp(name, "spark", 5) || !strncmp(name, "particle", 8);
    if (from_id && reserved)
        return;
    for (cdev *d = c->devs; d; d = d->next)
        if (d->s && (!from_id || strcmp(d->id, from_id)))
            dsession_deliver_event(d->s, &e, from_id);
}

int cloud_publish(cloud *c, const char *name, const char *data, int ttl, bool is_private,
                  json_t **body)
{
    if (!name || !*name || strlen(name) > 64) {
        *body = json_pack("{s:b,s:s}", "ok", 0, "error",
                          name && *name ? "Event name is too long (64 characters at most)"
                                        : "Event name is required");
        return 400;
    }
    if (data && strlen(data) > 622) {
        *body = json_pack("{s:b,s:s}", "ok", 0, "error", "Event data is too long (622 bytes at most)");
        return 400;
    }
    if (!strncmp(name, "spark/device/key", 16)) {
        /* spark/device/key/restore would make a device leave this cloud */
        *body = json_pack("{s:b,s:s}", "ok", 0, "error", "That event name is reserved");
        return 400;
    }
    events_publish(c, name, data, ttl > 0 ? ttl : 60, !is_private, NULL);
    *body = json_pack("{s:b}", "ok", 1);
    return 200;
}
