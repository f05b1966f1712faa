/* The ymodem-send scenario step: the real `sb` from lrzsz sends a file
 * with YMODEM (1 KB blocks) over a pty of the serial port, as a user
 * would after typing `f` in listening mode. sb is a host program: from the
 * moment it starts until it is gone the device runs paced to the wall
 * clock (runner.h), so sb's timeouts and the firmware's agree, and the pty
 * is open from before sb runs, so no reply of the device is lost while sb
 * starts. When the device's USB serial goes away under sb (the device
 * resets), sb is hung up, as a terminal on /dev/ttyACM0 is when the device
 * leaves the bus, and the device waits until sb is gone: what sb wrote
 * after the hang-up is then discarded by the pty before the device can be
 * back (pty.h), so a run does not depend on how fast sb dies. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"
#include "scenario_serial.h"

#define ERR_MAX 8192

typedef struct ymodem_args {
    const char *file;
    const char *port;
    const char *program;
    uint64_t timeout;
    bool expect_ok;
    bool expect_any; /* sb's outcome races with the device (a reset) */
} ymodem_args;

static bool parse_ymodem(scn_args *a, scn_step *st)
{
    ymodem_args *y = scn_alloc(a, sizeof(*y));
    st->data = y;
    y->port = "usb";
    y->program = "sb";
    y->timeout = 120 * PS_PER_S;
    bool ok = scn_arg_image(a, "file", true, &y->file);
    ok &= scn_arg_str(a, "port", false, &y->port);
    ok &= scn_arg_str(a, "program", false, &y->program);
    ok &= scn_arg_duration(a, "timeout", false, &y->timeout);
    static const char *const outcomes[] = {"success", "failure", "any", NULL};
    int outcome = 0;
    ok &= scn_arg_enum(a, "expect", false, outcomes, &outcome);
    y->expect_ok = outcome == 0;
    y->expect_any = outcome == 2;
    return ok;
}

typedef struct sender {
    scn *s;
    chardev *cd;
    const char *program;
    bool was_connected, hung_up;
    pid_t pid;
    int err_fd;
    char err[ERR_MAX];
    size_t err_len;
    bool exited;
    int status;
} sender;

static void drain(sender *x)
{
    while (x->err_fd >= 0) {
        char buf[1024];
        ssize_t n = read(x->err_fd, buf, sizeof(buf));
        if (n <= 0) {
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(x->err_fd);
                x->err_fd = -1;
            }
            return;
        }
        size_t k = (size_t)n < ERR_MAX - 1 - x->err_len ? (size_t)n : ERR_MAX - 1 - x->err_len;
        memcpy(x->err + x->err_len, buf, k);
        x->err_len += k;
        x->err[x->err_len] = 0;
    }
}

/* Wait (a bounded wall time) until the hung-up sender has exited; one
 * that ignores SIGHUP is killed. */
static void reap_hung_up(sender *x)
{
    int st;
    int fd = (int)syscall(SYS_pidfd_open, x->pid, 0);
    if (fd >= 0) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        poll(&pf, 1, 2000);
        close(fd);
    }
    if (waitpid(x->pid, &st, WNOHANG) != x->pid) {
        kill(x->pid, SIGKILL);
        waitpid(x->pid, &st, 0);
    }
    drain(x);
    x->exited = true;
    x->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    scn_done(x->s);
}

static bool poll_sender(void *ctx, runner *r, int wait_ms)
{
    sender *x = ctx;
    (void)r;
    (void)wait_ms;
    drain(x);
    if (!x->exited && x->was_connected && !x->cd->connected && !x->hung_up) {
        x->hung_up = true;
        scn_event(x->s, "the USB serial went away (the device left the bus): %s is hung up",
                  x->program);
        kill(x->pid, SIGHUP);
        reap_hung_up(x);
    }
    x->was_connected = x->cd->connected;
    int st;
    if (!x->exited && waitpid(x->pid, &st, WNOHANG) == x->pid) {
        drain(x);
        x->exited = true;
        x->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        scn_done(x->s);
    }
    return false;
}

/* sb with the pty as its stdin and stdout, its stderr into a pipe. The
 * pty is opened here, before sb runs. */
static pid_t start(const ymodem_args *y, const char *tty, int *err_fd)
{
    int pfd[2];
    int fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (pipe2(pfd, O_CLOEXEC)) {
        close(fd);
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(pfd[1], 2);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execlp(y->program, y->program, "-k", "-vv", y->file, (char *)NULL);
        dprintf(2, "cannot run %s: %s\n", y->program, strerror(errno));
        _exit(127);
    }
    close(pfd[1]);
    close(fd);
    if (pid < 0) {
        close(pfd[0]);
        return -1;
    }
    fcntl(pfd[0], F_SETFL, fcntl(pfd[0], F_GETFL) | O_NONBLOCK);
    *err_fd = pfd[0];
    return pid;
}

static scn_status run_ymodem(scn *s, scn_step *st)
{
    const ymodem_args *y = st->data;
    chardev *cd = scn_serial_port_open(s, y->port);
    serial_pty *p = cd ? scn_serial_pty(s, y->port) : NULL;
    if (!p)
        return SCN_ERROR;
    sender x = {.s = s, .cd = cd, .program = y->program, .was_connected = cd->connected, .err_fd = -1};
    runner *rn = scn_runner(s);
    runner_pace_hold(rn, true); /* a host program runs */
    x.pid = start(y, serial_pty_path(p), &x.err_fd);
    if (x.pid < 0) {
        runner_pace_hold(rn, false);
        scn_note(s, "ymodem-send: cannot start %s: %s", y->program, strerror(errno));
        return SCN_ERROR;
    }
    scn_event(s, "%s: %s -k %s (YMODEM) on %s", y->port, y->program, y->file, serial_pty_path(p));
    scn_set_poller(s, poll_sender, &x);
    scn_wait r = scn_run_until(s, scn_now(s) + y->timeout);
    scn_set_poller(s, NULL, NULL);
    runner_pace_hold(rn, false);
    if (!x.exited) {
        kill(x.pid, SIGKILL);
        int stw;
        waitpid(x.pid, &stw, 0);
        drain(&x);
        x.status = -1;
    }
    if (x.err_fd >= 0)
        close(x.err_fd);
    if (r == SCN_WAIT_ERROR)
        return SCN_ERROR;
    bool ok = x.status == 0;
    char tb[32];
    if (x.status == 127 || x.status == 126) {
        scn_note(s, "ymodem-send: %s", x.err);
        return SCN_ERROR;
    }
    if (ok == y->expect_ok || (y->expect_any && x.status >= 0)) {
        scn_event(s, "%s: %s %s (exit %d)", y->port, y->program,
                  ok ? "sent the file" : x.hung_up ? "was hung up" : "failed", x.status);
        return SCN_PASS;
    }
    scn_expected(s, "%s to %s within %s", y->program,
                 y->expect_any ? "end" : y->expect_ok ? "send the file" : "fail", scn_fmt_time(y->timeout, tb, sizeof(tb)));
    if (x.status < 0)
        scn_seen(s, "it had not finished (killed)");
    else if (x.hung_up)
        scn_seen(s, "the device left the bus under it (hung up, exit status %d)", x.status);
    else
        scn_seen(s, "exit status %d", x.status);
    if (x.err_len)
        scn_note(s, "%s said:\n%s", y->program, x.err);
    return SCN_FAIL;
}

const scn_step_type scn_step_ymodem_send = {
    .name = "ymodem-send",
    .keys = "file port program timeout expect",
    .main_key = "file",
    .summary = "send `file` (a file or an image name: tinker@0.4.5) with YMODEM by running the real `sb -k` (lrzsz; `program` to use "
               "another) on a pty of `port` (usb by default), e.g. after serial-write f in "
               "listening mode; the device runs paced to the wall clock meanwhile; `expect`: "
               "success (default: exit 0), failure, or any (it ends either way: when its end "
               "races with a reset of the device); fails at `timeout` (default 120 s)",
    .parse = parse_ymodem,
    .run = run_ymodem,
};
