/* The test NIC (see testnic.h). */
#include "testnic.h"

#include <string.h>

const uint8_t tnic_gateway_mac[6] = {0x52, 0x55, 10, 0, 2, 2};
static const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void answer_arp(tnic *t, const uint8_t *f, size_t len)
{
    const uint8_t *a = f + ETH_HDR_LEN;
    if (len < ETH_HDR_LEN + 28 || net_get16(a + 6) != 1 || net_get32(a + 24) != t->ip)
        return;
    uint8_t r[ETH_HDR_LEN + 28];
    memcpy(r, f + 6, 6);
    memcpy(r + 6, t->mac, 6);
    net_put16(r + 12, ETHERTYPE_ARP);
    uint8_t *ra = r + ETH_HDR_LEN;
    memcpy(ra, a, 6); /* hardware and protocol types and sizes */
    net_put16(ra + 6, 2);
    memcpy(ra + 8, t->mac, 6);
    net_put32(ra + 14, t->ip);
    memcpy(ra + 18, a + 8, 10); /* the asker's addresses */
    netdev_transmit(&t->nd, r, sizeof(r));
}

static void rx(void *opaque, const uint8_t *f, size_t len)
{
    tnic *t = opaque;
    if (t->n < TNIC_KEEP) {
        memcpy(t->frame[t->n], f, len);
        t->len[t->n] = len;
    }
    t->n++;
    if (t->answer_arp && len >= ETH_HDR_LEN && net_get16(f + 12) == ETHERTYPE_ARP)
        answer_arp(t, f, len);
}

static const netdev_nic_ops ops = {NULL, rx, NULL};

void tnic_init(tnic *t, const char *name, uint8_t last_mac_byte, uint32_t ip)
{
    memset(t, 0, sizeof(*t));
    const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, last_mac_byte};
    memcpy(t->mac, mac, 6);
    t->ip = ip;
    t->answer_arp = true;
    t->ip_id = 0x100;
    netdev_init(&t->nd, name, mac);
    netdev_set_nic(&t->nd, &ops, t);
}

void tnic_free(tnic *t)
{
    netdev_free(&t->nd);
}

bool tnic_get(const tnic *t, int k, netframe *f)
{
    if (k < 0 || k >= t->n || k >= TNIC_KEEP)
        return false;
    return netframe_parse(t->frame[k], t->len[k], f);
}

int tnic_find(const tnic *t, int from, bool tcp, uint16_t sport)
{
    netframe f;
    for (int k = from; k < t->n && k < TNIC_KEEP; k++)
        if (tnic_get(t, k, &f) && (tcp ? f.tcp : f.udp) && f.sport == sport)
            return k;
    return -1;
}

bool tnic_send_udp(tnic *t, uint32_t src_ip, uint32_t dst_ip, const uint8_t dst_mac[6],
                   uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len)
{
    uint8_t f[NETDEV_MAX_FRAME];
    size_t fl = netframe_build_udp(f, sizeof(f), dst_mac, t->mac, src_ip, dst_ip, sport, dport,
                                   t->ip_id++, payload, len);
    return fl && netdev_transmit(&t->nd, f, fl);
}

bool tnic_send_tcp(tnic *t, uint32_t dst_ip, uint16_t sport, uint16_t dport, uint32_t seq,
                   uint32_t ack, uint8_t flags, const void *payload, size_t len)
{
    uint8_t seg[NETDEV_MAX_FRAME], f[NETDEV_MAX_FRAME];
    if (len > sizeof(seg) - TCP_HDR_LEN)
        return false;
    memset(seg, 0, TCP_HDR_LEN);
    net_put16(seg, sport);
    net_put16(seg + 2, dport);
    net_put32(seg + 4, seq);
    net_put32(seg + 8, ack);
    seg[12] = 5 << 4;
    seg[13] = flags;
    net_put16(seg + 14, 8192); /* window */
    if (len)
        memcpy(seg + TCP_HDR_LEN, payload, len);
    size_t fl = netframe_build_ipv4(f, sizeof(f), tnic_gateway_mac, t->mac, t->ip, dst_ip,
                                    IPPROTO_NUM_TCP, t->ip_id++, seg, TCP_HDR_LEN + len);
    return fl && netdev_transmit(&t->nd, f, fl);
}

#define BOOTP_LEN 240 /* fixed part with the magic cookie */

bool tnic_send_dhcp(tnic *t, int type, uint32_t xid, uint32_t want, uint32_t server)
{
    uint8_t m[BOOTP_LEN + 32];
    memset(m, 0, sizeof(m));
    m[0] = 1; /* BOOTREQUEST */
    m[1] = 1; /* Ethernet */
    m[2] = 6;
    net_put32(m + 4, xid);
    memcpy(m + 28, t->mac, 6);
    net_put32(m + 236, 0x63825363);
    uint8_t *o = m + BOOTP_LEN;
    *o++ = 53;
    *o++ = 1;
    *o++ = (uint8_t)type;
    if (type == 3) {
        *o++ = 50;
        *o++ = 4;
        net_put32(o, want);
        o += 4;
        *o++ = 54;
        *o++ = 4;
        net_put32(o, server);
        o += 4;
    }
    *o++ = 255;
    return tnic_send_udp(t, 0, 0xffffffffu, broadcast, 68, 67, m, (size_t)(o - m));
}

int tnic_dhcp_reply(const netframe *f, uint32_t *yiaddr, uint32_t *router, uint32_t *dns)
{
    if (!f->udp || f->sport != 67 || f->payload_len < BOOTP_LEN || f->payload[0] != 2)
        return 0;
    *yiaddr = net_get32(f->payload + 16);
    int type = 0;
    for (size_t i = BOOTP_LEN; i + 2 <= f->payload_len && f->payload[i] != 255;) {
        uint8_t code = f->payload[i], l = f->payload[i + 1];
        const uint8_t *v = f->payload + i + 2;
        if (i + 2 + l > f->payload_len)
            break;
        if (code == 53 && l == 1)
            type = v[0];
        if (code == 3 && l >= 4)
            *router = net_get32(v);
        if (code == 6 && l >= 4)
            *dns = net_get32(v);
        i += 2u + l;
    }
    return type;
}

size_t tnic_dns_query(uint8_t *out, uint16_t id, const char *name, uint16_t qtype)
{
    memset(out, 0, 12);
    net_put16(out, id);
    net_put16(out + 2, 0x0100); /* recursion desired */
    net_put16(out + 4, 1);
    size_t p = 12;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        out[p++] = (uint8_t)l;
        memcpy(out + p, name, l);
        p += l;
        name += l + (dot ? 1 : 0);
    }
    out[p++] = 0;
    net_put16(out + p, qtype);
    net_put16(out + p + 2, 1);
    return p + 4;
}
