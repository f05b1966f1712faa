/* The `run` scenario step: a host command (through /bin/sh) with an
 * expected exit status and output. By default the device is paused while
 * the command runs (virtual time stands still, the run stays
 * deterministic); with `device: running` it keeps running, paced to the
 * wall clock like a real board, so the command can talk to it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario.h"

#define OUT_MAX (1u << 20)
#define SHOW_LINES 20

typedef struct run_args {
    const char *command;
    long exit_code;
    const char *output; /* extended regex, or NULL */
    uint64_t timeout_ps; /* wall time, in ps for scn_arg_duration */
    bool running;
} run_args;

static bool parse_run(scn_args *a, scn_step *st)
{
    run_args *r = scn_alloc(a, sizeof(*r));
    st->data = r;
    r->timeout_ps = 60 * PS_PER_S;
    bool ok = scn_arg_str(a, "command", true, &r->command);
    ok &= scn_arg_int(a, "exit", false, 0, 255, &r->exit_code);
    ok &= scn_arg_duration(a, "timeout", false, &r->timeout_ps);
    static const char *const modes[] = {"paused", "running", NULL};
    int mode = 0;
    ok &= scn_arg_enum(a, "device", false, modes, &mode);
    r->running = mode == 1;
    if (scn_arg_str(a, "output", false, &r->output) && r->output) {
        regex_t re;
        int rc = regcomp(&re, r->output, REG_EXTENDED | REG_NOSUB | REG_NEWLINE);
        if (rc) {
            char e[256];
            regerror(rc, &re, e, sizeof(e));
            return scn_arg_error(a, scn_arg_line(a, "output"), "output: bad regular "
                                 "expression '%s': %s", r->output, e);
        }
        regfree(&re);
    }
    if (ok && r->timeout_ps == 0)
        ok = scn_arg_error(a, scn_arg_line(a, "timeout"), "timeout: must be more than 0");
    return ok;
}

typedef struct cmd {
    scn *s;
    pid_t pid;
    int fd;
    char *out;
    size_t n;
    bool exited, timed_out;
    int status;
    double deadline;
} cmd;

static void drain(cmd *c)
{
    char buf[4096];
    for (;;) {
        ssize_t k = read(c->fd, buf, sizeof(buf));
        if (k <= 0)
            return;
        size_t room = OUT_MAX - c->n;
        size_t take = (size_t)k < room ? (size_t)k : room;
        memcpy(c->out + c->n, buf, take);
        c->n += take;
    }
}

/* One look at the command: read its output (waiting up to wait_ms),
 * reap it, enforce the wall-clock timeout. Returns true when it is over. */
static bool check(cmd *c, int wait_ms)
{
    struct pollfd pfd = {c->fd, POLLIN, 0};
    if (poll(&pfd, 1, wait_ms) > 0)
        drain(c);
    int st;
    pid_t r = waitpid(c->pid, &st, WNOHANG);
    if (r == c->pid) {
        c->exited = true;
        c->status = st;
        drain(c);
        return true;
    }
    if (wall_seconds() > c->deadline) {
        kill(-c->pid, SIGKILL);
        waitpid(c->pid, &st, 0);
        c->timed_out = true;
        drain(c);
        return true;
    }
    return false;
}

static bool poll_cmd(void *ctx, runner *r, int wait_ms)
{
    cmd *c = ctx;
    (void)r;
    if (!c->exited && !c->timed_out && check(c, wait_ms > 20 ? 20 : wait_ms))
        scn_done(c->s);
    return false;
}

static void show_output(scn *s, const cmd *c)
{
    if (!c->n) {
        scn_note(s, "the command printed nothing");
        return;
    }
    /* the last SHOW_LINES lines */
    size_t start = c->n, lines = 0;
    while (start > 0 && lines <= SHOW_LINES) {
        start--;
        if (c->out[start] == '\n' && start + 1 < c->n)
            lines++;
    }
    if (lines > SHOW_LINES)
        start++;
    scn_note(s, "output%s:", start ? " (the last lines)" : "");
    const char *p = c->out + start, *end = c->out + c->n;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
        scn_note(s, "  | %.*s", (int)len, p);
        p += len + 1;
    }
}

static scn_status run_run(scn *s, scn_step *st)
{
    run_args *a = st->data;
    int fds[2];
    if (pipe(fds)) {
        scn_note(s, "cannot create a pipe: %s", strerror(errno));
        return SCN_ERROR;
    }
    char self[PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
    self[sl > 0 ? sl : 0] = 0;
    char id[25], fwds[NETENV_MAX_FWDS * 7 + 1] = "", http[8], tcp[8];
    photon_device_id(scn_photon(s), id);
    netenv_dev *nd = netenv_device(scn_net(s), NULL);
    for (int i = 0, n = 0; nd && i < nd->nfwd; i++)
        n += snprintf(fwds + n, sizeof(fwds) - (size_t)n, "%s%d", i ? " " : "",
                      nd->fwd[i].host_port);
    snprintf(http, sizeof(http), "%d", nd ? netenv_softap_port(nd, NETENV_SETUP_HTTP_PORT) : -1);
    snprintf(tcp, sizeof(tcp), "%d", nd ? netenv_softap_port(nd, NETENV_SETUP_TCP_PORT) : -1);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        scn_note(s, "cannot start a process: %s", strerror(errno));
        return SCN_ERROR;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        if (chdir(scn_dir(s)) != 0)
            _exit(126);
        setenv("PHOTON_SIM_DEVICE_ID", id, 1);
        setenv("PHOTON_SIM_HOSTFWD_PORTS", fwds, 1);
        setenv("PHOTON_SIM_SOFTAP_HTTP_PORT", http, 1);
        setenv("PHOTON_SIM_SOFTAP_TCP_PORT", tcp, 1);
        if (self[0])
            setenv("PHOTON_SIM", self, 1);
        execl("/bin/sh", "sh", "-c", a->command, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    cmd c = {s, pid, fds[0], malloc(OUT_MAX), 0, false, false, 0,
             wall_seconds() + (double)a->timeout_ps / PS_PER_S};
    if (!c.out) {
        kill(-pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(fds[0]);
        return SCN_ERROR;
    }
    scn_event(s, "run: %s%s", a->command, a->running ? " (the device keeps running)" : "");
    /* The runner waits for the command: with the device running (paced to
     * the wall clock) or halted (virtual time stands still); either way
     * Ctrl-C ends the wait and the command is killed. */
    scn_status rc = SCN_PASS;
    runner *r = scn_runner(s);
    bool rt = r->realtime, halted = r->halted;
    uint64_t slice = r->slice_ps;
    if (a->running) {
        r->realtime = true;
        r->slice_ps = 10 * PS_PER_MS;
    } else {
        r->halted = true;
    }
    scn_set_poller(s, poll_cmd, &c);
    scn_wait w = scn_run_until(s, UINT64_MAX);
    scn_set_poller(s, NULL, NULL);
    r->realtime = rt;
    r->halted = halted;
    r->slice_ps = slice;
    if (w == SCN_WAIT_ERROR) {
        if (!c.exited && !c.timed_out) {
            kill(-pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        rc = SCN_ERROR;
    }
    close(fds[0]);
    if (rc == SCN_PASS) {
        char tb[32];
        if (c.timed_out) {
            scn_expected(s, "the command to finish within %s (wall clock)",
                         scn_fmt_time(a->timeout_ps, tb, sizeof(tb)));
            scn_seen(s, "still running; killed");
            rc = SCN_FAIL;
        } else if (WIFSIGNALED(c.status)) {
            scn_expected(s, "exit status %ld", a->exit_code);
            scn_seen(s, "killed by signal %d", WTERMSIG(c.status));
            rc = SCN_FAIL;
        } else if (WEXITSTATUS(c.status) != a->exit_code) {
            scn_expected(s, "exit status %ld", a->exit_code);
            scn_seen(s, "exit status %d%s", WEXITSTATUS(c.status),
                     WEXITSTATUS(c.status) == 127 ? " (command not found?)" : "");
            rc = SCN_FAIL;
        } else if (a->output) {
            regex_t re;
            c.out[c.n < OUT_MAX ? c.n : OUT_MAX - 1] = 0;
            if (regcomp(&re, a->output, REG_EXTENDED | REG_NOSUB | REG_NEWLINE) == 0) {
                if (regexec(&re, c.out, 0, NULL, 0) != 0) {
                    scn_expected(s, "output matching /%s/", a->output);
                    scn_seen(s, "no line matches");
                    rc = SCN_FAIL;
                }
                regfree(&re);
            }
        }
        if (rc == SCN_FAIL)
            show_output(s, &c);
    }
    free(c.out);
    return rc;
}

const scn_step_type scn_step_run = {
    .name = "run",
    .keys = "command exit output timeout device",
    .main_key = "command",
    .summary = "run a host command with /bin/sh in the scenario's directory; expects "
               "`exit` (default 0) and `output` (a regular expression); `timeout` is wall "
               "time (default 60 s); `device: running` keeps the device running (paced to "
               "real time) for commands that talk to it, default paused; the command sees "
               "$PHOTON_SIM, $PHOTON_SIM_DEVICE_ID, the host ports of the forwards "
               "$PHOTON_SIM_HOSTFWD_PORTS and of the soft AP's setup servers "
               "$PHOTON_SIM_SOFTAP_HTTP_PORT, $PHOTON_SIM_SOFTAP_TCP_PORT, and with `device: "
               "cloud: true` the cloud's $PHOTON_CLOUD_API and $PHOTON_CLOUD_TOKEN (what "
               "`photon-sim cloud COMMAND` reads)",
    .parse = parse_run,
    .run = run_run,
};
