/* mock-photon: the test double of a Photon's cloud side as a program, for
 * the integration tests (tests/integration/cloud_*.sh). It connects to a
 * running `photon-sim cloud`, and prints one line per thing that happens:
 *   online ID            the session is up (after every (re)connect)
 *   event NAME DATA      an event the cloud sent to the device
 *   ota-done             UpdateDone answered; the device resets
 *   closed REASON        the cloud closed the connection
 * Not a user tool: the real firmware is what users run. */
#define _GNU_SOURCE
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "mock_device.h"

/* The device's own key, kept in a file so that the cloud recognises the
 * device across runs (as a real Photon keeps it in its DCT). */
static int device_key(mock_device *d, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f) {
        EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!k)
            return -1;
        EVP_PKEY_free(d->key);
        d->key = k;
        return 0;
    }
    f = fopen(path, "wb");
    int ok = f && PEM_write_PrivateKey(f, d->key, NULL, NULL, 0, NULL, NULL) == 1;
    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: mock-photon --server-key PEM --port N [--id HEX24] [--v15] [--no-fast]\n"
               "  [--drop IDX]... [--verdict R] [--no-verdict] [--refuse-copy] [--refuse-updates]\n"
               "  [--system2 VERSION] [--garbage] [--half-handshake] [--exit-after-ota]\n"
               "  [--publish NAME=DATA] [--key PEM]\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server-key", 1, 0, 'k'}, {"port", 1, 0, 'p'}, {"id", 1, 0, 'i'},
        {"v15", 0, 0, '5'}, {"no-fast", 0, 0, 'F'}, {"drop", 1, 0, 'd'},
        {"verdict", 1, 0, 'r'}, {"no-verdict", 0, 0, 'N'}, {"refuse-copy", 0, 0, 'C'},
        {"refuse-updates", 0, 0, 'U'}, {"system2", 1, 0, 's'}, {"garbage", 0, 0, 'g'},
        {"half-handshake", 0, 0, 'H'}, {"exit-after-ota", 0, 0, 'x'}, {"publish", 1, 0, 'P'},
        {"key", 1, 0, 'K'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    const char *key = NULL, *id = "0123456789abcdef01234567", *publish = NULL, *dkey = NULL;
    int port = 0, c;
    bool v15 = false, nofast = false, noverdict = false, refcopy = false, refupd = false;
    bool garbage = false, half = false, exit_after = false;
    int drop[MOCK_MAX_DROP], ndrop = 0, verdict = 0, sys2 = 2202;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'i': id = optarg; break;
        case '5': v15 = true; break;
        case 'F': nofast = true; break;
        case 'd': if (ndrop < MOCK_MAX_DROP) drop[ndrop++] = atoi(optarg); break;
        case 'r': verdict = atoi(optarg); break;
        case 'N': noverdict = true; break;
        case 'C': refcopy = true; break;
        case 'U': refupd = true; break;
        case 's': sys2 = atoi(optarg); break;
        case 'g': garbage = true; break;
        case 'H': half = true; break;
        case 'x': exit_after = true; break;
        case 'P': publish = optarg; break;
        case 'K': dkey = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!key || !port) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    mock_device d;
    if (mock_init(&d, id, key, "127.0.0.1", port)) {
        fprintf(stderr, "mock-photon: %s\n", d.error);
        return 2;
    }
    if (dkey && device_key(&d, dkey)) {
        fprintf(stderr, "mock-photon: cannot use the device key %s\n", dkey);
        return 2;
    }
    if (mock_connect(&d)) {
        fprintf(stderr, "mock-photon: %s\n", d.error);
        return 2;
    }
    d.v15 = v15;
    d.fast_ota = !nofast;
    memcpy(d.drop, drop, sizeof(drop));
    d.ndrop = ndrop;
    d.verdict_r = verdict;
    d.no_verdict = noverdict;
    d.boot = refcopy ? MOCK_REFUSE_COPY : MOCK_APPLY;
    d.refuse_updates = refupd;
    d.system2_version = sys2;
    if (garbage) { /* not a handshake at all: the cloud must drop us */
        char junk[300];
        memset(junk, 'x', sizeof(junk));
        mock_send_raw(&d, junk, sizeof(junk));
    }
    int seen_connects = 0, seen_events = 0, seen_ota = 0;
    bool published = false;
    for (;;) {
        if (half && d.state == MOCK_KEYS) { /* gone in the middle of the handshake */
            printf("closed half-handshake\n");
            mock_free(&d);
            return 0;
        }
        struct pollfd p = {.fd = d.fd, .events = POLLIN};
        /* a device pings after 15 s of silence; so does the double */
        if (d.fd >= 0 && poll(&p, 1, 15000) == 0 && d.state == MOCK_SESSION)
            mock_ping(&d);
        if (!mock_step(&d)) {
            printf("closed %s\n", d.error);
            mock_free(&d);
            return 0;
        }
        if (d.state == MOCK_SESSION && d.hellos > 0 && seen_connects < d.connects) {
            seen_connects = d.connects;
            d.hellos = 0;
            if (exit_after && seen_ota) {
                printf("rebooted %s\n", d.user_sha);
                mock_free(&d);
                return 0;
            }
            printf("online %s\n", d.idhex);
            if (publish && !published) {
                char name[72];
                const char *eq = strchr(publish, '=');
                snprintf(name, sizeof(name), "%.*s", eq ? (int)(eq - publish) : (int)strlen(publish), publish);
                mock_publish(&d, name, eq ? eq + 1 : NULL, false);
                published = true;
            }
        }
        for (; seen_events < d.nevents; seen_events++)
            printf("event %s %s\n", d.events[seen_events].name, d.events[seen_events].data);
        if (d.ota_done > seen_ota) {
            seen_ota = d.ota_done;
            printf("ota-done\n");
        }
    }
}
