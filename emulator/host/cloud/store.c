/* SQLite store. */
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

struct store {
    sqlite3 *db;
};

static const char schema[] =
    "PRAGMA foreign_keys=ON;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);"
    "INSERT OR IGNORE INTO meta VALUES('schema','1');"
    "CREATE TABLE IF NOT EXISTS devices("
    " id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, public_key BLOB,"
    " platform_id INTEGER NOT NULL DEFAULT 6, product_id INTEGER NOT NULL DEFAULT 6,"
    " first_seen INTEGER NOT NULL DEFAULT 0, last_heard INTEGER NOT NULL DEFAULT 0,"
    " last_ip TEXT NOT NULL DEFAULT '', system_describe TEXT, app_describe TEXT,"
    " last_ota TEXT);"
    "CREATE TABLE IF NOT EXISTS tokens("
    " token TEXT PRIMARY KEY, created INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " client TEXT NOT NULL DEFAULT '');";

store *store_open(const char *path, char *err, size_t errlen)
{
    store *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    char *msg = NULL;
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(s->db, 5000);
        rc = sqlite3_exec(s->db, schema, NULL, NULL, &msg);
    }
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cloud store %s: %s", path,
                 msg ? msg : s->db ? sqlite3_errmsg(s->db) : "cannot open");
        sqlite3_free(msg);
        sqlite3_close(s->db);
        free(s);
        return NULL;
    }
    return s;
}

void store_close(store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

void store_device_free(store_device *d)
{
    free(d->system_describe);
    free(d->app_describe);
    free(d->last_ota);
    d->system_describe = d->app_describe = d->last_ota = NULL;
}

/* Prepare, bind text/int64/blob arguments from a format ("t", "i", "b"),
 * and return the statement (NULL on error). */
static sqlite3_stmt *prep(store *s, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 1; fmt && *fmt; fmt++, i++) {
        int rc;
        if (*fmt == 't') {
            const char *t = va_arg(ap, const char *);
            rc = t ? sqlite3_bind_text(st, i, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
        } else if (*fmt == 'i') {
            rc = sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
        } else {
            const void *b = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            rc = sqlite3_bind_blob(st, i, b, (int)n, SQLITE_TRANSIENT);
        }
        if (rc != SQLITE_OK) {
            va_end(ap);
            sqlite3_finalize(st);
            return NULL;
        }
    }
    va_end(ap);
    return st;
}

/* Run a statement that returns no rows; returns 0, or -1 on error, or 1
 * for a constraint violation. */
static int run(sqlite3_stmt *st)
{
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    return rc == SQLITE_CONSTRAINT ? 1 : -1;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? strdup((const char *)t) : NULL;
}

static void copy_col(sqlite3_stmt *st, int col, char *out, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, n, "%s", t ? (const char *)t : "");
}

#define DEVICE_COLS                                                                      \
    "id, name, public_key, platform_id, product_id, first_seen, last_heard, last_ip,"  \
    " system_describe, app_describe, last_ota"

static void row_to_device(sqlite3_stmt *st, store_device *d)
{
    memset(d, 0, sizeof(*d));
    copy_col(st, 0, d->id, sizeof(d->id));
    copy_col(st, 1, d->name, sizeof(d->name));
    int n = sqlite3_column_bytes(st, 2);
    if (n > 0 && (size_t)n <= sizeof(d->key)) {
        memcpy(d->key, sqlite3_column_blob(st, 2), (size_t)n);
        d->key_len = (size_t)n;
    }
    d->platform_id = sqlite3_column_int(st, 3);
    d->product_id = sqlite3_column_int(st, 4);
    d->first_seen = sqlite3_column_int64(st, 5);
    d->last_heard = sqlite3_column_int64(st, 6);
    copy_col(st, 7, d->last_ip, sizeof(d->last_ip));
    d->system_describe = dup_col(st, 8);
    d->app_describe = dup_col(st, 9);
    d->last_ota = dup_col(st, 10);
}

int store_get(store *s, const char *id_or_name, store_device *d)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT " DEVICE_COLS " FROM devices WHERE id = lower(?1)"
                            " UNION ALL SELECT " DEVICE_COLS " FROM devices WHERE name = ?1"
                            " LIMIT 1",
                            "t", id_or_name);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_to_device(st, d);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_add(store *s, const char *id, const uint8_t *key, size_t key_len, int platform_id)
{
    char name[STORE_NAME_MAX];
    size_t l = strlen(id);
    for (int i = 1; i < 100; i++) {
        if (i == 1)
            snprintf(name, sizeof(name), "photon-%s", id + (l > 6 ? l - 6 : 0));
        else
            snprintf(name, sizeof(name), "photon-%s-%d", id + (l > 6 ? l - 6 : 0), i);
        int rc = run(prep(s,
                          "INSERT INTO devices(id, name, public_key, platform_id, product_id,"
                          " first_seen) VALUES(lower(?), ?, ?, ?, ?, strftime('%s','now'))",
                          "ttbii", id, name, key, key_len, (int64_t)platform_id,
                          (int64_t)platform_id));
        if (rc <= 0)
            return rc;
        store_device d;
        if (store_get(s, id, &d) == 1) { /* the id itself exists: not a name clash */
            store_device_free(&d);
            return 1;
        }
    }
    return -1;
}

int store_set_key(store *s, const char *id, const uint8_t *key, size_t key_len)
{
    return run(prep(s, "UPDATE devices SET public_key = ? WHERE id = ?", "bt", key, key_len, id));
}

int store_rename(store *s, const char *id, const char *name)
{
    return run(prep(s, "UPDATE devices SET name = ? WHERE id = ?", "tt", name, id));
}

int store_seen(store *s, const char *id, int64_t when, const char *ip, int platform_id,
               int product_id)
{
    return run(prep(s,
                    "UPDATE devices SET last_heard = ?, last_ip = ?, platform_id = ?,"
                    " product_id = ? WHERE id = ?",
                    "itiit", when, ip ? ip : "", (int64_t)platform_id, (int64_t)product_id,
                    id));
}

int store_set_describe(store *s, const char *id, const char *system_json, const char *app_json)
{
    return run(prep(s,
                    "UPDATE devices SET system_describe = coalesce(?, system_describe),"
                    " app_describe = coalesce(?, app_describe) WHERE id = ?",
                    "ttt", system_json, app_json, id));
}

int store_set_ota(store *s, const char *id, const char *json)
{
    return run(prep(s, "UPDATE devices SET last_ota = ? WHERE id = ?", "tt", json, id));
}

int store_list(store *s, void (*fn)(void *ctx, const store_device *d), void *ctx)
{
    sqlite3_stmt *st = prep(s, "SELECT " DEVICE_COLS " FROM devices ORDER BY name", NULL);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_device d;
        row_to_device(st, &d);
        fn(ctx, &d);
        store_device_free(&d);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_add_token(store *s, const char *token, int64_t created, int64_t expires,
                    const char *client)
{
    return run(prep(s, "INSERT OR REPLACE INTO tokens VALUES(?, ?, ?, ?)", "tiit", token,
                    created, expires, client ? client : ""));
}

bool store_token_valid(store *s, const char *token, int64_t now)
{
    sqlite3_stmt *st = prep(s, "SELECT expires FROM tokens WHERE token = ?", "t", token);
    if (!st)
        return false;
    bool ok = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        int64_t exp = sqlite3_column_int64(st, 0);
        ok = exp == 0 || exp > now;
    }
    sqlite3_finalize(st);
    return ok;
}

int store_delete_token(store *s, const char *token)
{
    return run(prep(s, "DELETE FROM tokens WHERE token = ?", "t", token));
}

int store_local_token(store *s, char *out, size_t n)
{
    sqlite3_stmt *st = prep(s,
                            "SELECT token FROM tokens WHERE client = 'local' AND expires = 0"
                            " ORDER BY created LIMIT 1",
                            NULL);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        copy_col(st, 0, out, n);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

const char *store_integrity(store *s, char *buf, size_t n)
{
    sqlite3_stmt *st = prep(s, "PRAGMA integrity_check", NULL);
    snprintf(buf, n, "cannot check");
    if (st && sqlite3_step(st) == SQLITE_ROW)
        copy_col(st, 0, buf, n);
    sqlite3_finalize(st);
    return buf;
}
