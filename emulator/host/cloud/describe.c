/* Describe parsing. */
#include "describe.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dump(json_t *o)
{
    return json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

int describe_split(const char *payload, size_t len, char **system_json, char **app_json)
{
    *system_json = *app_json = NULL;
    json_t *root = json_loadb(payload, len, 0, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    json_t *f = json_object_get(root, "f"), *v = json_object_get(root, "v");
    if (f || v) {
        json_t *app = json_object();
        json_object_set_new(app, "f", f ? json_incref(f) : json_array());
        json_object_set_new(app, "v", v ? json_incref(v) : json_object());
        *app_json = dump(app);
        json_decref(app);
        json_object_del(root, "f");
        json_object_del(root, "v");
    }
    if (json_object_get(root, "m") || json_object_get(root, "p"))
        *system_json = dump(root);
    json_decref(root);
    return 0;
}

/* "n" and "v" come as strings in some versions and numbers in others. */
static int int_field(json_t *o, const char *key, int dflt)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        return (int)json_integer_value(v);
    if (json_is_string(v)) {
        char *end;
        long l = strtol(json_string_value(v), &end, 10);
        return end != json_string_value(v) ? (int)l : dflt;
    }
    return dflt;
}

static char char_field(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s[0] : '?';
}

int describe_parse_system(const char *json, describe_system *out)
{
    memset(out, 0, sizeof(*out));
    out->platform = -1;
    json_t *root = json ? json_loads(json, 0, NULL) : NULL;
    json_t *m = json_object_get(root, "m");
    if (!json_is_array(m)) {
        json_decref(root);
        return -1;
    }
    out->platform = int_field(root, "p", -1);
    size_t i;
    json_t *e;
    json_array_foreach(m, i, e)
    {
        if (out->nmodules == DESCRIBE_MAX_MODULES || !json_is_object(e))
            break;
        describe_module *d = &out->modules[out->nmodules++];
        d->func = char_field(e, "f");
        d->location = char_field(e, "l");
        d->index = int_field(e, "n", 0);
        d->version = int_field(e, "v", 0);
        d->vc = int_field(e, "vc", -1);
        d->vv = int_field(e, "vv", -1);
        d->size = int_field(e, "s", 0);
        const char *h = json_string_value(json_object_get(e, "u"));
        if (h) {
            size_t k;
            for (k = 0; h[k] && k < 64; k++)
                d->hash[k] = (char)tolower((unsigned char)h[k]);
            d->hash[k] = 0;
        }
        json_t *deps = json_object_get(e, "d"), *dep;
        size_t j;
        json_array_foreach(deps, j, dep)
        {
            if (d->ndeps == DESCRIBE_MAX_DEPS)
                break;
            d->deps[d->ndeps++] = (describe_dep){char_field(dep, "f"), int_field(dep, "n", 0),
                                                 int_field(dep, "v", 0)};
        }
    }
    json_decref(root);
    return 0;
}

const describe_module *describe_find(const describe_system *s, char func, int index)
{
    for (int i = 0; i < s->nmodules; i++) {
        const describe_module *m = &s->modules[i];
        if (m->func == func && m->index == index && (m->location == 'm' || m->location == '?'))
            return m;
    }
    return NULL;
}

const char *describe_checks_str(int checks, char *buf, size_t n)
{
    static const struct {
        int bit;
        const char *name;
    } names[] = {{CHECK_INTEGRITY, "integrity (CRC)"},
                 {CHECK_DEPENDENCIES, "dependencies"},
                 {CHECK_RANGE, "address range"},
                 {CHECK_PLATFORM, "platform"},
                 {CHECK_FULL_DEPENDENCIES, "full dependencies"}};
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (checks & names[i].bit)
            k += (size_t)snprintf(buf + k, k < n ? n - k : 0, "%s%s", k ? ", " : "",
                                  names[i].name);
    return buf;
}

const char *describe_dep_str(const describe_dep *d, char *buf, size_t n)
{
    const char *f = d->func == 'b' ? "bootloader" : d->func == 's' ? "system" :
                    d->func == 'u' ? "user" : d->func == 'm' ? "mono" : NULL;
    if (!f)
        snprintf(buf, n, "%s", "");
    else if (d->func == 'b')
        snprintf(buf, n, "bootloader >= %d", d->version);
    else
        snprintf(buf, n, "%s.%d >= %d", f, d->index, d->version);
    return buf;
}

static const char *type_name(int t)
{
    switch (t) {
    case 1: return "bool";
    case 2: return "int32";
    case 4: return "string";
    case 9: return "double";
    default: return "unknown";
    }
}

/* Types are numbers in 0.6+ and names ("int32", ...) in older systems. */
static int type_code(json_t *t)
{
    if (json_is_integer(t))
        return (int)json_integer_value(t);
    const char *s = json_string_value(t);
    if (!s)
        return 0;
    if (!strcmp(s, "bool") || !strcmp(s, "boolean"))
        return 1;
    if (!strcmp(s, "int32") || !strcmp(s, "int"))
        return 2;
    if (!strcmp(s, "string"))
        return 4;
    if (!strcmp(s, "double"))
        return 9;
    return 0;
}

json_t *describe_functions(const char *app_json)
{
    json_t *root = app_json ? json_loads(app_json, 0, NULL) : NULL;
    json_t *f = json_object_get(root, "f"), *out = json_array(), *e;
    size_t i;
    json_array_foreach(f, i, e) if (json_is_string(e)) json_array_append(out, e);
    json_decref(root);
    return out;
}

json_t *describe_variables(const char *app_json)
{
    json_t *root = app_json ? json_loads(app_json, 0, NULL) : NULL;
    json_t *v = json_object_get(root, "v"), *out = json_object(), *t;
    const char *k;
    json_object_foreach(v, k, t) json_object_set_new(out, k, json_string(type_name(type_code(t))));
    json_decref(root);
    return out;
}

bool describe_app_empty(const char *app_json)
{
    json_t *f = describe_functions(app_json), *v = describe_variables(app_json);
    bool empty = !json_array_size(f) && !json_object_size(v);
    json_decref(f);
    json_decref(v);
    return empty;
}

int describe_variable_type(const char *app_json, const char *name)
{
    json_t *root = app_json ? json_loads(app_json, 0, NULL) : NULL;
    int t = type_code(json_object_get(json_object_get(root, "v"), name));
    json_decref(root);
    return t;
}

json_t *describe_text(const unsigned char *data, size_t len)
{
    json_t *s = json_stringn((const char *)data, len);
    if (s)
        return s;
    /* not UTF-8: keep ASCII, replace the rest */
    char *copy = malloc(len + 1);
    if (!copy)
        return json_string("");
    for (size_t i = 0; i < len; i++)
        copy[i] = data[i] >= 0x20 && data[i] < 0x7F ? (char)data[i] : data[i] ? '?' : ' ';
    s = json_stringn(copy, len);
    free(copy);
    return s;
}

json_t *describe_decode_value(int type, const unsigned char *data, size_t len)
{
    switch (type) {
    case 1:
        return len == 1 ? json_boolean(data[0] != 0) : NULL;
    case 2:
        if (len != 4)
            return NULL;
        return json_integer((int32_t)((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
                                      (uint32_t)data[2] << 8 | data[3]));
    case 9: {
        if (len != 8)
            return NULL;
        uint64_t u = 0;
        for (int i = 7; i >= 0; i--)
            u = u << 8 | data[i];
        double d;
        memcpy(&d, &u, sizeof(d));
        return json_real(d);
    }
    default:
        return describe_text(data, len);
    }
}
