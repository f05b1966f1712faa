/* CoAP parsing and building (RFC 7252 §3). */
#include "coap.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* An option delta or length nibble with its extension bytes. */
static int ext_value(unsigned nib, const uint8_t **p, const uint8_t *end,
                     uint32_t *out)
{
    if (nib < 13) {
        *out = nib;
    } else if (nib == 13) {
        if (*p >= end)
            return -1;
        *out = 13u + *(*p)++;
    } else if (nib == 14) {
        if (end - *p < 2)
            return -1;
        *out = 269u + ((uint32_t)(*p)[0] << 8 | (*p)[1]);
        *p += 2;
    } else {
        return -1; /* 15 is reserved except as the payload marker */
    }
    return 0;
}

int coap_parse(const uint8_t *buf, size_t len, coap_msg *m)
{
    memset(m, 0, sizeof(*m));
    if (len < 4 || (buf[0] >> 6) != 1)
        return -1;
    m->type = (buf[0] >> 4) & 3;
    m->tkl = buf[0] & 15;
    m->code = buf[1];
    m->id = (uint16_t)(buf[2] << 8 | buf[3]);
    if (m->tkl > 8 || 4u + m->tkl > len)
        return -1;
    memcpy(m->token, buf + 4, m->tkl);
    const uint8_t *p = buf + 4 + m->tkl, *end = buf + len;
    uint32_t num = 0;
    while (p < end) {
        if (*p == 0xFF) {
            p++;
            /* RFC 7252 calls a marker with no payload a format error, but
             * Device OS sends one (spark/device/safemode with empty data):
             * an empty payload */
            m->payload = p;
            m->payload_len = (size_t)(end - p);
            return 0;
        }
        unsigned dn = *p >> 4, ln = *p & 15;
        p++;
        uint32_t delta, olen;
        if (ext_value(dn, &p, end, &delta) || ext_value(ln, &p, end, &olen))
            return -1;
        num += delta;
        if (num > 0xFFFF || olen > (size_t)(end - p) || m->nopts == COAP_MAX_OPTS)
            return -1;
        m->opts[m->nopts++] = (coap_opt){(uint16_t)num, (uint16_t)olen, p};
        p += olen;
    }
    return 0;
}

const coap_opt *coap_find(const coap_msg *m, uint16_t num, int n)
{
    for (int i = 0; i < m->nopts; i++)
        if (m->opts[i].num == num && n-- == 0)
            return &m->opts[i];
    return NULL;
}

int coap_path0(const coap_msg *m)
{
    const coap_opt *o = coap_find(m, COAP_OPT_URI_PATH, 0);
    return o && o->len == 1 ? o->val[0] : 0;
}

bool coap_path_str(const coap_msg *m, int first, char sep, char *out, size_t n)
{
    size_t k = 0;
    int seg = 0;
    if (n == 0)
        return false;
    for (int i = 0; i < m->nopts; i++) {
        if (m->opts[i].num != COAP_OPT_URI_PATH || seg++ < first)
            continue;
        if (seg > first + 1 && sep) {
            if (k + 1 >= n)
                return false;
            out[k++] = sep;
        }
        if (k + m->opts[i].len >= n)
            return false;
        memcpy(out + k, m->opts[i].val, m->opts[i].len);
        k += m->opts[i].len;
    }
    out[k] = 0;
    return true;
}

static void put(coap_builder *b, const void *d, size_t n)
{
    if (n == 0)
        return;
    if (b->overflow || b->len + n > b->cap) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->len, d, n);
    b->len += n;
}

static void put8(coap_builder *b, uint8_t v)
{
    put(b, &v, 1);
}

void coap_begin(coap_builder *b, uint8_t *buf, size_t cap, uint8_t type,
                uint8_t code, uint16_t id, const uint8_t *token, uint8_t tkl)
{
    *b = (coap_builder){.buf = buf, .cap = cap};
    if (tkl > 8) {
        b->overflow = true;
        return;
    }
    uint8_t h[4] = {(uint8_t)(0x40 | (type & 3) << 4 | tkl), code, (uint8_t)(id >> 8),
                    (uint8_t)id};
    put(b, h, 4);
    put(b, token, tkl);
}

/* The nibble for a delta or length and its extension bytes. */
static unsigned nibble(uint32_t v, uint8_t ext[2], size_t *next)
{
    if (v < 13) {
        *next = 0;
        return v;
    }
    if (v < 269) {
        ext[0] = (uint8_t)(v - 13);
        *next = 1;
        return 13;
    }
    ext[0] = (uint8_t)((v - 269) >> 8);
    ext[1] = (uint8_t)(v - 269);
    *next = 2;
    return 14;
}

void coap_opt_add(coap_builder *b, uint16_t num, const void *val, size_t len)
{
    if (num < b->last_opt || len > 0xFFFF + 269u) {
        b->overflow = true;
        return;
    }
    uint8_t de[2], le[2];
    size_t dn, ln;
    unsigned d = nibble(num - b->last_opt, de, &dn);
    unsigned l = nibble((uint32_t)len, le, &ln);
    put8(b, (uint8_t)(d << 4 | l));
    put(b, de, dn);
    put(b, le, ln);
    put(b, val, len);
    b->last_opt = num;
}

void coap_payload(coap_builder *b, const void *data, size_t len)
{
    if (len == 0)
        return;
    put8(b, 0xFF);
    put(b, data, len);
}

size_t coap_end(const coap_builder *b)
{
    return b->overflow ? 0 : b->len;
}

void coap_format(const uint8_t *buf, size_t len, char *out, size_t n)
{
    static const char *const types[] = {"CON", "NON", "ACK", "RST"};
    coap_msg m;
    if (n == 0)
        return;
    if (coap_parse(buf, len, &m)) {
        size_t k = (size_t)snprintf(out, n, "not CoAP (%zu B):", len);
        for (size_t i = 0; i < len && i < 32 && k < n; i++)
            k += (size_t)snprintf(out + k, n - k, " %02x", buf[i]);
        return;
    }
    size_t k = (size_t)snprintf(out, n, "%s %d.%02d mid %u", types[m.type], m.code >> 5,
                                m.code & 31, m.id);
    for (int i = 0; i < m.tkl && k < n; i++)
        k += (size_t)snprintf(out + k, n - k, i ? "%02x" : " tok %02x", m.token[i]);
    for (int i = 0; i < m.nopts && k < n; i++) {
        const coap_opt *o = &m.opts[i];
        bool text = o->num == COAP_OPT_URI_PATH;
        for (int j = 0; j < o->len; j++)
            text &= isprint(o->val[j]) != 0;
        if (text)
            k += (size_t)snprintf(out + k, n - k, "/%.*s", (int)o->len, (const char *)o->val);
        else
            k += (size_t)snprintf(out + k, n - k, " opt%u[%u]", o->num, o->len);
    }
    if (m.payload && k < n) {
        bool text = true;
        for (size_t j = 0; j < m.payload_len; j++)
            text &= isprint(m.payload[j]) != 0;
        if (text)
            snprintf(out + k, n - k, " %zu B: %.*s%s", m.payload_len,
                     (int)(m.payload_len < 60 ? m.payload_len : 60), (const char *)m.payload,
                     m.payload_len > 60 ? "..." : "");
        else
            snprintf(out + k, n - k, " %zu B", m.payload_len);
    }
}
