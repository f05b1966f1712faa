/* The network environment of a world: what lies behind each simulated
 * access point (one libslirp network each, 10.0.2.0/24, made when first
 * used and shared by every device that joins that access point), the
 * network of each device's own soft AP (192.168.0.0/24, one per device:
 * every Photon in listening mode is 192.168.0.1 on its own AP), and what
 * faces the host: the DNS override table shared by every network, host
 * forwards, the packet capture, and one runner poller for every network's
 * host sockets.
 *
 * The chips say when a station associates or leaves and when a soft AP
 * comes up or goes down through the radio environment (radio.h,
 * netenv_radio_ops); the interfaces of each device are registered here
 * with its name (netenv_add_device).
 *
 * Host forwards follow the device: a device's `--hostfwd` forwards are
 * bound at start on the network it is expected to join (so that their
 * host ports can be printed at once) and move with its station interface
 * when it joins another access point's network. A forward without a
 * device address goes to the address the device uses (learned from what
 * it sends: several devices on one network each get their own lease).
 * Each device's soft AP has forwards to its setup servers (HTTP on 80,
 * the TCP setup protocol on 5609), on free host ports unless given. */
#ifndef PHOTON_NETENV_H
#define PHOTON_NETENV_H

#include <stdbool.h>
#include <stddef.h>

#include "pcap.h"
#include "radio.h"
#include "slirpnet.h"

#define NETENV_MAX_LANS RADIO_MAX_APS
#define NETENV_MAX_DEVS 8
#define NETENV_MAX_FWDS 16
#define NETENV_SETUP_HTTP_PORT 80
#define NETENV_SETUP_TCP_PORT 5609

struct runner;
typedef struct netenv netenv;

typedef struct netenv_lan {
    char name[40]; /* the access point's SSID */
    slirpnet *net;
} netenv_lan_t;

typedef struct netenv_dev {
    char name[32];
    netenv *env;
    netdev *sta, *ap;   /* the device's station and soft AP interfaces */
    hostfwd fwd[NETENV_MAX_FWDS]; /* to the station */
    bool fwd_auto[NETENV_MAX_FWDS]; /* no device address given: its own */
    int nfwd;
    slirpnet *fwd_on;   /* where the station's forwards are bound */
    slirpnet *sta_on;   /* the network the station is on */
    uint32_t addr;      /* the station's IPv4 address, as it sends from */
    slirpnet *addr_on;  /* the network where it has that address */
    slirpnet *softap;   /* its soft AP's network (made at start) */
    hostfwd softap_fwd[NETENV_MAX_FWDS];
    int nsoftap_fwd;
    bool ap_on;
} netenv_dev;

struct netenv {
    vclock *clk;
    logger *log;
    dnstable dns;
    hostport_map hp; /* --host-port */
    pcap_writer *pcap;
    netenv_lan_t lans[NETENV_MAX_LANS];
    int nlans;
    netenv_dev *dev[NETENV_MAX_DEVS];
    int ndev;
    net_pollset ps;
};

/* Every network runs on one clock (libslirp keeps one time base per
 * process). */
void netenv_init(netenv *e, vclock *clk, logger *log);
/* Unplugs every interface, closes the capture. */
void netenv_free(netenv *e);

/* World-wide options: `--dns NAME=ADDR`, `--pcap FILE`, `--host-port
 * GUEST=HOST`. 0, or -1 with a message naming what is wrong. */
int netenv_add_host_port(netenv *e, const char *spec, char *err, size_t errlen);
int netenv_add_dns(netenv *e, const char *spec, char *err, size_t errlen);
int netenv_open_pcap(netenv *e, const char *path, char *err, size_t errlen);

/* A device's interfaces, under its name. NULL with a message when full. */
netenv_dev *netenv_add_device(netenv *e, const char *name, netdev *sta, netdev *ap, char *err,
                              size_t errlen);
/* A device by name, NULL: the first one. */
netenv_dev *netenv_device(netenv *e, const char *name);
/* A device's forwards, before start: `--hostfwd RULE` to its station, and
 * a forward into its soft AP's network (the guest address defaults to
 * 192.168.0.1; one to port 80 or 5609 replaces that default forward). */
int netenv_add_hostfwd(netenv_dev *d, const char *spec, char *err, size_t errlen);
int netenv_add_softap_fwd(netenv_dev *d, const char *spec, char *err, size_t errlen);

/* The network options of a command line or a scenario's device section,
 * checked as they are given and applied once the device exists. */
typedef enum {
    NETOPT_HOSTFWD,
    NETOPT_SOFTAP_FWD,
    NETOPT_DNS,
    NETOPT_PCAP,
    NETOPT_HOST_PORT,
} netenv_opt;
#define NETENV_MAX_DNS 32
typedef struct netenv_opts {
    const char *hostfwd[NETENV_MAX_FWDS], *softap_fwd[NETENV_MAX_FWDS];
    const char *dns[NETENV_MAX_DNS];
    const char *host_port[HOSTPORT_MAX];
    int nhostfwd, nsoftap_fwd, ndns, nhost_port;
    const char *pcap;
} netenv_opts;
/* Check and keep one (the string is kept, not copied). 0, or -1 with a
 * message naming what is wrong. */
int netenv_opts_add(netenv_opts *o, netenv_opt which, const char *value, char *err,
                    size_t errlen);
/* The forwards for device `d`, the DNS overrides and the capture for all. */
int netenv_apply(netenv *e, netenv_dev *d, const netenv_opts *o, char *err, size_t errlen);

/* Bind the forwards: the stations' on the network behind `ssid` (NULL:
 * they are bound when a station first joins), each soft AP's on its
 * network. Prints each forward on stdout when `announce`. */
int netenv_start(netenv *e, const char *ssid, bool announce, char *err, size_t errlen);
/* Look at every network's host sockets between run slices. */
void netenv_add_poller(netenv *e, struct runner *r);

/* The network behind an access point (made on first use); NULL if not. */
slirpnet *netenv_lan(netenv *e, const char *ssid, char *err, size_t errlen);
slirpnet *netenv_find(netenv *e, const char *ssid);
/* A device's soft AP network (made on first use). */
slirpnet *netenv_softap(netenv_dev *d, char *err, size_t errlen);
/* The host port of the device's soft AP forward to `guest_port` (80, 5609),
 * once started; -1 if there is none. */
int netenv_softap_port(const netenv_dev *d, int guest_port);

/* The station interface `sta` joined the access point `ssid` (plugged
 * into its network; its forwards follow) or left (NULL). */
int netenv_station(netenv *e, netdev *sta, const char *ssid, char *err, size_t errlen);
/* A soft AP interface came up (plugged into its device's soft AP network)
 * or went down. */
int netenv_softap_iface(netenv *e, netdev *ap, bool up, char *err, size_t errlen);
/* The same, as the radio environment's network operations (ctx: the
 * netenv); a failure is reported on the log and stderr. */
extern const radio_net_ops netenv_radio_ops;

#endif
