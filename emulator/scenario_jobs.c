#include "scenario_jobs.h"

#include "runner.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct job {
    pid_t pid;
    FILE *out;   /* the child's stdout and stderr */
    FILE *res;   /* its scn_result, serialised */
    FILE *trace; /* its LED trace (when o->led_trace) */
    FILE *log;   /* its log lines (when o->log_out) */
    bool done;
    scn_result r;
} job;

/* An unnamed temporary file in $TMPDIR (or /tmp). */
static FILE *anon_file(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/photon-sim-job.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    unlink(path);
    FILE *f = fdopen(fd, "w+");
    if (!f)
        close(fd);
    return f;
}

/* ---- the result, from the child to the parent --------------------------- */

static void put_str(FILE *f, const char *s)
{
    uint32_t n = s ? (uint32_t)strlen(s) : UINT32_MAX;
    fwrite(&n, sizeof(n), 1, f);
    if (s)
        fwrite(s, 1, n, f);
}

static bool get_str(FILE *f, char **s)
{
    uint32_t n;
    *s = NULL;
    if (fread(&n, sizeof(n), 1, f) != 1)
        return false;
    if (n == UINT32_MAX)
        return true;
    if (n > (1u << 30) || !(*s = malloc((size_t)n + 1)))
        return false;
    if (fread(*s, 1, n, f) != n)
        return false;
    (*s)[n] = 0;
    return true;
}

static void put_result(FILE *f, const scn_result *r)
{
    /* fail_file points into the scenario, which the parent holds at the
     * same address (the child is its fork) */
    fwrite(r, sizeof(*r), 1, f);
    put_str(f, r->fail_step);
    put_str(f, r->report);
    put_str(f, r->log);
}

static bool get_result(FILE *f, scn_result *r)
{
    memset(r, 0, sizeof(*r));
    rewind(f);
    scn_result raw;
    if (fread(&raw, sizeof(raw), 1, f) != 1)
        return false;
    *r = raw;
    r->fail_step = r->report = r->log = NULL;
    return get_str(f, &r->fail_step) && get_str(f, &r->report) && get_str(f, &r->log);
}

/* ---- one child per scenario --------------------------------------------- */

static void child(scenario *sc, const scn_run_opts *o, job *j)
{
    fflush(NULL);
    dup2(fileno(j->out), STDOUT_FILENO);
    dup2(fileno(j->out), STDERR_FILENO);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    scn_run_opts co = *o;
    co.led_trace = j->trace;
    co.log_out = j->log;
    scn_result r;
    memset(&r, 0, sizeof(r));
    scenario_run(sc, &co, &r);
    put_result(j->res, &r);
    fflush(NULL);
    _exit(0);
}

static void close_job(job *j)
{
    FILE **f[] = {&j->out, &j->res, &j->trace, &j->log};
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (*f[i])
            fclose(*f[i]);
        *f[i] = NULL;
    }
}

static bool start(scenario *sc, const scn_run_opts *o, job *j)
{
    memset(j, 0, sizeof(*j));
    j->out = anon_file();
    j->res = anon_file();
    if (o->led_trace)
        j->trace = anon_file();
    if (o->log_out)
        j->log = anon_file();
    if (!j->out || !j->res || (o->led_trace && !j->trace) || (o->log_out && !j->log)) {
        close_job(j);
        return false;
    }
    fflush(NULL);
    j->pid = fork();
    if (j->pid == 0)
        child(sc, o, j);
    if (j->pid < 0) {
        close_job(j);
        return false;
    }
    return true;
}

static void failed_to_run(scn_result *r, const char *fmt, int v)
{
    char buf[200];
    snprintf(buf, sizeof(buf), fmt, v);
    memset(r, 0, sizeof(*r));
    r->status = SCN_ERROR;
    r->report = strdup(buf);
}

static void collect(job *j, int status, scn_result *r)
{
    j->done = true;
    if (get_result(j->res, r))
        return;
    scn_result_free(r);
    if (WIFSIGNALED(status))
        failed_to_run(r, "photon-sim: the process running this scenario died of signal %d\n",
                      WTERMSIG(status));
    else
        failed_to_run(r, "photon-sim: the process running this scenario ended (status %d) "
                         "without a result\n", WEXITSTATUS(status));
}

static void copy(FILE *from, FILE *to)
{
    char buf[8192];
    size_t k;
    if (!from || !to)
        return;
    fflush(from);
    rewind(from);
    while ((k = fread(buf, 1, sizeof(buf), from)) > 0)
        fwrite(buf, 1, k, to);
    fflush(to);
}

int scenario_run_jobs(scenario **sc, int n, const scn_run_opts *o, int jobs,
                      scn_job_done done, void *ctx)
{
    job *js = calloc((size_t)n, sizeof(*js));
    if (!js)
        return 0;
    runner_signals saved;
    runner_trap_signals(&saved); /* waitpid returns on a signal */
    int next = 0, delivered = 0, running = 0;
    bool passed_on = false;
    while (delivered < n) {
        while (running < jobs && next < n && !runner_interrupted()) {
            if (start(sc[next], o, &js[next])) {
                running++;
            } else {
                failed_to_run(&js[next].r, "photon-sim: cannot start a process for this "
                                          "scenario (%d)\n", errno);
                js[next].done = true;
            }
            next++;
        }
        if (runner_interrupted() && !passed_on) {
            for (int i = delivered; i < next; i++)
                if (!js[i].done && js[i].pid > 0)
                    kill(js[i].pid, SIGTERM);
            passed_on = true;
        }
        if (running > 0) {
            int status;
            pid_t pid = waitpid(-1, &status, 0);
            if (pid < 0) {
                if (errno == EINTR)
                    continue;
                break; /* no children left: cannot happen */
            }
            for (int i = delivered; i < next; i++) {
                if (js[i].pid == pid && !js[i].done) {
                    collect(&js[i], status, &js[i].r);
                    running--;
                    break;
                }
            }
        }
        while (delivered < next && js[delivered].done) {
            job *j = &js[delivered];
            copy(j->out, stdout);
            copy(j->trace, o->led_trace);
            copy(j->log, o->log_out);
            close_job(j);
            done(ctx, delivered, &j->r);
            delivered++;
        }
        if (running == 0 && (runner_interrupted() || next == n) && delivered == next)
            break;
    }
    for (int i = 0; i < n; i++)
        close_job(&js[i]);
    free(js);
    runner_untrap_signals(&saved);
    return delivered;
}
