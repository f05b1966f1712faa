/* The USB serial's description for `photon-sim usb` (serial_info.h). */
#include "serial_info.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool serial_info_dir(char *buf, size_t n)
{
    const char *rt = getenv("XDG_RUNTIME_DIR");
    int k = rt && *rt ? snprintf(buf, n, "%s/photon-sim", rt)
                      : snprintf(buf, n, "/tmp/photon-sim-%u", (unsigned)getuid());
    if (k < 0 || (size_t)k >= n)
        return false;
    if (mkdir(buf, 0700) && errno != EEXIST)
        return false;
    struct stat st;
    /* a directory of someone else's (in /tmp) is not to be trusted */
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid();
}

bool serial_info_path(int usbip_port, char *buf, size_t n)
{
    char dir[400];
    if (!serial_info_dir(dir, sizeof(dir)))
        return false;
    int k = snprintf(buf, n, "%s/usbip-%d.serial", dir, usbip_port);
    return k > 0 && (size_t)k < n;
}

static void write_info(serial_info *si)
{
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s.tmp", si->path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    const usbhost *h = si->h;
    fprintf(f, "tty=%s\nbound=%d\n", si->tty, si->cd->connected ? 1 : 0);
    if (si->cd->connected) {
        fprintf(f, "vendor=%04x\nproduct=%04x\nserial=%s\nmanufacturer=%s\nproduct_name=%s\n",
                h->dev_desc[8] | h->dev_desc[9] << 8, h->dev_desc[10] | h->dev_desc[11] << 8,
                h->serial, h->manufacturer, h->product);
    }
    if (fclose(f) == 0)
        rename(tmp, si->path);
    else
        unlink(tmp);
}

static void be_event(void *opaque, chardev_event ev)
{
    (void)ev;
    write_info(opaque);
}

static const chardev_backend_ops info_ops = {.event = be_event};

int serial_info_start(serial_info *si, chardev *cd, usbhost *h, int usbip_port,
                      const char *tty, char *err, size_t errlen)
{
    memset(si, 0, sizeof(*si));
    if (!serial_info_path(usbip_port, si->path, sizeof(si->path))) {
        snprintf(err, errlen, "no private directory for the USB serial's description");
        return -1;
    }
    si->cd = cd;
    si->h = h;
    snprintf(si->tty, sizeof(si->tty), "%s", tty);
    if (chardev_attach(cd, &info_ops, si)) {
        snprintf(err, errlen, "%s: too many listeners", cd->name);
        si->cd = NULL;
        return -1;
    }
    write_info(si);
    return 0;
}

void serial_info_stop(serial_info *si)
{
    if (!si->cd)
        return;
    chardev_detach(si->cd, si);
    unlink(si->path);
    si->cd = NULL;
}
