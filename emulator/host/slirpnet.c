/* A network behind libslirp (see slirpnet.h). How a VMM drives libslirp:
 * QEMU's net/slirp.c (callbacks, pollfds, hostfwd); here the clock and the
 * timers are virtual and host sockets are never waited for while the CPU
 * could run. */
#include "slirpnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <slirp/libslirp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netframe.h"

#define NO_TIMEOUT 1000 /* what slirp_pollfds_fill says when no timer is due */
#define DHCP_SERVER_PORT 67
#define DNS_PORT 53

typedef struct qframe {
    struct qframe *next;
    uint64_t due; /* ps */
    int from;     /* the port it came from, -1: the router (libslirp) */
    size_t len;
    uint8_t data[];
} qframe;

typedef struct fqueue {
    qframe *head, *tail;
    int n;
    clock_event ev;
} fqueue;

typedef struct port {
    slirpnet *net;
    netdev *nd; /* NULL: free */
    uint8_t mac[6];
    bool mac_known; /* learned from the frames it sent */
} port;

typedef struct slirp_timer {
    clock_event ev;
    slirpnet *net;
    SlirpTimerId id;
    void *cb_opaque;
} slirp_timer;

struct slirpnet {
    slirpnet_config cfg;
    Slirp *slirp;
    vclock *clk;
    logger *log;
    port port[SLIRPNET_MAX_PORTS];
    const dnstable *dns;
    const hostport_map *hp;
    slirpnet_faults f;
    slirpnet_stats st;
    uint32_t rng;   /* the loss fault's generator: the same run loses the same frames */
    uint16_t ip_id; /* of the frames the network makes itself (DNS answers) */
    fqueue to_net, to_guest;
    clock_event tick; /* libslirp's TCP timers and socket expiry */
    net_pollset own;
};

static void net_log(slirpnet *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void net_log(slirpnet *n, const char *fmt, ...)
{
    if (!n->log || !log_on(n->log, LOG_NET))
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_msg(n->log, LOG_NET, "net %s: %s", n->cfg.name, buf);
}

static uint64_t now_ps(slirpnet *n)
{
    return clock_now(n->clk);
}

/* ---- configurations ---------------------------------------------------- */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

void slirpnet_config_lan(slirpnet_config *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->network = IP4(10, 0, 2, 0);
    c->netmask = IP4(255, 255, 255, 0);
    c->host = IP4(10, 0, 2, 2);
    c->dhcp_start = IP4(10, 0, 2, 15);
    c->dns = IP4(10, 0, 2, 3);
    c->guest = c->dhcp_start;
}

void slirpnet_config_softap(slirpnet_config *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", name);
    c->network = IP4(192, 168, 0, 0);
    c->netmask = IP4(255, 255, 255, 0);
    c->host = IP4(192, 168, 0, 254);
    c->guest = IP4(192, 168, 0, 1);
}

/* ---- the switch -------------------------------------------------------- */

static bool lose(slirpnet *n)
{
    if (!n->f.loss_pct)
        return false;
    n->rng ^= n->rng << 13; /* xorshift32 */
    n->rng ^= n->rng >> 17;
    n->rng ^= n->rng << 5;
    if (n->rng % 100 < n->f.loss_pct) {
        n->st.lost++;
        return true;
    }
    return false;
}

static void deliver_to_port(slirpnet *n, int i, const uint8_t *frame, size_t len)
{
    if (netdev_deliver(n->port[i].nd, frame, len))
        n->st.to_guest++;
    else
        n->st.dropped++;
}

/* Frames for the devices: to the port that has the destination address, to
 * every port for a broadcast or an address not seen yet (a hub would). */
static int to_ports(slirpnet *n, const uint8_t *frame, size_t len, int from)
{
    const uint8_t *dst = frame;
    if (!(dst[0] & 1)) {
        for (int i = 0; i < SLIRPNET_MAX_PORTS; i++) {
            port *p = &n->port[i];
            if (p->nd && p->mac_known && !memcmp(p->mac, dst, 6)) {
                if (i != from)
                    deliver_to_port(n, i, frame, len);
                return 1;
            }
        }
    }
    int sent = 0;
    for (int i = 0; i < SLIRPNET_MAX_PORTS; i++) {
        if (n->port[i].nd && i != from && !(n->port[i].mac_known && !(dst[0] & 1))) {
            deliver_to_port(n, i, frame, len);
            sent++;
        }
    }
    return sent;
}

static bool is_port_mac(slirpnet *n, const uint8_t *mac)
{
    for (int i = 0; i < SLIRPNET_MAX_PORTS; i++)
        if (n->port[i].nd && n->port[i].mac_known && !memcmp(n->port[i].mac, mac, 6))
            return true;
    return false;
}

static void enqueue(slirpnet *n, fqueue *q, const uint8_t *frame, size_t len, int from,
                    uint64_t due)
{
    if (q->n >= SLIRPNET_QUEUE_MAX) {
        n->st.dropped++;
        return;
    }
    qframe *f = malloc(sizeof(*f) + len);
    if (!f) {
        n->st.dropped++;
        return;
    }
    if (q->tail && q->tail->due > due)
        due = q->tail->due; /* a shorter delay never overtakes */
    f->next = NULL;
    f->due = due;
    f->from = from;
    f->len = len;
    memcpy(f->data, frame, len);
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->n++;
    if (!q->ev.armed || q->ev.when > q->head->due)
        clock_arm(n->clk, &q->ev, q->head->due);
}

static qframe *dequeue_due(slirpnet *n, fqueue *q)
{
    qframe *f = q->head;
    if (!f || f->due > now_ps(n))
        return NULL;
    q->head = f->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    return f;
}

static void queue_free(slirpnet *n, fqueue *q)
{
    clock_disarm(n->clk, &q->ev);
    while (q->head) {
        qframe *f = q->head;
        q->head = f->next;
        free(f);
    }
    q->tail = NULL;
    q->n = 0;
}

/* A frame from the router or from the network's own DNS answers: after the
 * loss and delay faults, to the devices. */
static void from_router(slirpnet *n, const uint8_t *frame, size_t len)
{
    if (len < ETH_HDR_LEN || len > NETDEV_MAX_FRAME || n->f.down) {
        n->st.dropped++;
        return;
    }
    if (lose(n))
        return;
    if (n->f.delay_ps || n->to_guest.head)
        enqueue(n, &n->to_guest, frame, len, -1, now_ps(n) + n->f.delay_ps);
    else
        to_ports(n, frame, len, -1);
}

static void to_guest_due(void *arg)
{
    slirpnet *n = arg;
    qframe *f;
    while ((f = dequeue_due(n, &n->to_guest))) {
        to_ports(n, f->data, f->len, -1);
        free(f);
    }
    if (n->to_guest.head)
        clock_arm(n->clk, &n->to_guest.ev, n->to_guest.head->due);
}

/* ---- DHCP and DNS on the way in ---------------------------------------- */

/* Returns false when the query is not one to answer here. */
static bool answer_dns(slirpnet *n, const netframe *q, int rcode)
{
    uint8_t msg[NETDEV_MAX_FRAME], frame[NETDEV_MAX_FRAME];
    size_t room = NETDEV_MAX_FRAME - ETH_HDR_LEN - IPV4_HDR_LEN - UDP_HDR_LEN;
    int len = dns_answer(n->dns, q->payload, q->payload_len, rcode, msg, room);
    if (len <= 0)
        return false;
    size_t fl = netframe_build_udp(frame, sizeof(frame), q->src_mac, q->dst_mac, q->dst_ip,
                                   q->src_ip, DNS_PORT, q->sport, n->ip_id++, msg, (size_t)len);
    n->st.dns_answered++;
    from_router(n, frame, fl);
    return true;
}

/* DHCP and DNS faults, the DNS override table. Returns true when the frame
 * was handled here (answered or dropped), false when it goes to libslirp. */
static bool intercept(slirpnet *n, const uint8_t *frame, size_t len)
{
    netframe q;
    if (!netframe_parse(frame, len, &q) || !q.udp)
        return false;
    if (q.dport == DHCP_SERVER_PORT && n->f.dhcp_drop) {
        n->st.dropped++;
        return true;
    }
    if (q.dport != DNS_PORT)
        return false;
    char name[DNS_NAME_MAX + 1];
    uint16_t qtype;
    size_t end;
    if (dns_question(q.payload, q.payload_len, name, &qtype, &end) < 0) {
        n->st.dropped++;
        net_log(n, "malformed DNS query dropped");
        return true;
    }
    switch (n->f.dns) {
    case SLIRPNET_DNS_DROP:
        n->st.dropped++;
        return true;
    case SLIRPNET_DNS_SERVFAIL:
        return answer_dns(n, &q, DNS_RCODE_SERVFAIL);
    case SLIRPNET_DNS_NXDOMAIN:
        return answer_dns(n, &q, DNS_RCODE_NXDOMAIN);
    case SLIRPNET_DNS_OK:
        break;
    }
    if (!dnstable_lookup(n->dns, name))
        return false; /* the host's resolver answers */
    if (!answer_dns(n, &q, 0))
        return false;
    net_log(n, "DNS %s answered from the override table", name);
    return true;
}

/* ---- host sockets and libslirp's timers ---------------------------------- */

static int add_poll(int fd, int events, void *opaque)
{
    net_pollset *ps = opaque;
    if (ps->n == ps->cap) {
        int cap = ps->cap ? ps->cap * 2 : 16;
        struct pollfd *nf = realloc(ps->fd, (size_t)cap * sizeof(*nf));
        if (!nf)
            return -1; /* not watched this time */
        ps->fd = nf;
        ps->cap = cap;
    }
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    ps->fd[ps->n] = (struct pollfd){.fd = fd, .events = ev};
    return ps->n++;
}

static int get_revents(int idx, void *opaque)
{
    net_pollset *ps = opaque;
    if (idx < 0 || idx >= ps->n)
        return 0;
    short r = ps->fd[idx].revents;
    return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
           (r & POLLPRI ? SLIRP_POLL_PRI : 0) | (r & POLLERR ? SLIRP_POLL_ERR : 0) |
           (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

/* When libslirp next wants to run its timers: a tick then, or none. */
static void rearm(slirpnet *n)
{
    uint32_t timeout = UINT32_MAX;
    n->own.n = 0;
    slirp_pollfds_fill(n->slirp, &timeout, add_poll, &n->own);
    if (timeout >= NO_TIMEOUT)
        clock_disarm(n->clk, &n->tick);
    else
        clock_arm(n->clk, &n->tick, now_ps(n) + (uint64_t)timeout * PS_PER_MS);
}

void slirpnet_poll_add(slirpnet *n, net_pollset *ps)
{
    uint32_t timeout = UINT32_MAX;
    slirp_pollfds_fill(n->slirp, &timeout, add_poll, ps);
}

bool slirpnet_poll_dispatch(slirpnet *n, net_pollset *ps, bool poll_failed)
{
    uint64_t before = n->st.to_guest;
    slirp_pollfds_poll(n->slirp, poll_failed, get_revents, ps);
    rearm(n);
    return n->st.to_guest != before;
}

bool slirpnet_poll(slirpnet *n, int wait_ms)
{
    net_pollset *ps = &n->own;
    ps->n = 0;
    slirpnet_poll_add(n, ps);
    int rc = 0;
    if (ps->n)
        rc = poll(ps->fd, (nfds_t)ps->n, wait_ms);
    return slirpnet_poll_dispatch(n, ps, rc < 0);
}

void net_pollset_free(net_pollset *ps)
{
    free(ps->fd);
    memset(ps, 0, sizeof(*ps));
}

static void tick(void *arg)
{
    slirpnet_poll(arg, 0);
}

/* Frames from the devices reach libslirp here, in a clock event at the
 * virtual instant they are due, never inside the NIC's own call. */
static void to_net_due(void *arg)
{
    slirpnet *n = arg;
    slirpnet_poll(n, 0); /* libslirp's idea of the time is "now" before input */
    qframe *f;
    while ((f = dequeue_due(n, &n->to_net))) {
        n->st.to_net++;
        hostport_rewrite(n->hp, f->data, f->len, n->cfg.host, true);
        if (!intercept(n, f->data, f->len))
            slirp_input(n->slirp, f->data, (int)f->len);
        free(f);
    }
    rearm(n);
    if (n->to_net.head)
        clock_arm(n->clk, &n->to_net.ev, n->to_net.head->due);
}

/* ---- the ports (netdev backends) ---------------------------------------- */

static void port_receive(void *opaque, const uint8_t *frame, size_t len)
{
    port *p = opaque;
    slirpnet *n = p->net;
    int from = (int)(p - n->port);
    if (len < ETH_HDR_LEN || n->f.down) {
        n->st.dropped++;
        return;
    }
    if (!(frame[6] & 1)) {
        memcpy(p->mac, frame + 6, 6);
        p->mac_known = true;
    }
    if (lose(n))
        return;
    /* to another device on this network: switched, the router never sees it */
    if (!(frame[0] & 1) && is_port_mac(n, frame)) {
        to_ports(n, frame, len, from);
        return;
    }
    if (frame[0] & 1)
        to_ports(n, frame, len, from);
    enqueue(n, &n->to_net, frame, len, from, now_ps(n) + n->f.delay_ps);
}

static void port_link(void *opaque, bool up)
{
    port *p = opaque;
    net_log(p->net, "%s link %s", p->nd ? p->nd->name : "?", up ? "up" : "down");
}

static const netdev_backend_ops port_ops = {port_receive, port_link};

int slirpnet_attach(slirpnet *n, netdev *nd)
{
    for (int i = 0; i < SLIRPNET_MAX_PORTS; i++) {
        port *p = &n->port[i];
        if (p->nd)
            continue;
        memset(p, 0, sizeof(*p));
        p->net = n;
        p->nd = nd;
        static const uint8_t none[6];
        if (memcmp(nd->mac, none, 6)) { /* until it sends from another */
            memcpy(p->mac, nd->mac, 6);
            p->mac_known = true;
        }
        netdev_set_carrier(nd, !n->f.down);
        netdev_set_backend(nd, &port_ops, p);
        net_log(n, "%s plugged in", nd->name);
        return 0;
    }
    return -1;
}

void slirpnet_detach(slirpnet *n, netdev *nd)
{
    for (int i = 0; i < SLIRPNET_MAX_PORTS; i++) {
        port *p = &n->port[i];
        if (p->nd != nd)
            continue;
        netdev_set_backend(nd, NULL, NULL);
        netdev_set_carrier(nd, true);
        net_log(n, "%s unplugged", nd->name);
        memset(p, 0, sizeof(*p));
    }
}

/* ---- libslirp's callbacks ------------------------------------------------ */

static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
    slirpnet *n = opaque;
    uint8_t copy[NETDEV_MAX_FRAME];
    if (n->hp && n->hp->n && len <= sizeof(copy)) {
        memcpy(copy, buf, len);
        if (hostport_rewrite(n->hp, copy, len, n->cfg.host, false))
            buf = copy;
    }
    from_router(n, buf, len);
    return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
    slirpnet *n = opaque;
    n->st.guest_errors++;
    net_log(n, "bad traffic from the device: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
    return (int64_t)(now_ps(opaque) / 1000);
}

static void timer_fired(void *arg)
{
    slirp_timer *t = arg;
    slirp_handle_timer(t->net->slirp, t->id, t->cb_opaque);
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    slirp_timer *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->net = opaque;
    t->id = id;
    t->cb_opaque = cb_opaque;
    clock_event_init(&t->ev, "slirp timer", timer_fired, t);
    return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
    slirpnet *n = opaque;
    slirp_timer *t = timer;
    if (!t)
        return;
    clock_disarm(n->clk, &t->ev);
    free(t);
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    slirpnet *n = opaque;
    slirp_timer *t = timer;
    uint64_t when = expire_ms > 0 ? (uint64_t)expire_ms * PS_PER_MS : 0;
    if (t)
        clock_arm(n->clk, &t->ev, when > now_ps(n) ? when : now_ps(n));
}

static void cb_poll_fd(int fd, void *opaque)
{
    (void)fd;
    (void)opaque;
}

static void cb_notify(void *opaque)
{
    slirpnet *n = opaque;
    clock_arm(n->clk, &n->tick, now_ps(n));
}

static const SlirpCb callbacks = {
    .send_packet = cb_send_packet,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock_get_ns,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_poll_fd,
    .unregister_poll_fd = cb_poll_fd,
    .notify = cb_notify,
    .timer_new_opaque = cb_timer_new_opaque,
};

/* libslirp reports host-side trouble through GLib's log ("Slirp" domain):
 * to --log net of the first network's logger, not to the terminal. */
static logger *glib_logger;

static void glib_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain;
    (void)data;
    if (level & G_LOG_LEVEL_DEBUG)
        return;
    if (glib_logger)
        log_msg(glib_logger, LOG_NET, "libslirp: %s", msg);
}

/* ---- life -------------------------------------------------------------- */

static struct in_addr in4(uint32_t a)
{
    return (struct in_addr){htonl(a)};
}

slirpnet *slirpnet_new(const slirpnet_config *c, vclock *clk, logger *log, char *err,
                       size_t errlen)
{
    slirpnet *n = calloc(1, sizeof(*n));
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    n->cfg = *c;
    n->clk = clk;
    n->log = log;
    n->rng = 0x9e3779b9u;
    n->ip_id = 1;
    clock_event_init(&n->tick, "slirp", tick, n);
    clock_event_init(&n->to_net.ev, "net in", to_net_due, n);
    clock_event_init(&n->to_guest.ev, "net out", to_guest_due, n);
    SlirpConfig cfg = {
        .version = 4,
        .in_enabled = true,
        .vnetwork = in4(c->network),
        .vnetmask = in4(c->netmask),
        .vhost = in4(c->host),
        .vdhcp_start = in4(c->dhcp_start ? c->dhcp_start : c->guest),
        .vnameserver = in4(c->dns ? c->dns : c->host),
        .if_mtu = 1500,
        .if_mru = 1500,
        .disable_dns = c->dns == 0,
        .disable_dhcp = c->dhcp_start == 0,
    };
    if (!glib_logger && log) {
        glib_logger = log;
        g_log_set_handler("Slirp", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                          glib_log, NULL);
    }
    n->slirp = slirp_new(&cfg, &callbacks, n);
    if (!n->slirp) {
        snprintf(err, errlen, "network %s: libslirp refused the configuration", c->name);
        free(n);
        return NULL;
    }
    return n;
}

void slirpnet_free(slirpnet *n)
{
    if (!n)
        return;
    for (int i = 0; i < SLIRPNET_MAX_PORTS; i++)
        if (n->port[i].nd)
            slirpnet_detach(n, n->port[i].nd);
    slirp_cleanup(n->slirp);
    queue_free(n, &n->to_net);
    queue_free(n, &n->to_guest);
    clock_disarm(n->clk, &n->tick);
    net_pollset_free(&n->own);
    if (glib_logger == n->log)
        glib_logger = NULL;
    free(n);
}

const slirpnet_config *slirpnet_cfg(const slirpnet *n)
{
    return &n->cfg;
}

void slirpnet_set_dns(slirpnet *n, const dnstable *t)
{
    n->dns = t;
}

void slirpnet_set_host_ports(slirpnet *n, const hostport_map *m)
{
    n->hp = m;
}

void slirpnet_set_faults(slirpnet *n, const slirpnet_faults *f)
{
    bool was_down = n->f.down;
    n->f = *f;
    if (n->f.loss_pct > 100)
        n->f.loss_pct = 100;
    if (was_down != f->down) {
        net_log(n, "%s", f->down ? "down" : "up again");
        for (int i = 0; i < SLIRPNET_MAX_PORTS; i++)
            if (n->port[i].nd)
                netdev_set_carrier(n->port[i].nd, !f->down);
    }
}

const slirpnet_faults *slirpnet_get_faults(const slirpnet *n)
{
    return &n->f;
}

const slirpnet_stats *slirpnet_get_stats(const slirpnet *n)
{
    return &n->st;
}

char *slirpnet_connection_info(slirpnet *n)
{
    return slirp_connection_info(n->slirp);
}

/* ---- host forwards ------------------------------------------------------- */

static bool in_set(const net_pollset *ps, int fd)
{
    for (int i = 0; i < ps->n; i++)
        if (ps->fd[i].fd == fd)
            return true;
    return false;
}

/* The port of the socket libslirp just opened for a forward: the one socket
 * of the right type bound to the forward's address that was not there
 * before. */
static int bound_port(slirpnet *n, const net_pollset *before, const hostfwd *f)
{
    n->own.n = 0;
    slirpnet_poll_add(n, &n->own);
    for (int i = 0; i < n->own.n; i++) {
        int fd = n->own.fd[i].fd, type = 0;
        socklen_t tl = sizeof(type);
        struct sockaddr_in sa;
        socklen_t sl = sizeof(sa);
        if (in_set(before, fd) || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) ||
            type != (f->udp ? SOCK_DGRAM : SOCK_STREAM) ||
            getsockname(fd, (struct sockaddr *)&sa, &sl) || sa.sin_family != AF_INET ||
            ntohl(sa.sin_addr.s_addr) != f->host_addr)
            continue;
        return ntohs(sa.sin_port);
    }
    return -1;
}

int slirpnet_add_hostfwd(slirpnet *n, hostfwd *f, char *err, size_t errlen)
{
    if (!f->guest_addr)
        f->guest_addr = n->cfg.guest;
    net_pollset before = {0};
    if (f->host_port == 0)
        slirpnet_poll_add(n, &before);
    errno = 0;
    int rc = slirp_add_hostfwd(n->slirp, f->udp, in4(f->host_addr), f->host_port,
                               in4(f->guest_addr), f->guest_port);
    if (rc < 0) {
        char d[96];
        hostfwd_describe(f, d, sizeof(d));
        snprintf(err, errlen, "cannot forward %s: %s", d,
                 errno ? strerror(errno) : "refused by libslirp");
        net_pollset_free(&before);
        return -1;
    }
    if (f->host_port == 0) {
        int p = bound_port(n, &before, f);
        net_pollset_free(&before);
        if (p <= 0) {
            slirp_remove_hostfwd(n->slirp, f->udp, in4(f->host_addr), 0);
            snprintf(err, errlen, "cannot tell which host port the forward got");
            return -1;
        }
        f->host_port = p;
    }
    rearm(n);
    char d[96];
    hostfwd_describe(f, d, sizeof(d));
    net_log(n, "forward %s", d);
    return 0;
}

int slirpnet_remove_hostfwd(slirpnet *n, const hostfwd *f)
{
    return slirp_remove_hostfwd(n->slirp, f->udp, in4(f->host_addr), f->host_port);
}
