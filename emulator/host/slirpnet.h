/* A network behind libslirp (the user-mode TCP/IP stack QEMU uses): what
 * lies behind one simulated access point, or behind the Photon's own soft
 * AP. The network is a small switch: the netdevs plugged into it (Wi-Fi
 * interfaces of devices) and a router port, libslirp, which is the host as
 * the devices see it (gateway, DHCP server, DNS server, NAT to the host's
 * sockets).
 *
 *   NIC --netdev--> [switch] --> DNS override table / faults --> libslirp
 *                                                     host sockets <--'
 *
 * Virtual time. libslirp's clock is the virtual clock; its timers (TCP
 * retransmission, delayed ACKs) run as clock events, and a frame from a
 * device reaches libslirp in a clock event at the instant it was sent (never
 * inside the NIC's call). Host sockets are looked at without blocking, by
 * the runner's poller between run slices and at those events: a run whose
 * network has no host-side traffic (DHCP, overridden DNS names, ARP) is
 * deterministic. libslirp 4.7 keeps its clock in a process-wide variable:
 * every network of a process must run on one time base.
 *
 * Faults (the scenario steps' network faults) act at the switch: the network
 * down (carrier lost on every port), lost or delayed frames, DHCP requests
 * unanswered, DNS queries unanswered or failing. */
#ifndef PHOTON_SLIRPNET_H
#define PHOTON_SLIRPNET_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "dnstable.h"
#include "hostport.h"
#include "log.h"
#include "netdev.h"

#define SLIRPNET_MAX_PORTS 8
#define SLIRPNET_QUEUE_MAX 256 /* frames in flight per direction (delay) */

typedef struct slirpnet slirpnet;

/* Addresses in host byte order. */
typedef struct slirpnet_config {
    char name[40];       /* for messages: an access point's SSID, "soft AP" */
    uint32_t network;    /* 10.0.2.0 */
    uint32_t netmask;    /* 255.255.255.0 */
    uint32_t host;       /* the gateway, the host as devices see it: 10.0.2.2 */
    uint32_t dhcp_start; /* first address leased: 10.0.2.15; 0: no DHCP server */
    uint32_t dns;        /* the DNS server: 10.0.2.3; 0: none */
    uint32_t guest;      /* the device's address, for forwards without one */
} slirpnet_config;

/* An access point's network: 10.0.2.0/24, host .2, DNS .3, leases from .15. */
void slirpnet_config_lan(slirpnet_config *c, const char *name);
/* A soft AP's network as the Photon configures it (192.168.0.1/24, its own
 * DHCP server): the host is 192.168.0.254 there, a client on the device's
 * network, without DHCP or DNS service of its own. */
void slirpnet_config_softap(slirpnet_config *c, const char *name);

typedef enum {
    SLIRPNET_DNS_OK,
    SLIRPNET_DNS_DROP,     /* queries go unanswered */
    SLIRPNET_DNS_SERVFAIL, /* every query fails (server failure) */
    SLIRPNET_DNS_NXDOMAIN, /* every name does not exist */
} slirpnet_dns_fault;

typedef struct slirpnet_faults {
    bool down;              /* the network is gone: carrier off on every port */
    bool dhcp_drop;         /* DHCP requests go unanswered */
    slirpnet_dns_fault dns; /* DNS queries */
    unsigned loss_pct;      /* share of frames lost in each direction, 0..100 */
    uint64_t delay_ps;      /* extra one-way latency */
} slirpnet_faults;

typedef struct slirpnet_stats {
    uint64_t to_net, to_guest; /* frames that went through */
    uint64_t lost;             /* by the loss fault */
    uint64_t dropped;          /* by other faults, a full queue, the network down */
    uint64_t dns_answered;     /* by the override table or a DNS fault */
    uint64_t guest_errors;     /* malformed traffic libslirp complained about */
} slirpnet_stats;

/* A host forward, as QEMU spells it: "[tcp|udp]:[HOSTADDR]:HOSTPORT-
 * [GUESTADDR]:GUESTPORT". An empty host address is 127.0.0.1 (QEMU: any;
 * give 0.0.0.0 for that); an empty guest address is the device's
 * (slirpnet_config.guest);
 * host port 0 takes a free port. */
typedef struct hostfwd {
    bool udp;
    uint32_t host_addr;
    int host_port; /* after slirpnet_add_hostfwd: the port bound */
    uint32_t guest_addr; /* 0: the device's address (slirpnet_config.guest) */
    int guest_port;
} hostfwd;

int hostfwd_parse(const char *spec, hostfwd *f, char *err, size_t errlen);
/* "tcp 127.0.0.1:8080 -> 10.0.2.15:80" */
void hostfwd_describe(const hostfwd *f, char *buf, size_t len);

slirpnet *slirpnet_new(const slirpnet_config *c, vclock *clk, logger *log, char *err,
                       size_t errlen);
void slirpnet_free(slirpnet *n);
const slirpnet_config *slirpnet_cfg(const slirpnet *n);
/* Plug a NIC's netdev in: the network becomes its backend. -1 when full. */
int slirpnet_attach(slirpnet *n, netdev *nd);
void slirpnet_detach(slirpnet *n, netdev *nd);
/* The override table (kept by the caller, not copied; NULL: none). */
void slirpnet_set_dns(slirpnet *n, const dnstable *t);
/* The host's ports as the devices see them (kept by the caller; NULL: as
 * they are). */
void slirpnet_set_host_ports(slirpnet *n, const hostport_map *m);
void slirpnet_set_faults(slirpnet *n, const slirpnet_faults *f);
const slirpnet_faults *slirpnet_get_faults(const slirpnet *n);
const slirpnet_stats *slirpnet_get_stats(const slirpnet *n);

/* Listen on the host and forward connections into the network. Fills in
 * f->host_port when it was 0 and f->guest_addr when it was 0. Returns 0,
 * or -1 with a message (the port is taken, ...). */
int slirpnet_add_hostfwd(slirpnet *n, hostfwd *f, char *err, size_t errlen);
int slirpnet_remove_hostfwd(slirpnet *n, const hostfwd *f);

/* Host sockets. Several networks share one poll(): each adds its sockets
 * to the set, then after poll() handles what happened. */
typedef struct net_pollset {
    struct pollfd *fd;
    int n, cap;
} net_pollset;

void slirpnet_poll_add(slirpnet *n, net_pollset *ps);
/* Returns true if frames went to the devices. */
bool slirpnet_poll_dispatch(slirpnet *n, net_pollset *ps, bool poll_failed);
/* One network by itself: add, poll() up to `wait_ms`, dispatch. */
bool slirpnet_poll(slirpnet *n, int wait_ms);
void net_pollset_free(net_pollset *ps);

/* libslirp's view of its connections, for --log net and errors. */
char *slirpnet_connection_info(slirpnet *n);

#endif
