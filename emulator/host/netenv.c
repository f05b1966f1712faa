/* The network environment of a run (see netenv.h). */
#include "netenv.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

void netenv_init(netenv *e, vclock *clk, logger *log)
{
    memset(e, 0, sizeof(*e));
    e->clk = clk;
    e->log = log;
    dnstable_init(&e->dns);
}

void netenv_free(netenv *e)
{
    char err[256];
    if (e->pcap && pcap_close(e->pcap, err, sizeof(err)) < 0)
        fprintf(stderr, "photon-sim: %s\n", err);
    for (int i = 0; i < e->nnets; i++)
        slirpnet_free(e->nets[i].net);
    dnstable_free(&e->dns);
    net_pollset_free(&e->ps);
    memset(e, 0, sizeof(*e));
}

int netenv_add_dns(netenv *e, const char *spec, char *err, size_t errlen)
{
    return dnstable_add_spec(&e->dns, spec, err, errlen);
}

int netenv_add_hostfwd(netenv *e, const char *spec, char *err, size_t errlen)
{
    if (e->nfwd == NETENV_MAX_FWDS) {
        snprintf(err, errlen, "too many host forwards (at most %d)", NETENV_MAX_FWDS);
        return -1;
    }
    return hostfwd_parse(spec, &e->fwd[e->nfwd++], err, errlen) < 0 ? (e->nfwd--, -1) : 0;
}

int netenv_add_softap_fwd(netenv *e, const hostfwd *f, char *err, size_t errlen)
{
    if (e->nsoftap_fwd == NETENV_MAX_FWDS) {
        snprintf(err, errlen, "too many soft AP forwards (at most %d)", NETENV_MAX_FWDS);
        return -1;
    }
    e->softap_fwd[e->nsoftap_fwd++] = *f;
    return 0;
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

slirpnet *netenv_find(netenv *e, const char *ssid)
{
    for (int i = 0; i < e->nnets; i++)
        if (!strcmp(e->nets[i].name, ssid))
            return e->nets[i].net;
    return NULL;
}

static slirpnet *make(netenv *e, const char *name, bool softap, char *err, size_t errlen)
{
    slirpnet *n = netenv_find(e, name);
    if (n)
        return n;
    if (e->nnets == NETENV_MAX_NETS) {
        snprintf(err, errlen, "too many networks (at most %d)", NETENV_MAX_NETS);
        return NULL;
    }
    slirpnet_config c;
    if (softap)
        slirpnet_config_softap(&c, "soft AP");
    else
        slirpnet_config_lan(&c, name);
    n = slirpnet_new(&c, e->clk, e->log, err, errlen);
    if (!n)
        return NULL;
    slirpnet_set_dns(n, &e->dns);
    netenv_net *en = &e->nets[e->nnets++];
    snprintf(en->name, sizeof(en->name), "%s", name);
    en->net = n;
    return n;
}

slirpnet *netenv_lan(netenv *e, const char *ssid, char *err, size_t errlen)
{
    if (!ssid[0]) {
        snprintf(err, errlen, "an access point needs a name");
        return NULL;
    }
    return make(e, ssid, false, err, errlen);
}

slirpnet *netenv_softap(netenv *e, char *err, size_t errlen)
{
    return make(e, "", true, err, errlen);
}

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

static void announce(const char *what, const hostfwd *f, int nf)
{
    for (int i = 0; i < nf; i++) {
        char d[96];
        hostfwd_describe(&f[i], d, sizeof(d));
        printf("photon-sim: %s %s\n", what, d);
    }
    fflush(stdout);
}

int netenv_start(netenv *e, const char *ssid, bool print, char *err, size_t errlen)
{
    if (ssid && e->nfwd) {
        slirpnet *n = netenv_lan(e, ssid, err, errlen);
        if (!n || bind_fwds(n, e->fwd, e->nfwd, err, errlen) < 0)
            return -1;
        e->fwd_on = n;
        if (print)
            announce("forward (Wi-Fi)", e->fwd, e->nfwd);
    }
    if (e->nsoftap_fwd) {
        slirpnet *n = netenv_softap(e, err, errlen);
        if (!n || bind_fwds(n, e->softap_fwd, e->nsoftap_fwd, err, errlen) < 0)
            return -1;
        if (print)
            announce("forward (soft AP)", e->softap_fwd, e->nsoftap_fwd);
    }
    return 0;
}

/* The station's forwards go where the station is. */
static int move_fwds(netenv *e, slirpnet *to, char *err, size_t errlen)
{
    if (!e->nfwd || e->fwd_on == to)
        return 0;
    if (e->fwd_on)
        for (int i = 0; i < e->nfwd; i++)
            slirpnet_remove_hostfwd(e->fwd_on, &e->fwd[i]);
    e->fwd_on = NULL;
    if (bind_fwds(to, e->fwd, e->nfwd, err, errlen) < 0)
        return -1;
    e->fwd_on = to;
    return 0;
}

static void capture(netenv *e, netdev *nd)
{
    if (e->pcap && pcap_attach(e->pcap, nd) < 0)
        fprintf(stderr, "photon-sim: pcap: cannot capture %s as well\n", nd->name);
}

int netenv_station(netenv *e, netdev *sta, const char *ssid, char *err, size_t errlen)
{
    slirpnet *to = ssid ? netenv_lan(e, ssid, err, errlen) : NULL;
    if (ssid && !to)
        return -1;
    if (e->sta_on == to && e->sta == sta)
        return 0;
    if (e->sta_on)
        slirpnet_detach(e->sta_on, e->sta);
    e->sta = sta;
    e->sta_on = NULL;
    if (!to)
        return 0;
    capture(e, sta);
    if (slirpnet_attach(to, sta) < 0) {
        snprintf(err, errlen, "network %s: no free port for %s", ssid, sta->name);
        return -1;
    }
    e->sta_on = to;
    return move_fwds(e, to, err, errlen);
}

int netenv_softap_iface(netenv *e, netdev *ap, char *err, size_t errlen)
{
    slirpnet *n = netenv_softap(e, err, errlen);
    if (!n)
        return -1;
    if (e->ap == ap)
        return 0;
    if (e->ap)
        slirpnet_detach(n, e->ap);
    e->ap = ap;
    if (!ap)
        return 0;
    capture(e, ap);
    if (slirpnet_attach(n, ap) < 0) {
        snprintf(err, errlen, "soft AP network: no free port for %s", ap->name);
        return -1;
    }
    return 0;
}

/* Between slices: every network's sockets in one poll(), waiting at most
 * what the runner allows. */
static bool poll_nets(void *ctx, runner *r, int wait_ms)
{
    (void)r;
    netenv *e = ctx;
    e->ps.n = 0;
    for (int i = 0; i < e->nnets; i++)
        slirpnet_poll_add(e->nets[i].net, &e->ps);
    int rc = 0;
    if (e->ps.n)
        rc = poll(e->ps.fd, (nfds_t)e->ps.n, wait_ms);
    bool busy = false;
    for (int i = 0; i < e->nnets; i++)
        busy |= slirpnet_poll_dispatch(e->nets[i].net, &e->ps, rc < 0);
    return busy;
}

void netenv_add_poller(netenv *e, runner *r)
{
    runner_add_poller(r, poll_nets, e);
}
