/* libphoton-usb.so: the part of the libusb-1.0 API that dfu-util (and
 * similar tools) use, implemented as a USB/IP client of photon-sim. Loaded
 * with LD_PRELOAD by `photon-sim usb -- CMD`, it lets unmodified host tools
 * reach the emulated Photon without root or kernel modules.
 *
 * Everything the tool learns comes over the wire from the emulated device
 * (descriptors, strings, transfer results); the shim only translates.
 *
 * Server address: PHOTON_USBIP=HOST:PORT (default 127.0.0.1:3240).
 * PHOTON_USB_DEBUG=1 prints every request on stderr.
 *
 * The structures below follow the libusb-1.0 ABI (libusb.h, 1.0.26); only
 * the calls dfu-util 0.11 imports are implemented:
 *   libusb_init/exit/set_option/get_version/error_name,
 *   get_device_list/free_device_list/ref_device/unref_device,
 *   get_device_descriptor/get_config_descriptor/free_config_descriptor,
 *   get_bus_number/get_device_address/get_port_numbers,
 *   open/close/claim_interface/release_interface/set_interface_alt_setting,
 *   control_transfer/reset_device. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "usbip_proto.h" /* the wire format's big-endian fields */

#define API __attribute__((visibility("default")))

/* ---- libusb ABI --------------------------------------------------------- */

enum {
    LIBUSB_SUCCESS = 0,
    LIBUSB_ERROR_IO = -1,
    LIBUSB_ERROR_INVALID_PARAM = -2,
    LIBUSB_ERROR_ACCESS = -3,
    LIBUSB_ERROR_NO_DEVICE = -4,
    LIBUSB_ERROR_NOT_FOUND = -5,
    LIBUSB_ERROR_BUSY = -6,
    LIBUSB_ERROR_TIMEOUT = -7,
    LIBUSB_ERROR_OVERFLOW = -8,
    LIBUSB_ERROR_PIPE = -9,
    LIBUSB_ERROR_INTERRUPTED = -10,
    LIBUSB_ERROR_NO_MEM = -11,
    LIBUSB_ERROR_NOT_SUPPORTED = -12,
    LIBUSB_ERROR_OTHER = -99,
};

struct libusb_version {
    uint16_t major, minor, micro, nano;
    const char *rc;
    const char *describe;
};

struct libusb_device_descriptor {
    uint8_t bLength;
    uint8_t bDescriptorType;
    uint16_t bcdUSB;
    uint8_t bDeviceClass;
    uint8_t bDeviceSubClass;
    uint8_t bDeviceProtocol;
    uint8_t bMaxPacketSize0;
    uint16_t idVendor;
    uint16_t idProduct;
    uint16_t bcdDevice;
    uint8_t iManufacturer;
    uint8_t iProduct;
    uint8_t iSerialNumber;
    uint8_t bNumConfigurations;
};

struct libusb_endpoint_descriptor {
    uint8_t bLength;
    uint8_t bDescriptorType;
    uint8_t bEndpointAddress;
    uint8_t bmAttributes;
    uint16_t wMaxPacketSize;
    uint8_t bInterval;
    uint8_t bRefresh;
    uint8_t bSynchAddress;
    const unsigned char *extra;
    int extra_length;
};

struct libusb_interface_descriptor {
    uint8_t bLength;
    uint8_t bDescriptorType;
    uint8_t bInterfaceNumber;
    uint8_t bAlternateSetting;
    uint8_t bNumEndpoints;
    uint8_t bInterfaceClass;
    uint8_t bInterfaceSubClass;
    uint8_t bInterfaceProtocol;
    uint8_t iInterface;
    const struct libusb_endpoint_descriptor *endpoint;
    const unsigned char *extra;
    int extra_length;
};

struct libusb_interface {
    const struct libusb_interface_descriptor *altsetting;
    int num_altsetting;
};

struct libusb_config_descriptor {
    uint8_t bLength;
    uint8_t bDescriptorType;
    uint16_t wTotalLength;
    uint8_t bNumInterfaces;
    uint8_t bConfigurationValue;
    uint8_t iConfiguration;
    uint8_t bmAttributes;
    uint8_t MaxPower;
    const struct libusb_interface *interface;
    const unsigned char *extra;
    int extra_length;
};

/* ---- our objects ------------------------------------------------------ */

#define MAX_CONFIGS 8
#define CTRL_TIMEOUT_MS 5000

typedef struct libusb_context libusb_context;
typedef struct libusb_device libusb_device;
typedef struct libusb_device_handle libusb_device_handle;

struct libusb_context {
    char host[256];
    char port[16];
    int debug;
    bool warned;
    libusb_device *devs; /* every device object still referenced */
};

struct libusb_device {
    libusb_context *ctx;
    int refs;
    char busid[33];
    uint32_t busnum, devnum, speed;
    int fd;       /* the import connection */
    bool gone;
    uint32_t seq;
    uint32_t stale_seq; /* an unlinked transfer whose reply may still come */
    uint8_t desc[18];
    uint8_t *config[MAX_CONFIGS];
    int config_len[MAX_CONFIGS];
    int nconfigs;
    libusb_device *next;
};

struct libusb_device_handle {
    libusb_device *dev;
    uint32_t claimed;
};

static libusb_context *default_ctx;

static libusb_context *CTX(libusb_context *c)
{
    return c ? c : default_ctx;
}

static void dbg(libusb_context *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dbg(libusb_context *c, const char *fmt, ...)
{
    if (!c || !c->debug)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "libphoton-usb: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000 + (double)t.tv_nsec / 1e6;
}

/* ---- socket I/O ------------------------------------------------------- */

static int connect_server(libusb_context *c)
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

static bool send_all(int fd, const void *buf, size_t n)
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
static int recv_all(int fd, void *buf, size_t n, double deadline)
{
    uint8_t *p = buf;
    while (n) {
        int wait = -1;
        if (deadline > 0) {
            double left = deadline - now_ms();
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

static bool discard(int fd, size_t n)
{
    uint8_t tmp[4096];
    while (n) {
        size_t k = n < sizeof(tmp) ? n : sizeof(tmp);
        if (recv_all(fd, tmp, k, now_ms() + CTRL_TIMEOUT_MS) != 1)
            return false;
        n -= k;
    }
    return true;
}

/* ---- transfers -------------------------------------------------------- */

static void mark_gone(libusb_device *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    d->gone = true;
}

/* One control transfer on the import connection. Returns the number of
 * bytes transferred or a LIBUSB_ERROR. */
static int control(libusb_device *d, const uint8_t setup[8], uint8_t *data, uint16_t len,
                   unsigned timeout_ms)
{
    if (d->gone || d->fd < 0)
        return LIBUSB_ERROR_NO_DEVICE;
    bool in = (setup[0] & 0x80) != 0;
    uint32_t seq = ++d->seq;
    uint8_t h[48];
    memset(h, 0, sizeof(h));
    usbip_put32(h, 1); /* CMD_SUBMIT */
    usbip_put32(h + 4, seq);
    usbip_put32(h + 8, d->busnum << 16 | d->devnum);
    usbip_put32(h + 12, in ? 1 : 0);
    usbip_put32(h + 16, 0);
    usbip_put32(h + 20, in ? 0x200 : 0);
    usbip_put32(h + 24, len);
    usbip_put32(h + 32, 0xFFFFFFFFu);
    memcpy(h + 40, setup, 8);
    if (!send_all(d->fd, h, sizeof(h)) || (!in && len && !send_all(d->fd, data, len))) {
        mark_gone(d);
        return LIBUSB_ERROR_NO_DEVICE;
    }
    double deadline = timeout_ms ? now_ms() + timeout_ms : 0;
    bool unlinked = false;
    for (;;) {
        uint8_t r[48];
        int got = recv_all(d->fd, r, sizeof(r), deadline);
        if (got < 0) {
            mark_gone(d);
            return LIBUSB_ERROR_NO_DEVICE;
        }
        if (got == 0) {
            /* timed out: ask the server to cancel, then wait for its answer */
            if (unlinked) {
                mark_gone(d);
                return LIBUSB_ERROR_TIMEOUT;
            }
            uint8_t u[48];
            memset(u, 0, sizeof(u));
            usbip_put32(u, 2); /* CMD_UNLINK */
            usbip_put32(u + 4, ++d->seq);
            usbip_put32(u + 8, d->busnum << 16 | d->devnum);
            usbip_put32(u + 20, seq);
            if (!send_all(d->fd, u, sizeof(u))) {
                mark_gone(d);
                return LIBUSB_ERROR_NO_DEVICE;
            }
            unlinked = true;
            deadline = now_ms() + CTRL_TIMEOUT_MS;
            continue;
        }
        uint32_t cmd = usbip_get32(r), rseq = usbip_get32(r + 4);
        int32_t status = (int32_t)usbip_get32(r + 20);
        uint32_t actual = usbip_get32(r + 24);
        if (cmd == 4) { /* RET_UNLINK */
            if (status == -ECONNRESET) {
                dbg(d->ctx, "request timed out and was cancelled");
                return LIBUSB_ERROR_TIMEOUT;
            }
            continue; /* it had completed: its RET_SUBMIT came (or comes) */
        }
        if (cmd != 3) {
            mark_gone(d);
            return LIBUSB_ERROR_IO;
        }
        if (rseq != seq) {
            /* the late reply of an earlier, cancelled transfer */
            if (rseq == d->stale_seq && !discard(d->fd, actual)) {
                mark_gone(d);
                return LIBUSB_ERROR_NO_DEVICE;
            }
            continue;
        }
        if (in && actual) {
            if (actual > len) {
                discard(d->fd, actual);
                return LIBUSB_ERROR_OVERFLOW;
            }
            if (recv_all(d->fd, data, actual, now_ms() + CTRL_TIMEOUT_MS) != 1) {
                mark_gone(d);
                return LIBUSB_ERROR_NO_DEVICE;
            }
        }
        if (unlinked)
            d->stale_seq = 0;
        switch (status) {
        case 0: return (int)actual;
        case -EPIPE: return LIBUSB_ERROR_PIPE;
        case -ENODEV:
        case -ESHUTDOWN:
            mark_gone(d);
            return LIBUSB_ERROR_NO_DEVICE;
        case -EOVERFLOW: return LIBUSB_ERROR_OVERFLOW;
        case -ETIMEDOUT: return LIBUSB_ERROR_TIMEOUT;
        default: return LIBUSB_ERROR_IO;
        }
    }
}

static int get_descriptor(libusb_device *d, uint8_t type, uint8_t index, uint8_t *buf,
                          uint16_t len)
{
    uint8_t s[8] = {0x80, 6, index, type, 0, 0, (uint8_t)len, (uint8_t)(len >> 8)};
    return control(d, s, buf, len, CTRL_TIMEOUT_MS);
}

/* ---- device list ------------------------------------------------------ */

static void free_device(libusb_device *d)
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
    free(d);
}

static bool still_alive(libusb_device *d)
{
    if (d->gone || d->fd < 0)
        return false;
    struct pollfd pf = {.fd = d->fd, .events = POLLIN};
    if (poll(&pf, 1, 0) > 0) {
        /* nothing is outstanding, so readable means closed */
        mark_gone(d);
        return false;
    }
    return true;
}

/* Import `busid` and read its descriptors. */
static libusb_device *import(libusb_context *c, const char *busid)
{
    int fd = connect_server(c);
    if (fd < 0)
        return NULL;
    uint8_t req[40];
    memset(req, 0, sizeof(req));
    req[0] = 0x01;
    req[1] = 0x11;
    req[2] = 0x80;
    req[3] = 0x03;
    size_t bl = strlen(busid);
    memcpy(req + 8, busid, bl < 31 ? bl : 31);
    uint8_t hdr[8], dev[312];
    double dl = now_ms() + CTRL_TIMEOUT_MS;
    if (!send_all(fd, req, sizeof(req)) || recv_all(fd, hdr, 8, dl) != 1 || usbip_get32(hdr + 4) != 0 ||
        recv_all(fd, dev, sizeof(dev), dl) != 1) {
        dbg(c, "import of %s refused", busid);
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
    if (get_descriptor(d, 1, 0, d->desc, 18) < 18 || d->desc[1] != 1)
        goto fail;
    d->nconfigs = d->desc[17] > MAX_CONFIGS ? MAX_CONFIGS : d->desc[17];
    for (int i = 0; i < d->nconfigs; i++) {
        uint8_t head[9];
        if (get_descriptor(d, 2, (uint8_t)i, head, 9) < 9 || head[1] != 2)
            goto fail;
        uint16_t total = (uint16_t)(head[2] | head[3] << 8);
        if (total < 9)
            goto fail;
        d->config[i] = malloc(total);
        if (!d->config[i])
            goto fail;
        int n = get_descriptor(d, 2, (uint8_t)i, d->config[i], total);
        if (n < 9)
            goto fail;
        d->config_len[i] = n;
    }
    d->refs = 0;
    d->next = c->devs;
    c->devs = d;
    dbg(c, "imported %s: %04x:%04x, device %u", d->busid, d->desc[8] | d->desc[9] << 8,
        d->desc[10] | d->desc[11] << 8, d->devnum);
    return d;
fail:
    dbg(c, "cannot read the descriptors of %s", busid);
    if (d->fd >= 0)
        close(d->fd);
    for (int i = 0; i < d->nconfigs; i++)
        free(d->config[i]);
    free(d);
    return NULL;
}

API ssize_t libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
    libusb_context *c = CTX(ctx);
    if (!c || !list)
        return LIBUSB_ERROR_INVALID_PARAM;
    libusb_device **out = calloc(2, sizeof(*out));
    if (!out)
        return LIBUSB_ERROR_NO_MEM;
    *list = out;
    int fd = connect_server(c);
    if (fd < 0)
        return 0;
    uint8_t req[8] = {0x01, 0x11, 0x80, 0x05, 0, 0, 0, 0};
    uint8_t hdr[12];
    double dl = now_ms() + CTRL_TIMEOUT_MS;
    if (!send_all(fd, req, sizeof(req)) || recv_all(fd, hdr, 12, dl) != 1 || usbip_get32(hdr + 4)) {
        close(fd);
        return 0;
    }
    uint32_t ndev = usbip_get32(hdr + 8);
    ssize_t n = 0;
    for (uint32_t i = 0; i < ndev && i < 16; i++) {
        uint8_t dev[312];
        if (recv_all(fd, dev, sizeof(dev), dl) != 1 || !discard(fd, 4u * dev[311]))
            break;
        char busid[33];
        memcpy(busid, dev + 256, 32);
        busid[32] = 0;
        uint32_t devnum = usbip_get32(dev + 292);
        libusb_device *d = NULL;
        for (libusb_device *e = c->devs; e; e = e->next)
            if (!strcmp(e->busid, busid) && e->devnum == devnum && still_alive(e))
                d = e;
        if (!d)
            d = import(c, busid);
        if (!d)
            continue;
        libusb_device **grown = realloc(out, (size_t)(n + 2) * sizeof(*out));
        if (!grown)
            break;
        out = grown;
        *list = out;
        d->refs++;
        out[n++] = d;
        out[n] = NULL;
    }
    close(fd);
    return n;
}

API libusb_device *libusb_ref_device(libusb_device *dev)
{
    if (dev)
        dev->refs++;
    return dev;
}

API void libusb_unref_device(libusb_device *dev)
{
    if (dev && --dev->refs <= 0)
        free_device(dev);
}

API void libusb_free_device_list(libusb_device **list, int unref_devices)
{
    if (!list)
        return;
    if (unref_devices)
        for (libusb_device **p = list; *p; p++)
            libusb_unref_device(*p);
    free(list);
}

API int libusb_get_device_descriptor(libusb_device *dev, struct libusb_device_descriptor *d)
{
    const uint8_t *b = dev->desc;
    d->bLength = b[0];
    d->bDescriptorType = b[1];
    d->bcdUSB = (uint16_t)(b[2] | b[3] << 8);
    d->bDeviceClass = b[4];
    d->bDeviceSubClass = b[5];
    d->bDeviceProtocol = b[6];
    d->bMaxPacketSize0 = b[7];
    d->idVendor = (uint16_t)(b[8] | b[9] << 8);
    d->idProduct = (uint16_t)(b[10] | b[11] << 8);
    d->bcdDevice = (uint16_t)(b[12] | b[13] << 8);
    d->iManufacturer = b[14];
    d->iProduct = b[15];
    d->iSerialNumber = b[16];
    d->bNumConfigurations = b[17];
    return 0;
}

API uint8_t libusb_get_bus_number(libusb_device *dev)
{
    return (uint8_t)dev->busnum;
}

API uint8_t libusb_get_device_address(libusb_device *dev)
{
    return (uint8_t)dev->devnum;
}

API int libusb_get_port_numbers(libusb_device *dev, uint8_t *ports, int len)
{
    /* bus id "B-P[.P...]" */
    const char *p = strchr(dev->busid, '-');
    int n = 0;
    while (p && *p) {
        p++;
        if (n >= len)
            return LIBUSB_ERROR_OVERFLOW;
        ports[n++] = (uint8_t)strtoul(p, (char **)&p, 10);
        if (*p != '.')
            break;
    }
    return n;
}

/* ---- configuration descriptors (libusb's parsing rules) --------------- */

static bool is_boundary(uint8_t type)
{
    return type == 2 || type == 4 || type == 5 || type == 1; /* config, interface, endpoint, device */
}

/* The bytes from p up to the next boundary descriptor. */
static int extra_span(const uint8_t *b, int len, int p)
{
    int q = p;
    while (q + 2 <= len && b[q] >= 2 && q + b[q] <= len && !is_boundary(b[q + 1]))
        q += b[q];
    return q - p;
}

static unsigned char *dup_bytes(const uint8_t *b, int n)
{
    if (n <= 0)
        return NULL;
    unsigned char *x = malloc((size_t)n);
    if (x)
        memcpy(x, b, (size_t)n);
    return x;
}

API void libusb_free_config_descriptor(struct libusb_config_descriptor *cfg)
{
    if (!cfg)
        return;
    for (int i = 0; i < cfg->bNumInterfaces && cfg->interface; i++) {
        const struct libusb_interface *it = &cfg->interface[i];
        for (int a = 0; a < it->num_altsetting; a++) {
            const struct libusb_interface_descriptor *alt = &it->altsetting[a];
            for (int e = 0; e < alt->bNumEndpoints && alt->endpoint; e++)
                free((void *)alt->endpoint[e].extra);
            free((void *)alt->endpoint);
            free((void *)alt->extra);
        }
        free((void *)it->altsetting);
    }
    free((void *)cfg->interface);
    free((void *)cfg->extra);
    free(cfg);
}

API int libusb_get_config_descriptor(libusb_device *dev, uint8_t index,
                                     struct libusb_config_descriptor **config)
{
    if (index >= dev->nconfigs)
        return LIBUSB_ERROR_NOT_FOUND;
    const uint8_t *b = dev->config[index];
    int len = dev->config_len[index];
    if (len < 9 || b[0] < 9)
        return LIBUSB_ERROR_IO;
    struct libusb_config_descriptor *cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        return LIBUSB_ERROR_NO_MEM;
    cfg->bLength = b[0];
    cfg->bDescriptorType = b[1];
    cfg->wTotalLength = (uint16_t)(b[2] | b[3] << 8);
    cfg->bConfigurationValue = b[5];
    cfg->iConfiguration = b[6];
    cfg->bmAttributes = b[7];
    cfg->MaxPower = b[8];
    int p = b[0];
    int ex = extra_span(b, len, p);
    cfg->extra = dup_bytes(b + p, ex);
    cfg->extra_length = ex;
    p += ex;
    struct libusb_interface *ifs = calloc(b[4] ? b[4] : 1, sizeof(*ifs));
    if (!ifs) {
        free(cfg);
        return LIBUSB_ERROR_NO_MEM;
    }
    cfg->interface = ifs;
    int nif = 0;
    for (; nif < b[4] && p + 9 <= len; nif++) {
        if (b[p + 1] != 4 || b[p] < 9)
            break;
        uint8_t number = b[p + 2];
        struct libusb_interface_descriptor *alts = NULL;
        int nalt = 0;
        while (p + 9 <= len && b[p] >= 9 && b[p + 1] == 4 && b[p + 2] == number) {
            struct libusb_interface_descriptor *g =
                realloc(alts, (size_t)(nalt + 1) * sizeof(*alts));
            if (!g)
                break;
            alts = g;
            struct libusb_interface_descriptor *a = &alts[nalt++];
            memset(a, 0, sizeof(*a));
            a->bLength = b[p];
            a->bDescriptorType = b[p + 1];
            a->bInterfaceNumber = b[p + 2];
            a->bAlternateSetting = b[p + 3];
            a->bInterfaceClass = b[p + 5];
            a->bInterfaceSubClass = b[p + 6];
            a->bInterfaceProtocol = b[p + 7];
            a->iInterface = b[p + 8];
            uint8_t neps = b[p + 4];
            p += b[p];
            ex = extra_span(b, len, p);
            a->extra = dup_bytes(b + p, ex);
            a->extra_length = ex;
            p += ex;
            struct libusb_endpoint_descriptor *eps = neps ? calloc(neps, sizeof(*eps)) : NULL;
            int ne = 0;
            while (eps && ne < neps && p + 7 <= len && b[p] >= 7 && b[p + 1] == 5) {
                struct libusb_endpoint_descriptor *e = &eps[ne++];
                e->bLength = b[p];
                e->bDescriptorType = 5;
                e->bEndpointAddress = b[p + 2];
                e->bmAttributes = b[p + 3];
                e->wMaxPacketSize = (uint16_t)(b[p + 4] | b[p + 5] << 8);
                e->bInterval = b[p + 6];
                if (b[p] >= 9) {
                    e->bRefresh = b[p + 7];
                    e->bSynchAddress = b[p + 8];
                }
                p += b[p];
                ex = extra_span(b, len, p);
                e->extra = dup_bytes(b + p, ex);
                e->extra_length = ex;
                p += ex;
            }
            a->endpoint = eps;
            a->bNumEndpoints = (uint8_t)ne;
        }
        ifs[nif].altsetting = alts;
        ifs[nif].num_altsetting = nalt;
    }
    cfg->bNumInterfaces = (uint8_t)nif;
    *config = cfg;
    return 0;
}

/* ---- handles ---------------------------------------------------------- */

API int libusb_open(libusb_device *dev, libusb_device_handle **handle)
{
    if (!dev || !handle)
        return LIBUSB_ERROR_INVALID_PARAM;
    if (!still_alive(dev))
        return LIBUSB_ERROR_NO_DEVICE;
    libusb_device_handle *h = calloc(1, sizeof(*h));
    if (!h)
        return LIBUSB_ERROR_NO_MEM;
    h->dev = libusb_ref_device(dev);
    *handle = h;
    return 0;
}

API void libusb_close(libusb_device_handle *h)
{
    if (!h)
        return;
    libusb_unref_device(h->dev);
    free(h);
}

API int libusb_claim_interface(libusb_device_handle *h, int iface)
{
    if (h->dev->gone)
        return LIBUSB_ERROR_NO_DEVICE;
    if (iface < 0 || iface > 31)
        return LIBUSB_ERROR_NOT_FOUND;
    h->claimed |= 1u << iface;
    return 0;
}

API int libusb_release_interface(libusb_device_handle *h, int iface)
{
    if (iface < 0 || iface > 31 || !(h->claimed & (1u << iface)))
        return LIBUSB_ERROR_NOT_FOUND;
    h->claimed &= ~(1u << iface);
    return h->dev->gone ? LIBUSB_ERROR_NO_DEVICE : 0;
}

API int libusb_control_transfer(libusb_device_handle *h, uint8_t request_type, uint8_t request,
                                uint16_t value, uint16_t index, unsigned char *data,
                                uint16_t length, unsigned int timeout)
{
    if (!h)
        return LIBUSB_ERROR_INVALID_PARAM;
    uint8_t s[8] = {request_type, request, (uint8_t)value, (uint8_t)(value >> 8),
                    (uint8_t)index, (uint8_t)(index >> 8), (uint8_t)length,
                    (uint8_t)(length >> 8)};
    int r = control(h->dev, s, data, length, timeout);
    dbg(h->dev->ctx, "control %02x %02x %04x %04x len %u -> %d", request_type, request, value,
        index, length, r);
    return r;
}

API int libusb_set_interface_alt_setting(libusb_device_handle *h, int iface, int alt)
{
    if (iface < 0 || iface > 255 || alt < 0 || alt > 255)
        return LIBUSB_ERROR_INVALID_PARAM;
    int r = libusb_control_transfer(h, 0x01, 11, (uint16_t)alt, (uint16_t)iface, NULL, 0,
                                    CTRL_TIMEOUT_MS);
    return r < 0 ? (r == LIBUSB_ERROR_PIPE ? LIBUSB_ERROR_NOT_FOUND : r) : 0;
}

API int libusb_reset_device(libusb_device_handle *h)
{
    libusb_device *d = h->dev;
    if (d->gone)
        return LIBUSB_ERROR_NOT_FOUND;
    uint8_t port = 1;
    libusb_get_port_numbers(d, &port, 1);
    uint8_t s[8] = {0x23, 3, 4, 0, port, 0, 0, 0}; /* SET_FEATURE(PORT_RESET) */
    int r = control(d, s, NULL, 0, 10000);
    dbg(d->ctx, "port reset -> %d", r);
    if (r < 0) {
        mark_gone(d);
        return LIBUSB_ERROR_NOT_FOUND; /* re-enumerated or gone */
    }
    return 0;
}

/* ---- library ---------------------------------------------------------- */

API int libusb_init(libusb_context **ctx)
{
    libusb_context *c = calloc(1, sizeof(*c));
    if (!c)
        return LIBUSB_ERROR_NO_MEM;
    const char *srv = getenv("PHOTON_USBIP");
    snprintf(c->host, sizeof(c->host), "127.0.0.1");
    snprintf(c->port, sizeof(c->port), "3240");
    if (srv && *srv) {
        const char *colon = strrchr(srv, ':');
        if (colon) {
            snprintf(c->host, sizeof(c->host), "%.*s", (int)(colon - srv), srv);
            snprintf(c->port, sizeof(c->port), "%s", colon + 1);
        } else {
            snprintf(c->port, sizeof(c->port), "%s", srv);
        }
        if (!c->host[0])
            snprintf(c->host, sizeof(c->host), "127.0.0.1");
    }
    const char *dbgenv = getenv("PHOTON_USB_DEBUG");
    c->debug = dbgenv && *dbgenv && strcmp(dbgenv, "0");
    if (ctx)
        *ctx = c;
    else if (!default_ctx)
        default_ctx = c;
    else
        free(c);
    return 0;
}

API void libusb_exit(libusb_context *ctx)
{
    libusb_context *c = CTX(ctx);
    if (!c)
        return;
    while (c->devs)
        free_device(c->devs);
    if (c == default_ctx)
        default_ctx = NULL;
    free(c);
}

API int libusb_set_option(libusb_context *ctx, int option, ...)
{
    (void)ctx;
    (void)option;
    return 0;
}

API const struct libusb_version *libusb_get_version(void)
{
    static const struct libusb_version v = {1, 0, 26, 0, "", "photon-sim libusb shim"};
    return &v;
}

API const char *libusb_error_name(int code)
{
    switch (code) {
    case LIBUSB_SUCCESS: return "LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED";
    case LIBUSB_ERROR_IO: return "LIBUSB_ERROR_IO";
    case LIBUSB_ERROR_INVALID_PARAM: return "LIBUSB_ERROR_INVALID_PARAM";
    case LIBUSB_ERROR_ACCESS: return "LIBUSB_ERROR_ACCESS";
    case LIBUSB_ERROR_NO_DEVICE: return "LIBUSB_ERROR_NO_DEVICE";
    case LIBUSB_ERROR_NOT_FOUND: return "LIBUSB_ERROR_NOT_FOUND";
    case LIBUSB_ERROR_BUSY: return "LIBUSB_ERROR_BUSY";
    case LIBUSB_ERROR_TIMEOUT: return "LIBUSB_ERROR_TIMEOUT";
    case LIBUSB_ERROR_OVERFLOW: return "LIBUSB_ERROR_OVERFLOW";
    case LIBUSB_ERROR_PIPE: return "LIBUSB_ERROR_PIPE";
    case LIBUSB_ERROR_INTERRUPTED: return "LIBUSB_ERROR_INTERRUPTED";
    case LIBUSB_ERROR_NO_MEM: return "LIBUSB_ERROR_NO_MEM";
    case LIBUSB_ERROR_NOT_SUPPORTED: return "LIBUSB_ERROR_NOT_SUPPORTED";
    case LIBUSB_ERROR_OTHER: return "LIBUSB_ERROR_OTHER";
    }
    return "**UNKNOWN**";
}
