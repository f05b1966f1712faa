/* The device list and the calls on devices and handles (shim.h). */
#include "shim.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* No transfer is outstanding on the connection or it is being read by the
 * event handler: a closed connection means the device left. Shim lock
 * held. */
static bool still_alive(libusb_device *d)
{
    if (d->gone || d->fd < 0)
        return false;
    uint8_t b;
    ssize_t n = recv(d->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) {
        wire_gone(d);
        return false;
    }
    return true;
}

static void unref_locked(libusb_device *d)
{
    if (d && --d->refs <= 0)
        shim_free_device(d);
}

API ssize_t libusb_get_device_list(libusb_context *ctx, libusb_device ***list)
{
    libusb_context *c = shim_ctx(ctx);
    if (!c || !list)
        return LIBUSB_ERROR_INVALID_PARAM;
    libusb_device **out = calloc(2, sizeof(*out));
    if (!out)
        return LIBUSB_ERROR_NO_MEM;
    *list = out;
    int fd = wire_connect(c);
    if (fd < 0)
        return 0;
    uint8_t req[8] = {0};
    usbip_put16(req, USBIP_VERSION);
    usbip_put16(req + 2, OP_REQ_DEVLIST);
    uint8_t hdr[12];
    double dl = shim_now_ms() + CTRL_TIMEOUT_MS;
    if (!wire_send(fd, req, sizeof(req)) || wire_recv(fd, hdr, 12, dl) != 1 ||
        usbip_get32(hdr + 4)) {
        close(fd);
        return 0;
    }
    uint32_t ndev = usbip_get32(hdr + 8);
    ssize_t n = 0;
    pthread_mutex_lock(&shim_lock);
    for (uint32_t i = 0; i < ndev && i < 16; i++) {
        uint8_t dev[312];
        if (wire_recv(fd, dev, sizeof(dev), dl) != 1 || !wire_discard(fd, 4u * dev[311], dl))
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
            d = wire_import(c, busid);
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
    pthread_mutex_unlock(&shim_lock);
    close(fd);
    return n;
}

API libusb_device *libusb_ref_device(libusb_device *dev)
{
    pthread_mutex_lock(&shim_lock);
    if (dev)
        dev->refs++;
    pthread_mutex_unlock(&shim_lock);
    return dev;
}

API void libusb_unref_device(libusb_device *dev)
{
    pthread_mutex_lock(&shim_lock);
    unref_locked(dev);
    pthread_mutex_unlock(&shim_lock);
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

API int libusb_get_device_speed(libusb_device *dev)
{
    return dev->speed ? (int)dev->speed : LIBUSB_SPEED_FULL;
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

API int libusb_get_port_path(libusb_context *ctx, libusb_device *dev, uint8_t *path,
                             uint8_t path_length)
{
    (void)ctx;
    return libusb_get_port_numbers(dev, path, path_length);
}

API uint8_t libusb_get_port_number(libusb_device *dev)
{
    uint8_t ports[8];
    int n = libusb_get_port_numbers(dev, ports, 8);
    return n > 0 ? ports[n - 1] : 0;
}

API libusb_device *libusb_get_parent(libusb_device *dev)
{
    (void)dev; /* the root hub is not listed */
    return NULL;
}

API unsigned long libusb_get_session_data(libusb_device *dev)
{
    return dev->busnum << 8 | dev->devnum;
}

/* The endpoint descriptor bytes of `ep` in the first configuration. */
static const uint8_t *find_endpoint(libusb_device *dev, unsigned char ep)
{
    if (dev->nconfigs < 1)
        return NULL;
    const uint8_t *b = dev->config[0];
    int len = dev->config_len[0];
    for (int p = 0; p + 2 <= len && b[p] >= 2 && p + b[p] <= len; p += b[p])
        if (b[p + 1] == 5 && b[p] >= 7 && b[p + 2] == ep)
            return b + p;
    return NULL;
}

API int libusb_get_max_packet_size(libusb_device *dev, unsigned char endpoint)
{
    const uint8_t *e = find_endpoint(dev, endpoint);
    return e ? (e[4] | e[5] << 8) & 0x7FF : LIBUSB_ERROR_NOT_FOUND;
}

API int libusb_get_max_iso_packet_size(libusb_device *dev, unsigned char endpoint)
{
    const uint8_t *e = find_endpoint(dev, endpoint);
    if (!e)
        return LIBUSB_ERROR_NOT_FOUND;
    int mps = e[4] | e[5] << 8;
    return (mps & 0x7FF) * (1 + ((mps >> 11) & 3));
}

/* ---- handles ---------------------------------------------------------- */

API int libusb_open(libusb_device *dev, libusb_device_handle **handle)
{
    if (!dev || !handle)
        return LIBUSB_ERROR_INVALID_PARAM;
    pthread_mutex_lock(&shim_lock);
    bool alive = still_alive(dev);
    pthread_mutex_unlock(&shim_lock);
    if (!alive)
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

API libusb_device *libusb_get_device(libusb_device_handle *h)
{
    return h ? h->dev : NULL;
}

API libusb_device_handle *libusb_open_device_with_vid_pid(libusb_context *ctx, uint16_t vid,
                                                          uint16_t pid)
{
    libusb_device **list;
    libusb_device_handle *h = NULL;
    if (libusb_get_device_list(ctx, &list) < 0)
        return NULL;
    for (libusb_device **p = list; *p && !h; p++) {
        const uint8_t *b = (*p)->desc;
        if ((b[8] | b[9] << 8) == vid && (b[10] | b[11] << 8) == pid && libusb_open(*p, &h))
            h = NULL;
    }
    libusb_free_device_list(list, 1);
    return h;
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

/* The shim runs in user space: no kernel driver is ever bound to an
 * interface it hands out (the simulator's own CDC-ACM bridge refuses the
 * endpoints it holds with -EBUSY at transfer time). */
API int libusb_kernel_driver_active(libusb_device_handle *h, int iface)
{
    (void)iface;
    return h->dev->gone ? LIBUSB_ERROR_NO_DEVICE : 0;
}

API int libusb_detach_kernel_driver(libusb_device_handle *h, int iface)
{
    (void)iface;
    return h->dev->gone ? LIBUSB_ERROR_NO_DEVICE : LIBUSB_ERROR_NOT_FOUND;
}

API int libusb_attach_kernel_driver(libusb_device_handle *h, int iface)
{
    (void)iface;
    return h->dev->gone ? LIBUSB_ERROR_NO_DEVICE : LIBUSB_ERROR_NOT_FOUND;
}

API int libusb_set_auto_detach_kernel_driver(libusb_device_handle *h, int enable)
{
    h->auto_detach = enable != 0;
    return 0;
}

API int libusb_get_configuration(libusb_device_handle *h, int *config)
{
    if (h->dev->gone)
        return LIBUSB_ERROR_NO_DEVICE;
    /* the host configured the device when it enumerated it */
    *config = h->dev->nconfigs > 0 && h->dev->config_len[0] >= 9 ? h->dev->config[0][5] : 0;
    return 0;
}

API int libusb_set_configuration(libusb_device_handle *h, int configuration)
{
    if (configuration < -1 || configuration > 255)
        return LIBUSB_ERROR_INVALID_PARAM;
    uint16_t v = configuration < 0 ? 0 : (uint16_t)configuration;
    uint8_t s[8] = {0x00, 9, (uint8_t)v, 0, 0, 0, 0, 0};
    int r = sync_control(h, s, NULL, CTRL_TIMEOUT_MS);
    return r < 0 ? (r == LIBUSB_ERROR_PIPE ? LIBUSB_ERROR_NOT_FOUND : r) : 0;
}

API int libusb_set_interface_alt_setting(libusb_device_handle *h, int iface, int alt)
{
    if (iface < 0 || iface > 255 || alt < 0 || alt > 255)
        return LIBUSB_ERROR_INVALID_PARAM;
    uint8_t s[8] = {0x01, 11, (uint8_t)alt, 0, (uint8_t)iface, 0, 0, 0};
    int r = sync_control(h, s, NULL, CTRL_TIMEOUT_MS);
    return r < 0 ? (r == LIBUSB_ERROR_PIPE ? LIBUSB_ERROR_NOT_FOUND : r) : 0;
}

API int libusb_clear_halt(libusb_device_handle *h, unsigned char endpoint)
{
    uint8_t s[8] = {0x02, 1, 0, 0, endpoint, 0, 0, 0}; /* CLEAR_FEATURE(ENDPOINT_HALT) */
    int r = sync_control(h, s, NULL, CTRL_TIMEOUT_MS);
    return r < 0 ? (r == LIBUSB_ERROR_PIPE ? LIBUSB_ERROR_NOT_FOUND : r) : 0;
}

API int libusb_reset_device(libusb_device_handle *h)
{
    libusb_device *d = h->dev;
    if (d->gone)
        return LIBUSB_ERROR_NOT_FOUND;
    uint8_t port = 1;
    libusb_get_port_numbers(d, &port, 1);
    uint8_t s[8] = {0x23, 3, 4, 0, port, 0, 0, 0}; /* a hub's SET_FEATURE(PORT_RESET) */
    int r = sync_control(h, s, NULL, 10000);
    shim_dbg(d->ctx, "port reset -> %d", r);
    if (r < 0) {
        pthread_mutex_lock(&shim_lock);
        wire_gone(d);
        pthread_mutex_unlock(&shim_lock);
        return LIBUSB_ERROR_NOT_FOUND; /* re-enumerated or gone */
    }
    return 0;
}

void shim_unref_locked(libusb_device *d)
{
    unref_locked(d);
}
