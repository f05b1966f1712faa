/* The cloud's persistent state in SQLite: devices (id, name, public key
 * learned on first use, platform, last describe, last OTA verdict) and
 * access tokens. Every change is one transaction, so the file is never
 * left half-written; a bad request never touches it. */
#ifndef PHOTON_CLOUD_STORE_H
#define PHOTON_CLOUD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store store;

#define STORE_NAME_MAX 64
#define STORE_KEY_MAX 512

typedef struct store_device {
    char id[25];
    char name[STORE_NAME_MAX];
    uint8_t key[STORE_KEY_MAX];
    size_t key_len;
    int platform_id, product_id;
    int64_t first_seen, last_heard; /* Unix seconds, 0 = never */
    char last_ip[48];
    char *system_describe, *app_describe, *last_ota; /* JSON, malloc'ed or NULL */
} store_device;

store *store_open(const char *path, char *err, size_t errlen);
void store_close(store *s);
void store_device_free(store_device *d);

/* 1 found, 0 not found, -1 error. By id, or by name if no id matches. */
int store_get(store *s, const char *id_or_name, store_device *d);
/* Insert a device seen for the first time, with its key; the name is
 * chosen free ("photon-XXXXXX" from the id's last hex digits). */
int store_add(store *s, const char *id, const uint8_t *key, size_t key_len,
              int platform_id);
int store_set_key(store *s, const char *id, const uint8_t *key, size_t key_len);
/* 0, 1 if another device has that name, -1 error. */
int store_rename(store *s, const char *id, const char *name);
int store_seen(store *s, const char *id, int64_t when, const char *ip, int platform_id,
               int product_id);
/* Either may be NULL to keep the old one. */
int store_set_describe(store *s, const char *id, const char *system_json,
                       const char *app_json);
int store_set_ota(store *s, const char *id, const char *json);
/* Calls fn for every device, ordered by name. */
int store_list(store *s, void (*fn)(void *ctx, const store_device *d), void *ctx);

int store_add_token(store *s, const char *token, int64_t created, int64_t expires,
                    const char *client);
/* true if the token exists and has not expired at `now` (0 = never). */
bool store_token_valid(store *s, const char *token, int64_t now);
int store_delete_token(store *s, const char *token);
/* The token recorded with client "local": 1 found, 0 none, -1 error. */
int store_local_token(store *s, char *out, size_t n);
/* "ok", or SQLite's first complaint (for tests and `cloud --check`). */
const char *store_integrity(store *s, char *buf, size_t n);

#endif
