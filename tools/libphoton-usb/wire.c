/* The USB/IP connection to photon-sim: connecting, the device list,
 * importing a device and reading its descriptors (shim.h). */
#include "shim.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int wire_connect(libusb_context *c)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(c->host, c->port, &hints, &res) || !res)
        return -1;
    int fd = -1;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (!c->warned)
            fprintf(stderr,
                    "libphoton-usb: cannot reach the photon-sim USB/IP server at %s:%s (%s); is "
                    "`photon-sim run --usbip %s` running?\n",
                    c->host, c->port, strerror(errno), c->port);
        c->warned = true;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

bool wire_send(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Read exactly n bytes before `deadline` (ms, 0 = none). Returns 1, 0 on
 * timeout, -1 on EOF or error. */
int wire_recv(int fd, void *buf, size_t n, double deadline)
{
    uint8_t *p = buf;
    while (n) {
        int wait = -1;
        if (deadline > 0) {
            double left = deadline - shim_now_ms();
            if (left <= 0)
                return 0;
            wait = (int)left + 1;
        }
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int r = poll(&pf, 1, wait);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        ssize_t g = recv(fd, p, n, 0);
        if (g < 0 && errno == EINTR)
            continue;
        if (g <= 0)
            return -1;
        p += g;
        n -= (size_t)g;
    }
    return 1;
}

bool wire_discard(int fd, size_t n, double deadline)
{
    uint8_t tmp[4096];
    while (n) {
        size_t k = n < sizeof(tmp) ? n : sizeof(tmp);
        if (wire_recv(fd, tmp, k, deadline) != 1)
            return false;
        n -= k;
    }
    return true;
}

/* A GET_DESCRIPTOR on a connection nobody else uses yet (the device is not
 * published): a plain request and its reply. Bytes received, or -1. */
static int import_descriptor(int fd, uint32_t devid, uint8_t type, uint8_t index, uint8_t *buf,
                             uint16_t len)
{
    uint8_t h[48];
    memset(h, 0, sizeof(h));
    usbip_put32(h, USBIP_CMD_SUBMIT);
    usbip_put32(h + 4, 1);
    usbip_put32(h + 8, devid);
    usbip_put32(h + 12, 1); /* IN */
    usbip_put32(h + 20, 0x200);
    usbip_put32(h + 24, len);
    usbip_put32(h + 32, 0xFFFFFFFFu);
    uint8_t setup[8] = {0x80, 6, index, type, 0, 0, (uint8_t)len, (uint8_t)(len >> 8)};
    memcpy(h + 40, setup, 8);
    double dl = shim_now_ms() + CTRL_TIMEOUT_MS;
    if (!wire_send(fd, h, sizeof(h)) || wire_recv(fd, h, sizeof(h), dl) != 1 ||
        usbip_get32(h) != USBIP_RET_SUBMIT || usbip_get32(h + 20) != 0)
        return -1;
    uint32_t actual = usbip_get32(h + 24);
    if (actual > len || wire_recv(fd, buf, actual, dl) != 1)
        return -1;
    return (int)actual;
}

libusb_device *wire_import(libusb_context *c, const char *busid)
{
    int fd = wire_connect(c);
    if (fd < 0)
        return NULL;
    uint8_t req[40];
    memset(req, 0, sizeof(req));
    usbip_put16(req, USBIP_VERSION);
    usbip_put16(req + 2, OP_REQ_IMPORT);
    size_t bl = strlen(busid);
    memcpy(req + 8, busid, bl < 31 ? bl : 31);
    uint8_t hdr[8], dev[312];
    double dl = shim_now_ms() + CTRL_TIMEOUT_MS;
    if (!wire_send(fd, req, sizeof(req)) || wire_recv(fd, hdr, 8, dl) != 1 ||
        usbip_get32(hdr + 4) != 0 || wire_recv(fd, dev, sizeof(dev), dl) != 1) {
        shim_dbg(c, "import of %s refused", busid);
        close(fd);
        return NULL;
    }
    libusb_device *d = calloc(1, sizeof(*d));
    if (!d) {
        close(fd);
        return NULL;
    }
    d->ctx = c;
    d->fd = fd;
    memcpy(d->busid, dev + 256, 32);
    d->busnum = usbip_get32(dev + 288);
    d->devnum = usbip_get32(dev + 292);
    d->speed = usbip_get32(dev + 296);
    d->seq = 1;
    uint32_t devid = d->busnum << 16 | d->devnum;
    if (import_descriptor(fd, devid, 1, 0, d->desc, 18) < 18 || d->desc[1] != 1)
        goto fail;
    d->nconfigs = d->desc[17] > MAX_CONFIGS ? MAX_CONFIGS : d->desc[17];
    for (int i = 0; i < d->nconfigs; i++) {
        uint8_t head[9];
        if (import_descriptor(fd, devid, 2, (uint8_t)i, head, 9) < 9 || head[1] != 2)
            goto fail;
        uint16_t total = (uint16_t)(head[2] | head[3] << 8);
        if (total < 9 || !(d->config[i] = malloc(total)))
            goto fail;
        int n = import_descriptor(fd, devid, 2, (uint8_t)i, d->config[i], total);
        if (n < 9)
            goto fail;
        d->config_len[i] = n;
    }
    d->next = c->devs;
    c->devs = d;
    shim_dbg(c, "imported %s: %04x:%04x, device %u", d->busid, d->desc[8] | d->desc[9] << 8,
             d->desc[10] | d->desc[11] << 8, d->devnum);
    return d;
fail:
    shim_dbg(c, "cannot read the descriptors of %s", busid);
    close(fd);
    for (int i = 0; i < d->nconfigs; i++)
        free(d->config[i]);
    free(d);
    return NULL;
}

void wire_gone(libusb_device *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    d->gone = true;
    d->in_len = 0;
    shim_wake(d->ctx);
}

void shim_free_device(libusb_device *d)
{
    libusb_context *c = d->ctx;
    for (libusb_device **pp = &c->devs; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    }
    if (d->fd >= 0)
        close(d->fd);
    for (int i = 0; i < d->nconfigs; i++)
        free(d->config[i]);
    free(d->in);
    free(d);
}
