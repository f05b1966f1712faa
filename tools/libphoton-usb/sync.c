/* The synchronous calls (shim.h), built as libusb builds them: submit an
 * asynchronous transfer, then handle events until it completes (or wait
 * while another thread handles them). */
#include "shim.h"

#include <stdlib.h>
#include <string.h>

static void sync_cb(struct libusb_transfer *t)
{
    *(int *)t->user_data = 1;
}

static int status_error(enum libusb_transfer_status st)
{
    switch (st) {
    case LIBUSB_TRANSFER_COMPLETED: return 0;
    case LIBUSB_TRANSFER_TIMED_OUT: return LIBUSB_ERROR_TIMEOUT;
    case LIBUSB_TRANSFER_STALL: return LIBUSB_ERROR_PIPE;
    case LIBUSB_TRANSFER_NO_DEVICE: return LIBUSB_ERROR_NO_DEVICE;
    case LIBUSB_TRANSFER_OVERFLOW: return LIBUSB_ERROR_OVERFLOW;
    default: return LIBUSB_ERROR_IO;
    }
}

/* Submit t and wait for it. Returns a LIBUSB_ERROR or 0. */
static int run_sync(struct libusb_transfer *t)
{
    int completed = 0;
    t->callback = sync_cb;
    t->user_data = &completed;
    int r = libusb_submit_transfer(t);
    if (r)
        return r;
    libusb_context *c = t->dev_handle->dev->ctx;
    while (!completed) {
        r = libusb_handle_events_completed(c, &completed);
        if (r < 0 && !completed) {
            /* as libusb: cancel, and wait for the cancellation to land */
            libusb_cancel_transfer(t);
            while (!completed)
                if (libusb_handle_events_completed(c, &completed) < 0)
                    break;
            return r;
        }
    }
    return status_error(t->status);
}

int sync_control(libusb_device_handle *h, const uint8_t setup[8], unsigned char *data,
                 unsigned timeout_ms)
{
    if (!h)
        return LIBUSB_ERROR_INVALID_PARAM;
    uint16_t len = (uint16_t)(setup[6] | setup[7] << 8);
    struct libusb_transfer *t = libusb_alloc_transfer(0);
    unsigned char *buf = malloc(LIBUSB_CONTROL_SETUP_SIZE + (size_t)len);
    if (!t || !buf) {
        libusb_free_transfer(t);
        free(buf);
        return LIBUSB_ERROR_NO_MEM;
    }
    memcpy(buf, setup, 8);
    bool in = (setup[0] & 0x80) != 0;
    if (!in && len)
        memcpy(buf + 8, data, len);
    t->dev_handle = h;
    t->type = LIBUSB_TRANSFER_TYPE_CONTROL;
    t->timeout = timeout_ms;
    t->buffer = buf;
    t->length = LIBUSB_CONTROL_SETUP_SIZE + len;
    int r = run_sync(t);
    if (r == 0) {
        r = t->actual_length;
        if (in && r > 0)
            memcpy(data, buf + 8, (size_t)r);
    }
    shim_dbg(h->dev->ctx, "control %02x %02x %02x%02x %02x%02x len %u -> %d", setup[0], setup[1],
             setup[3], setup[2], setup[5], setup[4], len, r);
    libusb_free_transfer(t);
    free(buf);
    return r;
}

API int libusb_control_transfer(libusb_device_handle *h, uint8_t request_type, uint8_t request,
                                uint16_t value, uint16_t index, unsigned char *data,
                                uint16_t length, unsigned int timeout)
{
    uint8_t s[8] = {request_type, request, (uint8_t)value, (uint8_t)(value >> 8),
                    (uint8_t)index, (uint8_t)(index >> 8), (uint8_t)length,
                    (uint8_t)(length >> 8)};
    return sync_control(h, s, data, timeout);
}

static int sync_data(libusb_device_handle *h, unsigned char endpoint, unsigned char *data,
                     int length, int *transferred, unsigned timeout, unsigned char type)
{
    if (!h || length < 0)
        return LIBUSB_ERROR_INVALID_PARAM;
    struct libusb_transfer *t = libusb_alloc_transfer(0);
    if (!t)
        return LIBUSB_ERROR_NO_MEM;
    t->dev_handle = h;
    t->endpoint = endpoint;
    t->type = type;
    t->timeout = timeout;
    t->buffer = data;
    t->length = length;
    int r = run_sync(t);
    if (transferred)
        *transferred = t->actual_length;
    libusb_free_transfer(t);
    return r;
}

API int libusb_bulk_transfer(libusb_device_handle *h, unsigned char endpoint, unsigned char *data,
                             int length, int *transferred, unsigned int timeout)
{
    return sync_data(h, endpoint, data, length, transferred, timeout,
                     LIBUSB_TRANSFER_TYPE_BULK);
}

API int libusb_interrupt_transfer(libusb_device_handle *h, unsigned char endpoint,
                                  unsigned char *data, int length, int *transferred,
                                  unsigned int timeout)
{
    return sync_data(h, endpoint, data, length, transferred, timeout,
                     LIBUSB_TRANSFER_TYPE_INTERRUPT);
}

API int libusb_get_string_descriptor_ascii(libusb_device_handle *h, uint8_t index,
                                           unsigned char *data, int length)
{
    if (index == 0 || length <= 0)
        return LIBUSB_ERROR_INVALID_PARAM;
    unsigned char buf[255];
    int r = libusb_control_transfer(h, 0x80, 6, 3 << 8, 0, buf, sizeof(buf), 1000);
    if (r < 4)
        return r < 0 ? r : LIBUSB_ERROR_IO;
    uint16_t langid = (uint16_t)(buf[2] | buf[3] << 8);
    r = libusb_control_transfer(h, 0x80, 6, (uint16_t)(3 << 8 | index), langid, buf, sizeof(buf),
                                1000);
    if (r < 0)
        return r;
    if (r < 2 || buf[1] != 3 || buf[0] > r)
        return LIBUSB_ERROR_IO;
    int n = 0;
    for (int i = 2; i + 1 < buf[0] && n < length - 1; i += 2)
        data[n++] = buf[i + 1] ? '?' : buf[i];
    data[n] = 0;
    return n;
}
