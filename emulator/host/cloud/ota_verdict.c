/* The truth about an OTA. The real cloud's "Update started" and
 * spark/flash/status "success " only mean that the transfer went through
 * (docs.particle.io, firmware update events). What counts is what the
 * device runs after its reset: the module in the slot of the file (user.1,
 * system.2, ...) must carry the file's SHA-256 and pass every check
 * (vc == vv), and the device must not be in safe mode. This file starts
 * an OTA (cloud_flash), reads the device's UpdateDone verdict, and, when
 * the device's describe arrives after the reconnect, publishes
 * photon-sim/flash/result and keeps it in the store. */
#include "ota.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "describe.h"

static char func_letter(uint8_t f)
{
    return f == MODULE_FUNC_USER ? 'u' : f == MODULE_FUNC_SYSTEM ? 's' :
           f == MODULE_FUNC_BOOTLOADER ? 'b' : f == MODULE_FUNC_MONO ? 'm' : '?';
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[b[i] >> 4];
        out[2 * i + 1] = h[b[i] & 15];
    }
    out[2 * n] = 0;
}

static void refuse(cloud_reply_fn reply, void *ctx, int status, const char *msg)
{
    reply(ctx, status, json_pack("{s:b,s:s}", "ok", 0, "error", msg));
}

void cloud_flash(cloud *c, const char *id_or_name, const uint8_t *data, size_t len,
                 cloud_reply_fn reply, void *ctx)
{
    store_device d;
    if (cloud_lookup(c, id_or_name, &d) != 1) {
        reply(ctx, 403, json_pack("{s:b,s:s,s:s}", "ok", 0, "error", "Permission Denied", "info",
                                  "I didn't recognize that device name or ID"));
        return;
    }
    char id[25];
    snprintf(id, sizeof(id), "%s", d.id);
    int platform = d.platform_id;
    store_device_free(&d);
    module_info mi;
    char err[160], msg[240];
    if (module_parse(data, len, &mi, err, sizeof(err))) {
        snprintf(msg, sizeof(msg), "The file is not a Particle module binary: %s", err);
        refuse(reply, ctx, 400, msg);
        return;
    }
    if (mi.platform != platform) {
        snprintf(msg, sizeof(msg),
                 "The binary is for platform %u (%s), the device is platform %d (%s)", mi.platform,
                 platform_name(mi.platform), platform, platform_name((uint16_t)platform));
        refuse(reply, ctx, 400, msg);
        return;
    }
    if (len > 262144) {
        refuse(reply, ctx, 413, "The binary is larger than the device's OTA area (262144 bytes)");
        return;
    }
    cdev *dev = cloud_dev(c, id, false);
    if (!dev || !dev->s || !dev->s->hello) {
        refuse(reply, ctx, 400, "The device is offline.");
        return;
    }
    dsession *s = dev->s;
    if (s->ota) {
        refuse(reply, ctx, 409, "An update is already in progress on this device.");
        return;
    }
    ota_track *t = calloc(1, sizeof(*t));
    if (!t) {
        refuse(reply, ctx, 500, "out of memory");
        return;
    }
    if (mi.sha_present)
        hex(mi.sha_stored, 32, t->sha);
    t->func = func_letter(mi.func);
    t->index = mi.index;
    t->version = mi.version;
    t->platform = mi.platform;
    t->size = len;
    t->crc_ok = mi.crc_ok;
    t->start = mi.start;
    t->end = mi.end;
    t->file = malloc(len);
    if (t->file)
        memcpy(t->file, data, len);
    snprintf(t->module, sizeof(t->module), "%s.%u", module_func_name(mi.func), mi.index);
    t->before_version = -1;
    describe_system ds;
    if (s->system_json && describe_parse_system(s->system_json, &ds) == 0) {
        const describe_module *m = describe_find(&ds, t->func, t->index);
        if (m) {
            snprintf(t->before_sha, sizeof(t->before_sha), "%s", m->hash);
            t->before_version = m->version;
        }
    }
    ota_track_free(dev->track);
    dev->track = t;
    s->ota = ota_start(s, data, len, &mi, reply, ctx);
    if (!s->ota)
        refuse(reply, ctx, 500, "out of memory");
}

static const char *r_meaning(long r)
{
    switch (r) {
    case 0: return "valid";
    case -1300: return "no module found in the OTA area";
    case -1310: return "module too large";
    case -1320: return "module validation failed";
    case -1330: return "bad CRC (integrity)";
    case -1340: return "dependencies not met";
    case -1350: return "wrong address range";
    case -1360: return "wrong platform";
    default: return "an error";
    }
}

void ota_verdict_update_done(ota_track *t, const uint8_t *payload, size_t len)
{
    json_decref(t->update_done);
    t->update_done = payload && len ? json_loadb((const char *)payload, len, 0, NULL) : NULL;
    json_t *r = json_object_get(t->update_done, "r");
    if (json_is_integer(r)) { /* 2.2.0 */
        long v = (long)json_integer_value(r);
        snprintf(t->device_says, sizeof(t->device_says), "r=%ld (%s)", v, r_meaning(v));
        t->device_refused = v != 0;
    } else if (json_is_string(r)) { /* 1.5.0: "ok" only means a header was found */
        json_t *u = json_object_get(t->update_done, "u");
        json_t *vc = json_object_get(u, "vc"), *vv = json_object_get(u, "vv");
        int c = (int)json_integer_value(vc), v = (int)json_integer_value(vv);
        char checks[96];
        if (strcmp(json_string_value(r), "ok")) {
            snprintf(t->device_says, sizeof(t->device_says), "r=\"%s\" (no valid module)",
                     json_string_value(r));
            t->device_refused = true;
        } else if (json_is_integer(vc) && json_is_integer(vv) && c != v) {
            snprintf(t->device_says, sizeof(t->device_says), "r=\"ok\" but vc=%d vv=%d: failed %s", c,
                     v, describe_checks_str(c & ~v, checks, sizeof(checks)));
            t->device_refused = true;
        } else {
            snprintf(t->device_says, sizeof(t->device_says), "r=\"ok\", vc=%d vv=%d (valid)", c, v);
        }
    } else {
        snprintf(t->device_says, sizeof(t->device_says), "no verdict (the system reports none)");
    }
}

/* Publish and record the verdict; the track is done. */
static void publish(cloud *c, cdev *d, const char *status, const char *message,
                    const describe_module *running, bool safe_mode)
{
    ota_track *t = d->track;
    json_t *file = json_pack("{s:s,s:s,s:i,s:i,s:I,s:b}", "sha256", t->sha, "module", t->module,
                             "version", t->version, "platform", t->platform, "size",
                             (json_int_t)t->size, "crc_ok", t->crc_ok);
    json_t *run = json_null();
    if (running)
        run = json_pack("{s:s,s:i,s:s,s:i,s:i}", "module", t->module, "version", running->version,
                        "sha256", running->hash, "vc", running->vc, "vv", running->vv);
    json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:O,s:s,s:o,s:b}", "id", d->id, "status", status,
                          "message", message, "file", file, "update_done",
                          t->update_done ? t->update_done : json_null(), "device_says",
                          t->device_says, "running", run, "safe_mode", safe_mode);
    char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    t->done = true;
    if (!txt)
        return;
    cloud_log(c, "%s: flash result: %s: %s", d->id, status, message);
    store_set_ota(c->st, d->id, txt);
    events_publish(c, "photon-sim/flash/result", txt, 60, false, d->id);
    free(txt);
}

void ota_verdict_failed(cloud *c, cdev *d, const char *why)
{
    ota_track *t = d->track;
    if (!t || t->done)
        return;
    snprintf(t->failure, sizeof(t->failure), "%s", why);
    events_publish(c, "spark/flash/status", "failed ", 60, false, d->id);
    char msg[300];
    snprintf(msg, sizeof(msg), "the transfer failed: %s; the device keeps what it had", why);
    publish(c, d, "failed", msg, NULL, false);
}

/* Why the bootloader did not apply it, from the device's flash when the
 * cloud can read it (cloud_set_flash_probe); -1 when it cannot. */
static int bootloader_evidence(cloud *c, cdev *d, char *out, size_t n)
{
    ota_track *t = d->track;
    cloud_flash_view v;
    memset(&v, 0, sizeof(v));
    if (!c->probe || !c->probe(c->probe_ctx, d->id, &v))
        return -1;
    return ota_evidence_explain(t, &v, (uint16_t)t->platform, out, n);
}

void ota_track_check(cloud *c, cdev *d, bool force)
{
    ota_track *t = d->track;
    dsession *s = d->s;
    if (!t || t->done || !t->transferred || !s || d->gen <= t->gen || !s->system_json)
        return;
    if (!t->describe_at)
        t->describe_at = cloud_now(c);
    /* wait for the end of the connection burst (the time request comes
     * after spark/device/safemode and last_reset), unless forced */
    if (!s->burst_done && !force)
        return;
    bool safe_mode = s->safe_mode;
    describe_system ds;
    if (describe_parse_system(s->system_json, &ds))
        return;
    const describe_module *m = describe_find(&ds, t->func, t->index);
    char msg[1000], checks[128], dep[48];
    if (!m) {
        snprintf(msg, sizeof(msg), "the device lists no %s module after its reset; the device says %s",
                 t->module, t->device_says);
        publish(c, d, "not-applied", msg, NULL, safe_mode);
        return;
    }
    bool applied;
    if (t->sha[0] && m->hash[0])
        applied = !strcasecmp(m->hash, t->sha);
    else /* no hash to compare (0.5.x): versions tell only when they differ */
        applied = m->version == t->version && t->before_version != t->version;
    bool valid = m->vc < 0 || m->vc == m->vv;
    if (!applied) {
        char why[720], ev[400];
        if (t->device_refused)
            snprintf(why, sizeof(why), "the device refused the image at UpdateDone (device says %s)",
                     t->device_says);
        else if (!bootloader_evidence(c, d, ev, sizeof(ev)))
            snprintf(why, sizeof(why),
                     "the device accepted the image (device says %s), but the bootloader did not "
                     "apply it: %s",
                     t->device_says, ev);
        else
            snprintf(why, sizeof(why),
                     "the device accepted the image (device says %s), but the bootloader did not "
                     "apply it (it refused the module at copy time, or could not read the DCT, or "
                     "the update was never written)",
                     t->device_says);
        snprintf(msg, sizeof(msg), "nothing applied: %s; the old %s (version %d%s%.12s) still runs",
                 why, t->module, m->version, m->hash[0] ? ", sha256 " : "", m->hash);
        if (!t->crc_ok)
            strncat(msg, "; the file's own CRC is wrong", sizeof(msg) - strlen(msg) - 1);
        publish(c, d, "not-applied", msg, m, safe_mode);
        return;
    }
    if (valid && !safe_mode) {
        snprintf(msg, sizeof(msg), "the new %s runs (version %d%s%.12s, every check passed)",
                 t->module, m->version, m->hash[0] ? ", sha256 " : "", m->hash);
        publish(c, d, "running", msg, m, false);
        return;
    }
    size_t k = (size_t)snprintf(msg, sizeof(msg), "the new %s is installed but does not run", t->module);
    if (!valid)
        k += (size_t)snprintf(msg + k, sizeof(msg) - k, ": failed %s",
                              describe_checks_str(m->vc & ~m->vv, checks, sizeof(checks)));
    for (int i = 0; i < m->ndeps && k < sizeof(msg); i++)
        if (!valid && ((m->vc & ~m->vv) & (CHECK_DEPENDENCIES | CHECK_FULL_DEPENDENCIES)))
            k += (size_t)snprintf(msg + k, sizeof(msg) - k, "%s%s", i ? ", " : " (needs ",
                                  describe_dep_str(&m->deps[i], dep, sizeof(dep)));
    if (!valid && m->ndeps && ((m->vc & ~m->vv) & (CHECK_DEPENDENCIES | CHECK_FULL_DEPENDENCIES)) &&
        k < sizeof(msg))
        k += (size_t)snprintf(msg + k, sizeof(msg) - k, ")");
    if (safe_mode && k < sizeof(msg))
        snprintf(msg + k, sizeof(msg) - k, "; the device is in safe mode");
    publish(c, d, "not-running", msg, m, safe_mode);
}

void ota_track_tick(cloud *c, cdev *d, int64_t now)
{
    ota_track *t = d->track;
    if (!t || t->done || !t->transferred)
        return;
    if (t->describe_at && now >= t->describe_at + OTA_SETTLE_MS) {
        ota_track_check(c, d, true);
        return;
    }
    if (now < t->deadline)
        return;
    char msg[300];
    snprintf(msg, sizeof(msg), "unknown: the device did not come back within %d s after the update (device says %s)",
             c->o.reconnect_timeout_ms / 1000, t->device_says);
    publish(c, d, "unknown", msg, NULL, false);
}

int64_t ota_track_deadline(const cdev *d)
{
    const ota_track *t = d->track;
    if (!t || t->done || !t->transferred)
        return -1;
    if (t->describe_at && t->describe_at + OTA_SETTLE_MS < t->deadline)
        return t->describe_at + OTA_SETTLE_MS;
    return t->deadline;
}

void ota_track_free(ota_track *t)
{
    if (!t)
        return;
    json_decref(t->update_done);
    free(t->file);
    free(t);
}
