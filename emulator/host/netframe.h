/* Ethernet II / IPv4 / UDP / TCP headers: what the network bridge needs to
 * look into a frame (is it DHCP, a DNS query) and to build one (a DNS
 * answer). Parsing never trusts a length field: a frame whose headers do
 * not fit is reported as not IPv4, not UDP, and so on.
 *
 * Addresses and ports in the structs below are in host byte order. */
#ifndef PHOTON_NETFRAME_H
#define PHOTON_NETFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ETH_HDR_LEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define IPV4_HDR_LEN 20
#define UDP_HDR_LEN 8
#define TCP_HDR_LEN 20
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17

typedef struct netframe {
    const uint8_t *dst_mac, *src_mac;
    uint16_t ethertype;
    /* IPv4 (valid when ipv4) */
    bool ipv4;
    bool fragment; /* more fragments or a non-zero offset: no L4 view */
    uint32_t src_ip, dst_ip;
    uint8_t proto, ttl;
    /* UDP or TCP (valid when udp or tcp): ports and what follows the
     * header, clipped to the IP length */
    bool udp, tcp;
    uint16_t sport, dport;
    uint8_t tcp_flags;
    const uint8_t *payload;
    size_t payload_len;
} netframe;

/* Look into a frame. Returns false when it is shorter than an Ethernet
 * header; the upper layers are filled in only as far as they are valid. */
bool netframe_parse(const uint8_t *frame, size_t len, netframe *f);

/* The Internet checksum of `len` bytes, starting from `sum` (a partial
 * sum, for pseudo-headers). */
uint16_t netframe_checksum(const uint8_t *p, size_t len, uint32_t sum);

/* Build an IPv4 frame: Ethernet and IPv4 headers (no options, DF clear,
 * TTL 64, identification `ip_id`) around `l4` (a UDP or TCP header and its
 * payload, or anything else for another protocol). The UDP length and the
 * UDP or TCP checksum are filled in. Returns the frame length, 0 if it
 * does not fit in `cap`. */
size_t netframe_build_ipv4(uint8_t *out, size_t cap, const uint8_t dst_mac[6],
                           const uint8_t src_mac[6], uint32_t src_ip, uint32_t dst_ip,
                           uint8_t proto, uint16_t ip_id, const uint8_t *l4, size_t l4_len);

/* A UDP datagram in a frame (header made here). */
size_t netframe_build_udp(uint8_t *out, size_t cap, const uint8_t dst_mac[6],
                          const uint8_t src_mac[6], uint32_t src_ip, uint32_t dst_ip,
                          uint16_t sport, uint16_t dport, uint16_t ip_id,
                          const uint8_t *payload, size_t len);

static inline uint16_t net_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t net_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void net_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void net_put32(uint8_t *p, uint32_t v)
{
    net_put16(p, (uint16_t)(v >> 16));
    net_put16(p + 2, (uint16_t)v);
}

#endif
