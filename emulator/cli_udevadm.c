/* `udevadm` as `photon-sim usb -- COMMAND` puts it on COMMAND's PATH (a
 * symlink named udevadm to photon-sim): `udevadm info -e` (--export-db)
 * prints the host's own udev database, when the host has a udevadm, and
 * then an entry for the emulated Photon's USB serial while its CDC
 * function is there, as udev would for /dev/ttyACM0, pointing at the pty
 * (DEVNAME). node serialport's Linux listing reads exactly this, so the
 * Particle CLI's `serial list` finds the emulated port with the Photon's
 * vendor, product and device ID. The description comes from the running
 * simulator ($PHOTON_SIM_SERIAL_INFO, serial_info.h). Anything else is
 * handed to the host's udevadm. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

typedef struct info {
    char tty[256], vendor[16], product[16], serial[128], manufacturer[128], product_name[128];
    bool bound;
} info;

static bool read_info(const char *path, info *in)
{
    memset(in, 0, sizeof(*in));
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return false;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = 0;
        const char *v = eq + 1;
        struct {
            const char *key;
            char *dst;
            size_t n;
        } keys[] = {{"tty", in->tty, sizeof(in->tty)},
                    {"vendor", in->vendor, sizeof(in->vendor)},
                    {"product", in->product, sizeof(in->product)},
                    {"serial", in->serial, sizeof(in->serial)},
                    {"manufacturer", in->manufacturer, sizeof(in->manufacturer)},
                    {"product_name", in->product_name, sizeof(in->product_name)}};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (!strcmp(line, keys[i].key))
                snprintf(keys[i].dst, keys[i].n, "%s", v);
        if (!strcmp(line, "bound"))
            in->bound = !strcmp(v, "1");
    }
    fclose(f);
    return in->tty[0] != 0;
}

/* udev's encoding of names in IDs: spaces become underscores */
static void id_string(const char *s, char *out, size_t n)
{
    size_t o = 0;
    for (; *s && o + 1 < n; s++)
        out[o++] = (*s == ' ' || *s == '/') ? '_' : *s;
    out[o] = 0;
}

static void print_entry(const info *in)
{
    char vendor[128], model[128];
    id_string(in->manufacturer[0] ? in->manufacturer : "Particle", vendor, sizeof(vendor));
    id_string(in->product_name[0] ? in->product_name : "Photon", model, sizeof(model));
    printf("P: /devices/platform/photon-sim/usb1/1-1/1-1:1.0/tty/ttyACM0\n"
           "N: ttyACM0\n"
           "S: serial/by-id/usb-%s_%s_%s-if00\n"
           "E: DEVPATH=/devices/platform/photon-sim/usb1/1-1/1-1:1.0/tty/ttyACM0\n"
           "E: DEVNAME=%s\n"
           "E: SUBSYSTEM=tty\n"
           "E: ID_BUS=usb\n"
           "E: ID_VENDOR=%s\n"
           "E: ID_VENDOR_ENC=%s\n"
           "E: ID_VENDOR_ID=%s\n"
           "E: ID_MODEL=%s\n"
           "E: ID_MODEL_ENC=%s\n"
           "E: ID_MODEL_ID=%s\n"
           "E: ID_SERIAL=%s_%s_%s\n"
           "E: ID_SERIAL_SHORT=%s\n"
           "E: ID_USB_INTERFACE_NUM=00\n"
           "E: ID_USB_DRIVER=cdc_acm\n"
           "E: DEVLINKS=/dev/serial/by-id/usb-%s_%s_%s-if00\n"
           "\n",
           vendor, model, in->serial, in->tty, vendor, vendor, in->vendor, model, model,
           in->product, vendor, model, in->serial, in->serial, vendor, model, in->serial);
}

/* The host's udevadm: the first on PATH that is not this program. */
static bool host_udevadm(char *out, size_t n)
{
    char self[PATH_MAX];
    if (!realpath("/proc/self/exe", self))
        self[0] = 0;
    const char *path = getenv("PATH");
    if (!path)
        return false;
    char *copy = strdup(path), *save = NULL;
    bool found = false;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char cand[PATH_MAX], real[PATH_MAX];
        snprintf(cand, sizeof(cand), "%s/udevadm", *dir ? dir : ".");
        if (access(cand, X_OK) || !realpath(cand, real) || !strcmp(real, self))
            continue;
        snprintf(out, n, "%s", cand);
        found = true;
    }
    free(copy);
    return found;
}

int cmd_udevadm(int argc, char **argv)
{
    bool export_db = argc >= 3 && !strcmp(argv[1], "info") &&
                     (!strcmp(argv[2], "-e") || !strcmp(argv[2], "--export-db"));
    char real[PATH_MAX];
    bool have_real = host_udevadm(real, sizeof(real));
    if (!export_db) {
        if (have_real) {
            execv(real, argv);
            fprintf(stderr, "udevadm (photon-sim): cannot run %s: %s\n", real, strerror(errno));
            return 127;
        }
        fprintf(stderr, "udevadm (photon-sim): only `udevadm info -e` is answered here "
                        "(the host has no udevadm of its own)\n");
        return EXIT_NOT_SEEN;
    }
    if (have_real) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            execv(real, argv);
            _exit(127);
        }
        int st;
        if (pid > 0)
            waitpid(pid, &st, 0);
    }
    info in;
    if (read_info(getenv("PHOTON_SIM_SERIAL_INFO"), &in) && in.bound)
        print_entry(&in);
    fflush(stdout);
    return EXIT_OK;
}
