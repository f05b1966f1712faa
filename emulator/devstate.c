#include "devstate.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field section's name: "DEVICE.FIELD". */
static void field_name(char *buf, size_t n, const device *d, const state_field *f)
{
    snprintf(buf, n, "%s.%s", d->name, f->name);
}

/* The bits the battery keeps of field `f` of `d`, or NULL if it keeps none
 * of it (with `all`, every field is kept whole). */
static const state_keep *kept_bits(const device *d, const state_field *f, bool all)
{
    static const state_keep whole = {NULL, 0};
    if (all)
        return &whole;
    for (const state_keep *k = d->cls->keep; k && k->field; k++)
        if (!strcmp(k->field, f->name))
            return k;
    return NULL;
}

static bool masked(const state_field *f, const state_keep *k)
{
    return k->bits && f->size == 4 && state_field_bytes(f) == 4;
}

/* Every field the file holds, in the machine's order. */
#define FOR_EACH_KEPT(m, all, d, f, k)                                                     \
    for (int i_ = 0; i_ < (m)->ndevices; i_++)                                              \
        for (device *d = (m)->devices[i_]; d; d = NULL)                                     \
            for (const state_field *f = d->cls->state; f && f->name; f++)                   \
                for (const state_keep *k = kept_bits(d, f, all); k; k = NULL)

int devstate_save(machine *m, const machine_area *nv, int nnv, bool all, const char *path,
                  char *err, size_t errlen)
{
    int n = nnv;
    size_t bytes = 0;
    FOR_EACH_KEPT(m, all, d, f, k) {
        n++;
        bytes += state_field_bytes(f);
    }
    statefile_section *s = calloc((size_t)n, sizeof(*s));
    char *names = malloc((size_t)n * STATEFILE_NAME_MAX);
    uint8_t *data = malloc(bytes + 1);
    if (!s || !names || !data) {
        free(s);
        free(names);
        free(data);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int i = 0;
    for (; i < nnv; i++)
        s[i] = (statefile_section){nv[i].name, bus_host_ptr(&m->bus, nv[i].lo, nv[i].hi - nv[i].lo),
                                   nv[i].hi - nv[i].lo};
    uint8_t *p = data;
    FOR_EACH_KEPT(m, all, d, f, k) {
        char *nm = names + (size_t)i * STATEFILE_NAME_MAX;
        field_name(nm, STATEFILE_NAME_MAX, d, f);
        device_state_get(d, f, p);
        if (masked(f, k)) {
            uint32_t v;
            memcpy(&v, p, 4);
            v &= k->bits;
            memcpy(p, &v, 4);
        }
        s[i++] = (statefile_section){nm, p, state_field_bytes(f)};
        p += state_field_bytes(f);
    }
    int rc = state_make_dir(path);
    if (rc)
        snprintf(err, errlen, "cannot create the directory for %s", path);
    else
        rc = statefile_save(path, s, n, err, errlen);
    free(s);
    free(names);
    free(data);
    return rc;
}

/* Version 1 kept the battery-backed domain as one "backup" section, the
 * bytes of a struct: where each field was in it. */
static const struct {
    const char *name;
    uint32_t off, len;
} v1_backup[] = {
    {"RTC.BKPR", 0, 80},   {"RTC.CR", 80, 4},      {"RTC.ISR", 84, 4},
    {"RTC.PRER", 88, 4},   {"RTC.WUTR", 92, 4},    {"RTC.CALIBR", 96, 4},
    {"RTC.ALRMAR", 100, 4}, {"RTC.ALRMBR", 104, 4}, {"RTC.TAFCR", 108, 4},
    {"RTC.time", 112, 8},  {"RCC.BDCR", 120, 4},   {"PWR.CSR", 124, 4},
    {"BKPSRAM.MEM", 128, 4096},
};
#define V1_BACKUP_SIZE 4224u

/* A version 1 file as the sections of version 2. */
static int from_v1(const char *path, statefile *f, char *err, size_t errlen)
{
    const statefile_section *bk = statefile_find(f, "backup");
    if (bk && bk->len != V1_BACKUP_SIZE) {
        snprintf(err, errlen, "%s: section backup has %u bytes, expected %u", path, bk->len,
                 V1_BACKUP_SIZE);
        return -1;
    }
    int n = f->n + (bk ? (int)ARRAY_SIZE(v1_backup) : 0);
    statefile_section *s = calloc((size_t)n, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int k = 0;
    for (int i = 0; i < f->n; i++)
        if (&f->s[i] != bk)
            s[k++] = f->s[i];
    for (size_t i = 0; bk && i < ARRAY_SIZE(v1_backup); i++)
        s[k++] = (statefile_section){v1_backup[i].name,
                                     (const uint8_t *)bk->data + v1_backup[i].off,
                                     v1_backup[i].len};
    free(f->s);
    f->s = s;
    f->n = k;
    return 0;
}

/* The field a section "DEVICE.FIELD" holds, or NULL. */
static const state_field *field_of(machine *m, bool all, const char *name)
{
    char nm[STATEFILE_NAME_MAX];
    for (int i = 0; i < m->ndevices; i++) {
        device *d = m->devices[i];
        for (const state_field *f = d->cls->state; f && f->name; f++) {
            field_name(nm, sizeof(nm), d, f);
            if (!strcmp(nm, name) && kept_bits(d, f, all))
                return f;
        }
    }
    return NULL;
}

/* Is every section known with its size, and is every memory there? */
static int check(machine *m, const machine_area *nv, int nnv, bool all, const char *path,
                 const statefile *f, char *err, size_t errlen)
{
    for (int i = 0; i < f->n; i++) {
        const statefile_section *s = &f->s[i];
        uint32_t want = 0;
        for (int k = 0; k < nnv && !want; k++)
            if (!strcmp(s->name, nv[k].name))
                want = nv[k].hi - nv[k].lo;
        const state_field *fl = want ? NULL : field_of(m, all, s->name);
        if (fl)
            want = state_field_bytes(fl);
        if (!want) {
            snprintf(err, errlen, "%s: unknown section %s (a file of another photon-sim?)",
                     path, s->name);
            return -1;
        }
        if (s->len != want) {
            snprintf(err, errlen, "%s: section %s has %u bytes, expected %u", path, s->name,
                     s->len, want);
            return -1;
        }
    }
    for (int i = 0; i < nnv; i++) {
        const statefile_section *s = statefile_find(f, nv[i].name);
        if (!s) {
            snprintf(err, errlen, "%s lacks the %s section", path, nv[i].name);
            return -1;
        }
    }
    return 0;
}

int devstate_load(machine *m, const machine_area *nv, int nnv, bool all, const char *path,
                  statefile *kept, char *err, size_t errlen)
{
    int rc = statefile_load(path, kept, err, errlen);
    if (rc)
        return rc;
    if ((kept->version == 1 && from_v1(path, kept, err, errlen)) ||
        check(m, nv, nnv, all, path, kept, err, errlen)) {
        statefile_free(kept);
        return -1;
    }
    for (int i = 0; i < nnv; i++)
        memcpy(bus_host_ptr(&m->bus, nv[i].lo, nv[i].hi - nv[i].lo),
               statefile_find(kept, nv[i].name)->data, nv[i].hi - nv[i].lo);
    return 0;
}

void devstate_apply(machine *m, const statefile *kept, bool all)
{
    char nm[STATEFILE_NAME_MAX];
    uint8_t buf[8];
    FOR_EACH_KEPT(m, all, d, f, k) {
        field_name(nm, sizeof(nm), d, f);
        const statefile_section *s = statefile_find(kept, nm);
        if (!s)
            continue; /* an older file without it: the reset value stays */
        if (!masked(f, k)) {
            device_state_put(d, f, s->data);
            continue;
        }
        uint32_t cur, v;
        device_state_get(d, f, buf);
        memcpy(&cur, buf, 4);
        memcpy(&v, s->data, 4);
        v = (cur & ~k->bits) | (v & k->bits);
        device_state_put(d, f, &v);
    }
}
