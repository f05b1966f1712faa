/* The network environment of a run: what lies behind each simulated access
 * point (one libslirp network each, 10.0.2.0/24, created when first used),
 * the network of the Photon's own soft AP (192.168.0.0/24), and what faces
 * the host: the DNS override table shared by every network, host forwards,
 * the packet capture, and one runner poller for every network's host
 * sockets.
 *
 * Host forwards follow the device: they are bound at start on the network
 * a device is expected to join (the first one asked for), so their host
 * ports can be printed at once, and they move with the station interface
 * when it joins another access point's network. The soft AP's forwards
 * (to the setup servers) live on the soft AP's network. */
#ifndef PHOTON_NETENV_H
#define PHOTON_NETENV_H

#include <stdbool.h>
#include <stddef.h>

#include "pcap.h"
#include "slirpnet.h"

#define NETENV_MAX_NETS 17 /* every access point of a radio, and the soft AP */
#define NETENV_MAX_FWDS 16

struct runner;

typedef struct netenv_net {
    char name[40]; /* the access point's SSID; "" for the soft AP */
    slirpnet *net;
} netenv_net;

typedef struct netenv {
    vclock *clk;
    logger *log;
    dnstable dns;
    pcap_writer *pcap;
    netenv_net nets[NETENV_MAX_NETS];
    int nnets;
    hostfwd fwd[NETENV_MAX_FWDS]; /* the station's */
    int nfwd;
    slirpnet *fwd_on; /* the network the station's forwards are bound on */
    hostfwd softap_fwd[NETENV_MAX_FWDS];
    int nsoftap_fwd;
    netdev *sta;         /* the station interface, while it is on a network */
    slirpnet *sta_on;
    netdev *ap;          /* the soft AP interface, while it is up */
    net_pollset ps;
} netenv;

void netenv_init(netenv *e, vclock *clk, logger *log);
/* Before the interfaces plugged in are gone: they are unplugged. */
void netenv_free(netenv *e);

/* Options, before start: `--dns NAME=ADDR`, `--hostfwd RULE` (for the
 * station), a forward into the soft AP's network, `--pcap FILE`. Each
 * returns 0, or -1 with a message naming what is wrong. */
int netenv_add_dns(netenv *e, const char *spec, char *err, size_t errlen);
int netenv_add_hostfwd(netenv *e, const char *spec, char *err, size_t errlen);
int netenv_add_softap_fwd(netenv *e, const hostfwd *f, char *err, size_t errlen);
int netenv_open_pcap(netenv *e, const char *path, char *err, size_t errlen);

/* Bind the forwards: the station's on the network behind `ssid` (NULL:
 * none yet, they are bound when the station first joins), the soft AP's on
 * its network. Prints each forward (host side -> device) on stdout when
 * `announce`. */
int netenv_start(netenv *e, const char *ssid, bool announce, char *err, size_t errlen);
/* Look at every network's host sockets between run slices. */
void netenv_add_poller(netenv *e, struct runner *r);

/* The network behind an access point (made on first use), the soft AP's. */
slirpnet *netenv_lan(netenv *e, const char *ssid, char *err, size_t errlen);
slirpnet *netenv_softap(netenv *e, char *err, size_t errlen);
/* The network with this name ("" the soft AP's), NULL if not made yet. */
slirpnet *netenv_find(netenv *e, const char *ssid);

/* The station interface joined the access point `ssid` (plugged into its
 * network, the forwards follow), or left (NULL). */
int netenv_station(netenv *e, netdev *sta, const char *ssid, char *err, size_t errlen);
/* The soft AP interface came up (plugged into the soft AP's network) or
 * went down (NULL). */
int netenv_softap_iface(netenv *e, netdev *ap, char *err, size_t errlen);

#endif
