/* photon-sim usb [OPTIONS] -- CMD ARGS...: run a host USB tool (dfu-util,
 * ...) against a running simulator's USB/IP server through the userspace
 * libusb shim, as an ordinary user. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "numparse.h"
#include "serial_info.h"
#include "usbip.h"

static void usage(FILE *f)
{
    fprintf(f,
"usage: photon-sim usb [OPTIONS] -- COMMAND [ARGS...]\n"
"\n"
"Run COMMAND (for example dfu-util or the Particle CLI) with photon-sim's\n"
"userspace libusb shim preloaded, so that it talks to the emulated Photon of\n"
"a running `photon-sim run --usbip PORT` instead of real USB devices. No\n"
"root, no kernel module. Descriptors and transfers come from the emulated\n"
"device. The Photon's USB serial (the simulator's pty) is listed too, as\n"
"udev lists /dev/ttyACM0 (a `udevadm` on COMMAND's PATH that answers\n"
"`udevadm info -e`), so serial port listings find it with the Photon's\n"
"vendor, product and device ID; baud rates set on it reach the firmware.\n"
"\n"
"  --port N        the simulator's USB/IP port (default: $PHOTON_USBIP_PORT\n"
"                  or %d)\n"
"  --host ADDR     the simulator's address (default 127.0.0.1)\n"
"  --wait SECONDS  first wait (wall clock) until the simulator lists a device\n"
"  -h, --help      this text\n"
"\n"
"Examples:\n"
"  photon-sim usb -- dfu-util -l\n"
"  photon-sim usb -- dfu-util -d 2b04:d006 -a 0 -s 0x08020000 -D system-part1.bin\n"
"  photon-sim usb -- dfu-util -d 2b04:d006 -a 0 -s 0x080A0000:leave -D tinker.bin\n"
"  photon-sim usb -- particle usb list\n"
"  photon-sim usb -- particle flash --local tinker.bin\n"
"  photon-sim usb -- particle serial list\n"
"\n"
"The environment of COMMAND gets LD_PRELOAD=libphoton-usb.so,\n"
"PHOTON_USBIP=ADDR:PORT, PHOTON_SIM_SERIAL_INFO (the simulator's description\n"
"of its USB serial) and the directory of that udevadm first on PATH;\n"
"PHOTON_USB_DEBUG=1 makes the shim print each request.\n"
"Exit status: COMMAND's, or 2 on bad usage, 1 if --wait saw no device, 127 if\n"
"COMMAND cannot be run.\n",
            USBIP_DEFAULT_PORT);
}

/* Number of devices the server lists, or -1 if it cannot be reached. */
static int count_devices(const char *host, int port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, strcmp(host, "localhost") ? host : "127.0.0.1", &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int n = -1;
    uint8_t req[8] = {0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0}, rep[12];
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        send(fd, req, sizeof(req), MSG_NOSIGNAL) == (ssize_t)sizeof(req)) {
        size_t got = 0;
        while (got < sizeof(rep)) {
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            if (poll(&pf, 1, 2000) <= 0)
                break;
            ssize_t r = recv(fd, rep + got, sizeof(rep) - got, 0);
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        if (got == sizeof(rep) && usbip_get32(rep + 4) == 0)
            n = (int)usbip_get32(rep + 8);
    }
    close(fd);
    return n;
}

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* PHOTON_SIM_SERIAL_INFO, and a directory with `udevadm` (this program)
 * first on PATH. */
static int serial_setenv(int port, char *err, size_t errlen)
{
    char dir[400], bin[450], link[500], tmp[520], self[PATH_MAX], info[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0 || !serial_info_dir(dir, sizeof(dir)) || !serial_info_path(port, info, sizeof(info))) {
        snprintf(err, errlen, "no private directory for the udevadm stand-in");
        return -1;
    }
    self[n] = 0;
    snprintf(bin, sizeof(bin), "%s/bin", dir);
    snprintf(link, sizeof(link), "%s/udevadm", bin);
    snprintf(tmp, sizeof(tmp), "%s.%d", link, (int)getpid());
    if ((mkdir(bin, 0700) && errno != EEXIST) || symlink(self, tmp) || rename(tmp, link)) {
        snprintf(err, errlen, "cannot make %.300s: %s", link, strerror(errno));
        unlink(tmp);
        return -1;
    }
    const char *path = getenv("PATH");
    char *newpath = NULL;
    if (asprintf(&newpath, "%s:%s", bin, path && *path ? path : "/usr/bin:/bin") < 0 ||
        setenv("PATH", newpath, 1) || setenv("PHOTON_SIM_SERIAL_INFO", info, 1)) {
        free(newpath);
        snprintf(err, errlen, "cannot set the environment");
        return -1;
    }
    free(newpath);
    return 0;
}

int cmd_usb(int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, 0, 'p'}, {"host", required_argument, 0, 'H'},
        {"wait", required_argument, 0, 'w'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *env_port = getenv("PHOTON_USBIP_PORT");
    int port = USBIP_DEFAULT_PORT;
    uint64_t ev;
    if (env_port && *env_port) {
        if (!num_u64(env_port, 65535, &ev) || ev == 0) {
            fprintf(stderr, "photon-sim usb: PHOTON_USBIP_PORT wants a TCP port, got '%s'\n",
                    env_port);
            return EXIT_USAGE;
        }
        port = (int)ev;
    }
    const char *host = "127.0.0.1";
    double wait = -1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'p': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v <= 0 || v > 65535) {
                fprintf(stderr, "photon-sim usb: --port wants a TCP port, got '%s'\n", optarg);
                return EXIT_USAGE;
            }
            port = (int)v;
            break;
        }
        case 'H': host = optarg; break;
        case 'w': {
            if (!num_seconds(optarg, 0, 1e6, &wait)) {
                fprintf(stderr, "photon-sim usb: --wait wants seconds from 0 to 1e6, got '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "photon-sim usb: no command given (photon-sim usb -- dfu-util -l)\n");
        return EXIT_USAGE;
    }
    if (port <= 0 || port > 65535) {
        fprintf(stderr, "photon-sim usb: bad port %d\n", port);
        return EXIT_USAGE;
    }
    if (wait >= 0) {
        double end = mono() + wait;
        int n;
        while ((n = count_devices(host, port)) < 1 && mono() < end)
            usleep(50000);
        if (n < 1) {
            fprintf(stderr, "photon-sim usb: %s at %s:%d within %.1f s\n",
                    n < 0 ? "no simulator answered" : "no USB device appeared", host, port,
                    wait);
            return EXIT_NOT_SEEN;
        }
    }
    char err[512];
    if (serial_setenv(port, err, sizeof(err)))
        fprintf(stderr, "photon-sim usb: %s (serial ports are not listed)\n", err);
    if (usb_shim_setenv(host, port, err, sizeof(err))) {
        fprintf(stderr, "photon-sim usb: %s\n", err);
        return EXIT_INTERNAL;
    }
    fflush(stdout);
    execvp(argv[optind], argv + optind);
    fprintf(stderr, "photon-sim usb: cannot run %s: %s\n", argv[optind], strerror(errno));
    return 127;
}
