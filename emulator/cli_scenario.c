/* photon-sim scenario FILE... : run scenario files, report, write JUnit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scenario.h"
#include "state.h"

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
"  --junit FILE       write a JUnit XML report (one testcase per file)\n"
"  --seed N           seed for every random source (RNG peripheral, new device\n"
"                     IDs), overriding the files' `seed:`\n"
"  --realtime         pace virtual time to the wall clock (for watching)\n"
"  --speed X          with --realtime: X times real time\n"
"  -v, --verbose      print every step, LED pattern and reset as it happens,\n"
"                     and the LED trace's SHA-256 per scenario\n"
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
"    # images also take short names (`default`: the 2.2.0 set + Tinker),\n"
"    # files, and raw bytes: {file: blob.bin, address: 0x080C0000}\n"
"    # wifi-ap: [\"ssid=Home,security=wpa2,password=secret123\", {ssid: Cafe}]\n"
"    #   the access points around it (default: one open network, photon-sim)\n"
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
            log_categories());
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

int cmd_scenario(int argc, char **argv)
{
    static const struct option opts[] = {
        {"junit", required_argument, 0, 'j'},   {"seed", required_argument, 0, 'S'},
        {"realtime", no_argument, 0, 'r'},      {"speed", required_argument, 0, 'x'},
        {"verbose", no_argument, 0, 'v'},       {"led-trace", required_argument, 0, 'T'},
        {"log", required_argument, 0, 'L'},     {"log-file", required_argument, 0, 'O'},
        {"check", no_argument, 0, 'c'},         {"list-steps", no_argument, 0, 'l'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0},
    };
    scn_run_opts o = {0};
    o.speed = 1;
    o.logmask = LOG_INFO;
    const char *junit = NULL, *trace = NULL, *logfile = NULL;
    bool check = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': junit = optarg; break;
        case 'S': {
            char *end;
            errno = 0;
            o.seed = strtoull(optarg, &end, 0);
            if (errno || *end || end == optarg || optarg[0] == '-') {
                fprintf(stderr, "photon-sim scenario: --seed wants a number, got '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            o.have_seed = true;
            break;
        }
        case 'r': o.realtime = true; break;
        case 'x': {
            char *end;
            o.speed = strtod(optarg, &end);
            if (*end || end == optarg || !(o.speed > 0)) {
                fprintf(stderr, "photon-sim scenario: --speed wants a positive number\n");
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
    file_entry *fe = calloc((size_t)n, sizeof(*fe));
    if (!fe)
        return EXIT_INTERNAL;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        fe[i].path = argv[optind + i];
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
        int passed = 0, failed = 0, errors = 0;
        for (int i = 0; i < n; i++) {
            if (runner_interrupted())
                break;
            scenario_run(fe[i].sc, &o, &fe[i].res);
            fe[i].ran = true;
            scn_result *r = &fe[i].res;
            wall += r->wall_s;
            virt += r->virtual_ps;
            const char *word = r->status == SCN_PASS ? "PASS" : r->status == SCN_FAIL ? "FAIL"
                                                                                     : "ERROR";
            printf("%-5s %s: %s (%zu/%zu steps, %.3f s virtual, %.3f s wall)", word,
                   fe[i].path, scenario_name(fe[i].sc), r->steps_run,
                   scenario_nsteps(fe[i].sc), (double)r->virtual_ps / PS_PER_S, r->wall_s);
            if (o.verbose) {
                printf("\n      LED trace sha256 ");
                for (int k = 0; k < 32; k++)
                    printf("%02x", r->led_trace_sha[k]);
            }
            printf("\n");
            if (r->status != SCN_PASS && r->report)
                printf("%s", r->report);
            fflush(stdout);
            if (r->status == SCN_PASS)
                passed++;
            else if (r->status == SCN_FAIL)
                failed++;
            else
                errors++;
        }
        if (n > 1)
            printf("%d scenario%s: %d passed, %d failed, %d error%s; %.3f s virtual in "
                   "%.3f s wall (%.1fx real time)\n",
                   n, n == 1 ? "" : "s", passed, failed, errors, errors == 1 ? "" : "s",
                   (double)virt / PS_PER_S, wall,
                   wall > 0 ? (double)virt / PS_PER_S / wall : 0.0);
        if (runner_interrupted())
            rc = 130;
        else if (errors)
            rc = EXIT_INTERNAL;
        else if (failed)
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
