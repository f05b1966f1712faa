/* The operations behind the REST API, with the answers the real Particle
 * API gives (shapes checked against particle-api-js 11 and the Particle
 * CLI 3.43's use of them). */
#include "cloud_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap.h"
#include "describe.h"

static json_t *error_body(const char *error)
{
    return json_pack("{s:b,s:s}", "ok", 0, "error", error);
}

/* Particle's answer for a device that is not in this account. */
static json_t *unknown_device(void)
{
    return json_pack("{s:b,s:s,s:s}", "ok", 0, "error", "Permission Denied", "info",
                     "I didn't recognize that device name or ID");
}

static dsession *online(cloud *c, const char *id)
{
    cdev *d = cloud_dev(c, id, false);
    return d && d->s && d->s->hello ? d->s : NULL;
}

static void iso(int64_t t, char out[32])
{
    if (t <= 0) {
        out[0] = 0;
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
}

/* "2.2.0" for the system module versions of published releases. */
static const char *system_version(const char *system_json, char *buf, size_t n)
{
    static const struct {
        int v;
        const char *s;
    } known[] = {{17, "0.5.2"}, {1502, "1.5.0"}, {2202, "2.2.0"}};
    describe_system ds;
    const describe_module *m = NULL;
    if (system_json && describe_parse_system(system_json, &ds) == 0)
        m = describe_find(&ds, 's', 1);
    if (!m)
        return NULL;
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].v == m->version)
            return known[i].s;
    snprintf(buf, n, "module version %d", m->version);
    return buf;
}

static json_t *device_summary(cloud *c, const store_device *d)
{
    dsession *s = online(c, d->id);
    char heard[32], vbuf[32];
    iso(s ? cloud_unix(c) : d->last_heard, heard);
    const char *sysv = system_version(s && s->system_json ? s->system_json : d->system_describe,
                                      vbuf, sizeof(vbuf));
    json_t *o = json_pack("{s:s,s:s,s:n,s:s,s:s,s:i,s:b,s:b,s:i,s:b,s:n,s:s,s:s}", "id", d->id,
                          "name", d->name, "last_app", "last_ip_address", d->last_ip,
                          "last_heard", heard, "product_id", d->product_id, "connected", s != NULL,
                          "online", s != NULL, "platform_id", d->platform_id, "cellular", 0,
                          "notes", "status", "normal", "serial_number", "");
    if (!*heard)
        json_object_set_new(o, "last_heard", json_null());
    if (sysv) {
        json_object_set_new(o, "system_firmware_version", json_string(sysv));
        json_object_set_new(o, "current_build_target", json_string(sysv));
        json_object_set_new(o, "default_build_target", json_string(sysv));
    }
    return o;
}

static void add_summary(void *ctx, const store_device *d)
{
    void **a = ctx;
    json_array_append_new(a[1], device_summary(a[0], d));
}

json_t *cloud_devices_json(cloud *c)
{
    json_t *arr = json_array();
    void *a[2] = {c, arr};
    store_list(c->st, add_summary, a);
    return arr;
}

int cloud_device_json(cloud *c, const char *id_or_name, json_t **body)
{
    store_device d;
    if (cloud_lookup(c, id_or_name, &d) != 1) {
        *body = unknown_device();
        return 403;
    }
    json_t *o = device_summary(c, &d);
    dsession *s = online(c, d.id);
    const char *app = s && s->app_json ? s->app_json : d.app_describe;
    if (s || app) {
        json_object_set_new(o, "functions", describe_functions(app));
        json_object_set_new(o, "variables", describe_variables(app));
    } else {
        json_object_set_new(o, "functions", json_null());
        json_object_set_new(o, "variables", json_null());
    }
    json_object_set_new(o, "firmware_updates_enabled", json_true());
    json_object_set_new(o, "firmware_updates_forced", json_false());
    json_t *ota = d.last_ota ? json_loads(d.last_ota, 0, NULL) : NULL;
    json_object_set_new(o, "photon_sim_last_flash", ota ? ota : json_null());
    store_device_free(&d);
    *body = o;
    return 200;
}

int cloud_rename(cloud *c, const char *id_or_name, const char *name, json_t **body)
{
    store_device d;
    if (cloud_lookup(c, id_or_name, &d) != 1) {
        *body = unknown_device();
        return 403;
    }
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n < STORE_NAME_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
             (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_';
    /* a name that looks like a device id would shadow that device */
    if (ok && n == 24 && strspn(name, "0123456789abcdef") == 24)
        ok = false;
    if (!ok) {
        store_device_free(&d);
        *body = error_body("Invalid device name: 1 to 63 letters, digits, '-' or '_'");
        return 400;
    }
    int rc = store_rename(c->st, d.id, name);
    if (rc) {
        store_device_free(&d);
        *body = error_body(rc > 0 ? "That name is already taken by another device" : "store error");
        return rc > 0 ? 400 : 500;
    }
    char at[32];
    cloud_iso_time(c, at);
    *body = json_pack("{s:s,s:s,s:s}", "name", name, "id", d.id, "updated_at", at);
    cloud_log(c, "%s renamed from %s to %s", d.id, d.name, name);
    store_device_free(&d);
    return 200;
}

/* The device of an asynchronous request, online, or NULL after replying. */
static dsession *target(cloud *c, const char *id_or_name, int unknown_status, cloud_reply_fn reply,
                       void *ctx)
{
    store_device d;
    if (cloud_lookup(c, id_or_name, &d) != 1) {
        reply(ctx, unknown_status,
              unknown_status == 404 ? error_body("Device not found.") : unknown_device());
        return NULL;
    }
    dsession *s = online(c, d.id);
    store_device_free(&d);
    if (!s)
        reply(ctx, 400, error_body("The device is offline."));
    return s;
}

/* A request slot with its token, or NULL after replying 503. */
static pending *request(dsession *s, req_kind kind, const char *name, cloud_reply_fn reply,
                        void *ctx)
{
    pending *p = dsession_add_pending(s, kind, reply, ctx);
    if (!p)
        reply(ctx, 503, error_body("Too many requests in flight for this device"));
    else
        snprintf(p->name, sizeof(p->name), "%s", name);
    return p;
}

static bool listed(json_t *set, const char *name)
{
    bool found = false;
    if (json_is_array(set)) {
        size_t i;
        json_t *e;
        json_array_foreach(set, i, e) found |= json_is_string(e) && !strcmp(json_string_value(e), name);
    } else {
        found = json_object_get(set, name) != NULL;
    }
    return found;
}

void cloud_call(cloud *c, const char *id_or_name, const char *fn, const char *arg,
                cloud_reply_fn reply, void *ctx)
{
    dsession *s = target(c, id_or_name, 404, reply, ctx);
    if (!s)
        return;
    char msg[128];
    size_t fl = fn ? strlen(fn) : 0, al = arg ? strlen(arg) : 0;
    if (fl == 0 || fl > 64) {
        reply(ctx, 404, error_body("Function not found"));
        return;
    }
    if (al > 622) {
        reply(ctx, 400, error_body("The argument is longer than 622 bytes"));
        return;
    }
    /* an empty application describe taken before the app's setup() (1.5.0)
     * while the cloud still asks again: let the device answer the call */
    bool unsettled = describe_app_empty(s->app_json) && (s->describe_again_at || s->describe_pending);
    if (s->app_json && !unsettled) {
        json_t *f = describe_functions(s->app_json);
        bool ok = listed(f, fn);
        json_decref(f);
        if (!ok) {
            snprintf(msg, sizeof(msg), "Function %s not found", fn);
            reply(ctx, 404, error_body(msg));
            return;
        }
    } else {
        dsession_request_describe(s);
    }
    pending *p = request(s, REQ_FUNCTION, fn, reply, ctx);
    if (!p)
        return;
    uint8_t buf[CHANNEL_MAX_PLAIN_TO_DEVICE];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), COAP_CON, COAP_POST, p->mid, &p->token, 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "f", 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, fn, fl);
    /* the device reads the next option as the argument: always send it */
    coap_opt_add(&b, COAP_OPT_URI_QUERY, arg ? arg : "", al);
    dsession_send(s, buf, coap_end(&b));
}

void cloud_get_variable(cloud *c, const char *id_or_name, const char *var,
                        cloud_reply_fn reply, void *ctx)
{
    dsession *s = target(c, id_or_name, 404, reply, ctx);
    if (!s)
        return;
    size_t vl = var ? strlen(var) : 0;
    int type = s->app_json ? describe_variable_type(s->app_json, var ? var : "") : 0;
    if (vl == 0 || vl > 64 || (s->app_json && !type)) {
        reply(ctx, 404, error_body("Variable not found"));
        return;
    }
    if (!s->app_json)
        dsession_request_describe(s);
    pending *p = request(s, REQ_VARIABLE, var, reply, ctx);
    if (!p)
        return;
    p->vartype = type ? type : 4;
    uint8_t buf[96];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), COAP_CON, COAP_GET, p->mid, &p->token, 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "v", 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, var, vl);
    dsession_send(s, buf, coap_end(&b));
}

void cloud_signal(cloud *c, const char *id_or_name, bool on, cloud_reply_fn reply, void *ctx)
{
    dsession *s = target(c, id_or_name, 403, reply, ctx);
    if (!s)
        return;
    pending *p = request(s, REQ_SIGNAL, on ? "on" : "off", reply, ctx);
    if (!p)
        return;
    uint8_t v = on ? 1 : 0, buf[16];
    coap_builder b;
    coap_begin(&b, buf, sizeof(buf), COAP_CON, COAP_PUT, p->mid, &p->token, 1);
    coap_opt_add(&b, COAP_OPT_URI_PATH, "s", 1);
    coap_opt_add(&b, COAP_OPT_URI_QUERY, &v, 1);
    dsession_send(s, buf, coap_end(&b));
}

void cloud_cancel(cloud *c, void *ctx)
{
    for (cdev *d = c->devs; d; d = d->next)
        if (d->s)
            dsession_cancel(d->s, ctx);
}
