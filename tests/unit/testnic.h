/* A test NIC for the network tests: a netdev whose model side keeps every
 * frame it receives, answers ARP for its address, and builds the frames a
 * device's IP stack would send (DHCP, DNS, TCP). A mock, for unit tests
 * only. */
#ifndef PHOTON_TEST_TESTNIC_H
#define PHOTON_TEST_TESTNIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netdev.h"
#include "netframe.h"

#define TNIC_KEEP 512

typedef struct tnic {
    netdev nd;
    uint8_t mac[6];
    uint32_t ip;
    bool answer_arp;
    int n; /* frames received */
    size_t len[TNIC_KEEP];
    uint8_t frame[TNIC_KEEP][NETDEV_MAX_FRAME];
    uint16_t ip_id;
} tnic;

extern const uint8_t tnic_gateway_mac[6];

void tnic_init(tnic *t, const char *name, uint8_t last_mac_byte, uint32_t ip);
void tnic_free(tnic *t);
/* The k-th frame received, parsed. */
bool tnic_get(const tnic *t, int k, netframe *f);
/* Index of the first frame at or after `from` that is UDP from port
 * `sport` (or TCP when `tcp`), -1 if none. */
int tnic_find(const tnic *t, int from, bool tcp, uint16_t sport);

bool tnic_send_udp(tnic *t, uint32_t src_ip, uint32_t dst_ip, const uint8_t dst_mac[6],
                   uint16_t sport, uint16_t dport, const uint8_t *payload, size_t len);
bool tnic_send_tcp(tnic *t, uint32_t dst_ip, uint16_t sport, uint16_t dport, uint32_t seq,
                   uint32_t ack, uint8_t flags, const void *payload, size_t len);
/* DHCP DISCOVER (type 1) or REQUEST (type 3, for `want` from `server`). */
bool tnic_send_dhcp(tnic *t, int type, uint32_t xid, uint32_t want, uint32_t server);
/* The DHCP message type and the offered address of a reply, 0 if not DHCP. */
int tnic_dhcp_reply(const netframe *f, uint32_t *yiaddr, uint32_t *router, uint32_t *dns);
/* A DNS query message for `name`, type `qtype`. Returns its length. */
size_t tnic_dns_query(uint8_t *out, uint16_t id, const char *name, uint16_t qtype);

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#endif
