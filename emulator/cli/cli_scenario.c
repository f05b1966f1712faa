/* photon-sim scenario FILE... : run scenario files, report, write JUnit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "numparse.h"
#include "runner.h"
#include "scenario.h"
#include "scenario_jobs.h"
#include "statefile.h"

static int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

static void usage(FILE *f)
{
    fprintf(f,
"usage: photon-sim scenario [OPTIONS] FILE...\n"
"\n"
"Run scenario files: YAML that sets up a device, drives it and checks what it\n"
"does. Time is virtual, so a scenario's result does not depend on the host's\n"
"speed or load. Every file is checked before anything runs; an error names\n"
"FILE:LINE. A failed step is reported with what was expected, what was seen,\n"
"the LED timeline and the last serial lines.\n"
"\n"
"  -j, --jobs N       run up to N scenario files at once, each in a process of\n"
"                     its own (default: the number of cores, %d here); the\n"
"                     output stays one block per file, in the files' order\n"
"  --shard I/N        run only the I-th of N stable parts of the files (sorted\n"
"                     by path, every N-th from the I-th): one CI job per part\n"
"  --junit FILE       write a JUnit XML report (one testcase per file)\n"
"  --seed N           seed for every random source (RNG peripheral, new device\n"
"                     IDs), overriding the files' `seed:`\n"
"  --realtime         pace virtual time to the wall clock (for watching)\n"
"  --speed X          with --realtime: X times real time\n"
"  -v, --verbose      print every step, LED pattern and reset as it happens,\n"
"                     and per scenario the LED trace's SHA-256 and the\n"
"                     instructions executed (the determinism check)\n"
"  --led-trace FILE   write every LED change as ms,r,g,b\n"
"  --log CATS         emulator diagnostics: %s\n"
"  --log-file FILE    diagnostics to FILE instead of stderr\n"
"  --check            only check the files (nothing runs)\n"
"  --list-steps       the steps a scenario can use, with their keys\n"
"  -h, --help         this text\n"
"\n"
"A scenario file:\n"
"\n"
"  name: DFU mode by holding SETUP\n"
"  device:                       # default: a fresh device with erased flash\n"
"    images: [bootloader@2.2.0, system-part1@2.2.0, system-part2@2.2.0]\n"
"    # state: my.state           # start from a state file instead (save: true\n"
"    #                           # writes it back); images are loaded over it\n"
"    # device-id: 0123456789abcdef01234567   seed: 7   fast-flash: true\n"
"    # usb: true                 # the USB cable in from power-on (otherwise\n"
"    #                           # the first step that uses the USB plugs it in)\n"
"    # images also take short names (`default`: the 2.2.0 set + Tinker),\n"
"    # files, and raw bytes: {file: blob.bin, address: 0x080C0000}\n"
"    # wifi-ap: [\"ssid=Home,security=wpa2,password=secret123\", {ssid: Cafe}]\n"
"    #   the access points around it (default: one open network, photon-sim)\n"
"    # cloud: true   a local Particle cloud of its own, the device pointed at\n"
"    #   it (as run --cloud); run steps get $PHOTON_CLOUD_API, $PHOTON_CLOUD_TOKEN\n"
"  step-timeout: 30s             # default timeout of the waiting steps\n"
"  steps:\n"
"    - hold: {button: setup, for: 3.5s}\n"
"    - wait-led: {pattern: blinking yellow, timeout: 2s}\n"
"    - expect-module: {address: system-part1, version: \">= 2202\", crc: ok}\n"
"    - name: survives a reset    # an optional label for reports\n"
"      reset: software\n"
"\n"
"Durations take a unit (3s, 500ms, 250us, 2min). Addresses are numbers or\n"
"regions with an optional offset: bootloader, system-part1, system-part2, user,\n"
"factory, ota, dct1, dct2, eeprom, RTC_BKP0R..RTC_BKP19R, BKPSRAM\n"
"(\"system-part1+0x184\"). See --list-steps for every step.\n"
"\n"
"Exit status: 0 every expectation held, 1 some step failed, 2 bad input\n"
"(nothing was run), 3 the emulator or the host failed, 130 interrupted.\n",
            default_jobs(), log_categories());
}

static void list_steps(void)
{
    for (int i = 0; scenario_step_types[i]; i++) {
        const scn_step_type *t = scenario_step_types[i];
        printf("%s", t->name);
        if (t->keys && *t->keys)
            printf("  {%s}", t->keys);
        if (t->main_key)
            printf("  (short form: `- %s: <%s>`)", t->name, t->main_key);
        printf("\n");
        /* wrap the summary at 76 columns */
        const char *p = t->summary ? t->summary : "";
        while (*p) {
            size_t n = strlen(p);
            if (n > 72) {
                n = 72;
                while (n > 20 && p[n] != ' ')
                    n--;
            }
            printf("    %.*s\n", (int)n, p);
            p += n;
            while (*p == ' ')
                p++;
        }
    }
}

static void xml_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
                fputc('?', f);
            else
                fputc(c, f);
        }
    }
}

typedef struct file_entry {
    const char *path;
    scenario *sc;
    char *errors; /* parse errors, one per line */
    scn_result res;
    bool ran;
} file_entry;

static int write_junit(const char *path, file_entry *fe, int n, double wall)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "photon-sim scenario: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int fails = 0, errors = 0, skipped = 0;
    for (int i = 0; i < n; i++) {
        if (fe[i].errors || (fe[i].ran && fe[i].res.status == SCN_ERROR))
            errors++;
        else if (fe[i].ran && fe[i].res.status == SCN_FAIL)
            fails++;
        else if (!fe[i].ran)
            skipped++;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"photon-sim scenarios\" tests=\"%d\" failures=\"%d\" "
               "errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", n, fails, errors, skipped, wall);
    fprintf(f, "  <testsuite name=\"photon-sim scenarios\" tests=\"%d\" failures=\"%d\" "
               "errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n", n, fails, errors, skipped, wall);
    for (int i = 0; i < n; i++) {
        file_entry *e = &fe[i];
        fprintf(f, "    <testcase classname=\"");
        xml_escape(f, e->path);
        fprintf(f, "\" name=\"");
        xml_escape(f, e->sc ? scenario_name(e->sc) : e->path);
        fprintf(f, "\" file=\"");
        xml_escape(f, e->path);
        fprintf(f, "\" time=\"%.3f\">\n", e->ran ? e->res.wall_s : 0.0);
        if (e->errors) {
            char first[512];
            snprintf(first, sizeof(first), "%s", e->errors);
            char *nl = strchr(first, '\n');
            if (nl)
                *nl = 0;
            fprintf(f, "      <error type=\"bad input\" message=\"");
            xml_escape(f, first);
            fprintf(f, "\">");
            xml_escape(f, e->errors);
            fprintf(f, "</error>\n");
        } else if (!e->ran) {
            fprintf(f, "      <skipped message=\"not run: another scenario file has errors\"/>\n");
        } else if (e->res.status != SCN_PASS) {
            char first[512];
            snprintf(first, sizeof(first), "%s", e->res.report ? e->res.report : "");
            char *nl = strchr(first, '\n');
            if (nl)
                *nl = 0;
            bool err = e->res.status == SCN_ERROR;
            fprintf(f, "      <%s type=\"%s\" message=\"", err ? "error" : "failure",
                    err ? "error" : "expectation");
            xml_escape(f, first);
            fprintf(f, "\">");
            xml_escape(f, e->res.report);
            fprintf(f, "</%s>\n", err ? "error" : "failure");
        }
        if (e->ran) {
            fprintf(f, "      <system-out>");
            char hdr[200];
            snprintf(hdr, sizeof(hdr), "device %s, %zu steps run, %.3f s virtual, %.3f s wall\n",
                     e->res.device_id, e->res.steps_run, (double)e->res.virtual_ps / PS_PER_S,
                     e->res.wall_s);
            xml_escape(f, hdr);
            xml_escape(f, e->res.log);
            fprintf(f, "</system-out>\n");
        }
        fprintf(f, "    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    if (fclose(f)) {
        fprintf(stderr, "photon-sim scenario: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* What a run prints per file, the same with one process or several. */
typedef struct report_ctx {
    file_entry *fe;
    const scn_run_opts *o;
    int passed, failed, errors;
    uint64_t virt;
} report_ctx;

static void report_one(void *ctx, int i, scn_result *res)
{
    report_ctx *c = ctx;
    file_entry *e = &c->fe[i];
    e->res = *res;
    e->ran = true;
    scn_result *r = &e->res;
    c->virt += r->virtual_ps;
    const char *word = r->status == SCN_PASS ? "PASS" : r->status == SCN_FAIL ? "FAIL" : "ERROR";
    printf("%-5s %s: %s (%zu/%zu steps, %.3f s virtual, %.3f s wall)", word, e->path,
           scenario_name(e->sc), r->steps_run, scenario_nsteps(e->sc),
           (double)r->virtual_ps / PS_PER_S, r->wall_s);
    if (c->o->verbose) {
        printf("\n      LED trace sha256 ");
        for (int k = 0; k < 32; k++)
            printf("%02x", r->led_trace_sha[k]);
        printf("\n      %llu instructions", (unsigned long long)r->insns);
    }
    printf("\n");
    if (r->status != SCN_PASS && r->report)
        printf("%s", r->report);
    fflush(stdout);
    if (r->status == SCN_PASS)
        c->passed++;
    else if (r->status == SCN_FAIL)
        c->failed++;
    else
        c->errors++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --shard I/N: the files whose rank in path order is I-1 modulo N, in the
 * order given. Returns their number (they are moved to the front). */
static int select_shard(char **files, int n, int shard, int nshards)
{
    char **sorted = malloc((size_t)n * sizeof(*sorted));
    if (!sorted)
        return -1;
    memcpy(sorted, files, (size_t)n * sizeof(*sorted));
    qsort(sorted, (size_t)n, sizeof(*sorted), cmp_str);
    int k = 0;
    for (int i = 0; i < n; i++) {
        char *f = files[i];
        int rank = (int)((char **)bsearch(&f, sorted, (size_t)n, sizeof(*sorted), cmp_str) - sorted);
        while (rank > 0 && !strcmp(sorted[rank - 1], f))
            rank--; /* the same file twice: the first rank for both */
        if (rank % nshards == shard - 1)
            files[k++] = f;
    }
    free(sorted);
    return k;
}

static bool parse_shard(const char *arg, int *shard, int *nshards)
{
    char *end;
    long i = strtol(arg, &end, 10);
    if (end == arg || *end != '/')
        return false;
    const char *p = end + 1;
    long n = strtol(p, &end, 10);
    if (end == p || *end || n < 1 || n > 100000 || i < 1 || i > n)
        return false;
    *shard = (int)i;
    *nshards = (int)n;
    return true;
}

int cmd_scenario(int argc, char **argv)
{
    static const struct option opts[] = {
        {"junit", required_argument, 0, 'U'},   {"seed", required_argument, 0, 'S'},
        {"realtime", no_argument, 0, 'r'},      {"speed", required_argument, 0, 'x'},
        {"verbose", no_argument, 0, 'v'},       {"led-trace", required_argument, 0, 'T'},
        {"log", required_argument, 0, 'L'},     {"log-file", required_argument, 0, 'O'},
        {"check", no_argument, 0, 'c'},         {"list-steps", no_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},          {"jobs", required_argument, 0, 'J'},
        {"shard", required_argument, 0, 'H'},   {0, 0, 0, 0},
    };
    scn_run_opts o = {0};
    o.speed = 1;
    o.logmask = LOG_INFO;
    const char *junit = NULL, *trace = NULL, *logfile = NULL;
    bool check = false;
    int c, jobs = default_jobs(), shard = 0, nshards = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vhj:", opts, NULL)) != -1) {
        switch (c) {
        case 'J':
        case 'j': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 1024) {
                fprintf(stderr, "photon-sim scenario: --jobs wants a number from 1 to 1024, "
                                "got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            jobs = (int)v;
            break;
        }
        case 'H':
            if (!parse_shard(optarg, &shard, &nshards)) {
                fprintf(stderr, "photon-sim scenario: --shard wants I/N with 1 <= I <= N, "
                                "got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'U': junit = optarg; break;
        case 'S': {
            if (!num_u64(optarg, UINT64_MAX, &o.seed)) {
                fprintf(stderr, "photon-sim scenario: --seed wants a number, got '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            o.have_seed = true;
            break;
        }
        case 'r': o.realtime = true; break;
        case 'x': {
            if (!num_real(optarg, 1e-3, 1e6, &o.speed)) {
                fprintf(stderr, "photon-sim scenario: --speed wants a factor from 0.001 to "
                                "1e6, got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 'v': o.verbose = true; break;
        case 'T': trace = optarg; break;
        case 'L': {
            const char *bad;
            if (!log_parse(optarg, &o.logmask, &bad)) {
                fprintf(stderr, "photon-sim scenario: unknown --log category '%s' (known: %s)\n",
                        bad, log_categories());
                return EXIT_USAGE;
            }
            o.logmask |= LOG_INFO;
            break;
        }
        case 'O': logfile = optarg; break;
        case 'c': check = true; break;
        case 'l': list_steps(); return EXIT_OK;
        case 'h': usage(stdout); return EXIT_OK;
        default:
            fprintf(stderr, "see `photon-sim scenario --help`\n");
            return EXIT_USAGE;
        }
    }
    int n = argc - optind;
    if (n <= 0) {
        fprintf(stderr, "photon-sim scenario: no scenario files (see --help)\n");
        return EXIT_USAGE;
    }
    char **files = argv + optind;
    if (nshards) {
        int total = n;
        n = select_shard(files, n, shard, nshards);
        if (n < 0)
            return EXIT_INTERNAL;
        printf("shard %d/%d: %d of %d scenario file%s\n", shard, nshards, n, total,
               total == 1 ? "" : "s");
        if (n == 0)
            return EXIT_OK; /* more shards than files */
    }
    file_entry *fe = calloc((size_t)n, sizeof(*fe));
    if (!fe)
        return EXIT_INTERNAL;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        fe[i].path = files[i];
        scn_error_list errs = {0};
        fe[i].sc = scenario_parse(fe[i].path, NULL, &errs);
        if (!fe[i].sc) {
            size_t len = 1;
            for (size_t k = 0; k < errs.n; k++)
                len += strlen(errs.msgs[k]) + 1;
            fe[i].errors = calloc(1, len);
            for (size_t k = 0; k < errs.n; k++) {
                fprintf(stderr, "%s\n", errs.msgs[k]);
                if (fe[i].errors) {
                    strcat(fe[i].errors, errs.msgs[k]);
                    strcat(fe[i].errors, "\n");
                }
            }
            bad++;
        }
        scn_errors_free(&errs);
    }
    int rc = EXIT_OK;
    double wall = 0;
    uint64_t virt = 0;
    if (bad) {
        fprintf(stderr, "photon-sim scenario: %d of %d file%s ha%s errors; nothing was run\n",
                bad, n, n == 1 ? "" : "s", bad == 1 ? "s" : "ve");
        rc = EXIT_USAGE;
    } else if (check) {
        for (int i = 0; i < n; i++)
            printf("ok %s: %s (%zu steps)\n", fe[i].path, scenario_name(fe[i].sc),
                   scenario_nsteps(fe[i].sc));
    } else {
        FILE *logf = NULL;
        if (logfile && !(logf = fopen(logfile, "w"))) {
            fprintf(stderr, "photon-sim scenario: %s: %s\n", logfile, strerror(errno));
            rc = EXIT_USAGE;
            goto out;
        }
        if (trace && !(o.led_trace = fopen(trace, "w"))) {
            fprintf(stderr, "photon-sim scenario: %s: %s\n", trace, strerror(errno));
            if (logf)
                fclose(logf);
            rc = EXIT_USAGE;
            goto out;
        }
        o.log_out = logf;
        report_ctx rc_ = {.fe = fe, .o = &o};
        double wall0 = wall_seconds();
        scenario **scs = jobs > 1 && n > 1 ? malloc((size_t)n * sizeof(*scs)) : NULL;
        if (scs) {
            for (int i = 0; i < n; i++)
                scs[i] = fe[i].sc;
            scenario_run_jobs(scs, n, &o, jobs, report_one, &rc_);
            free(scs);
        } else {
            for (int i = 0; i < n && !runner_interrupted(); i++) {
                scn_result r;
                memset(&r, 0, sizeof(r));
                scenario_run(fe[i].sc, &o, &r);
                report_one(&rc_, i, &r);
            }
        }
        wall = wall_seconds() - wall0; /* elapsed: less than the sum with -j */
        virt = rc_.virt;
        if (n > 1)
            printf("%d scenario%s: %d passed, %d failed, %d error%s; %.3f s virtual in "
                   "%.3f s wall (%.1fx real time)\n",
                   n, n == 1 ? "" : "s", rc_.passed, rc_.failed, rc_.errors,
                   rc_.errors == 1 ? "" : "s", (double)virt / PS_PER_S, wall,
                   wall > 0 ? (double)virt / PS_PER_S / wall : 0.0);
        if (runner_interrupted())
            rc = 130;
        else if (rc_.errors)
            rc = EXIT_INTERNAL;
        else if (rc_.failed)
            rc = EXIT_NOT_SEEN;
        if (o.led_trace)
            fclose(o.led_trace);
        if (logf)
            fclose(logf);
    }
    if (junit && write_junit(junit, fe, n, wall) && rc == EXIT_OK)
        rc = EXIT_INTERNAL;
out:
    for (int i = 0; i < n; i++) {
        scenario_free(fe[i].sc);
        free(fe[i].errors);
        scn_result_free(&fe[i].res);
    }
    free(fe);
    return rc;
}
