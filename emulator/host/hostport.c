/* The host's ports as a device sees them (hostport.h). */
#include "hostport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netframe.h"

static int parse_port(const char *s, const char *end)
{
    if (s == end || end - s > 5)
        return -1;
    long v = 0;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v >= 1 && v <= 65535 ? (int)v : -1;
}

int hostport_add_spec(hostport_map *m, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    int g = eq ? parse_port(spec, eq) : -1;
    int h = eq ? parse_port(eq + 1, eq + strlen(eq)) : -1;
    if (g < 0 || h < 0) {
        snprintf(err, errlen, "host port '%s': expected GUESTPORT=HOSTPORT (1-65535 each)", spec);
        return -1;
    }
    int i = 0;
    while (i < m->n && m->e[i].guest != g)
        i++;
    if (i == HOSTPORT_MAX) {
        snprintf(err, errlen, "too many host ports (at most %d)", HOSTPORT_MAX);
        return -1;
    }
    m->e[i].guest = (uint16_t)g;
    m->e[i].host = (uint16_t)h;
    if (i == m->n)
        m->n++;
    return 0;
}

/* RFC 1624: the checksum after one 16-bit word changed from `old` to `new`. */
static uint16_t csum_update(uint16_t hc, uint16_t old, uint16_t new)
{
    uint32_t sum = (uint16_t)~hc + (uint32_t)(uint16_t)~old + new;
    sum = (sum & 0xFFFF) + (sum >> 16);
    sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

bool hostport_rewrite(const hostport_map *m, uint8_t *frame, size_t len, uint32_t host_ip,
                      bool to_host)
{
    if (!m || !m->n || len < ETH_HDR_LEN + IPV4_HDR_LEN ||
        net_get16(frame + 12) != ETHERTYPE_IPV4)
        return false;
    uint8_t *ip = frame + ETH_HDR_LEN;
    size_t ihl = (size_t)(ip[0] & 0x0F) * 4;
    if ((ip[0] >> 4) != 4 || ihl < IPV4_HDR_LEN || ip[9] != IPPROTO_NUM_TCP ||
        (net_get16(ip + 6) & 0x1FFF) != 0 || len < ETH_HDR_LEN + ihl + TCP_HDR_LEN)
        return false; /* not TCP, or a fragment without the header */
    if (net_get32(to_host ? ip + 16 : ip + 12) != host_ip)
        return false;
    uint8_t *tcp = ip + ihl;
    uint8_t *port = to_host ? tcp + 2 : tcp; /* destination, or source */
    uint16_t was = net_get16(port);
    for (int i = 0; i < m->n; i++) {
        uint16_t from = to_host ? m->e[i].guest : m->e[i].host;
        uint16_t to = to_host ? m->e[i].host : m->e[i].guest;
        if (was != from)
            continue;
        net_put16(port, to);
        net_put16(tcp + 16, csum_update(net_get16(tcp + 16), from, to));
        return true;
    }
    return false;
}
