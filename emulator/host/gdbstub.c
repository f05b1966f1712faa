/* GDB remote stub (see gdbstub.h): the machine side of the protocol that
 * gdbproto.c frames and parses. This part: the packets and the connection;
 * gdbstub_run.c: run control; gdbstub_target.c: registers, memory, flash. */
#include "gdbstub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub_internal.h"

/* ---- helpers ----------------------------------------------------------- */

void gs_set_halted(gdbstub *g, bool h)
{
    if (!h)
        gs_apply_flush(g);
    g->halted = h;
    if (g->r)
        g->r->halted = h;
}

void gs_info(gdbstub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gs_info(gdbstub *g, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    log_msg(&g->m->log, LOG_INFO, "photon-sim: gdb: %s", buf);
}

/* The flash region (ROM with erase sectors) holding [addr, addr+len). */
bus_ram *gs_flash_at(machine *m, uint32_t addr, uint32_t len)
{
    bus_ram *r = bus_ram_at(&m->bus, addr);
    if (!r)
        return NULL;
    uint32_t off = addr - r->base;
    if (r->alias_of >= 0)
        r = &m->bus.ram[r->alias_of];
    if (!(r->flags & MEM_ROM) || !r->nsectors || (uint64_t)off + len > r->size)
        return NULL;
    return r;
}

/* Thumb-2 instructions in [from, to) (the block hook counts the same way). */
uint32_t gs_count_insns(machine *m, uint32_t from, uint32_t to)
{
    if (to <= from)
        return 0;
    const uint8_t *p = bus_host_ptr(&m->bus, from, to - from);
    if (!p)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i + 1 < to - from; n++) {
        uint16_t hw = (uint16_t)(p[i] | p[i + 1] << 8);
        i += (hw >> 11) >= 0x1D ? 4 : 2;
    }
    return n;
}

/* The end of the translation block that starts at `pc`. */
uint32_t gs_block_end(machine *m, uint32_t pc)
{
    uc_tb tb;
    memset(&tb, 0, sizeof(tb));
    /* uc_ctl_request_cache() spelled out: its macro shifts a signed 3 into
     * bit 31, which UBSan rejects */
    uint32_t op = (uint32_t)UC_CTL_TB_REQUEST_CACHE | 2u << 26 |
                  (uint32_t)UC_CTL_IO_READ_WRITE << 30;
    if (uc_ctl(m->uc, (uc_control_type)op, (uint64_t)(pc & ~1u), &tb) != UC_ERR_OK)
        return pc;
    return pc + tb.size;
}

/* ---- output ------------------------------------------------------------ */

static void raw_send(gdbstub *g, const char *buf, size_t n)
{
    if (g->send) {
        g->send(g->send_ctx, buf, n);
        return;
    }
    if (g->cfd < 0 || g->drop)
        return;
    while (n) {
        ssize_t w = send(g->cfd, buf, n, MSG_NOSIGNAL);
        if (w > 0) {
            buf += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd p = {g->cfd, POLLOUT, 0};
            if (poll(&p, 1, SEND_TIMEOUT_MS) > 0)
                continue;
        }
        g->drop = true; /* the debugger does not read, or went away */
        return;
    }
}

void gs_send_packet(gdbstub *g, const char *payload, size_t n)
{
    size_t len = gdbp_frame(g->out, sizeof(g->out), payload, n);
    if (!len) /* cannot happen: replies are bounded */
        len = gdbp_frame(g->out, sizeof(g->out), "E01", 3);
    g->outlen = len;
    g->nacks = 0;
    raw_send(g, g->out, len);
}

void gs_send_str(gdbstub *g, const char *s)
{
    gs_send_packet(g, s, strlen(s));
}

/* Console output for `monitor` commands: O packets of hex text. */
void gs_console(gdbstub *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gs_console(gdbstub *g, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(text))
        n = sizeof(text) - 1;
    char pkt[2 * sizeof(text) + 2];
    pkt[0] = 'O';
    gdbp_hex_encode(pkt + 1, text, (size_t)n);
    gs_send_str(g, pkt);
}

char *gs_hex32le(char *p, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    gdbp_hex_encode(p, b, 4);
    return p + 8;
}

/* ---- packets -------------------------------------------------------------- */

static void handle(gdbstub *g, const char *pkt, size_t len)
{
    machine *m = g->m;
    gdb_cmd c;
    gdbp_parse(pkt, len, &c, g->scratch, sizeof(g->scratch));
    char *r = g->reply;
    /* While the core runs, gdb (all-stop) only sends Ctrl-C; anything
     * else gets a reply but does not change the run. */
    switch (c.kind) {
    case GC_UNKNOWN:
    case GC_MUST_REPLY_EMPTY:
        gs_send_str(g, "");
        return;
    case GC_MALFORMED:
        gs_send_str(g, "E01");
        return;
    case GC_SUPPORTED:
        g->gdb_swbreak = strstr(c.text, "swbreak+") != NULL;
        g->gdb_hwbreak = strstr(c.text, "hwbreak+") != NULL;
        snprintf(r, GDBP_MAX_PACKET,
                 "PacketSize=%x;qXfer:features:read+;qXfer:memory-map:read+;"
                 "QStartNoAckMode+;vContSupported+%s%s",
                 GDBP_MAX_PACKET, g->gdb_swbreak ? ";swbreak+" : "",
                 g->gdb_hwbreak ? ";hwbreak+" : "");
        gs_send_str(g, r);
        return;
    case GC_NO_ACK:
        gs_send_str(g, "OK");
        g->noack = true;
        return;
    case GC_XFER: {
        const char *doc = NULL;
        if (!strcmp(c.object, "features") && !strcmp(c.annex, "target.xml"))
            doc = gs_target_xml;
        else if (!strcmp(c.object, "memory-map") && !c.annex[0])
            doc = g->memory_map ? g->memory_map : (g->memory_map = gs_memory_map(g->m));
        if (!doc) {
            gs_send_str(g, strcmp(c.object, "features") && strcmp(c.object, "memory-map") ? ""
                                                                                       : "E00");
            return;
        }
        size_t n = gdbp_xfer_reply(r, GDBP_MAX_PACKET, doc, strlen(doc), c.offset, c.length);
        gs_send_packet(g, r, n);
        return;
    }
    case GC_HALT_REASON:
        if (!g->halted) { /* all-stop: the target is reported stopped */
            g->running = true;
            g->hit = true;
            g->hook_stop = false;
            g->stop = SK_SIGINT;
            gdbstub_check(g);
            return;
        }
        gs_send_stop(g);
        return;
    case GC_ATTACHED:
        gs_send_str(g, "1"); /* quitting gdb detaches: the Photon runs on */
        return;
    case GC_CURRENT_THREAD:
        gs_send_str(g, "QC1");
        return;
    case GC_THREADS_FIRST:
        gs_send_str(g, "m1");
        return;
    case GC_THREADS_NEXT:
        gs_send_str(g, "l");
        return;
    case GC_SET_THREAD:
    case GC_THREAD_ALIVE:
    case GC_SYMBOL:
        gs_send_str(g, "OK");
        return;
    case GC_VCONT_QUERY:
        gs_send_str(g, "vCont;c;C;s;S");
        return;
    case GC_READ_REGS: {
        char *p = r;
        for (unsigned i = 0; i < GDB_NREGS; i++)
            p = gs_hex32le(p, gs_reg_get(m, i));
        gs_send_packet(g, r, (size_t)(p - r));
        return;
    }
    case GC_WRITE_REGS:
        if (c.data_len % 4 || c.data_len > 4 * GDB_NREGS) {
            gs_send_str(g, "E01");
            return;
        }
        for (unsigned i = 0; i < c.data_len / 4; i++) {
            const uint8_t *d = c.data + 4 * i;
            gs_reg_set(g, i, (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
                              (uint32_t)d[3] << 24);
        }
        gs_send_str(g, "OK");
        return;
    case GC_READ_REG:
        if (c.reg >= GDB_NREGS) {
            gs_send_str(g, "E01");
            return;
        }
        gs_hex32le(r, gs_reg_get(m, c.reg));
        gs_send_packet(g, r, 8);
        return;
    case GC_WRITE_REG:
        if (c.reg >= GDB_NREGS || c.data_len != 4) {
            gs_send_str(g, "E01");
            return;
        }
        gs_reg_set(g, c.reg, (uint32_t)c.data[0] | (uint32_t)c.data[1] << 8 |
                              (uint32_t)c.data[2] << 16 | (uint32_t)c.data[3] << 24);
        gs_send_str(g, "OK");
        return;
    case GC_READ_MEM:
        gs_read_mem(g, c.addr, c.len);
        return;
    case GC_WRITE_MEM:
        gs_write_mem(g, c.addr, c.data, c.len);
        return;
    case GC_INSERT:
    case GC_REMOVE: {
        int rc;
        if (c.type <= 1)
            rc = c.kind == GC_INSERT ? gs_bp_insert(g, c.type, c.addr) : gs_bp_remove(g, c.type, c.addr);
        else
            rc = c.kind == GC_INSERT ? gs_wp_insert(g, c.type, c.addr, c.len)
                                     : gs_wp_remove(g, c.type, c.addr, c.len);
        gs_send_str(g, rc ? "E0c" : "OK");
        return;
    }
    case GC_CONTINUE:
    case GC_STEP:
        if (!g->halted)
            return; /* already running: the stop reply will come */
        if (c.has_addr)
            gs_reg_set(g, R_PC, c.addr);
        gs_resume(g, c.kind == GC_STEP);
        return; /* the reply is the stop reply, later */
    case GC_DETACH:
        gs_send_str(g, "OK");
        gs_info(g, "detached");
        g->drop = true;
        return;
    case GC_KILL:
        gs_info(g, "killed by the debugger: the run ends");
        g->killed = true;
        if (g->r)
            g->r->stop = true;
        if (!strncmp(pkt, "vKill", 5))
            gs_send_str(g, "OK");
        g->drop = true;
        return;
    case GC_MONITOR:
        gs_monitor(g, c.text);
        return;
    case GC_FLASH_ERASE:
        gs_flash_erase(g, c.addr, c.len);
        return;
    case GC_FLASH_WRITE:
        gs_flash_write(g, c.addr, c.data, c.len);
        return;
    case GC_FLASH_DONE:
        if (g->flash_hi > g->flash_lo)
            machine_code_changed(m, g->flash_lo, g->flash_hi);
        g->flash_lo = g->flash_hi = 0;
        gs_send_str(g, "OK");
        return;
    }
}

static void first_words(gdbstub *g);

void gdbstub_input(gdbstub *g, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < n && !g->drop; i++) {
        switch (gdbp_reader_byte(&g->rd, p[i])) {
        case GDBP_NONE:
        case GDBP_ACK:
            break;
        case GDBP_NACK:
            if (g->outlen && !g->noack && ++g->nacks <= 8)
                raw_send(g, g->out, g->outlen);
            break;
        case GDBP_INTERRUPT:
            first_words(g);
            if (g->running) {
                gs_halt(g, SK_SIGINT);
                gs_send_stop(g);
            }
            break;
        case GDBP_BAD_CHECKSUM:
            if (g->noack)
                gs_send_str(g, "E01"); /* cannot ask for it again */
            else
                raw_send(g, "-", 1);
            break;
        case GDBP_TOO_LONG:
            if (!g->noack)
                raw_send(g, "+", 1);
            gs_send_str(g, "E01");
            break;
        case GDBP_PACKET:
            first_words(g);
            if (!g->noack)
                raw_send(g, "+", 1);
            handle(g, g->rd.buf, g->rd.len);
            break;
        }
    }
    if (g->drop && g->send) { /* no socket to close: just let go */
        gdbstub_disconnect(g);
        g->drop = false;
    }
}

/* ---- connection ----------------------------------------------------------- */

void gdbstub_connect(gdbstub *g)
{
    gdbp_reader_init(&g->rd);
    g->noack = false;
    g->outlen = 0;
    g->drop = false;
    g->connected = true;
    g->wait_first = false; /* from now on the debugger decides */
    g->gdb_swbreak = g->gdb_hwbreak = false;
    g->spoke = false; /* the core halts at its first packet (first_words) */
}

/* All-stop: a debugger finds the core stopped from its first packet on. A
 * client that connects and says nothing leaves the Photon running (and
 * gives way to the next debugger, accept_conn). */
static void first_words(gdbstub *g)
{
    if (g->spoke)
        return;
    g->spoke = true;
    if (!g->halted) {
        g->hit = false;
        gs_halt(g, SK_SIGINT);
    }
}

void gdbstub_disconnect(gdbstub *g)
{
    gs_remove_all(g);
    gs_drop_temp_hooks(g);
    g->connected = false;
    g->running = false;
    g->hit = false;
    g->wp_pending = false;
    g->credit = 0;
    gs_set_halted(g, false); /* the Photon runs on */
}

gdbstub *gdbstub_new(machine *m)
{
    gdbstub *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->m = m;
    g->lfd = g->cfd = -1;
    gdbp_reader_init(&g->rd);
    return g;
}

static void close_conn(gdbstub *g)
{
    if (g->cfd >= 0)
        close(g->cfd);
    g->cfd = -1;
    gdbstub_disconnect(g);
}

void gdbstub_free(gdbstub *g)
{
    if (!g)
        return;
    if (g->cfd >= 0)
        close(g->cfd);
    if (g->lfd >= 0)
        close(g->lfd);
    free(g->memory_map);
    free(g);
}

void gdbstub_set_output(gdbstub *g, void (*send)(void *, const char *, size_t), void *ctx)
{
    g->send = send;
    g->send_ctx = ctx;
}

bool gdbstub_halted(const gdbstub *g)
{
    return g->halted;
}

bool gdbstub_killed(const gdbstub *g)
{
    return g->killed;
}

int gdbstub_port(const gdbstub *g)
{
    return g->port;
}

const char *gdbstub_addr(const gdbstub *g)
{
    return g->addr;
}

int gdbstub_listen(gdbstub *g, const char *spec, char *err, size_t errlen)
{
    char host[64] = "127.0.0.1";
    const char *ps = spec;
    const char *colon = strrchr(spec, ':');
    if (colon) {
        size_t n = (size_t)(colon - spec);
        if (n == 0 || n >= sizeof(host)) {
            snprintf(err, errlen, "--gdb: bad address in '%s'", spec);
            return -1;
        }
        memcpy(host, spec, n);
        host[n] = 0;
        ps = colon + 1;
    }
    if (!strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    char *end;
    long port = strtol(ps, &end, 10);
    if (!*ps || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "--gdb wants [ADDRESS:]PORT, got '%s'", spec);
        return -1;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "--gdb: '%s' is not an IPv4 address", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "gdb: socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
        snprintf(err, errlen, "gdb: cannot listen on %s:%ld: %s", host, port, strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    g->lfd = fd;
    g->port = ntohs(sa.sin_port);
    snprintf(g->addr, sizeof(g->addr), "%s", host);
    return 0;
}

static void read_conn(gdbstub *g)
{
    char buf[4096];
    for (;;) {
        ssize_t n = recv(g->cfd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            gdbstub_input(g, buf, (size_t)n);
            if (g->drop)
                break;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (!g->killed)
            gs_info(g, "debugger went away%s", g->running || g->halted ? "; the Photon runs on" : "");
        g->drop = true;
        break;
    }
}

static void accept_conn(gdbstub *g)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = accept(g->lfd, (struct sockaddr *)&sa, &sl);
    if (fd < 0)
        return;
    char who[64];
    inet_ntop(AF_INET, &sa.sin_addr, who, sizeof(who));
    if (g->cfd >= 0) {
        /* the old one may have gone just before: notice it first */
        read_conn(g);
        if (g->drop)
            close_conn(g);
    }
    if (g->cfd >= 0 && !g->spoke) {
        gs_info(g, "the debugger connected before said nothing: it gives way to %s:%u", who,
                ntohs(sa.sin_port));
        close_conn(g);
    }
    if (g->cfd >= 0) {
        gs_info(g, "refused a second debugger from %s:%u (one at a time)", who,
             ntohs(sa.sin_port));
        close(fd);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK | FD_CLOEXEC);
    g->cfd = fd;
    gs_info(g, "debugger connected from %s:%u", who, ntohs(sa.sin_port));
    gdbstub_connect(g);
}

static bool poll_cb(void *ctx, runner *r, int wait_ms)
{
    gdbstub *g = ctx;
    (void)r;
    gdbstub_check(g);
    bool was_halted = g->halted;
    struct pollfd p[2] = {{g->lfd, POLLIN, 0}, {g->cfd, POLLIN, 0}};
    int n = g->cfd >= 0 ? 2 : 1;
    if (poll(p, (nfds_t)n, g->halted ? wait_ms : 0) > 0) {
        if (n > 1 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)))
            read_conn(g);
        if (g->drop && g->cfd >= 0)
            close_conn(g);
        if (p[0].revents & POLLIN)
            accept_conn(g);
    }
    if (g->drop && g->cfd >= 0)
        close_conn(g);
    if (g->wait_first && !g->connected)
        gs_set_halted(g, true); /* --gdb-wait: until a debugger lets it go */
    return was_halted && !g->halted;
}

void gdbstub_attach(gdbstub *g, runner *r, bool wait)
{
    g->r = r;
    g->wait_first = wait;
    if (wait) {
        g->stop = SK_SIGINT;
        gs_set_halted(g, true);
    }
    runner_add_poller(r, poll_cb, g);
}

void gdbstub_finish(gdbstub *g, int exit_status)
{
    if (g->cfd >= 0 && !g->drop && !g->killed) {
        char buf[8];
        snprintf(buf, sizeof(buf), "W%02x", exit_status & 0xFF);
        gs_send_str(g, buf);
    }
    if (g->cfd >= 0)
        close(g->cfd);
    g->cfd = -1;
}
