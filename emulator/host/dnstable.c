/* The DNS override table and its answers (see dnstable.h). Message layout
 * from RFC 1035 §4.1. */
#include "dnstable.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netframe.h"

#define DNS_HDR_LEN 12
#define DNS_TYPE_A 1
#define DNS_CLASS_IN 1

void dnstable_init(dnstable *t)
{
    memset(t, 0, sizeof(*t));
}

void dnstable_free(dnstable *t)
{
    free(t->e);
    dnstable_init(t);
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > DNS_NAME_MAX || s[0] == '.' || s[n - 1] == '.')
        return false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
            continue;
        }
        if (c == '*' && !(i == 0 && n > 2 && s[1] == '.'))
            return false;
        if (c != '*' && !isalnum((unsigned char)c) && c != '-' && c != '_')
            return false;
        if (++label > 63)
            return false;
    }
    return true;
}

int dnstable_add_spec(dnstable *t, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    if (!eq) {
        snprintf(err, errlen, "DNS override '%s': expected NAME=ADDR", spec);
        return -1;
    }
    size_t n = (size_t)(eq - spec);
    if (!valid_name(spec, n)) {
        snprintf(err, errlen, "DNS override '%s': '%.*s' is not a host name", spec, (int)n, spec);
        return -1;
    }
    struct in_addr a;
    if (inet_pton(AF_INET, eq + 1, &a) != 1) {
        snprintf(err, errlen, "DNS override '%s': '%s' is not an IPv4 address", spec, eq + 1);
        return -1;
    }
    char name[DNS_NAME_MAX + 1];
    for (size_t i = 0; i < n; i++)
        name[i] = (char)tolower((unsigned char)spec[i]);
    name[n] = 0;
    dns_entry *e = NULL;
    for (int i = 0; i < t->n && !e; i++)
        if (!strcmp(t->e[i].name, name))
            e = &t->e[i];
    if (!e) {
        if (t->n == t->cap) {
            int cap = t->cap ? t->cap * 2 : 8;
            dns_entry *ne = realloc(t->e, (size_t)cap * sizeof(*ne));
            if (!ne) {
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            t->e = ne;
            t->cap = cap;
        }
        e = &t->e[t->n++];
        memcpy(e->name, name, n + 1);
    }
    e->addr = ntohl(a.s_addr);
    return 0;
}

const dns_entry *dnstable_lookup(const dnstable *t, const char *name)
{
    const dns_entry *wild = NULL;
    size_t n = strlen(name);
    for (int i = 0; t && i < t->n; i++) {
        const dns_entry *e = &t->e[i];
        if (!strcasecmp(e->name, name))
            return e;
        /* "*.x.y" matches "a.x.y" and "a.b.x.y" */
        size_t sn = strlen(e->name) - 1; /* ".x.y" */
        if (!wild && e->name[0] == '*' && n > sn && !strcasecmp(name + n - sn, e->name + 1))
            wild = e;
    }
    return wild;
}

int dns_question(const uint8_t *q, size_t qlen, char name[DNS_NAME_MAX + 1], uint16_t *qtype,
                 size_t *end)
{
    if (qlen < DNS_HDR_LEN)
        return -1;
    size_t p = DNS_HDR_LEN, n = 0;
    for (;;) {
        if (p >= qlen)
            return -1;
        uint8_t l = q[p++];
        if (l == 0)
            break;
        if (l > 63 || p + l > qlen || n + l + 1 > DNS_NAME_MAX + 1)
            return -1; /* a compression pointer, a reserved label type, too long */
        if (n)
            name[n++] = '.';
        for (uint8_t i = 0; i < l; i++) {
            char c = (char)q[p + i];
            if (c == 0 || c == '.')
                return -1;
            name[n++] = c;
        }
        p += l;
    }
    if (n == 0 || p + 4 > qlen)
        return -1;
    name[n] = 0;
    *qtype = net_get16(q + p);
    if (net_get16(q + p + 2) != DNS_CLASS_IN)
        return -1;
    *end = p + 4;
    return 0;
}

int dns_answer(const dnstable *t, const uint8_t *q, size_t qlen, int rcode, uint8_t *out,
               size_t cap)
{
    char name[DNS_NAME_MAX + 1];
    uint16_t qtype;
    size_t qend;
    if (dns_question(q, qlen, name, &qtype, &qend) < 0)
        return -1;
    uint16_t flags = net_get16(q + 2);
    if ((flags & 0x8000) || ((flags >> 11) & 0xf) != 0 || net_get16(q + 4) != 1)
        return 0; /* a response, another opcode, several questions: not ours */
    const dns_entry *e = rcode ? NULL : dnstable_lookup(t, name);
    if (!rcode && !e)
        return 0;
    bool a = e && qtype == DNS_TYPE_A;
    size_t len = qend + (a ? 16 : 0);
    if (len > cap)
        return -1;
    memcpy(out, q, qend);
    /* QR, opcode 0, AA, RD as asked, RA, the code */
    net_put16(out + 2, (uint16_t)(0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | (rcode & 0xf)));
    net_put16(out + 6, a ? 1 : 0); /* answers */
    net_put16(out + 8, 0);
    net_put16(out + 10, 0);
    if (a) {
        uint8_t *r = out + qend;
        net_put16(r, 0xc000 | DNS_HDR_LEN); /* the name: the question's */
        net_put16(r + 2, DNS_TYPE_A);
        net_put16(r + 4, DNS_CLASS_IN);
        net_put32(r + 6, DNS_ANSWER_TTL);
        net_put16(r + 10, 4);
        net_put32(r + 12, e->addr);
    }
    return (int)len;
}
