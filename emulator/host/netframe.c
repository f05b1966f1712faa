/* Ethernet / IPv4 / UDP / TCP headers (see netframe.h). */
#include "netframe.h"

#include <string.h>

bool netframe_parse(const uint8_t *frame, size_t len, netframe *f)
{
    memset(f, 0, sizeof(*f));
    if (len < ETH_HDR_LEN)
        return false;
    f->dst_mac = frame;
    f->src_mac = frame + 6;
    f->ethertype = net_get16(frame + 12);
    if (f->ethertype != ETHERTYPE_IPV4 || len < ETH_HDR_LEN + IPV4_HDR_LEN)
        return true;
    const uint8_t *ip = frame + ETH_HDR_LEN;
    size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
    size_t total = net_get16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < IPV4_HDR_LEN || total < ihl || ETH_HDR_LEN + total > len)
        return true;
    f->ipv4 = true;
    f->proto = ip[9];
    f->ttl = ip[8];
    f->src_ip = net_get32(ip + 12);
    f->dst_ip = net_get32(ip + 16);
    uint16_t frag = net_get16(ip + 6);
    f->fragment = (frag & 0x2000) || (frag & 0x1fff);
    if (f->fragment)
        return true;
    const uint8_t *l4 = ip + ihl;
    size_t l4_len = total - ihl;
    if (f->proto == IPPROTO_NUM_UDP && l4_len >= UDP_HDR_LEN) {
        size_t ulen = net_get16(l4 + 4);
        if (ulen < UDP_HDR_LEN || ulen > l4_len)
            return true;
        f->udp = true;
        f->sport = net_get16(l4);
        f->dport = net_get16(l4 + 2);
        f->payload = l4 + UDP_HDR_LEN;
        f->payload_len = ulen - UDP_HDR_LEN;
    } else if (f->proto == IPPROTO_NUM_TCP && l4_len >= TCP_HDR_LEN) {
        size_t off = (size_t)(l4[12] >> 4) * 4;
        if (off < TCP_HDR_LEN || off > l4_len)
            return true;
        f->tcp = true;
        f->sport = net_get16(l4);
        f->dport = net_get16(l4 + 2);
        f->tcp_flags = l4[13];
        f->payload = l4 + off;
        f->payload_len = l4_len - off;
    }
    return true;
}

uint16_t netframe_checksum(const uint8_t *p, size_t len, uint32_t sum)
{
    for (; len > 1; p += 2, len -= 2)
        sum += net_get16(p);
    if (len)
        sum += (uint32_t)p[0] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

size_t netframe_build_ipv4(uint8_t *out, size_t cap, const uint8_t dst_mac[6],
                           const uint8_t src_mac[6], uint32_t src_ip, uint32_t dst_ip,
                           uint8_t proto, uint16_t ip_id, const uint8_t *l4, size_t l4_len)
{
    size_t total = IPV4_HDR_LEN + l4_len;
    if (total > 0xffff || ETH_HDR_LEN + total > cap)
        return 0;
    memcpy(out, dst_mac, 6);
    memcpy(out + 6, src_mac, 6);
    net_put16(out + 12, ETHERTYPE_IPV4);
    uint8_t *ip = out + ETH_HDR_LEN;
    memset(ip, 0, IPV4_HDR_LEN);
    ip[0] = 0x45;
    net_put16(ip + 2, (uint16_t)total);
    net_put16(ip + 4, ip_id);
    ip[8] = 64;
    ip[9] = proto;
    net_put32(ip + 12, src_ip);
    net_put32(ip + 16, dst_ip);
    net_put16(ip + 10, netframe_checksum(ip, IPV4_HDR_LEN, 0));
    uint8_t *seg = ip + IPV4_HDR_LEN;
    memmove(seg, l4, l4_len);
    size_t csum_at = 0;
    if (proto == IPPROTO_NUM_UDP && l4_len >= UDP_HDR_LEN) {
        net_put16(seg + 4, (uint16_t)l4_len);
        csum_at = 6;
    } else if (proto == IPPROTO_NUM_TCP && l4_len >= TCP_HDR_LEN) {
        csum_at = 16;
    }
    if (csum_at) {
        /* the pseudo-header: addresses, protocol, length */
        uint32_t sum = (src_ip >> 16) + (src_ip & 0xffff) + (dst_ip >> 16) + (dst_ip & 0xffff) +
                       proto + (uint32_t)l4_len;
        net_put16(seg + csum_at, 0);
        uint16_t c = netframe_checksum(seg, l4_len, sum);
        if (c == 0 && proto == IPPROTO_NUM_UDP)
            c = 0xffff; /* 0 would mean "no checksum" */
        net_put16(seg + csum_at, c);
    }
    return ETH_HDR_LEN + total;
}

size_t netframe_build_udp(uint8_t *out, size_t cap, const uint8_t dst_mac[6],
                          const uint8_t src_mac[6], uint32_t src_ip, uint32_t dst_ip,
                          uint16_t sport, uint16_t dport, uint16_t ip_id,
                          const uint8_t *payload, size_t len)
{
    size_t hdrs = ETH_HDR_LEN + IPV4_HDR_LEN + UDP_HDR_LEN;
    if (len > cap || cap - len < hdrs)
        return 0;
    /* build the datagram in place where it ends up */
    uint8_t *udp = out + ETH_HDR_LEN + IPV4_HDR_LEN;
    memmove(udp + UDP_HDR_LEN, payload, len);
    net_put16(udp, sport);
    net_put16(udp + 2, dport);
    net_put16(udp + 4, (uint16_t)(UDP_HDR_LEN + len));
    net_put16(udp + 6, 0);
    return netframe_build_ipv4(out, cap, dst_mac, src_mac, src_ip, dst_ip, IPPROTO_NUM_UDP, ip_id,
                               udp, UDP_HDR_LEN + len);
}
