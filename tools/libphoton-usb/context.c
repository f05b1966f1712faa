/* Contexts, options, versions, errors and capabilities (shim.h). */
#include "shim.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

pthread_mutex_t shim_lock = PTHREAD_MUTEX_INITIALIZER;
static libusb_context *default_ctx;
static int default_refs;

libusb_context *shim_ctx(libusb_context *c)
{
    return c ? c : default_ctx;
}

void shim_dbg(libusb_context *c, const char *fmt, ...)
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

double shim_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1000 + (double)t.tv_nsec / 1e6;
}

void shim_wake(libusb_context *c)
{
    char b = 1;
    if (c && write(c->wake[1], &b, 1) < 0) {
        /* the pipe is full: the handler wakes anyway */
    }
}

static libusb_context *ctx_new(void)
{
    libusb_context *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    if (pipe2(c->wake, O_CLOEXEC | O_NONBLOCK)) {
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->events_lock, NULL);
    pthread_mutex_init(&c->waiters_lock, NULL);
    pthread_cond_init(&c->waiters_cond, NULL);
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
    return c;
}

static void ctx_free(libusb_context *c)
{
    pthread_mutex_lock(&shim_lock);
    shim_xfer *done = NULL;
    for (libusb_device *d = c->devs; d; d = d->next)
        xfer_fail_device(d, &done);
    pthread_mutex_unlock(&shim_lock);
    xfer_run_callbacks(done);
    pthread_mutex_lock(&shim_lock);
    while (c->devs)
        shim_free_device(c->devs); /* still referenced by the program: gone with it */
    pthread_mutex_unlock(&shim_lock);
    close(c->wake[0]);
    close(c->wake[1]);
    pthread_mutex_destroy(&c->events_lock);
    pthread_mutex_destroy(&c->waiters_lock);
    pthread_cond_destroy(&c->waiters_cond);
    free(c);
}

struct libusb_init_option; /* options of libusb_init_context: none apply here */

API int libusb_init_context(libusb_context **ctx, const struct libusb_init_option *options,
                            int num_options)
{
    (void)options;
    (void)num_options;
    if (!ctx) {
        pthread_mutex_lock(&shim_lock);
        int r = 0;
        if (!default_ctx && !(default_ctx = ctx_new()))
            r = LIBUSB_ERROR_NO_MEM;
        else
            default_refs++;
        pthread_mutex_unlock(&shim_lock);
        return r;
    }
    libusb_context *c = ctx_new();
    if (!c)
        return LIBUSB_ERROR_NO_MEM;
    *ctx = c;
    return 0;
}

API int libusb_init(libusb_context **ctx)
{
    return libusb_init_context(ctx, NULL, 0);
}

API void libusb_exit(libusb_context *ctx)
{
    if (!ctx) {
        pthread_mutex_lock(&shim_lock);
        libusb_context *c = default_ctx;
        if (c && --default_refs > 0)
            c = NULL;
        else
            default_ctx = NULL;
        pthread_mutex_unlock(&shim_lock);
        if (c)
            ctx_free(c);
        return;
    }
    ctx_free(ctx);
}

API int libusb_set_option(libusb_context *ctx, int option, ...)
{
    (void)ctx;
    (void)option; /* log level, USBDK, no device discovery: nothing to change */
    return 0;
}

API void libusb_set_debug(libusb_context *ctx, int level)
{
    (void)ctx;
    (void)level;
}

API void libusb_set_log_cb(libusb_context *ctx, void (*cb)(libusb_context *, int, const char *),
                           int mode)
{
    (void)ctx;
    (void)cb;
    (void)mode;
}

API const struct libusb_version *libusb_get_version(void)
{
    static const struct libusb_version v = {1, 0, 30, 0, "", "photon-sim libusb shim"};
    return &v;
}

API int libusb_has_capability(uint32_t capability)
{
    /* no hotplug events (programs fall back to listing), no HID access,
     * no kernel drivers to detach */
    return capability == LIBUSB_CAP_HAS_CAPABILITY;
}

API int libusb_setlocale(const char *locale)
{
    (void)locale;
    return 0;
}

API const char *libusb_error_name(int code)
{
    switch (code) {
    case LIBUSB_SUCCESS: return "LIBUSB_SUCCESS / LIBUSB_TRANSFER_COMPLETED";
    case LIBUSB_TRANSFER_ERROR: return "LIBUSB_TRANSFER_ERROR";
    case LIBUSB_TRANSFER_TIMED_OUT: return "LIBUSB_TRANSFER_TIMED_OUT";
    case LIBUSB_TRANSFER_CANCELLED: return "LIBUSB_TRANSFER_CANCELLED";
    case LIBUSB_TRANSFER_STALL: return "LIBUSB_TRANSFER_STALL";
    case LIBUSB_TRANSFER_NO_DEVICE: return "LIBUSB_TRANSFER_NO_DEVICE";
    case LIBUSB_TRANSFER_OVERFLOW: return "LIBUSB_TRANSFER_OVERFLOW";
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

API const char *libusb_strerror(int code)
{
    switch (code) {
    case LIBUSB_SUCCESS: return "Success";
    case LIBUSB_ERROR_IO: return "Input/Output Error";
    case LIBUSB_ERROR_INVALID_PARAM: return "Invalid parameter";
    case LIBUSB_ERROR_ACCESS: return "Access denied (insufficient permissions)";
    case LIBUSB_ERROR_NO_DEVICE: return "No such device (it may have been disconnected)";
    case LIBUSB_ERROR_NOT_FOUND: return "Entity not found";
    case LIBUSB_ERROR_BUSY: return "Resource busy";
    case LIBUSB_ERROR_TIMEOUT: return "Operation timed out";
    case LIBUSB_ERROR_OVERFLOW: return "Overflow";
    case LIBUSB_ERROR_PIPE: return "Pipe error";
    case LIBUSB_ERROR_INTERRUPTED: return "System call interrupted (perhaps due to signal)";
    case LIBUSB_ERROR_NO_MEM: return "Insufficient memory";
    case LIBUSB_ERROR_NOT_SUPPORTED: return "Operation not supported or unimplemented on this platform";
    }
    return "Other error";
}
