/* The REST API's routes: the subset of api.particle.io that the Particle
 * CLI 3.43 and particle-api-js 11 use for list, device info, call, get,
 * publish, the event stream, flash, rename, signal and tokens. */
#define _GNU_SOURCE
#include "api.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

static json_t *error_body(const char *error)
{
    return json_pack("{s:b,s:s}", "ok", 0, "error", error);
}

/* Split "/v1/devices/ID/NAME" into at most n segments (in place). The
 * last segment keeps the rest of the path (event names have slashes). */
static int segments(char *path, char **seg, int n)
{
    int k = 0;
    char *p = path;
    while (*p == '/')
        p++;
    while (*p && k < n) {
        seg[k++] = p;
        if (k == n)
            break;
        char *slash = strchr(p, '/');
        if (!slash)
            break;
        *slash = 0;
        p = slash + 1;
    }
    return k;
}

static bool is_true(const char *v)
{
    return v && (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "on"));
}

static void token_route(req *r)
{
    cloud *c = r->a->c;
    const char *grant = api_field(r, "grant_type");
    if (!grant || strcmp(grant, "password")) {
        api_answer(r, 400, json_pack("{s:s,s:s}", "error", "unsupported_grant_type",
                                     "error_description", "Only the password grant is supported"));
        return;
    }
    const char *user = api_field(r, "username"), *pass = api_field(r, "password");
    /* one local account: any user name, the password is the local token */
    if (!user || !*user || !pass || strcmp(pass, cloud_token(c))) {
        api_answer(r, 400, json_pack("{s:s,s:s}", "error", "invalid_grant", "error_description",
                                     "User credentials are invalid"));
        return;
    }
    uint8_t rb[20];
    char tok[41];
    crypto_random(rb, sizeof(rb));
    for (int i = 0; i < 20; i++)
        snprintf(tok + 2 * i, 3, "%02x", rb[i]);
    const char *exp = api_field(r, "expires_in");
    long secs = exp ? strtol(exp, NULL, 10) : 7776000;
    if (secs < 0)
        secs = 7776000;
    int64_t now = cloud_unix(c);
    if (store_add_token(c->st, tok, now, secs ? now + secs : 0, api_field(r, "client_id"))) {
        api_answer(r, 500, error_body("store error"));
        return;
    }
    api_answer(r, 200, json_pack("{s:s,s:s,s:i,s:s}", "token_type", "bearer", "access_token", tok,
                                 "expires_in", (int)secs, "refresh_token", tok));
}

static void device_put(req *r, const char *dev)
{
    cloud *c = r->a->c;
    const char *name = api_field(r, "name"), *signal = api_field(r, "signal");
    json_t *body = NULL;
    if (name) {
        int st = cloud_rename(c, dev, name, &body);
        api_answer(r, st, body);
    } else if (signal) {
        if (strcmp(signal, "1") && strcmp(signal, "0")) {
            api_answer(r, 400, error_body("The signal must be 1 or 0"));
            return;
        }
        cloud_signal(c, dev, is_true(signal), api_async_reply, r);
    } else if (r->has_file) {
        cloud_flash(c, dev, r->file, r->file_len, api_async_reply, r);
    } else if (api_field(r, "app_id")) {
        api_answer(r, 400, error_body("Known apps cannot be flashed from this cloud: upload the binary"));
    } else {
        api_answer(r, 400, error_body("Nothing to do: give name, signal or a file"));
    }
}

static void user_route(req *r)
{
    api_answer(r, 200, json_pack("{s:s,s:[],s:{},s:b,s:{s:b}}", "username", "local@photon-sim",
                                 "subscription_ids", "account_info", "scim_provisioned", 0, "mfa",
                                 "enabled", 0));
}

void api_route(req *r)
{
    cloud *c = r->a->c;
    const char *m = r->method;
    bool get = !strcmp(m, "GET"), post = !strcmp(m, "POST"), put = !strcmp(m, "PUT"),
         del = !strcmp(m, "DELETE");
    if (!strcmp(r->url, "/oauth/token")) {
        if (post)
            token_route(r);
        else
            api_answer(r, 405, error_body("Method not allowed"));
        return;
    }
    char path[1024];
    snprintf(path, sizeof(path), "%s", r->url);
    char *s[4] = {0};
    int n = segments(path, s, 4);
    json_t *body = NULL;
    if (n < 2 || strcmp(s[0], "v1")) {
        api_answer(r, 404, error_body("Not found"));
        return;
    }
    if (n == 2 && !strcmp(s[1], "user") && get) {
        user_route(r);
        return;
    }
    if (n == 3 && !strcmp(s[1], "access_tokens") && !strcmp(s[2], "current") && del) {
        const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
        const char *tok = h && strlen(h) > 7 ? h + 7 : api_field(r, "access_token");
        if (tok && strcmp(tok, cloud_token(c)))
            store_delete_token(c->st, tok); /* the local token stays */
        api_answer(r, 200, json_pack("{s:b}", "ok", 1));
        return;
    }
    /* event streams: /v1/events[/P], /v1/devices/events[/P], /v1/devices/ID/events[/P] */
    if (get && !strcmp(s[1], "events")) {
        sse_start(r, n > 2 ? r->url + strlen("/v1/events/") : "", NULL);
        return;
    }
    if (strcmp(s[1], "devices")) {
        api_answer(r, 404, error_body("Not found"));
        return;
    }
    if (n == 2) {
        if (get)
            api_answer(r, 200, cloud_devices_json(c));
        else
            api_answer(r, 405, error_body("Method not allowed"));
        return;
    }
    if (!strcmp(s[2], "events")) {
        if (get) {
            sse_start(r, n > 3 ? r->url + strlen("/v1/devices/events/") : "", NULL);
        } else if (post && n == 3) {
            const char *ttl = api_field(r, "ttl");
            int st = cloud_publish(c, api_field(r, "name"), api_field(r, "data"),
                                   ttl ? atoi(ttl) : 60, !api_field(r, "private") ||
                                   is_true(api_field(r, "private")), &body);
            api_answer(r, st, body);
        } else {
            api_answer(r, 405, error_body("Method not allowed"));
        }
        return;
    }
    const char *dev = s[2];
    if (n == 3) {
        if (get) {
            int st = cloud_device_json(c, dev, &body);
            api_answer(r, st, body);
        } else if (put) {
            device_put(r, dev);
        } else {
            api_answer(r, 405, error_body("Method not allowed"));
        }
        return;
    }
    /* /v1/devices/ID/events[/P] */
    if (get && (!strcmp(s[3], "events") || !strncmp(s[3], "events/", 7))) {
        sse_start(r, s[3][6] == '/' ? s[3] + 7 : "", dev);
        return;
    }
    if (strchr(s[3], '/')) {
        api_answer(r, 404, error_body("Not found"));
        return;
    }
    if (get)
        cloud_get_variable(c, dev, s[3], api_async_reply, r);
    else if (post) {
        const char *arg = api_field(r, "arg");
        cloud_call(c, dev, s[3], arg ? arg : api_field(r, "args"), api_async_reply, r);
    } else
        api_answer(r, 405, error_body("Method not allowed"));
}
