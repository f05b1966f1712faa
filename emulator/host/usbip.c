/* USB/IP server, host-paced virtual time and host commands (usbip.h). */
#define _GNU_SOURCE
#include "usbip.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "machine.h"

#define LINGER_S 1.0   /* host pacing continues this long after the last client */
#define TRANSFER_LEAD_S 5.0 /* how far a transfer in flight may run ahead */
#define MAX_CLIENTS 16
/* Per connection: while it has this many transfers in flight or this many
 * reply bytes unread, its requests are not read (TCP holds the client
 * back), so a client that floods and never reads costs bounded memory. */
#define MAX_IN_FLIGHT 64
#define MAX_UNSENT (1u << 20)
/* A client that has not imported the device and says nothing for this
 * long (wall time) is dropped; at MAX_CLIENTS the oldest such is evicted
 * for a new one. */
#define IDLE_S 10.0

typedef struct sock_conn {
    int fd;
    usbip_conn *c;
    double active; /* wall time of its last request */
} sock_conn;

/* Is the connection held back (not read) for now? */
static bool throttled(const usbip_conn *c)
{
    return c->npending >= MAX_IN_FLIGHT || usbip_conn_unsent(c) >= MAX_UNSENT;
}

static void say(usb_link *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(usb_link *l, const char *fmt, ...)
{
    if (!l->announce)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("[%10.3f s] ", (double)machine_now(l->m) / PS_PER_S);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

/* ---- backend: the host model ---------------------------------------- */

static bool be_device(void *ctx, usbip_dev_info *d)
{
    usb_link *l = ctx;
    usbhost *h = &l->host;
    if (!usbhost_ready(h))
        return false;
    snprintf(d->path, sizeof(d->path), "/sys/devices/platform/photon-sim/usb1/%s", USBIP_BUSID);
    snprintf(d->busid, sizeof(d->busid), "%s", USBIP_BUSID);
    d->busnum = 1;
    d->devnum = h->devnum;
    d->speed = 2; /* full speed */
    memcpy(d->dev_desc, h->dev_desc, 18);
    d->config = h->config;
    d->config_len = h->config_len;
    return true;
}

static int be_submit(void *ctx, usb_urb *u)
{
    usb_link *l = ctx;
    l->urbs++;
    if (usbhost_claimed(&l->host, u->ep))
        return -EBUSY; /* the host's own CDC-ACM driver holds it (usbip.h) */
    return usbhost_submit(&l->host, u);
}

static bool be_cancel(void *ctx, usb_urb *u)
{
    usb_link *l = ctx;
    return usbhost_cancel(&l->host, u);
}

static int be_port_reset(void *ctx, usb_urb *u)
{
    usb_link *l = ctx;
    return usbhost_port_reset(&l->host, u);
}

static void proto_output(void *ctx, usbip_conn *c)
{
    usb_link *l = ctx;
    (void)c;
    /* end the slice so the reply goes out now */
    machine_request_stop(l->m, STOP_REQUEST);
}

static void proto_log(void *ctx, const char *msg)
{
    usb_link *l = ctx;
    log_msg(&l->m->log, LOG_USB, "%s", msg);
}

static void host_event(void *ctx, usbhost *h, usbhost_event ev)
{
    usb_link *l = ctx;
    if (ev == USBH_RESET_DONE)
        return;
    if (ev == USBH_ATTACHED) {
        say(l, "USB device %04x:%04x \"%s\" (serial %s) attached as bus id %s, device %u",
            h->dev_desc[8] | h->dev_desc[9] << 8, h->dev_desc[10] | h->dev_desc[11] << 8,
            h->product, h->serial[0] ? h->serial : "none", USBIP_BUSID, h->devnum);
    } else {
        usbip_proto_device_gone(&l->proto);
        say(l, "USB device detached");
    }
    if (l->wait_attached == (ev == USBH_ATTACHED)) {
        l->r->stop = true;
        machine_request_stop(l->m, STOP_REQUEST);
    }
}

/* ---- sockets ---------------------------------------------------------- */

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int listen_on(const char *bind_addr, int port, int *bound, char *err, size_t errlen)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (!strcmp(bind_addr, "localhost"))
        bind_addr = "127.0.0.1";
    if (inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "USB/IP: '%s' is not an IPv4 address", bind_addr);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "USB/IP: socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8) || set_nonblock(fd)) {
        snprintf(err, errlen, "USB/IP: cannot listen on %s:%d: %s", bind_addr, port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    socklen_t sl = sizeof(sa);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    *bound = ntohs(sa.sin_port);
    return fd;
}

static int nclients(usb_link *l)
{
    int n = 0;
    for (usbip_conn *c = l->proto.conns; c; c = c->next)
        n++;
    return n;
}

static void drop(usb_link *l, usbip_conn *c)
{
    sock_conn *sc = c->user;
    if (sc) {
        close(sc->fd);
        free(sc);
    }
    log_msg(&l->m->log, LOG_USB, "usbip: client disconnected%s%s", c->why[0] ? ": " : "",
            c->why);
    usbip_conn_free(c);
    l->last_client_wall = wall_seconds();
}

/* The connection that has not imported the device and was quiet longest. */
static usbip_conn *oldest_idle(usb_link *l)
{
    usbip_conn *best = NULL;
    for (usbip_conn *c = l->proto.conns; c; c = c->next) {
        sock_conn *sc = c->user;
        if (sc && !usbip_conn_imported(c) &&
            (!best || sc->active < ((sock_conn *)best->user)->active))
            best = c;
    }
    return best;
}

static void accept_clients(usb_link *l)
{
    for (;;) {
        int fd = accept4(l->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (nclients(l) >= MAX_CLIENTS) {
            usbip_conn *old = oldest_idle(l);
            if (!old) { /* all busy with the device: none to give up */
                close(fd);
                continue;
            }
            snprintf(old->why, sizeof(old->why), "evicted for a new client (idle)");
            drop(l, old);
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        sock_conn *sc = calloc(1, sizeof(*sc));
        usbip_conn *c = sc ? usbip_conn_new(&l->proto) : NULL;
        if (!c) {
            free(sc);
            close(fd);
            continue;
        }
        sc->fd = fd;
        sc->c = c;
        sc->active = wall_seconds();
        c->user = sc;
        l->clients++;
        log_msg(&l->m->log, LOG_USB, "usbip: client connected");
    }
}

/* Send what we can; false if the connection broke. */
static bool flush_conn(usbip_conn *c)
{
    sock_conn *sc = c->user;
    while (usbip_conn_unsent(c)) {
        ssize_t n = send(sc->fd, c->out + c->out_sent, usbip_conn_unsent(c), MSG_NOSIGNAL);
        if (n < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
        usbip_conn_sent(c, (size_t)n);
    }
    return true;
}

static void service_sockets(usb_link *l)
{
    static uint8_t buf[65536];
    usbip_conn *next;
    double now = wall_seconds();
    for (usbip_conn *c = l->proto.conns; c; c = next) {
        next = c->next;
        sock_conn *sc = c->user;
        if (!sc)
            continue;
        bool ok = flush_conn(c);
        while (ok && !usbip_conn_closing(c) && !throttled(c)) {
            /* one request's worth at a time while near the caps */
            ssize_t n = recv(sc->fd, buf, sizeof(buf), 0);
            if (n > 0) {
                sc->active = now;
                usbip_conn_feed(c, buf, (size_t)n);
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                ok = false; /* the client went away */
            break;
        }
        if (ok)
            ok = flush_conn(c);
        if (ok && !usbip_conn_imported(c) && now - sc->active > IDLE_S) {
            snprintf(c->why, sizeof(c->why), "idle for %.0f s without importing the device",
                     IDLE_S);
            ok = false;
        }
        if (!ok || (usbip_conn_closing(c) && !usbip_conn_unsent(c)))
            drop(l, c);
    }
}

/* ---- host commands ---------------------------------------------------- */

static void cmd_read(usb_command *c)
{
    char buf[4096];
    for (;;) {
        ssize_t n = read(c->out_fd, buf, sizeof(buf));
        if (n > 0) {
            if (c->output_len + (size_t)n + 1 > c->output_cap) {
                size_t cap = c->output_cap ? c->output_cap * 2 : 8192;
                while (cap < c->output_len + (size_t)n + 1)
                    cap *= 2;
                char *o = realloc(c->output, cap);
                if (!o)
                    return;
                c->output = o;
                c->output_cap = cap;
            }
            memcpy(c->output + c->output_len, buf, (size_t)n);
            c->output_len += (size_t)n;
            c->output[c->output_len] = 0;
            if (c->echo) {
                fwrite(buf, 1, (size_t)n, stdout);
                fflush(stdout);
            }
            continue;
        }
        if (n == 0) {
            close(c->out_fd);
            c->out_fd = -1;
        }
        return;
    }
}

static void cmd_reap(usb_command *c)
{
    if (c->exited)
        return;
    int st;
    pid_t p = waitpid(c->pid, &st, WNOHANG);
    if (p != c->pid)
        return;
    if (c->out_fd >= 0)
        cmd_read(c);
    c->exited = true;
    c->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static bool commands_running(usb_link *l)
{
    for (int i = 0; i < USB_MAX_COMMANDS; i++)
        if (l->cmds[i] && !l->cmds[i]->exited)
            return true;
    return false;
}

static void service_commands(usb_link *l)
{
    for (int i = 0; i < USB_MAX_COMMANDS; i++) {
        usb_command *c = l->cmds[i];
        if (!c || c->exited)
            continue;
        if (c->out_fd >= 0)
            cmd_read(c);
        cmd_reap(c);
        if (c->exited && l->wait_cmd == c) {
            l->r->stop = true;
            machine_request_stop(l->m, STOP_REQUEST);
        }
    }
}

/* ---- the poller ------------------------------------------------------- */

static bool link_poll(void *ctx, runner *r, int wait_ms)
{
    usb_link *l = ctx;
    double wall = wall_seconds();
    bool clients = l->proto.conns != NULL;
    bool linked = clients || commands_running(l) || wall - l->last_client_wall < LINGER_S;
    if (linked != l->paced) {
        l->paced = linked;
        runner_pace_hold(r, linked);
    }
    /* Between transfers virtual time follows the wall clock; a transfer in
     * flight may run ahead by TRANSFER_LEAD_S (a flash erase inside a
     * request finishes at once), but no more: a request the device never
     * answers must not race virtual time while the host waits for its own
     * timeout. Each start and end of a transfer restarts the count. */
    bool busy = l->proto.pending_count > 0;
    if (busy != l->was_busy) {
        l->was_busy = busy;
        runner_pace_lead(r, busy ? TRANSFER_LEAD_S : 0);
    }
    int timeout = wait_ms;
    if (busy) {
        /* the runner's own --realtime pacing must not make up for the
         * transfer's lead afterwards either */
        r->wall0 = wall;
        r->virt0 = machine_now(l->m);
        timeout = 0;
    }
    if (r->halted && timeout > 50)
        timeout = 50;
    /* wait for the sockets and command pipes (or just look) */
    struct pollfd pf[2 + MAX_CLIENTS + USB_MAX_COMMANDS];
    int n = 0;
    if (l->listen_fd >= 0)
        pf[n++] = (struct pollfd){.fd = l->listen_fd, .events = POLLIN};
    for (usbip_conn *c = l->proto.conns; c && n < 1 + MAX_CLIENTS; c = c->next) {
        sock_conn *sc = c->user;
        short ev = throttled(c) ? 0 : POLLIN;
        if (usbip_conn_unsent(c))
            ev |= POLLOUT;
        pf[n++] = (struct pollfd){.fd = sc->fd, .events = ev};
    }
    for (int i = 0; i < USB_MAX_COMMANDS; i++)
        if (l->cmds[i] && l->cmds[i]->out_fd >= 0)
            pf[n++] = (struct pollfd){.fd = l->cmds[i]->out_fd, .events = POLLIN};
    /* idle clients are dropped on time even while nothing else happens */
    if (l->proto.conns && (timeout < 0 || timeout > 1000))
        timeout = 1000;
    if (n)
        poll(pf, (nfds_t)n, timeout);
    else if (timeout > 0)
        usleep((useconds_t)timeout * 1000);
    if (l->listen_fd >= 0)
        accept_clients(l);
    service_sockets(l);
    service_commands(l);
    if ((l->proto.pending_count > 0) != l->was_busy) {
        l->was_busy = !l->was_busy;
        runner_pace_lead(r, l->was_busy ? TRANSFER_LEAD_S : 0);
    }
    return l->proto.pending_count > 0;
}

/* ---- public ----------------------------------------------------------- */

usb_link *usb_link_start(runner *r, machine *m, usb_port *port, const usb_link_opts *o,
                         char *err, size_t errlen)
{
    usb_link *l = calloc(1, sizeof(*l));
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    l->r = r;
    l->m = m;
    l->listen_fd = -1;
    l->port = -1;
    l->announce = o->announce;
    l->wait_attached = -1;
    l->last_client_wall = -1e9;
    if (o->port >= 0) {
        l->listen_fd = listen_on(o->bind ? o->bind : "127.0.0.1", o->port, &l->port, err, errlen);
        if (l->listen_fd < 0) {
            free(l);
            return NULL;
        }
    }
    usbhost_init(&l->host, m, port);
    usbhost_listen(&l->host, host_event, l);
    usbip_backend be = {be_device, be_submit, be_cancel, be_port_reset, l};
    usbip_proto_init(&l->proto, &be);
    l->proto.on_output = proto_output;
    l->proto.on_output_ctx = l;
    l->proto.log = proto_log;
    l->proto.log_ctx = l;
    runner_add_poller(r, link_poll, l);
    if (l->port >= 0 && l->announce) {
        printf("photon-sim: USB/IP server on %s:%d (bus id %s)\n", o->bind ? o->bind : "127.0.0.1",
               l->port, USBIP_BUSID);
        fflush(stdout);
    }
    usbhost_plug(&l->host, true);
    return l;
}

int usb_link_port(const usb_link *l)
{
    return l->port;
}

bool usb_link_attached(const usb_link *l)
{
    return usbhost_ready(&l->host);
}

void usb_link_plug(usb_link *l, bool plugged)
{
    usbhost_plug(&l->host, plugged);
}

bool usb_link_wait_attached(usb_link *l, bool attached, uint64_t deadline_ps)
{
    if (usb_link_attached(l) == attached)
        return true;
    l->wait_attached = attached;
    runner_run(l->r, deadline_ps);
    l->wait_attached = -1;
    l->r->stop = false;
    return usb_link_attached(l) == attached;
}

const char *usb_shim_path(void)
{
    static char path[PATH_MAX];
    const char *env = getenv("PHOTON_SIM_USB_SHIM");
    if (env && *env && access(env, R_OK) == 0)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            static const char *const rel[] = {"/tools/libphoton-usb.so",
                                              "/../lib/photon-sim/libphoton-usb.so",
                                              "/libphoton-usb.so"};
            for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
                snprintf(path, sizeof(path), "%s%s", exe, rel[i]);
                if (access(path, R_OK) == 0)
                    return path;
            }
        }
    }
#ifdef PHOTON_SIM_USB_SHIM_PATH
    if (access(PHOTON_SIM_USB_SHIM_PATH, R_OK) == 0)
        return PHOTON_SIM_USB_SHIM_PATH;
#endif
    return NULL;
}

int usb_shim_setenv(const char *host, int port, char *err, size_t errlen)
{
    const char *shim = usb_shim_path();
    if (!shim) {
        snprintf(err, errlen,
                 "the libusb shim (libphoton-usb.so) was not found next to photon-sim; "
                 "set PHOTON_SIM_USB_SHIM");
        return -1;
    }
    char addr[300];
    snprintf(addr, sizeof(addr), "%s:%d", host ? host : "127.0.0.1", port);
    const char *old = getenv("LD_PRELOAD");
    char *pre = NULL;
    if (old && *old) {
        if (asprintf(&pre, "%s:%s", shim, old) < 0)
            pre = NULL;
    } else {
        pre = strdup(shim);
    }
    if (!pre || setenv("LD_PRELOAD", pre, 1) || setenv("PHOTON_USBIP", addr, 1)) {
        free(pre);
        snprintf(err, errlen, "cannot set the environment");
        return -1;
    }
    free(pre);
    return 0;
}

usb_command *usb_command_start(usb_link *l, char *const argv[], const char *dir, bool echo,
                               char *err, size_t errlen)
{
    int slot = -1;
    for (int i = 0; i < USB_MAX_COMMANDS; i++)
        if (!l->cmds[i])
            slot = i;
    if (slot < 0 || !argv || !argv[0]) {
        snprintf(err, errlen, slot < 0 ? "too many host commands at once" : "no command");
        return NULL;
    }
    if (l->port < 0) {
        snprintf(err, errlen, "host commands need the USB/IP server");
        return NULL;
    }
    if (!usb_shim_path()) {
        snprintf(err, errlen, "the libusb shim (libphoton-usb.so) was not found");
        return NULL;
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return NULL;
    }
    usb_command *c = calloc(1, sizeof(*c));
    if (!c) {
        close(pfd[0]);
        close(pfd[1]);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(pfd[0]);
        close(pfd[1]);
        free(c);
        return NULL;
    }
    if (pid == 0) {
        char e[256];
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        if (dir && chdir(dir)) {
            dprintf(2, "photon-sim: cannot enter %s: %s\n", dir, strerror(errno));
            _exit(126);
        }
        if (usb_shim_setenv("127.0.0.1", l->port, e, sizeof(e)) == 0)
            execvp(argv[0], argv);
        dprintf(2, "photon-sim: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    set_nonblock(pfd[0]);
    c->pid = pid;
    c->out_fd = pfd[0];
    c->echo = echo;
    c->link = l;
    l->cmds[slot] = c;
    return c;
}

bool usb_command_wait(usb_command *c, uint64_t deadline_ps)
{
    usb_link *l = c->link;
    if (!c->exited) {
        l->wait_cmd = c;
        runner_run(l->r, deadline_ps);
        l->wait_cmd = NULL;
        l->r->stop = false;
    }
    if (!c->exited) {
        kill(c->pid, SIGKILL);
        int st;
        waitpid(c->pid, &st, 0);
        if (c->out_fd >= 0)
            cmd_read(c);
        c->exited = true;
        c->status = 128 + SIGKILL;
        return false;
    }
    return true;
}

void usb_command_free(usb_command *c)
{
    if (!c)
        return;
    usb_link *l = c->link;
    if (!c->exited) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    if (c->out_fd >= 0)
        close(c->out_fd);
    for (int i = 0; i < USB_MAX_COMMANDS; i++)
        if (l->cmds[i] == c)
            l->cmds[i] = NULL;
    free(c->output);
    free(c);
}

void usb_link_free(usb_link *l)
{
    if (!l)
        return;
    for (int i = 0; i < USB_MAX_COMMANDS; i++)
        usb_command_free(l->cmds[i]);
    while (l->proto.conns)
        drop(l, l->proto.conns);
    if (l->listen_fd >= 0)
        close(l->listen_fd);
    l->announce = false; /* the cable comes out because the run ends */
    usbhost_free(&l->host);
    if (l->paced)
        runner_pace_hold(l->r, false);
    free(l);
}
