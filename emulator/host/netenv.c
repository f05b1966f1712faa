/* The network environment of a world (see netenv.h). */
#include "netenv.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netframe.h"
#include "runner.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

void netenv_init(netenv *e, vclock *clk, logger *log)
{
    memset(e, 0, sizeof(*e));
    e->clk = clk;
    e->log = log;
    dnstable_init(&e->dns);
}

static void learn_addr(void *opaque, netdev_dir dir, const uint8_t *frame, size_t len);

void netenv_free(netenv *e)
{
    char err[256];
    for (int i = 0; i < e->ndev; i++) {
        netenv_dev *d = e->dev[i];
        netdev_remove_tap(d->sta, d);
        slirpnet_free(d->softap);
        free(d);
    }
    for (int i = 0; i < e->nlans; i++)
        slirpnet_free(e->lans[i].net);
    if (e->pcap && pcap_close(e->pcap, err, sizeof(err)) < 0)
        fprintf(stderr, "photon-sim: %s\n", err);
    dnstable_free(&e->dns);
    net_pollset_free(&e->ps);
    memset(e, 0, sizeof(*e));
}

int netenv_add_host_port(netenv *e, const char *spec, char *err, size_t errlen)
{
    return hostport_add_spec(&e->hp, spec, err, errlen);
}

int netenv_add_dns(netenv *e, const char *spec, char *err, size_t errlen)
{
    return dnstable_add_spec(&e->dns, spec, err, errlen);
}

int netenv_open_pcap(netenv *e, const char *path, char *err, size_t errlen)
{
    if (e->pcap) {
        snprintf(err, errlen, "only one packet capture file (%s)", path);
        return -1;
    }
    e->pcap = pcap_open(path, e->clk, err, errlen);
    return e->pcap ? 0 : -1;
}

netenv_dev *netenv_add_device(netenv *e, const char *name, netdev *sta, netdev *ap, char *err,
                              size_t errlen)
{
    netenv_dev *d = e->ndev < NETENV_MAX_DEVS ? calloc(1, sizeof(*d)) : NULL;
    if (!d) {
        snprintf(err, errlen, "too many devices on the networks (at most %d)", NETENV_MAX_DEVS);
        return NULL;
    }
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->env = e;
    d->sta = sta;
    d->ap = ap;
    if (netdev_add_tap(sta, learn_addr, d) < 0) {
        snprintf(err, errlen, "%s: no room for another observer", sta->name);
        free(d);
        return NULL;
    }
    e->dev[e->ndev++] = d;
    return d;
}

netenv_dev *netenv_device(netenv *e, const char *name)
{
    for (int i = 0; i < e->ndev; i++)
        if (!name || !strcmp(e->dev[i]->name, name))
            return e->dev[i];
    return NULL;
}

static netenv_dev *dev_of(netenv *e, const netdev *nd)
{
    for (int i = 0; i < e->ndev; i++)
        if (e->dev[i]->sta == nd || e->dev[i]->ap == nd)
            return e->dev[i];
    return NULL;
}

int netenv_add_hostfwd(netenv_dev *d, const char *spec, char *err, size_t errlen)
{
    if (d->nfwd == NETENV_MAX_FWDS) {
        snprintf(err, errlen, "too many host forwards (at most %d)", NETENV_MAX_FWDS);
        return -1;
    }
    hostfwd *f = &d->fwd[d->nfwd];
    if (hostfwd_parse(spec, f, err, errlen) < 0)
        return -1;
    d->fwd_auto[d->nfwd++] = f->guest_addr == 0;
    return 0;
}

int netenv_add_softap_fwd(netenv_dev *d, const char *spec, char *err, size_t errlen)
{
    if (d->nsoftap_fwd == NETENV_MAX_FWDS) {
        snprintf(err, errlen, "too many soft AP forwards (at most %d)", NETENV_MAX_FWDS);
        return -1;
    }
    hostfwd *f = &d->softap_fwd[d->nsoftap_fwd];
    if (hostfwd_parse(spec, f, err, errlen) < 0)
        return -1;
    d->nsoftap_fwd++;
    return 0;
}

int netenv_opts_add(netenv_opts *o, netenv_opt which, const char *value, char *err,
                    size_t errlen)
{
    hostfwd f;
    dnstable t;
    int rc = 0;
    switch (which) {
    case NETOPT_HOSTFWD:
    case NETOPT_SOFTAP_FWD: {
        bool sta = which == NETOPT_HOSTFWD;
        int *n = sta ? &o->nhostfwd : &o->nsoftap_fwd;
        if (hostfwd_parse(value, &f, err, errlen) < 0)
            return -1;
        if (*n == NETENV_MAX_FWDS) {
            snprintf(err, errlen, "too many forwards (at most %d)", NETENV_MAX_FWDS);
            return -1;
        }
        (sta ? o->hostfwd : o->softap_fwd)[(*n)++] = value;
        return 0;
    }
    case NETOPT_DNS:
        dnstable_init(&t);
        rc = dnstable_add_spec(&t, value, err, errlen);
        dnstable_free(&t);
        if (rc == 0 && o->ndns == NETENV_MAX_DNS) {
            snprintf(err, errlen, "too many DNS overrides (at most %d)", NETENV_MAX_DNS);
            rc = -1;
        }
        if (rc == 0)
            o->dns[o->ndns++] = value;
        return rc;
    case NETOPT_HOST_PORT: {
        hostport_map m = {0};
        if (hostport_add_spec(&m, value, err, errlen) < 0)
            return -1;
        if (o->nhost_port == HOSTPORT_MAX) {
            snprintf(err, errlen, "too many host ports (at most %d)", HOSTPORT_MAX);
            return -1;
        }
        o->host_port[o->nhost_port++] = value;
        return 0;
    }
    case NETOPT_PCAP:
        if (o->pcap) {
            snprintf(err, errlen, "only one packet capture file");
            return -1;
        }
        o->pcap = value;
        return 0;
    }
    return -1;
}

int netenv_apply(netenv *e, netenv_dev *d, const netenv_opts *o, char *err, size_t errlen)
{
    for (int i = 0; i < o->nhostfwd; i++)
        if (netenv_add_hostfwd(d, o->hostfwd[i], err, errlen) < 0)
            return -1;
    for (int i = 0; i < o->nsoftap_fwd; i++)
        if (netenv_add_softap_fwd(d, o->softap_fwd[i], err, errlen) < 0)
            return -1;
    for (int i = 0; i < o->ndns; i++)
        if (netenv_add_dns(e, o->dns[i], err, errlen) < 0)
            return -1;
    for (int i = 0; i < o->nhost_port; i++)
        if (netenv_add_host_port(e, o->host_port[i], err, errlen) < 0)
            return -1;
    return o->pcap ? netenv_open_pcap(e, o->pcap, err, errlen) : 0;
}

/* ---- the networks ---------------------------------------------------------- */

slirpnet *netenv_find(netenv *e, const char *ssid)
{
    for (int i = 0; i < e->nlans; i++)
        if (!strcmp(e->lans[i].name, ssid))
            return e->lans[i].net;
    return NULL;
}

static slirpnet *new_net(netenv *e, const slirpnet_config *c, char *err, size_t errlen)
{
    slirpnet *n = slirpnet_new(c, e->clk, e->log, err, errlen);
    if (n) {
        slirpnet_set_dns(n, &e->dns);
        slirpnet_set_host_ports(n, &e->hp);
    }
    return n;
}

slirpnet *netenv_lan(netenv *e, const char *ssid, char *err, size_t errlen)
{
    if (!ssid[0]) {
        snprintf(err, errlen, "an access point needs a name");
        return NULL;
    }
    slirpnet *n = netenv_find(e, ssid);
    if (n)
        return n;
    if (e->nlans == NETENV_MAX_LANS) {
        snprintf(err, errlen, "too many networks (at most %d)", NETENV_MAX_LANS);
        return NULL;
    }
    slirpnet_config c;
    slirpnet_config_lan(&c, ssid);
    if (!(n = new_net(e, &c, err, errlen)))
        return NULL;
    netenv_lan_t *l = &e->lans[e->nlans++];
    snprintf(l->name, sizeof(l->name), "%s", ssid);
    l->net = n;
    return n;
}

slirpnet *netenv_softap(netenv_dev *d, char *err, size_t errlen)
{
    if (d->softap)
        return d->softap;
    slirpnet_config c;
    char name[64];
    snprintf(name, sizeof(name), d->env->ndev > 1 ? "soft AP of %s" : "soft AP", d->name);
    slirpnet_config_softap(&c, name);
    d->softap = new_net(d->env, &c, err, errlen);
    return d->softap;
}

/* ---- forwards -------------------------------------------------------------- */

/* Bind forwards on a network; on failure the ones bound are released. */
static int bind_fwds(slirpnet *n, hostfwd *f, int nf, char *err, size_t errlen)
{
    for (int i = 0; i < nf; i++) {
        if (slirpnet_add_hostfwd(n, &f[i], err, errlen) == 0)
            continue;
        while (i--)
            slirpnet_remove_hostfwd(n, &f[i]);
        return -1;
    }
    return 0;
}

static void unbind_fwds(slirpnet *n, hostfwd *f, int nf)
{
    for (int i = 0; i < nf; i++)
        slirpnet_remove_hostfwd(n, &f[i]);
}

static void announce(const netenv_dev *d, const hostfwd *f, const char *where)
{
    char desc[96];
    hostfwd_describe(f, desc, sizeof(desc));
    if (d->env->ndev > 1)
        printf("Forward (%s): %s (%s)\n", d->name, desc, where);
    else
        printf("Forward: %s (%s)\n", desc, where);
}

static bool has_softap_fwd(const netenv_dev *d, int guest_port)
{
    for (int i = 0; i < d->nsoftap_fwd; i++)
        if (d->softap_fwd[i].guest_port == guest_port)
            return true;
    return false;
}

int netenv_softap_port(const netenv_dev *d, int guest_port)
{
    for (int i = 0; i < d->nsoftap_fwd; i++)
        if (d->softap_fwd[i].guest_port == guest_port && d->softap_fwd[i].host_port > 0)
            return d->softap_fwd[i].host_port;
    return -1;
}

/* The setup servers' forwards (free host ports), unless given. */
static int add_setup_fwds(netenv_dev *d, char *err, size_t errlen)
{
    static const char *const defaults[][2] = {
        {"tcp:127.0.0.1:0-:80", "80"}, {"tcp:127.0.0.1:0-:5609", "5609"}};
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        if (!has_softap_fwd(d, atoi(defaults[i][1])) &&
            netenv_add_softap_fwd(d, defaults[i][0], err, errlen) < 0)
            return -1;
    return 0;
}

static const char *softap_what(int guest_port)
{
    return guest_port == NETENV_SETUP_HTTP_PORT ? "soft AP: setup over HTTP"
         : guest_port == NETENV_SETUP_TCP_PORT  ? "soft AP: setup protocol"
                                                : "soft AP";
}

static int start_dev(netenv *e, netenv_dev *d, const char *ssid, bool print, char *err,
                     size_t errlen)
{
    if (ssid && d->nfwd) {
        slirpnet *n = netenv_lan(e, ssid, err, errlen);
        if (!n || bind_fwds(n, d->fwd, d->nfwd, err, errlen) < 0)
            return -1;
        d->fwd_on = n;
    }
    slirpnet *ap = netenv_softap(d, err, errlen);
    if (!ap || add_setup_fwds(d, err, errlen) < 0 ||
        bind_fwds(ap, d->softap_fwd, d->nsoftap_fwd, err, errlen) < 0)
        return -1;
    if (!print)
        return 0;
    for (int i = 0; i < d->nsoftap_fwd; i++)
        announce(d, &d->softap_fwd[i], softap_what(d->softap_fwd[i].guest_port));
    char where[64];
    snprintf(where, sizeof(where), "Wi-Fi: %s", ssid ? ssid : "");
    for (int i = 0; d->fwd_on && i < d->nfwd; i++)
        announce(d, &d->fwd[i], where);
    return 0;
}

int netenv_start(netenv *e, const char *ssid, bool print, char *err, size_t errlen)
{
    for (int i = 0; i < e->ndev; i++)
        if (start_dev(e, e->dev[i], ssid, print, err, errlen) < 0)
            return -1;
    if (print)
        fflush(stdout);
    return 0;
}

/* The station's forwards go where the station is, to its address. */
static int place_fwds(netenv_dev *d, slirpnet *to, char *err, size_t errlen)
{
    if (!d->nfwd || !to)
        return 0;
    uint32_t addr = d->addr_on == to ? d->addr : slirpnet_cfg(to)->guest;
    bool same = d->fwd_on == to;
    for (int i = 0; same && i < d->nfwd; i++)
        same = !d->fwd_auto[i] || d->fwd[i].guest_addr == addr;
    if (same)
        return 0;
    if (d->fwd_on)
        unbind_fwds(d->fwd_on, d->fwd, d->nfwd);
    d->fwd_on = NULL;
    for (int i = 0; i < d->nfwd; i++)
        if (d->fwd_auto[i])
            d->fwd[i].guest_addr = addr;
    if (bind_fwds(to, d->fwd, d->nfwd, err, errlen) < 0)
        return -1;
    d->fwd_on = to;
    return 0;
}

/* The station's address, from the IPv4 frames it sends on its network. */
static void learn_addr(void *opaque, netdev_dir dir, const uint8_t *frame, size_t len)
{
    netenv_dev *d = opaque;
    if (dir != NETDEV_TO_NETWORK || !d->sta_on || len < ETH_HDR_LEN + IPV4_HDR_LEN ||
        frame[12] != 0x08 || frame[13] != 0x00)
        return;
    const uint8_t *s = frame + ETH_HDR_LEN + 12;
    uint32_t src = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
    const slirpnet_config *c = slirpnet_cfg(d->sta_on);
    if ((src == d->addr && d->addr_on == d->sta_on) || (src & c->netmask) != c->network || src == c->network ||
        src == (c->network | ~c->netmask))
        return;
    d->addr = src;
    d->addr_on = d->sta_on;
    char err[256];
    if (place_fwds(d, d->sta_on, err, sizeof(err)) < 0)
        log_msg(d->env->log, LOG_NET, "%s: %s", d->name, err);
}

/* ---- the interfaces ---------------------------------------------------------- */

static void capture(netenv *e, netdev *nd)
{
    if (e->pcap && pcap_attach(e->pcap, nd) < 0)
        fprintf(stderr, "photon-sim: pcap: cannot capture %s as well\n", nd->name);
}

int netenv_station(netenv *e, netdev *sta, const char *ssid, char *err, size_t errlen)
{
    netenv_dev *d = dev_of(e, sta);
    if (!d) {
        snprintf(err, errlen, "%s is not a device's interface", sta->name);
        return -1;
    }
    slirpnet *to = ssid ? netenv_lan(e, ssid, err, errlen) : NULL;
    if (ssid && !to)
        return -1;
    if (d->sta_on == to)
        return 0;
    if (d->sta_on)
        slirpnet_detach(d->sta_on, sta);
    d->sta_on = NULL;
    if (!to)
        return 0;
    capture(e, sta);
    if (slirpnet_attach(to, sta) < 0) {
        snprintf(err, errlen, "network %s: no free port for %s", ssid, d->name);
        return -1;
    }
    d->sta_on = to;
    return place_fwds(d, to, err, errlen);
}

int netenv_softap_iface(netenv *e, netdev *ap, bool up, char *err, size_t errlen)
{
    netenv_dev *d = dev_of(e, ap);
    if (!d) {
        snprintf(err, errlen, "%s is not a device's interface", ap->name);
        return -1;
    }
    slirpnet *n = netenv_softap(d, err, errlen);
    if (!n)
        return -1;
    if (d->ap_on == up)
        return 0;
    d->ap_on = false;
    if (!up) {
        slirpnet_detach(n, ap);
        return 0;
    }
    capture(e, ap);
    if (slirpnet_attach(n, ap) < 0) {
        snprintf(err, errlen, "soft AP network: no free port for %s", d->name);
        return -1;
    }
    d->ap_on = true;
    return 0;
}

static void net_failed(netenv *e, const char *err)
{
    log_msg(e->log, LOG_NET, "%s", err);
    fprintf(stderr, "photon-sim: network: %s\n", err);
}

static void radio_station_cb(void *ctx, netdev *sta, const radio_ap *ap)
{
    char err[256];
    if (netenv_station(ctx, sta, ap ? ap->ssid : NULL, err, sizeof(err)) < 0)
        net_failed(ctx, err);
}

static void radio_softap_cb(void *ctx, netdev *ap, bool up)
{
    char err[256];
    if (netenv_softap_iface(ctx, ap, up, err, sizeof(err)) < 0)
        net_failed(ctx, err);
}

const radio_net_ops netenv_radio_ops = {radio_station_cb, radio_softap_cb};

/* ---- host sockets -------------------------------------------------------------- */

static void each_net(netenv *e, void (*fn)(slirpnet *, void *), void *arg)
{
    for (int i = 0; i < e->nlans; i++)
        fn(e->lans[i].net, arg);
    for (int i = 0; i < e->ndev; i++)
        if (e->dev[i]->softap)
            fn(e->dev[i]->softap, arg);
}

static void add_fds(slirpnet *n, void *arg)
{
    slirpnet_poll_add(n, arg);
}

typedef struct dispatch_arg {
    netenv *e;
    bool failed, busy;
} dispatch_arg;

static void dispatch(slirpnet *n, void *arg)
{
    dispatch_arg *a = arg;
    a->busy |= slirpnet_poll_dispatch(n, &a->e->ps, a->failed);
}

/* Between slices: every network's sockets in one poll(), waiting at most
 * what the runner allows. */
static bool poll_nets(void *ctx, runner *r, int wait_ms)
{
    (void)r;
    netenv *e = ctx;
    e->ps.n = 0;
    each_net(e, add_fds, &e->ps);
    int rc = 0;
    if (e->ps.n)
        rc = poll(e->ps.fd, (nfds_t)e->ps.n, wait_ms);
    dispatch_arg a = {e, rc < 0, false};
    each_net(e, dispatch, &a);
    return a.busy;
}

void netenv_add_poller(netenv *e, runner *r)
{
    runner_add_poller(r, poll_nets, e);
}
