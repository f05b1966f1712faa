/* photon-sim run: boot the emulated Photon and report what its LED does. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gdbstub.h"
#include "photon_serial.h"
#include "serial_info.h"
#include "images.h"
#include "module.h"
#include "runner.h"
#include "session.h"
#include "usbip.h"
#include "window.h"
#include "trace.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: photon-sim run [OPTIONS]\n"
"\n"
"Boot an emulated Photon from a device state file and print what its RGB LED\n"
"does (\"blinking yellow (202 ms period)\", \"breathing white\", \"SOS red, code 1\").\n"
"Time is virtual: derived from executed instructions, the same inputs give\n"
"the same run, and a run is as fast as the host allows.\n"
"\n"
"device:\n"
"  --state FILE         device state file (flash, OTP, device ID, RTC and backup\n"
"                       registers); created if missing (default: %s)\n"
"  --fresh              start from an erased device, ignoring the state file's\n"
"                       content (it is still written unless --no-save)\n"
"  --no-save            do not write the state file\n"
"  --load IMAGE         write a module into flash at the address in its header\n"
"                       (repeatable); IMAGE is a file or a short name such as\n"
"                       bootloader@2.2.0, system-part1@2.2.0, tinker@0.4.5\n"
"  --force              load images for other platforms or with bad CRCs\n"
"  --raw FILE[@ADDR]    write raw bytes into flash (default 0x08000000)\n"
"  --device-id HEX      the 24-hex-digit device ID of a new device\n"
"  --seed N             seed for every random source (RNG peripheral, new IDs)\n"
"  --fast-flash         flash erase/program take no time (normally the\n"
"                       datasheet's: 250 ms to 1 s a sector)\n"
"  --no-battery         power on without the coin cell: the RTC, backup\n"
"                       registers and backup SRAM saved in the state file are\n"
"                       lost (by default they are kept, as VBAT would)\n"
"\n"
"what happens:\n"
"  --hold setup=SECONDS hold the SETUP button from power-on for SECONDS\n"
"  --until-led PATTERN  stop with status 0 when the LED shows PATTERN, e.g.\n"
"                       \"blinking yellow\", \"solid white\", \"breathing cyan\",\n"
"                       \"SOS 1\"; status 1 at the timeout\n"
"  --timeout SECONDS    stop after SECONDS of virtual time (default: none, or\n"
"                       60 with --until-led)\n"
"  --realtime           pace virtual time to the wall clock (for watching); the\n"
"                       default for an open-ended run on a terminal\n"
"  --fast               never pace: run as fast as the host allows (the default\n"
"                       with --timeout or --until-led, or without a terminal)\n"
"  --speed X            with --realtime: X times real time\n"
"\n"
"usb (the cable is plugged into an emulated host, as into a PC):\n"
"  --usb-serial WHERE   the Photon's USB serial (CDC ACM, when Device OS runs):\n"
"                       pty (default: a pseudo-terminal, its path printed as\n"
"                       \"USB serial: /dev/pts/N\"; it stays across resets and\n"
"                       DFU mode; baud rates set on it reach the firmware,\n"
"                       14400 = DFU mode, 28800 = listening mode), stdout, a\n"
"                       file (both keep the port open: DTR set), or none (the\n"
"                       serial interfaces stay free for USB/IP clients)\n"
"  --serial-link PATH   a symlink PATH to the USB serial pty (replaced if it is\n"
"                       a symlink already)\n"
"  --no-usb             leave the USB cable unplugged\n"
"  --usbip [PORT]       also export the device over USB/IP\n"
"                       over USB/IP on 127.0.0.1:PORT (default 3240; 0: any\n"
"                       free port, printed); `photon-sim usb -- dfu-util ...`\n"
"                       or `usbip attach -r 127.0.0.1 -b 1-1` reach it. While a\n"
"                       client is connected, idle virtual time is paced to the\n"
"                       wall clock\n"
"  --usbip-bind ADDR    listen on ADDR instead of 127.0.0.1\n"
"\n"
"wi-fi:\n"
"  --wifi-ap SPEC       an access point around the device (repeatable):\n"
"                       ssid=NAME[,security=open|wep|wpa|wpa2][,password=PW]\n"
"                       [,rssi=DBM][,channel=1-14][,bssid=MAC]; a password\n"
"                       alone means wpa2. Without any: one open network\n"
"                       \"" RADIO_DEFAULT_SSID "\", so that scans find something\n"
"\n"
"output:\n"
"  --led-trace FILE     write every LED change as ms,r,g,b\n"
"  --usart1 WHERE       USART1 (the TX/RX pins): stdout (default), none, pty (its\n"
"                       path printed as \"USART1: /dev/pts/N\"), or a file\n"
"  --log CATS           diagnostics: %s\n"
"  --log-file FILE      diagnostics to FILE instead of stderr\n"
"  -q, --quiet          print only the result\n"
"  --stats              print speed figures at the end: instructions, MIPS,\n"
"                       virtual seconds per wall second, idle time skipped\n"
"  -h, --help           this text\n"
"\n"
"debugging:\n"
"  --gdb [ADDR:]PORT    GDB remote protocol server on ADDR:PORT (default address\n"
"                       127.0.0.1; PORT 0 picks a free port, printed on stderr):\n"
"                       gdb-multiarch -ex 'target remote :PORT'. Breakpoints,\n"
"                       watchpoints, stepping, registers incl. msp/psp/primask/\n"
"                       basepri/faultmask/control, memory (peripheral registers\n"
"                       through the models), `load` into flash, monitor reset|\n"
"                       halt|info|help. Virtual time stands still while halted;\n"
"                       detaching (or quitting gdb) lets the Photon run on, `kill`\n"
"                       ends the run\n"
"  --gdb-wait           the core waits at reset until a debugger connects\n"
"                       (port 3333 unless --gdb is given)\n"
"  --trace WHAT         execution traces (repeatable, or comma-separated):\n"
"                         exc              exception entry/return/tail-chain\n"
"                         mmio=DEV[,DEV..] register accesses of peripherals\n"
"                                          (RCC, GPIOA, TIM2, RTC, FLASH, ..., all)\n"
"                         pc-sample=N      the PC every N cycles with its module\n"
"                                          (bootloader, system-part1/2, user, ...)\n"
"                                          and a histogram at the end\n"
"  --trace-file FILE    write traces to FILE (default: stderr)\n"
"\n"
"%s"
"\n"
"With no options: the default device (bootloader, system parts 2.2.0 and\n"
"Tinker on first use) runs until Ctrl-C or the window is closed.\n"
"Exit status: 0 done (or PATTERN seen), 1 PATTERN not seen, 2 bad input,\n"
"3 emulator failure, 130 interrupted.\n",
            state_default_path(), log_categories(), view_help);
}

typedef struct run_ctx {
    session s;
    runner r;
    bool quiet;
    bool until;
    led_pattern want;
    bool seen;
    uint64_t seen_at;
    int pattern_count;
    photon_serial ser;
    serial_info info; /* the USB serial described for `photon-sim usb` */
} run_ctx;

static void print_time(uint64_t ps)
{
    printf("[%10.3f s] ", (double)ps / PS_PER_S);
}

static void on_pattern(void *ctx, uint64_t since, uint64_t seen, const led_pattern *p)
{
    run_ctx *r = ctx;
    char buf[96];
    r->pattern_count++;
    if (!r->quiet) {
        print_time(since);
        printf("LED %s\n", led_pattern_str(p, buf, sizeof(buf)));
        fflush(stdout);
    }
    if (r->until && !r->seen && led_pattern_match(&r->want, p)) {
        r->seen = true;
        r->seen_at = seen;
        r->r.stop = true;
        machine_request_stop(r->s.p->m, STOP_REQUEST);
    }
}

static void on_reset(void *ctx, reset_kind kind)
{
    run_ctx *r = ctx;
    if (!r->quiet && kind != RESET_POWER_ON) {
        print_time(machine_now(r->s.p->m));
        printf("reset (%s)\n", reset_kind_name(kind));
        fflush(stdout);
    }
}

typedef struct setup_release {
    clock_event ev;
    photon *p;
} setup_release;

static void release_setup(void *arg)
{
    setup_release *sr = arg;
    photon_setup_button(sr->p, false);
}

static double parse_seconds(const char *s, const char *opt, bool *ok)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || (*end && strcmp(end, "s")) || v < 0 || v > 1e7) {
        fprintf(stderr, "photon-sim run: %s wants seconds, got '%s'\n", opt, s);
        *ok = false;
    }
    return v;
}

static void describe_flash(run_ctx *r)
{
    static const uint32_t addrs[] = {0x08000000, 0x08020000, 0x08060000, 0x080A0000};
    char id[25];
    printf("photon-sim: device %s, state %s%s\n", photon_device_id(r->s.p, id),
           r->s.state_path, r->s.save ? "" : " (not saved)");
    printf("  flash:");
    int n = 0;
    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        module_info mi;
        if (module_parse_flash(r->s.p->m->flash, FLASH_SIZE, FLASH_BASE, addrs[i], &mi))
            continue;
        printf("%s %s%s%u v%u%s", n++ ? "," : "", module_func_name(mi.func),
               mi.func == MODULE_FUNC_SYSTEM ? "-part" : "",
               mi.func == MODULE_FUNC_SYSTEM ? mi.index : 0, mi.version,
               mi.crc_ok ? "" : " (bad CRC)");
    }
    printf("%s\n", n ? "" : " empty");
}

enum { OPT_WINDOW = 0x700, OPT_SCALE, OPT_SHOT, OPT_AT, OPT_LAYOUT, OPT_USBIP, OPT_USBIP_BIND,
       OPT_USB_SERIAL, OPT_SERIAL_LINK, OPT_NO_USB };
enum { OPT_WIFI_AP = 0x800 };
/* USART1's route, the USB cable with its host, the CDC-ACM driver, the USB
 * serial's route and the USB/IP server. Prints the ptys. */
static int start_ports(run_ctx *r, const char *usart, bool no_usb, const char *usb_serial,
                       const char *serial_link, int usbip_port, const char *usbip_bind,
                       usb_link **usb)
{
    char err[1024];
    serial_pty *pty;
    if (photon_serial_route(&r->ser, &r->ser.usart1, &r->r, usart, NULL, &pty, err,
                            sizeof(err))) {
        fprintf(stderr, "photon-sim run: --usart1: %s\n", err);
        return -1;
    }
    if (pty)
        printf("USART1: %s\n", serial_pty_path(pty));
    if (no_usb)
        return 0;
    usb_link_opts uo = {.bind = usbip_bind, .port = usbip_port, .announce = !r->quiet && usbip_port >= 0};
    if (!(*usb = usb_link_start(&r->r, &uo, err, sizeof(err)))) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        return -1;
    }
    if (!strcmp(usb_serial, "none"))
        return 0;
    photon_serial_attach_usb(&r->ser, &(*usb)->host);
    if (photon_serial_route(&r->ser, &r->ser.usb, &r->r, usb_serial, serial_link, &pty, err,
                            sizeof(err))) {
        fprintf(stderr, "photon-sim run: --usb-serial: %s\n", err);
        return -1;
    }
    if (pty && usbip_port >= 0 &&
        serial_info_start(&r->info, &r->ser.usb, &(*usb)->host, usb_link_port(*usb),
                          serial_pty_path(pty), err, sizeof(err)))
        fprintf(stderr, "photon-sim run: %s (`photon-sim usb` will not list the serial port)\n",
                err);
    if (pty && serial_link)
        printf("USB serial: %s (link %s)\n", serial_pty_path(pty), serial_link);
    else if (pty)
        printf("USB serial: %s\n", serial_pty_path(pty));
    fflush(stdout);
    return 0;
}

enum { OPT_GDB = 0x100, OPT_GDB_WAIT, OPT_TRACE, OPT_TRACE_FILE };

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"state", required_argument, 0, 's'},  {"fresh", no_argument, 0, 'F'},
        {"no-save", no_argument, 0, 'N'},      {"load", required_argument, 0, 'l'},
        {"force", no_argument, 0, 'f'},        {"raw", required_argument, 0, 'R'},
        {"device-id", required_argument, 0, 'D'}, {"seed", required_argument, 0, 'S'},
        {"fast-flash", no_argument, 0, 'X'},   {"no-battery", no_argument, 0, 'B'},   {"hold", required_argument, 0, 'H'},
        {"until-led", required_argument, 0, 'u'}, {"timeout", required_argument, 0, 't'},
        {"realtime", no_argument, 0, 'r'},     {"fast", no_argument, 0, 'A'},     {"speed", required_argument, 0, 'x'},
        {"led-trace", required_argument, 0, 'T'}, {"usart1", required_argument, 0, 'U'},
        {"log", required_argument, 0, 'L'},    {"log-file", required_argument, 0, 'O'},
        {"quiet", no_argument, 0, 'q'},        {"headless", no_argument, 0, 'W'},
        {"usbip", optional_argument, 0, OPT_USBIP}, {"usbip-bind", required_argument, 0, OPT_USBIP_BIND},
        {"usb-serial", required_argument, 0, OPT_USB_SERIAL},
        {"serial-link", required_argument, 0, OPT_SERIAL_LINK}, {"no-usb", no_argument, 0, OPT_NO_USB},
        {"stats", no_argument, 0, 'Z'},        {"help", no_argument, 0, 'h'},
        {"window", no_argument, 0, OPT_WINDOW}, {"scale", required_argument, 0, OPT_SCALE},
        {"screenshot", required_argument, 0, OPT_SHOT}, {"at", required_argument, 0, OPT_AT},
        {"print-layout", no_argument, 0, OPT_LAYOUT},
        {"gdb", required_argument, 0, OPT_GDB}, {"gdb-wait", no_argument, 0, OPT_GDB_WAIT},
        {"trace", required_argument, 0, OPT_TRACE},
        {"trace-file", required_argument, 0, OPT_TRACE_FILE},
        {"wifi-ap", required_argument, 0, OPT_WIFI_AP},
        {0, 0, 0, 0},
    };
    static run_ctx r;
    memset(&r, 0, sizeof(r));
    session_opts so = {0};
    const char *loads[32], *raws[8];
    int nload = 0, nraw = 0;
    bool force = false, realtime = false, fast = false, ok = true, stats = false;
    double hold_setup = -1, timeout = -1, speed = 1;
    const char *trace = NULL, *usart = "stdout", *logfile = NULL;
    unsigned logmask = LOG_INFO;
    int usbip_port = -1;
    const char *usbip_bind = NULL, *usb_serial = "pty", *serial_link = NULL;
    bool no_usb = false;
    usb_link *usb = NULL;
    view_opts vo;
    view_opts_init(&vo);
    view *view = NULL;
    bool print_layout = false, shot_failed = false;
    const char *gdb_spec = NULL, *trace_file = NULL;
    bool gdb_wait = false;
    static tracer tr;
    tracer_init(&tr);
    static radio air; /* the access points around the device */
    radio_init(&air);
    gdbstub *gdb = NULL;
    char err[1024];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 's': so.state_path = optarg; break;
        case 'F': so.fresh = true; break;
        case 'N': so.no_save = true; break;
        case 'l':
            if (nload < 32) loads[nload++] = optarg;
            break;
        case 'f': force = true; break;
        case 'R':
            if (nraw < 8) raws[nraw++] = optarg;
            break;
        case 'D': so.device_id = optarg; break;
        case 'S': so.seed = strtoull(optarg, NULL, 0); break;
        case 'X': so.fast_flash = true; break;
        case 'B': so.no_battery = true; break;
        case 'H':
            if (strncmp(optarg, "setup=", 6)) {
                fprintf(stderr, "photon-sim run: --hold wants setup=SECONDS\n");
                return EXIT_USAGE;
            }
            hold_setup = parse_seconds(optarg + 6, "--hold setup=", &ok);
            break;
        case 'u':
            if (!led_pattern_parse(optarg, &r.want, err, sizeof(err))) {
                fprintf(stderr, "photon-sim run: %s\n", err);
                return EXIT_USAGE;
            }
            r.until = true;
            break;
        case 't': timeout = parse_seconds(optarg, "--timeout", &ok); break;
        case 'r': realtime = true; break;
        case 'A': fast = true; break;
        case 'x': speed = parse_seconds(optarg, "--speed", &ok); break;
        case 'T': trace = optarg; break;
        case 'U': usart = optarg; break;
        case 'L': {
            const char *bad;
            if (!log_parse(optarg, &logmask, &bad)) {
                fprintf(stderr, "photon-sim run: unknown --log category '%s' (known: %s)\n",
                        bad, log_categories());
                return EXIT_USAGE;
            }
            break;
        }
        case 'O': logfile = optarg; break;
        case OPT_USBIP: {
            /* --usbip, --usbip=PORT or --usbip PORT */
            const char *ps = optarg;
            if (!ps && optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9')
                ps = argv[optind++];
            usbip_port = USBIP_DEFAULT_PORT;
            if (ps) {
                char *end;
                long v = strtol(ps, &end, 10);
                if (*end || end == ps || v < 0 || v > 65535) {
                    fprintf(stderr, "photon-sim run: --usbip wants a TCP port (0-65535), got '%s'\n",
                            ps);
                    return EXIT_USAGE;
                }
                usbip_port = (int)v;
            }
            break;
        }
        case OPT_USBIP_BIND: usbip_bind = optarg; break;
        case OPT_USB_SERIAL: usb_serial = optarg; break;
        case OPT_SERIAL_LINK: serial_link = optarg; break;
        case OPT_NO_USB: no_usb = true; break;
        case 'q': r.quiet = true; break;
        case 'Z': stats = true; break;
        case 'W': vo.headless = true; break;
        case OPT_WINDOW: vo.window = true; break;
        case OPT_LAYOUT: print_layout = true; break;
        case OPT_SCALE:
        case OPT_SHOT:
        case OPT_AT:
            if (!(c == OPT_SCALE ? view_opt_scale(&vo, optarg, err, sizeof(err))
                  : c == OPT_SHOT ? view_opt_screenshot(&vo, optarg, err, sizeof(err))
                                  : view_opt_at(&vo, optarg, err, sizeof(err)))) {
                fprintf(stderr, "photon-sim run: %s\n", err);
                return EXIT_USAGE;
            }
            break;
        case 'h': usage(stdout); return EXIT_OK;
        case OPT_GDB: gdb_spec = optarg; break;
        case OPT_GDB_WAIT: gdb_wait = true; break;
        case OPT_TRACE:
            if (tracer_parse(&tr, optarg, err, sizeof(err))) {
                fprintf(stderr, "photon-sim run: %s\n", err);
                return EXIT_USAGE;
            }
            break;
        case OPT_TRACE_FILE: trace_file = optarg; break;
        case OPT_WIFI_AP: {
            radio_ap ap;
            if (radio_parse_ap(optarg, &ap, err, sizeof(err)) ||
                radio_set_ap(&air, &ap, err, sizeof(err))) {
                fprintf(stderr, "photon-sim run: --wifi-ap: %s\n", err);
                return EXIT_USAGE;
            }
            break;
        }
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!ok)
        return EXIT_USAGE;
    if (optind < argc) {
        fprintf(stderr, "photon-sim run: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (speed <= 0)
        speed = 1;
    if (no_usb && usbip_port >= 0) {
        fprintf(stderr, "photon-sim run: --no-usb and --usbip contradict each other\n");
        return EXIT_USAGE;
    }
    if (serial_link && (no_usb || strcmp(usb_serial, "pty"))) {
        fprintf(stderr, "photon-sim run: --serial-link needs the USB serial on a pty\n");
        return EXIT_USAGE;
    }
    if (!view_opts_check(&vo, err, sizeof(err))) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        return EXIT_USAGE;
    }
    if (print_layout) {
        view_print_layout(&vo, stdout);
        return EXIT_OK;
    }
    vo.quiet = r.quiet;
    radio_add_default(&air);
    so.air = &air;

    if (session_open(&r.s, &so, err, sizeof(err))) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        return EXIT_USAGE;
    }
    photon *p = r.s.p;
    machine *m = p->m;
    m->log.mask = logmask;
    FILE *logf = NULL, *tracef = NULL, *trf = NULL;
    int rc = EXIT_OK;
    if (logfile && !(logf = fopen(logfile, "w"))) {
        fprintf(stderr, "photon-sim run: %s: %s\n", logfile, strerror(errno));
        rc = EXIT_USAGE;
        goto out;
    }
    if (logf)
        m->log.out = logf;
    if (trace) {
        if (!(tracef = fopen(trace, "w"))) {
            fprintf(stderr, "photon-sim run: %s: %s\n", trace, strerror(errno));
            rc = EXIT_USAGE;
            goto out;
        }
        led_set_trace(&p->led, tracef);
    }
    if (tracer_active(&tr)) {
        if (trace_file && !(trf = fopen(trace_file, "w"))) {
            fprintf(stderr, "photon-sim run: %s: %s\n", trace_file, strerror(errno));
            rc = EXIT_USAGE;
            goto out;
        }
        if (tracer_start(&tr, m, trf ? trf : stderr, err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: %s\n", err);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (gdb_spec || gdb_wait) {
        gdb = gdbstub_new(m);
        if (!gdb || gdbstub_listen(gdb, gdb_spec ? gdb_spec : "3333", err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: %s\n", gdb ? err : "out of memory");
            rc = EXIT_USAGE;
            goto out;
        }
    }
    photon_serial_init(&r.ser, p);

    /* A new default device gets the default images. */
    if (!r.s.existed && !so.fresh && nload == 0 && nraw == 0)
        for (int i = 0; session_default_images[i]; i++)
            loads[nload++] = session_default_images[i];
    for (int i = 0; i < nload; i++) {
        if (session_load_module(&r.s, loads[i], force, err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: %s\n", err);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    for (int i = 0; i < nraw; i++) {
        if (session_load_raw(&r.s, raws[i], err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: %s\n", err);
            rc = EXIT_USAGE;
            goto out;
        }
    }

    ledc_listen(&p->pattern, on_pattern, &r);
    machine_add_reset_hook(m, on_reset, &r);
    static setup_release sr;
    sr.p = p;
    clock_event_init(&sr.ev, "setup-release", release_setup, &sr);
    if (hold_setup >= 0)
        photon_setup_button(p, true);
    session_power_on(&r.s);
    if (hold_setup >= 0)
        clock_arm(&m->clock, &sr.ev, machine_now(m) + (uint64_t)(hold_setup * PS_PER_S));
    if (!r.quiet)
        describe_flash(&r);

    /* An open-ended run on a terminal is for watching: pace it. */
    if (!fast && timeout < 0 && !r.until && isatty(STDOUT_FILENO))
        realtime = true;
    if (timeout < 0 && r.until)
        timeout = 60;
    uint64_t deadline = timeout < 0 ? UINT64_MAX : (uint64_t)(timeout * PS_PER_S);
    runner_init(&r.r, &r.s);
    r.r.realtime = realtime;
    r.r.speed = speed;
    if (realtime)
        r.r.slice_ps = 10 * PS_PER_MS;
    if (start_ports(&r, usart, no_usb, usb_serial, serial_link, usbip_port, usbip_bind, &usb)) {
        rc = EXIT_USAGE;
        goto out;
    }
    if (view_start(&view, &vo, &r.s, &r.r, r.until || timeout >= 0, err, sizeof(err))) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        rc = EXIT_USAGE;
        goto out;
    }
    double wall0 = wall_seconds();
    if (gdb) {
        gdbstub_attach(gdb, &r.r, gdb_wait);
        fprintf(stderr, "photon-sim: gdb: listening on %s:%d%s\n", gdbstub_addr(gdb),
                gdbstub_port(gdb),
                gdb_wait ? ", the core waits at reset for a debugger" : "");
        fflush(stderr);
    }
    stop_reason why = runner_run(&r.r, deadline);
    double wall = wall_seconds() - wall0;
    if (stats) {
        cpu_state *c = &m->cpu;
        double virt = (double)machine_now(m) / PS_PER_S;
        printf("photon-sim: %.3f s of virtual time in %.3f s (%.2fx real time); "
               "%.1f M instructions, %.1f MIPS; %.3f s skipped idle; %llu exceptions\n",
               virt, wall, wall > 0 ? virt / wall : 0, (double)c->insns / 1e6,
               wall > 0 ? (double)c->insns / 1e6 / wall : 0, (double)c->idle_ps / PS_PER_S,
               (unsigned long long)c->exceptions);
    }
    shot_failed = view_finish(view) < 0;
    if (shot_failed)
        rc = EXIT_USAGE;
    else if (why == STOP_ERROR)
        rc = EXIT_INTERNAL;
    else if (gdb && gdbstub_killed(gdb))
        rc = EXIT_OK;
    else if (runner_interrupted())
        rc = 130;
    else if (r.until && !r.seen)
        rc = EXIT_NOT_SEEN;
    if (!r.quiet || r.until) {
        char buf[96], buf2[96];
        if (r.until && r.seen)
            printf("photon-sim: saw \"%s\" at %.3f s\n", led_pattern_str(&p->pattern.cur, buf, sizeof(buf)),
                   (double)r.seen_at / PS_PER_S);
        else if (r.until)
            printf("photon-sim: did not see \"%s\" in %.3f s of virtual time; last LED pattern: %s\n",
                   led_pattern_str(&r.want, buf, sizeof(buf)), (double)machine_now(m) / PS_PER_S,
                   r.pattern_count ? led_pattern_str(&p->pattern.cur, buf2, sizeof(buf2)) : "none");
        else if (!r.quiet)
            printf("photon-sim: stopped at %.3f s of virtual time\n", (double)machine_now(m) / PS_PER_S);
    }
    if (session_save(&r.s, err, sizeof(err))) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        if (rc == EXIT_OK)
            rc = EXIT_INTERNAL;
    }
out:
    view_free(view);
    serial_info_stop(&r.info);
    photon_serial_free(&r.ser);
    usb_link_free(usb);
    if (gdb) {
        gdbstub_finish(gdb, rc);
        gdbstub_free(gdb);
    }
    tracer_finish(&tr);
    if (trf)
        fclose(trf);
    if (tracef)
        fclose(tracef);
    session_close(&r.s);
    if (logf)
        fclose(logf);
    return rc;
}
