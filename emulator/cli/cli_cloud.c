/* photon-sim cloud: run the local Particle cloud (device protocol on TCP
 * 5683, the REST API, the SQLite store), print its API URL and access
 * token; `keys` writes what a Photon needs to use it; the client commands
 * (list, call, ...) are in cli_cloud_client.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_cloud.h"
#include "cloud.h"
#include "crypto.h"
#include "dct_keys.h"
#include "statefile.h"
#include "store.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: photon-sim cloud [serve] [OPTIONS]      run the local cloud\n"
"       photon-sim cloud COMMAND [ARGS...]      use a running one (see below)\n"
"\n"
"A local Particle cloud for emulated Photons (and anything that speaks the\n"
"Particle device protocol over TCP): the RSA handshake, the encrypted CoAP\n"
"session, functions, variables, events, signal and OTA updates, and the REST\n"
"API the Particle CLI and particle-api-js use. Devices, names and device keys\n"
"(trusted on first use) are kept in an SQLite store across runs.\n"
"\n"
"serve options:\n"
"  --api-port N        REST API port (default 8080; 0 = any free port)\n"
"  --api-addr ADDR     REST API address (default 127.0.0.1)\n"
"  --device-port N     device protocol port (default 5683; 0 = any free port)\n"
"  --device-addr ADDR  device protocol address (default 127.0.0.1)\n"
"  --store FILE        the SQLite store (default %s)\n"
"  --key FILE          the server's RSA-2048 key, PEM; made if missing\n"
"                      (default %s)\n"
"  --token TOKEN       the local access token (default: made once, kept in the store)\n"
"  --trust-new-keys    accept a device whose key differs from the one recorded\n"
"  --no-fast-ota       never use fast OTA (one chunk at a time)\n"
"  -v, --verbose       log every protocol step (stderr)\n"
"  --log-messages      log every CoAP message to and from devices, one line each\n"
"  -q, --quiet         log nothing but errors\n"
"\n"
"It prints `api: URL`, `token: TOKEN` and `devices: ADDR:PORT` on stdout,\n"
"then logs on stderr until SIGINT (exit 130) or SIGTERM (exit 0).\n"
"\n"
"commands on a running cloud (--api URL, default $PHOTON_CLOUD_API or\n"
"http://127.0.0.1:8080; --token T, default $PHOTON_CLOUD_TOKEN or the store's):\n"
"  list                          devices, online or not\n"
"  info DEVICE                   a device's details (JSON)\n"
"  call DEVICE FUNCTION [ARG]    call a function, print its return value\n"
"  get DEVICE VARIABLE           print a variable\n"
"  publish NAME [DATA]           publish an event (--public, --ttl N)\n"
"  subscribe [PREFIX]            print events as JSON lines (--device D, --count N)\n"
"  flash DEVICE FILE             OTA, then tell whether the new module runs\n"
"  signal DEVICE on|off          the rainbow LED\n"
"  rename DEVICE NAME\n"
"  token                         print the local access token (from the store)\n"
"  keys [--der FILE] [--dct FILE --host H [--port P]]\n"
"                                the server public key (for `particle keys server`)\n"
"                                and the 512-byte DCT block at offset 2082 that\n"
"                                points a Photon at this cloud; write it with\n"
"                                photon-sim usb -- dfu-util -d 2b04:d006 -a 1 -s 2082 -D FILE\n"
"\n"
"Exit status: 0 ok, 1 the device or the cloud said no (flash: the new module\n"
"does not run), 2 bad usage or input, 3 the cloud cannot start or be reached.\n",
            cloud_default_file("cloud.db", (char[4096]){0}, 4096),
            cloud_default_file("cloud-key.pem", (char[4096]){0}, 4096));
}

const char *cloud_default_file(const char *name, char *buf, size_t n)
{
    const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
    if (x && *x)
        snprintf(buf, n, "%s/photon-sim/%s", x, name);
    else
        snprintf(buf, n, "%s/.local/state/photon-sim/%s", h ? h : ".", name);
    return buf;
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static int parse_port(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0 || v > 65535)
        return -1;
    *out = (int)v;
    return 0;
}

static int serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"api-port", 1, 0, 'A'},    {"api-addr", 1, 0, 'a'}, {"device-port", 1, 0, 'D'},
        {"device-addr", 1, 0, 'd'}, {"store", 1, 0, 's'},    {"key", 1, 0, 'k'},
        {"token", 1, 0, 't'},       {"trust-new-keys", 0, 0, 'T'},
        {"no-fast-ota", 0, 0, 'F'}, {"verbose", 0, 0, 'v'},  {"quiet", 0, 0, 'q'},
        {"log-messages", 0, 0, 'M'},
        {"help", 0, 0, 'h'},        {0, 0, 0, 0}};
    char store_buf[4096], key_buf[4096];
    cloud_options o = {.api_port = 8080, .device_port = 5683, .log = stderr};
    o.store_path = cloud_default_file("cloud.db", store_buf, sizeof(store_buf));
    o.key_path = cloud_default_file("cloud-key.pem", key_buf, sizeof(key_buf));
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
        switch (c) {
        case 'A':
        case 'D':
            if (parse_port(optarg, c == 'A' ? &o.api_port : &o.device_port)) {
                fprintf(stderr, "photon-sim cloud: bad port '%s' (0..65535)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'a': o.api_addr = optarg; break;
        case 'd': o.device_addr = optarg; break;
        case 's': o.store_path = optarg; break;
        case 'k': o.key_path = optarg; break;
        case 't': o.token = optarg; break;
        case 'T': o.trust_new_keys = true; break;
        case 'F': o.no_fast_ota = true; break;
        case 'v': o.verbose = true; break;
        case 'M': o.log_messages = true; break;
        case 'q': o.log = NULL; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "photon-sim cloud: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    if (state_make_dir(o.store_path) || state_make_dir(o.key_path)) {
        fprintf(stderr, "photon-sim cloud: cannot create the directory of %s: %s\n", o.store_path,
                strerror(errno));
        return EXIT_INTERNAL;
    }
    char err[512];
    cloud *cl = cloud_open(&o, err, sizeof(err));
    if (!cl) {
        fprintf(stderr, "photon-sim cloud: %s\n", err);
        return strstr(err, "--token") || strstr(err, "bad") ? EXIT_USAGE : EXIT_INTERNAL;
    }
    printf("api: %s\ntoken: %s\ndevices: %s:%d\n", cloud_api_url(cl), cloud_token(cl),
           o.device_addr ? o.device_addr : "127.0.0.1", cloud_device_port(cl));
    fflush(stdout);
    if (o.log)
        fprintf(o.log, "cloud: store %s, server key %s; Ctrl-C stops\n", o.store_path, o.key_path);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!stop_signal)
        cloud_step(cl, -1);
    cloud_close(cl);
    if (o.log)
        fprintf(o.log, "cloud: stopped\n");
    return stop_signal == SIGINT ? 130 : EXIT_OK;
}

static int print_token(int argc, char **argv)
{
    char buf[4096], tok[80];
    const char *path = argc > 1 ? argv[1] : cloud_default_file("cloud.db", buf, sizeof(buf));
    if (argc > 1 && !strcmp(argv[1], "--help")) {
        printf("usage: photon-sim cloud token [STORE]\nPrint the local access token kept in the store.\n");
        return EXIT_OK;
    }
    if (access(path, R_OK)) {
        fprintf(stderr, "photon-sim cloud token: no store at %s (start `photon-sim cloud` once)\n", path);
        return EXIT_USAGE;
    }
    char err[256];
    store *s = store_open(path, err, sizeof(err));
    int rc = s ? store_local_token(s, tok, sizeof(tok)) : -1;
    store_close(s);
    if (rc != 1) {
        fprintf(stderr, "photon-sim cloud token: %s\n", s ? "the store has no local token" : err);
        return EXIT_USAGE;
    }
    printf("%s\n", tok);
    return EXIT_OK;
}

static int write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, n, f) == n;
    ok = (f && fclose(f) == 0) && ok;
    if (!ok)
        fprintf(stderr, "photon-sim cloud keys: cannot write %s: %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

static int keys(int argc, char **argv)
{
    static const struct option opts[] = {{"der", 1, 0, 'r'}, {"dct", 1, 0, 'c'},
                                         {"host", 1, 0, 'H'}, {"port", 1, 0, 'p'},
                                         {"key", 1, 0, 'k'},  {"help", 0, 0, 'h'},
                                         {0, 0, 0, 0}};
    char key_buf[4096];
    const char *der = NULL, *dct = NULL, *host = NULL;
    const char *key = cloud_default_file("cloud-key.pem", key_buf, sizeof(key_buf));
    int port = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': der = optarg; break;
        case 'c': dct = optarg; break;
        case 'H': host = optarg; break;
        case 'k': key = optarg; break;
        case 'p':
            if (parse_port(optarg, &port) || port == 0) {
                fprintf(stderr, "photon-sim cloud keys: bad port '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            printf("usage: photon-sim cloud keys [--key PEM] [--der FILE] [--dct FILE --host H [--port P]]\n"
                   "\n"
                   "  --der FILE   the server public key, DER (294 bytes): what\n"
                   "               `particle keys server FILE --host H --port P` takes\n"
                   "  --dct FILE   the 512 bytes that command writes at DCT offset 2082:\n"
                   "               the key, the address TLV at +384, the port at +450\n"
                   "  --host H     the cloud's address as the device sees it: an IPv4\n"
                   "               address (10.0.2.2 is the host under the simulator's\n"
                   "               network) or a domain name of up to 63 characters\n"
                   "  --port P     default: leave it blank (the device then uses 5683)\n"
                   "  --key PEM    the server key (default %s)\n"
                   "\n"
                   "Put the block into a Photon in DFU mode through the bootloader:\n"
                   "  photon-sim usb -- dfu-util -d 2b04:d006 -a 1 -s 2082 -D FILE\n",
                   key);
            return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if ((!der && !dct) || (dct && !host) || optind < argc) {
        fprintf(stderr, "photon-sim cloud keys: give --der FILE and/or --dct FILE --host H "
                        "(see --help)\n");
        return EXIT_USAGE;
    }
    char err[256];
    EVP_PKEY *k = crypto_key_load(key, err, sizeof(err));
    if (!k) {
        fprintf(stderr, "photon-sim cloud keys: %s (start `photon-sim cloud` once to make it)\n", err);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    uint8_t buf[DCT_SERVER_BLOCK];
    if (der) {
        int n = crypto_pubkey_der(k, buf, sizeof(buf));
        if (n < 0 || write_file(der, buf, (size_t)n))
            rc = EXIT_INTERNAL;
        else
            printf("%s: the server public key, %d bytes of DER\n", der, n);
    }
    if (dct && rc == EXIT_OK) {
        if (dct_server_block(k, host, port, buf, err, sizeof(err))) {
            fprintf(stderr, "photon-sim cloud keys: %s\n", err);
            rc = EXIT_USAGE;
        } else if (write_file(dct, buf, sizeof(buf))) {
            rc = EXIT_INTERNAL;
        } else {
            char where[96];
            if (port)
                snprintf(where, sizeof(where), "%s:%d", host, port);
            else
                snprintf(where, sizeof(where), "%s, port 5683", host);
            printf("%s: 512 bytes for DCT offset %d (server %s)\n"
                   "write it: photon-sim usb -- dfu-util -d 2b04:d006 -a 1 -s %d -D %s\n",
                   dct, DCT_SERVER_KEY_OFFSET, where, DCT_SERVER_KEY_OFFSET, dct);
        }
    }
    EVP_PKEY_free(k);
    return rc;
}

int cmd_cloud(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-')
        return serve(argc, argv);
    const char *sub = argv[1];
    if (!strcmp(sub, "serve"))
        return serve(argc - 1, argv + 1);
    if (!strcmp(sub, "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    if (!strcmp(sub, "token"))
        return print_token(argc - 1, argv + 1);
    if (!strcmp(sub, "keys"))
        return keys(argc - 1, argv + 1);
    int rc = cloud_client_main(argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    fprintf(stderr, "photon-sim cloud: unknown command '%s'\n\n", sub);
    usage(stderr);
    return EXIT_USAGE;
}
