/* photon-sim run: the command line. */
#include "run_options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "numparse.h"
#include "softap_setup.h"
#include "usbip.h"

void run_usage(FILE *f)
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
"  --raw FILE[@ADDR]    write raw bytes into flash (default 0x08000000; a FILE\n"
"                       that exists as given is taken whole, '@' and all)\n"
"                       --load and --raw write exactly their bytes, in the\n"
"                       order given; the rest of each flash sector stays\n"
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
"faults:\n"
"  --power-loss WHEN    the power fails at WHEN and the run ends, the state\n"
"                       file holding what a real chip would: program:N (the\n"
"                       Nth flash word programmed from power-on does not land,\n"
"                       all before it did), erase:N (the Nth sector erase\n"
"                       stops halfway), op:N (either), or a virtual time\n"
"                       (2.5s, 1500ms: an erase in flight is torn where it\n"
"                       got to). The next run powers it on again\n"
"  --stuck-flash WHICH  program:N, erase:N or op:N never completes (BSY stays\n"
"                       set until a reset)\n"
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
"  --wifi SSID:PASSWORD give the device Wi-Fi credentials (repeatable, up to 5)\n"
"                       the way its owner does: in listening mode, with the\n"
"                       console's `w` on the USB serial (SETUP held 3 s first\n"
"                       if the device is not in listening mode). The firmware\n"
"                       stores them and joins. No password: an open network,\n"
"                       which Device OS then cannot join, as on a board (its\n"
"                       console asks for a cipher even then: \"open + AES\")\n"
"  --hostfwd RULE       forward a host port to the device on its Wi-Fi network\n"
"                       (repeatable), as QEMU spells it: [tcp|udp]:[HOSTADDR]:\n"
"                       HOSTPORT-[GUESTADDR]:GUESTPORT; HOSTADDR defaults to\n"
"                       127.0.0.1, GUESTADDR to the device's address, HOSTPORT\n"
"                       0 takes a free port (printed)\n"
"  --softap-fwd RULE    the same into the device's soft AP network (listening\n"
"                       mode, the device is 192.168.0.1). Without one to port\n"
"                       80 or 5609, their setup servers get free host ports\n"
"  --dns NAME=ADDR      answer NAME (\"*.example.com\": every name below it)\n"
"                       with ADDR on every network instead of asking the host's\n"
"                       resolver (repeatable); 10.0.2.2 is the host\n"
"  --host-port GUEST=HOST  the device's TCP connections to the host (10.0.2.2)\n"
"                       on port GUEST reach 127.0.0.1:HOST instead of\n"
"                       127.0.0.1:GUEST (repeatable), e.g. 5683=40123 for a\n"
"                       local cloud on another port\n"
"  --pcap FILE          write every frame of the device's Wi-Fi interfaces to\n"
"                       FILE (pcap, for Wireshark or tshark)\n"
"\n"
"cloud:\n"
"  --cloud              run the local Particle cloud in this process (as\n"
"                       `photon-sim cloud` does, same store, key and token) and\n"
"                       point the device at it: its DCT gets the cloud's server\n"
"                       key and the name cloud.photon-sim with the cloud's port\n"
"                       (what `particle keys server` writes through DFU alt 1),\n"
"                       and the simulator's DNS answers that name with the host.\n"
"                       A new device is provisioned at its first reset (after it\n"
"                       made its keys). Prints the API URL and the access token\n"
"  --cloud-api-port N   the cloud's REST API port (default 8080; 0: any free)\n"
"  --cloud-port N       the cloud's device protocol port (default 5683; 0: any\n"
"                       free; the device's DCT follows it)\n"
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
"  --gdb [NAME=][ADDR:]PORT\n"
"                       GDB remote protocol server on ADDR:PORT (default address\n"
"                       127.0.0.1; PORT 0 picks a free port, printed on stderr):\n"
"                       gdb-multiarch -ex 'target remote :PORT'. Breakpoints,\n"
"                       watchpoints, stepping, registers incl. msp/psp/primask/\n"
"                       basepri/faultmask/control, memory (peripheral registers\n"
"                       through the models), `load` into flash, monitor reset|\n"
"                       halt|info|help. Virtual time stands still while halted;\n"
"                       detaching (or quitting gdb) lets the Photon run on, `kill`\n"
"                       ends the run; NAME: the device's (photon)\n"
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

static double parse_seconds(const char *s, const char *opt, bool *ok)
{
    double v = 0;
    if (!num_seconds(s, 0, 1e7, &v)) {
        fprintf(stderr, "photon-sim run: %s wants seconds from 0 to 1e7 (a number, "
                        "optionally with s or ms), got '%s'\n", opt, s);
        *ok = false;
    }
    return v;
}

enum {
    OPT_WINDOW = 0x700, OPT_SCALE, OPT_SHOT, OPT_AT, OPT_LAYOUT, OPT_USBIP, OPT_USBIP_BIND,
    OPT_GDB, OPT_GDB_WAIT, OPT_TRACE, OPT_TRACE_FILE, OPT_USB_SERIAL, OPT_SERIAL_LINK,
    OPT_NO_USB, OPT_WIFI_AP, OPT_WIFI, OPT_HOSTFWD, OPT_SOFTAP_FWD, OPT_DNS, OPT_PCAP, OPT_HOST_PORT,
    OPT_CLOUD, OPT_CLOUD_API_PORT, OPT_CLOUD_PORT, OPT_POWER_LOSS, OPT_STUCK_FLASH,
};

static const struct option opts[] = {
    {"state", required_argument, 0, 's'},  {"fresh", no_argument, 0, 'F'},
    {"no-save", no_argument, 0, 'N'},      {"load", required_argument, 0, 'l'},
    {"force", no_argument, 0, 'f'},        {"raw", required_argument, 0, 'R'},
    {"device-id", required_argument, 0, 'D'}, {"seed", required_argument, 0, 'S'},
    {"fast-flash", no_argument, 0, 'X'},   {"no-battery", no_argument, 0, 'B'},
    {"hold", required_argument, 0, 'H'},   {"until-led", required_argument, 0, 'u'},
    {"timeout", required_argument, 0, 't'}, {"realtime", no_argument, 0, 'r'},
    {"fast", no_argument, 0, 'A'},         {"speed", required_argument, 0, 'x'},
    {"led-trace", required_argument, 0, 'T'}, {"usart1", required_argument, 0, 'U'},
    {"log", required_argument, 0, 'L'},    {"log-file", required_argument, 0, 'O'},
    {"quiet", no_argument, 0, 'q'},        {"headless", no_argument, 0, 'W'},
    {"usbip", optional_argument, 0, OPT_USBIP}, {"usbip-bind", required_argument, 0, OPT_USBIP_BIND},
    {"usb-serial", required_argument, 0, OPT_USB_SERIAL},
    {"serial-link", required_argument, 0, OPT_SERIAL_LINK}, {"no-usb", no_argument, 0, OPT_NO_USB},
    {"wifi-ap", required_argument, 0, OPT_WIFI_AP}, {"wifi", required_argument, 0, OPT_WIFI},
    {"hostfwd", required_argument, 0, OPT_HOSTFWD}, {"softap-fwd", required_argument, 0, OPT_SOFTAP_FWD},
    {"dns", required_argument, 0, OPT_DNS}, {"pcap", required_argument, 0, OPT_PCAP},
    {"cloud", no_argument, 0, OPT_CLOUD}, {"cloud-api-port", required_argument, 0, OPT_CLOUD_API_PORT},
    {"cloud-port", required_argument, 0, OPT_CLOUD_PORT},
    {"host-port", required_argument, 0, OPT_HOST_PORT},
    {"stats", no_argument, 0, 'Z'},        {"help", no_argument, 0, 'h'},
    {"window", no_argument, 0, OPT_WINDOW}, {"scale", required_argument, 0, OPT_SCALE},
    {"screenshot", required_argument, 0, OPT_SHOT}, {"at", required_argument, 0, OPT_AT},
    {"print-layout", no_argument, 0, OPT_LAYOUT},
    {"gdb", required_argument, 0, OPT_GDB}, {"gdb-wait", no_argument, 0, OPT_GDB_WAIT},
    {"trace", required_argument, 0, OPT_TRACE},
    {"trace-file", required_argument, 0, OPT_TRACE_FILE},
    {"power-loss", required_argument, 0, OPT_POWER_LOSS},
    {"stuck-flash", required_argument, 0, OPT_STUCK_FLASH},
    {0, 0, 0, 0},
};

static const char *opt_name(int c)
{
    for (const struct option *o = opts; o->name; o++)
        if (o->val == c)
            return o->name;
    return "?";
}

/* --usbip, --usbip=PORT or --usbip PORT */
static int usbip_port(const char *ps, int argc, char **argv)
{
    if (!ps && optind < argc && argv[optind][0] >= '0' && argv[optind][0] <= '9')
        ps = argv[optind++];
    if (!ps)
        return USBIP_DEFAULT_PORT;
    char *end;
    long v = strtol(ps, &end, 10);
    if (*end || end == ps || v < 0 || v > 65535) {
        fprintf(stderr, "photon-sim run: --usbip wants a TCP port (0-65535), got '%s'\n", ps);
        return -1;
    }
    return (int)v;
}

/* One option; returns -1 to go on, or an exit status. */
static int option(int c, run_opts *o, int argc, char **argv, bool *ok)
{
    char err[1024];
    switch (c) {
    case 's': o->so.state_path = optarg; break;
    case 'F': o->so.fresh = true; break;
    case 'N': o->so.no_save = true; break;
    case 'l':
    case 'R':
        o->writes[o->nwrites++] = (flash_write){c == 'R', optarg};
        break;
    case 'f': o->force = true; break;
    case 'D': o->so.device_id = optarg; break;
    case 'S':
        if (!num_u64(optarg, UINT64_MAX, &o->so.seed)) {
            fprintf(stderr, "photon-sim run: --seed wants a number from 0 to 2^64-1 (decimal "
                            "or 0x hex), got '%s'\n", optarg);
            return EXIT_USAGE;
        }
        break;
    case 'X': o->so.fast_flash = true; break;
    case 'B': o->so.no_battery = true; break;
    case 'H':
        if (strncmp(optarg, "setup=", 6)) {
            fprintf(stderr, "photon-sim run: --hold wants setup=SECONDS\n");
            return EXIT_USAGE;
        }
        o->hold_setup = parse_seconds(optarg + 6, "--hold setup=", ok);
        break;
    case 'u':
        if (!led_pattern_parse(optarg, &o->want, err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: %s\n", err);
            return EXIT_USAGE;
        }
        o->until = true;
        break;
    case 't': o->timeout = parse_seconds(optarg, "--timeout", ok); break;
    case 'r': o->realtime = true; break;
    case 'A': o->fast = true; break;
    case 'x':
        if (!num_real(optarg, 1e-3, 1e6, &o->speed)) {
            fprintf(stderr, "photon-sim run: --speed wants a factor from 0.001 to 1e6, "
                            "got '%s'\n", optarg);
            return EXIT_USAGE;
        }
        break;
    case 'T': o->led_trace = optarg; break;
    case 'U': o->usart = optarg; break;
    case 'L': {
        const char *bad;
        if (!log_parse(optarg, &o->logmask, &bad)) {
            fprintf(stderr, "photon-sim run: unknown --log category '%s' (known: %s)\n", bad,
                    log_categories());
            return EXIT_USAGE;
        }
        break;
    }
    case 'O': o->logfile = optarg; break;
    case OPT_USBIP:
        if ((o->usbip_port = usbip_port(optarg, argc, argv)) < 0)
            return EXIT_USAGE;
        break;
    case OPT_USBIP_BIND: o->usbip_bind = optarg; break;
    case OPT_USB_SERIAL: o->usb_serial = optarg; break;
    case OPT_SERIAL_LINK: o->serial_link = optarg; break;
    case OPT_NO_USB: o->no_usb = true; break;
    case OPT_WIFI_AP: {
        radio_ap ap;
        if (radio_parse_ap(optarg, &ap, err, sizeof(err)) ||
            radio_set_ap(&o->air, &ap, err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: --wifi-ap: %s\n", err);
            return EXIT_USAGE;
        }
        break;
    }
    case OPT_WIFI: {
        char ssid[33], pw[65];
        if (o->nwifi == SERIAL_WIFI_MAX) {
            fprintf(stderr, "photon-sim run: --wifi: at most %d (a Photon keeps %d)\n",
                    SERIAL_WIFI_MAX, SERIAL_WIFI_MAX);
            return EXIT_USAGE;
        }
        if (softap_setup_parse(optarg, ssid, pw, err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: --wifi: %s\n", err);
            return EXIT_USAGE;
        }
        o->wifi[o->nwifi++] = optarg;
        break;
    }
    case OPT_HOSTFWD:
    case OPT_SOFTAP_FWD:
    case OPT_DNS:
    case OPT_PCAP:
    case OPT_HOST_PORT:
        if (netenv_opts_add(&o->net, c == OPT_HOSTFWD ? NETOPT_HOSTFWD
                                     : c == OPT_SOFTAP_FWD ? NETOPT_SOFTAP_FWD
                                     : c == OPT_DNS ? NETOPT_DNS
                                     : c == OPT_PCAP ? NETOPT_PCAP : NETOPT_HOST_PORT,
                            optarg, err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: --%s: %s\n", opt_name(c), err);
            return EXIT_USAGE;
        }
        break;
    case OPT_CLOUD: o->cloud = true; break;
    case OPT_CLOUD_API_PORT:
    case OPT_CLOUD_PORT: {
        char *end;
        long v = strtol(optarg, &end, 10);
        if (!*optarg || *end || v < 0 || v > 65535) {
            fprintf(stderr, "photon-sim run: --%s wants a TCP port (0-65535), got '%s'\n",
                    opt_name(c), optarg);
            return EXIT_USAGE;
        }
        *(c == OPT_CLOUD_PORT ? &o->cloud_port : &o->cloud_api_port) = (int)v;
        o->cloud = true;
        break;
    }
    case 'q': o->quiet = true; break;
    case 'Z': o->stats = true; break;
    case 'W': o->vo.headless = true; break;
    case OPT_WINDOW: o->vo.window = true; break;
    case OPT_LAYOUT: o->print_layout = true; break;
    case OPT_SCALE:
    case OPT_SHOT:
    case OPT_AT:
        if (!(c == OPT_SCALE ? view_opt_scale(&o->vo, optarg, err, sizeof(err))
              : c == OPT_SHOT ? view_opt_screenshot(&o->vo, optarg, err, sizeof(err))
                              : view_opt_at(&o->vo, optarg, err, sizeof(err)))) {
            fprintf(stderr, "photon-sim run: %s\n", err);
            return EXIT_USAGE;
        }
        break;
    case 'h': run_usage(stdout); return EXIT_OK;
    case OPT_GDB: o->gdb_spec = optarg; break;
    case OPT_GDB_WAIT: o->gdb_wait = true; break;
    case OPT_TRACE:
        if (tracer_parse(&o->tr, optarg, err, sizeof(err))) {
            fprintf(stderr, "photon-sim run: %s\n", err);
            return EXIT_USAGE;
        }
        break;
    case OPT_TRACE_FILE: o->trace_file = optarg; break;
    case OPT_POWER_LOSS:
    case OPT_STUCK_FLASH:
        if (fault_parse(optarg, c == OPT_POWER_LOSS ? FLASH_FAULT_POWER : FLASH_FAULT_STUCK,
                        c == OPT_POWER_LOSS ? &o->power_loss : &o->stuck, err,
                        sizeof(err))) {
            fprintf(stderr, "photon-sim run: --%s: %s\n", opt_name(c), err);
            return EXIT_USAGE;
        }
        break;
    default: run_usage(stderr); return EXIT_USAGE;
    }
    return -1;
}

int run_parse(int argc, char **argv, run_opts *o)
{
    memset(o, 0, sizeof(*o));
    /* every argument could be a --load or --raw */
    if (!(o->writes = calloc((size_t)argc + 1, sizeof(*o->writes)))) {
        fprintf(stderr, "photon-sim run: out of memory\n");
        return EXIT_INTERNAL;
    }
    o->hold_setup = o->timeout = -1;
    o->speed = 1;
    o->usart = "stdout";
    o->logmask = LOG_INFO;
    o->usbip_port = -1;
    o->cloud_api_port = o->cloud_port = -1;
    o->usb_serial = "pty";
    radio_init(&o->air);
    view_opts_init(&o->vo);
    tracer_init(&o->tr);
    bool ok = true;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        int rc = option(c, o, argc, argv, &ok);
        if (rc >= 0)
            return rc;
    }
    if (!ok)
        return EXIT_USAGE;
    if (optind < argc) {
        fprintf(stderr, "photon-sim run: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (o->power_loss.effect && o->stuck.effect && o->power_loss.n) {
        fprintf(stderr, "photon-sim run: --power-loss at a flash operation and --stuck-flash "
                        "cannot both be given (one flash fault at a time)\n");
        return EXIT_USAGE;
    }
    if (o->no_usb && o->usbip_port >= 0) {
        fprintf(stderr, "photon-sim run: --no-usb and --usbip contradict each other\n");
        return EXIT_USAGE;
    }
    if (o->serial_link && (o->no_usb || strcmp(o->usb_serial, "pty"))) {
        fprintf(stderr, "photon-sim run: --serial-link needs the USB serial on a pty\n");
        return EXIT_USAGE;
    }
    if (o->nwifi && (o->no_usb || !strcmp(o->usb_serial, "none"))) {
        fprintf(stderr, "photon-sim run: --wifi gives the credentials on the USB serial: not "
                        "with --no-usb or --usb-serial none\n");
        return EXIT_USAGE;
    }
    char err[1024];
    if (!view_opts_check(&o->vo, err, sizeof(err))) {
        fprintf(stderr, "photon-sim run: %s\n", err);
        return EXIT_USAGE;
    }
    if (o->print_layout) {
        view_print_layout(&o->vo, stdout);
        return EXIT_OK;
    }
    o->vo.quiet = o->quiet;
    radio_add_default(&o->air, RADIO_DEFAULT_SSID);
    o->so.air = &o->air;
    /* An open-ended run on a terminal is for watching: pace it. */
    if (!o->fast && o->timeout < 0 && !o->until && isatty(STDOUT_FILENO))
        o->realtime = true;
    if (o->timeout < 0 && o->until)
        o->timeout = 60;
    return -1;
}

void run_opts_free(run_opts *o)
{
    free(o->writes);
    o->writes = NULL;
}
