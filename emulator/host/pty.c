/* A pseudo-terminal as a chardev backend (pty.h). Linux termios2
 * (TCGETS2/TCSETS2) reads and sets any baud rate; on a pty master it
 * reaches the slave's settings, which is where the program sets them. */
#define _GNU_SOURCE
#include "pty.h"

#include <asm/ioctls.h>
#include <asm/termbits.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine.h"

int ioctl(int fd, unsigned long request, ...); /* <sys/ioctl.h> clashes with asm/termbits.h */

#define LINGER_S 1.0 /* host pacing goes on this long after the last close */

struct serial_pty {
    runner *r;
    logger *log;
    chardev *cd;
    int master;
    char path[64];
    char *link;
    bool open;
    bool hung_up;          /* the model side went away (a USB serial left the bus) */
    bool paced;
    double last_close_wall;
    struct termios2 last;  /* the settings last reported */
    uint8_t *out;          /* output the program has not taken yet */
    size_t out_len;
    uint64_t bytes_in, bytes_out, discarded;
};

static bool get_termios(serial_pty *p, struct termios2 *t)
{
    return ioctl(p->master, TCGETS2, t) == 0;
}

static chardev_params params_of(const struct termios2 *t)
{
    chardev_params c;
    c.baud = t->c_ospeed;
    switch (t->c_cflag & CSIZE) {
    case CS5: c.data_bits = 5; break;
    case CS6: c.data_bits = 6; break;
    case CS7: c.data_bits = 7; break;
    default: c.data_bits = 8; break;
    }
    c.parity = !(t->c_cflag & PARENB) ? 'N'
               : (t->c_cflag & CMSPAR) ? ((t->c_cflag & PARODD) ? 'M' : 'S')
               : (t->c_cflag & PARODD) ? 'O'
                                       : 'E';
    c.stop_half = (t->c_cflag & CSTOPB) ? 4 : 2;
    return c;
}

static void report_params(serial_pty *p, const struct termios2 *t)
{
    p->last = *t;
    chardev_params c = params_of(t);
    char buf[48];
    log_msg(p->log, LOG_USB, "%s: %s asks for %s", p->cd->name, p->path,
            chardev_params_str(&c, buf, sizeof(buf)));
    chardev_request_params(p->cd, &c);
}

/* ---- backend ------------------------------------------------------------ */

static void flush_out(serial_pty *p)
{
    while (p->out_len) {
        ssize_t n = write(p->master, p->out, p->out_len);
        if (n <= 0)
            return;
        memmove(p->out, p->out + n, p->out_len - (size_t)n);
        p->out_len -= (size_t)n;
        p->bytes_out += (uint64_t)n;
    }
}

static void be_receive(void *opaque, const uint8_t *buf, size_t len)
{
    serial_pty *p = opaque;
    if (!p->open) {
        p->discarded += len; /* nobody listens on the line */
        return;
    }
    if (!p->out_len) {
        ssize_t n = write(p->master, buf, len);
        if (n > 0) {
            p->bytes_out += (uint64_t)n;
            buf += n;
            len -= (size_t)n;
        }
    }
    size_t room = PTY_OUT_MAX - p->out_len;
    if (len > room) {
        p->discarded += len - room; /* the frontend wrote past write_space */
        len = room;
    }
    memcpy(p->out + p->out_len, buf, len);
    p->out_len += len;
}

static size_t be_can_receive(void *opaque)
{
    serial_pty *p = opaque;
    return p->open ? PTY_OUT_MAX - p->out_len : SIZE_MAX;
}

/* What a program wrote and the device did not take is gone with the
 * device, as a ttyACM's buffers are when the device leaves the bus; until
 * it is back, what is written goes nowhere. */
static void flush_in(serial_pty *p)
{
    int queued = 0;
    if (!ioctl(p->master, FIONREAD, &queued) && queued > 0) {
        p->discarded += (uint64_t)queued;
        ioctl(p->master, TCFLSH, TCIFLUSH);
    }
}

static void be_event(void *opaque, chardev_event ev)
{
    serial_pty *p = opaque;
    p->hung_up = ev == CHARDEV_CLOSED;
    if (p->hung_up)
        flush_in(p);
}

static const chardev_backend_ops be_ops = {
    .receive = be_receive,
    .can_receive = be_can_receive,
    .event = be_event,
};

/* ---- the poller --------------------------------------------------------- */

static void opened(serial_pty *p, bool open)
{
    p->open = open;
    log_msg(p->log, LOG_USB, "%s: %s %s", p->cd->name, p->path,
            open ? "opened by a program" : "closed");
    if (open) {
        struct termios2 t;
        if (get_termios(p, &t))
            report_params(p, &t); /* as a program sets its speed on open */
        chardev_set_control(p->cd, CHARDEV_DTR | CHARDEV_RTS);
        chardev_host_event(p->cd, true);
    } else {
        p->discarded += p->out_len;
        p->out_len = 0;
        ioctl(p->master, TCFLSH, TCOFLUSH); /* what it left unread is gone */
        chardev_host_event(p->cd, false);
        /* HUPCL: the last close drops DTR; another holder of the port (a
         * second program, a scenario's terminal) keeps it up */
        if (!p->cd->host_opens)
            chardev_set_control(p->cd, 0);
        p->last_close_wall = wall_seconds();
    }
}

static bool pty_poll(void *ctx, runner *r, int wait_ms)
{
    serial_pty *p = ctx;
    (void)wait_ms; /* the pty is looked at, never waited for: POLLHUP is constant while closed */
    struct pollfd pf = {.fd = p->master, .events = POLLIN | (p->out_len ? POLLOUT : 0)};
    poll(&pf, 1, 0);
    bool open = !(pf.revents & POLLHUP);
    if (open != p->open)
        opened(p, open);
    bool paced = p->open || wall_seconds() - p->last_close_wall < LINGER_S;
    if (paced != p->paced) {
        p->paced = paced;
        runner_pace_hold(r, paced);
    }
    struct termios2 t;
    if (get_termios(p, &t) &&
        (t.c_ospeed != p->last.c_ospeed || (t.c_cflag & (CSIZE | PARENB | PARODD | CMSPAR |
                                                          CSTOPB)) !=
                                               (p->last.c_cflag & (CSIZE | PARENB | PARODD |
                                                                   CMSPAR | CSTOPB))))
        report_params(p, &t);
    if (p->hung_up)
        flush_in(p);
    if (!p->open)
        return false;
    bool did = false;
    if (chardev_queued(p->cd))
        chardev_input_ready(p->cd); /* for frontends that do not say when they have room */
    if (p->out_len) {
        size_t before = p->out_len;
        flush_out(p);
        if (p->out_len < before)
            chardev_output_ready(p->cd);
    }
    while (chardev_queued(p->cd) < PTY_IN_MARK) {
        uint8_t buf[PTY_IN_MARK];
        ssize_t n = read(p->master, buf, sizeof(buf));
        if (n <= 0)
            break;
        p->bytes_in += (uint64_t)n;
        chardev_send(p->cd, buf, (size_t)n);
        did = true;
    }
    return did;
}

/* ---- public ------------------------------------------------------------- */

static int make_link(const char *link, const char *target, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(link, &st) == 0) {
        if (!S_ISLNK(st.st_mode)) {
            snprintf(err, errlen, "%s exists and is not a symlink: not replacing it", link);
            return -1;
        }
        unlink(link);
    }
    if (symlink(target, link)) {
        snprintf(err, errlen, "cannot make the symlink %s: %s", link, strerror(errno));
        return -1;
    }
    return 0;
}

serial_pty *serial_pty_open(runner *r, logger *log, chardev *cd, const char *link, char *err,
                            size_t errlen)
{
    serial_pty *p = calloc(1, sizeof(*p));
    uint8_t *out = malloc(PTY_OUT_MAX);
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (!p || !out || m < 0 || grantpt(m) || unlockpt(m) || !ptsname(m)) {
        snprintf(err, errlen, "cannot make a pty: %s", strerror(errno));
        goto fail;
    }
    p->r = r;
    p->log = log;
    p->cd = cd;
    p->master = m;
    p->out = out;
    p->last_close_wall = -1e9;
    snprintf(p->path, sizeof(p->path), "%s", ptsname(m));
    /* raw, 9600 8N1: set through the slave once (then closed: POLLHUP) */
    int s = open(p->path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    struct termios2 t;
    if (s < 0 || ioctl(s, TCGETS2, &t)) {
        snprintf(err, errlen, "cannot open %s: %s", p->path, strerror(errno));
        if (s >= 0)
            close(s);
        goto fail;
    }
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CBAUD);
    t.c_cflag |= CS8 | BOTHER | HUPCL | CREAD | CLOCAL;
    t.c_ispeed = t.c_ospeed = 9600;
    ioctl(s, TCSETS2, &t);
    close(s);
    get_termios(p, &p->last);
    if (link) {
        if (make_link(link, p->path, err, errlen))
            goto fail;
        p->link = strdup(link);
    }
    if (chardev_attach(cd, &be_ops, p)) {
        snprintf(err, errlen, "%s: too many listeners", cd->name);
        goto fail;
    }
    runner_add_poller(r, pty_poll, p);
    return p;
fail:
    if (p && p->link)
        unlink(p->link);
    if (p)
        free(p->link);
    if (m >= 0)
        close(m);
    free(out);
    free(p);
    return NULL;
}

const char *serial_pty_path(const serial_pty *p)
{
    return p->path;
}

bool serial_pty_in_use(const serial_pty *p)
{
    return p->open;
}

void serial_pty_free(serial_pty *p)
{
    if (!p)
        return;
    runner_remove_poller(p->r, pty_poll, p);
    if (p->open)
        opened(p, false);
    if (p->paced)
        runner_pace_hold(p->r, false);
    chardev_detach(p->cd, p);
    if (p->link) {
        char target[sizeof(p->path)];
        ssize_t n = readlink(p->link, target, sizeof(target) - 1);
        if (n > 0 && (target[n] = 0, !strcmp(target, p->path)))
            unlink(p->link); /* only if it is still ours */
        free(p->link);
    }
    close(p->master);
    free(p->out);
    free(p);
}
