/* libphoton-usb.so: the libusb-1.0 API implemented as a USB/IP client of
 * photon-sim. Loaded with LD_PRELOAD by `photon-sim usb -- CMD`, it lets
 * unmodified host programs (dfu-util, the Particle CLI through node-usb)
 * reach the emulated Photon without root or kernel modules. Everything a
 * program learns comes over the wire from the emulated device
 * (descriptors, strings, transfer results); the shim only translates.
 *
 * The whole exported API of libusb 1.0.30 is defined here, so that no call
 * ever falls through to another libusb (node-usb links its own copy into
 * its addon and calls it through exported symbols): what the emulated
 * device can do is implemented, the rest answers
 * LIBUSB_ERROR_NOT_SUPPORTED (or NULL, or nothing).
 *
 * Files: context.c (init, exit, options, errors, capabilities), wire.c
 * (the USB/IP connection: device list, import, descriptor reads),
 * devices.c (device list, device and handle calls), config.c
 * (configuration descriptors parsed as libusb does), transfer.c
 * (asynchronous transfers), events.c (event handling, thread-safe as
 * libusb's: one thread handles events, the others wait), sync.c (the
 * synchronous calls, built on the asynchronous ones), unsupported.c.
 *
 * Server address: PHOTON_USBIP=HOST:PORT (default 127.0.0.1:3240).
 * PHOTON_USB_DEBUG=1 prints every transfer on stderr. */
#ifndef PHOTON_USB_SHIM_H
#define PHOTON_USB_SHIM_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/types.h>

#include "usbip_proto.h" /* the wire format's big-endian fields */

#define API __attribute__((visibility("default")))

/* ---- libusb ABI (libusb.h of 1.0.x: values and layouts) --------------- */

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

enum libusb_transfer_status {
    LIBUSB_TRANSFER_COMPLETED,
    LIBUSB_TRANSFER_ERROR,
    LIBUSB_TRANSFER_TIMED_OUT,
    LIBUSB_TRANSFER_CANCELLED,
    LIBUSB_TRANSFER_STALL,
    LIBUSB_TRANSFER_NO_DEVICE,
    LIBUSB_TRANSFER_OVERFLOW,
};

enum {
    LIBUSB_TRANSFER_TYPE_CONTROL = 0,
    LIBUSB_TRANSFER_TYPE_ISOCHRONOUS = 1,
    LIBUSB_TRANSFER_TYPE_BULK = 2,
    LIBUSB_TRANSFER_TYPE_INTERRUPT = 3,
    LIBUSB_TRANSFER_TYPE_BULK_STREAM = 4,
};

enum {
    LIBUSB_TRANSFER_SHORT_NOT_OK = 1,
    LIBUSB_TRANSFER_FREE_BUFFER = 2,
    LIBUSB_TRANSFER_FREE_TRANSFER = 4,
    LIBUSB_TRANSFER_ADD_ZERO_PACKET = 8,
};

enum {
    LIBUSB_CAP_HAS_CAPABILITY = 0x0000,
    LIBUSB_CAP_HAS_HOTPLUG = 0x0001,
    LIBUSB_CAP_HAS_HID_ACCESS = 0x0100,
    LIBUSB_CAP_SUPPORTS_DETACH_KERNEL_DRIVER = 0x0101,
};

enum { LIBUSB_SPEED_FULL = 2 };

#define LIBUSB_CONTROL_SETUP_SIZE 8

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

typedef struct libusb_context libusb_context;
typedef struct libusb_device libusb_device;
typedef struct libusb_device_handle libusb_device_handle;
struct libusb_transfer;
typedef void (*libusb_transfer_cb_fn)(struct libusb_transfer *transfer);

struct libusb_iso_packet_descriptor {
    unsigned int length;
    unsigned int actual_length;
    enum libusb_transfer_status status;
};

struct libusb_transfer {
    libusb_device_handle *dev_handle;
    uint8_t flags;
    unsigned char endpoint;
    unsigned char type;
    unsigned int timeout;
    enum libusb_transfer_status status;
    int length;
    int actual_length;
    libusb_transfer_cb_fn callback;
    void *user_data;
    unsigned char *buffer;
    int num_iso_packets;
    struct libusb_iso_packet_descriptor iso_packet_desc[];
};

struct libusb_pollfd {
    int fd;
    short events;
};

/* The public calls the shim uses itself. */
struct libusb_transfer *libusb_alloc_transfer(int iso_packets);
void libusb_free_transfer(struct libusb_transfer *t);
int libusb_submit_transfer(struct libusb_transfer *t);
int libusb_cancel_transfer(struct libusb_transfer *t);
int libusb_handle_events_completed(libusb_context *ctx, int *completed);
int libusb_get_config_descriptor(libusb_device *dev, uint8_t index,
                                 struct libusb_config_descriptor **config);
int libusb_control_transfer(libusb_device_handle *h, uint8_t request_type, uint8_t request,
                            uint16_t value, uint16_t index, unsigned char *data, uint16_t length,
                            unsigned int timeout);

/* ---- the shim's objects ----------------------------------------------- */

#define MAX_CONFIGS 8
#define CTRL_TIMEOUT_MS 5000
#define UNLINK_GRACE_MS 5000 /* a server that does not answer an unlink is gone */

typedef struct shim_xfer shim_xfer;

struct libusb_context {
    char host[256];
    char port[16];
    int debug;
    bool warned;
    libusb_device *devs;  /* every device object still referenced */
    shim_xfer *inflight;  /* submitted, not yet completed */
    int wake[2];          /* a pipe that interrupts the event handler's poll */
    /* libusb's event handling protocol: one thread holds the events lock
     * and handles events; the others wait for it on the waiters lock */
    pthread_mutex_t events_lock;
    pthread_mutex_t waiters_lock;
    pthread_cond_t waiters_cond;
    bool handler_active;  /* the events lock is held (under waiters_lock) */
    libusb_context *next;
};

struct libusb_device {
    libusb_context *ctx;
    int refs;
    char busid[33];
    uint32_t busnum, devnum, speed;
    int fd;       /* the import connection */
    bool gone;
    uint32_t seq;
    uint8_t *in;  /* bytes received and not yet parsed */
    size_t in_len, in_cap;
    uint8_t desc[18];
    uint8_t *config[MAX_CONFIGS];
    int config_len[MAX_CONFIGS];
    int nconfigs;
    libusb_device *next;
};

struct libusb_device_handle {
    libusb_device *dev;
    uint32_t claimed;
    bool auto_detach;
};

enum { X_IDLE, X_INFLIGHT, X_UNLINKING };

struct shim_xfer {
    libusb_context *ctx;
    libusb_device *dev;   /* referenced while in flight */
    int state;
    uint32_t seq, unlink_seq;
    double deadline;      /* ms on the monotonic clock; 0: none */
    enum libusb_transfer_status unlink_status; /* what an unlink ends with */
    bool in;
    shim_xfer *next;      /* in ctx->inflight, or a list of completions */
    struct libusb_transfer pub; /* last: the iso descriptors follow */
};

static inline shim_xfer *XFER(struct libusb_transfer *t)
{
    return (shim_xfer *)((char *)t - offsetof(shim_xfer, pub));
}

/* The lock over every shim object (devices, transfers, connections).
 * Never held while a user callback runs or while the event handler
 * sleeps in poll. */
extern pthread_mutex_t shim_lock;

/* context.c */
libusb_context *shim_ctx(libusb_context *c); /* NULL means the default context */
void shim_dbg(libusb_context *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double shim_now_ms(void);
void shim_wake(libusb_context *c);

/* wire.c */
int wire_connect(libusb_context *c);
bool wire_send(int fd, const void *buf, size_t n);
int wire_recv(int fd, void *buf, size_t n, double deadline);
bool wire_discard(int fd, size_t n, double deadline);
/* Import `busid` and read its descriptors: a device object with no
 * references, in c->devs, or NULL. Shim lock held. */
libusb_device *wire_import(libusb_context *c, const char *busid);
/* Close the import connection; transfers in flight end with NO_DEVICE at
 * the next event handling. Shim lock held. */
void wire_gone(libusb_device *d);
void shim_free_device(libusb_device *d);
/* devices.c: drop a reference (the last frees the device). Shim lock held. */
void shim_unref_locked(libusb_device *d);

/* transfer.c */
/* Parse what arrived on d's connection; completed transfers are moved to
 * *done. Shim lock held. */
void xfer_receive(libusb_device *d, shim_xfer **done);
/* Unlink transfers past their deadline; give up on unlinks that get no
 * answer. Shim lock held. */
void xfer_timeouts(libusb_context *c, double now, shim_xfer **done);
/* The earliest deadline in flight (ms), or 0. Shim lock held. */
double xfer_next_deadline(libusb_context *c);
/* End every transfer in flight on d with NO_DEVICE. Shim lock held. */
void xfer_fail_device(libusb_device *d, shim_xfer **done);
/* Run the callbacks of *done (shim lock NOT held). */
void xfer_run_callbacks(shim_xfer *done);

/* events.c */
/* One round: wait up to timeout_ms for replies, timeouts or a wake-up,
 * and complete what finished. The caller holds the events lock. */
int events_round(libusb_context *c, int timeout_ms);

/* sync.c */
int sync_control(libusb_device_handle *h, const uint8_t setup[8], unsigned char *data,
                 unsigned timeout_ms);

#endif
