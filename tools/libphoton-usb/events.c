/* Event handling (shim.h), with libusb's protocol for threads: the thread
 * that holds a context's events lock waits for replies from the server
 * (poll on every import connection and a wake-up pipe), completes
 * transfers and runs their callbacks; other threads that want events
 * handled wait on the waiters lock until it is done. node-usb runs one
 * thread in libusb_handle_events() forever and ends it with
 * libusb_interrupt_event_handler(); dfu-util handles events inside each
 * synchronous call. */
#include "shim.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_POLL 64

int events_round(libusb_context *c, int timeout_ms)
{
    struct pollfd pf[MAX_POLL];
    libusb_device *devs[MAX_POLL];
    int n = 0;
    pthread_mutex_lock(&shim_lock);
    pf[n++] = (struct pollfd){.fd = c->wake[0], .events = POLLIN};
    for (libusb_device *d = c->devs; d && n < MAX_POLL; d = d->next) {
        if (d->fd < 0)
            continue;
        devs[n] = d;
        d->refs++; /* kept while we look at it without the lock */
        pf[n++] = (struct pollfd){.fd = d->fd, .events = POLLIN};
    }
    double next = xfer_next_deadline(c);
    bool gone_pending = false;
    for (shim_xfer *x = c->inflight; x; x = x->next)
        gone_pending |= x->dev->gone;
    pthread_mutex_unlock(&shim_lock);
    if (next > 0) {
        double left = next - shim_now_ms();
        int t = left <= 0 ? 0 : (int)left + 1;
        if (timeout_ms < 0 || t < timeout_ms)
            timeout_ms = t;
    }
    if (gone_pending)
        timeout_ms = 0;
    int r = poll(pf, (nfds_t)n, timeout_ms);
    if (r < 0 && errno != EINTR)
        r = LIBUSB_ERROR_IO;
    else
        r = 0;
    if (pf[0].revents & POLLIN) {
        char buf[64];
        while (read(c->wake[0], buf, sizeof(buf)) > 0) {
        }
    }
    shim_xfer *done = NULL;
    pthread_mutex_lock(&shim_lock);
    for (int i = 1; i < n; i++) {
        libusb_device *d = devs[i];
        if (pf[i].revents && d->fd == pf[i].fd)
            xfer_receive(d, &done);
    }
    for (libusb_device *d = c->devs; d; d = d->next)
        if (d->gone)
            xfer_fail_device(d, &done);
    xfer_timeouts(c, shim_now_ms(), &done);
    for (int i = 1; i < n; i++)
        shim_unref_locked(devs[i]);
    pthread_mutex_unlock(&shim_lock);
    xfer_run_callbacks(done);
    return r;
}

/* ---- libusb's locking protocol ---------------------------------------- */

API int libusb_try_lock_events(libusb_context *ctx)
{
    libusb_context *c = shim_ctx(ctx);
    if (pthread_mutex_trylock(&c->events_lock))
        return 1;
    pthread_mutex_lock(&c->waiters_lock);
    c->handler_active = true;
    pthread_mutex_unlock(&c->waiters_lock);
    return 0;
}

API void libusb_lock_events(libusb_context *ctx)
{
    libusb_context *c = shim_ctx(ctx);
    pthread_mutex_lock(&c->events_lock);
    pthread_mutex_lock(&c->waiters_lock);
    c->handler_active = true;
    pthread_mutex_unlock(&c->waiters_lock);
}

API void libusb_unlock_events(libusb_context *ctx)
{
    libusb_context *c = shim_ctx(ctx);
    pthread_mutex_lock(&c->waiters_lock);
    c->handler_active = false;
    pthread_cond_broadcast(&c->waiters_cond);
    pthread_mutex_unlock(&c->waiters_lock);
    pthread_mutex_unlock(&c->events_lock);
}

API int libusb_event_handling_ok(libusb_context *ctx)
{
    (void)ctx;
    return 1;
}

API int libusb_event_handler_active(libusb_context *ctx)
{
    libusb_context *c = shim_ctx(ctx);
    pthread_mutex_lock(&c->waiters_lock);
    int r = c->handler_active;
    pthread_mutex_unlock(&c->waiters_lock);
    return r;
}

API void libusb_interrupt_event_handler(libusb_context *ctx)
{
    shim_wake(shim_ctx(ctx));
}

API void libusb_lock_event_waiters(libusb_context *ctx)
{
    pthread_mutex_lock(&shim_ctx(ctx)->waiters_lock);
}

API void libusb_unlock_event_waiters(libusb_context *ctx)
{
    pthread_mutex_unlock(&shim_ctx(ctx)->waiters_lock);
}

API int libusb_wait_for_event(libusb_context *ctx, struct timeval *tv)
{
    libusb_context *c = shim_ctx(ctx);
    if (!tv) {
        pthread_cond_wait(&c->waiters_cond, &c->waiters_lock);
        return 0;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += tv->tv_sec;
    ts.tv_nsec += tv->tv_usec * 1000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(&c->waiters_cond, &c->waiters_lock, &ts) == ETIMEDOUT;
}

static int tv_ms(const struct timeval *tv)
{
    if (!tv)
        return -1;
    long long ms = (long long)tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
    return ms > 0x7FFFFFFF ? 0x7FFFFFFF : (int)ms;
}

API int libusb_handle_events_locked(libusb_context *ctx, struct timeval *tv)
{
    return events_round(shim_ctx(ctx), tv_ms(tv));
}

API int libusb_handle_events_timeout_completed(libusb_context *ctx, struct timeval *tv,
                                               int *completed)
{
    libusb_context *c = shim_ctx(ctx);
    if (!c)
        return LIBUSB_ERROR_INVALID_PARAM;
    for (;;) {
        if (libusb_try_lock_events(c) == 0) {
            int r = 0;
            if (!completed || !*completed)
                r = events_round(c, tv_ms(tv));
            libusb_unlock_events(c);
            return r;
        }
        /* another thread handles events: wait until it has done a round */
        pthread_mutex_lock(&c->waiters_lock);
        if (completed && *completed) {
            pthread_mutex_unlock(&c->waiters_lock);
            return 0;
        }
        if (!c->handler_active) {
            pthread_mutex_unlock(&c->waiters_lock);
            continue;
        }
        libusb_wait_for_event(c, tv);
        pthread_mutex_unlock(&c->waiters_lock);
        return 0;
    }
}

API int libusb_handle_events_timeout(libusb_context *ctx, struct timeval *tv)
{
    return libusb_handle_events_timeout_completed(ctx, tv, NULL);
}

API int libusb_handle_events_completed(libusb_context *ctx, int *completed)
{
    struct timeval tv = {60, 0};
    return libusb_handle_events_timeout_completed(ctx, &tv, completed);
}

API int libusb_handle_events(libusb_context *ctx)
{
    return libusb_handle_events_completed(ctx, NULL);
}

API int libusb_get_next_timeout(libusb_context *ctx, struct timeval *tv)
{
    libusb_context *c = shim_ctx(ctx);
    pthread_mutex_lock(&shim_lock);
    double next = xfer_next_deadline(c);
    pthread_mutex_unlock(&shim_lock);
    if (!next)
        return 0;
    double left = next - shim_now_ms();
    if (left < 0)
        left = 0;
    tv->tv_sec = (time_t)(left / 1000);
    tv->tv_usec = (suseconds_t)((left - (double)tv->tv_sec * 1000) * 1000);
    return 1;
}

/* The connections are not handed out as pollable descriptors: programs
 * that integrate libusb into their own poll loop are not supported. */
API const struct libusb_pollfd **libusb_get_pollfds(libusb_context *ctx)
{
    (void)ctx;
    return NULL;
}

API void libusb_free_pollfds(const struct libusb_pollfd **pollfds)
{
    free((void *)pollfds);
}

API void libusb_set_pollfd_notifiers(libusb_context *ctx, void (*added)(int, short, void *),
                                     void (*removed)(int, void *), void *user_data)
{
    (void)ctx;
    (void)added;
    (void)removed;
    (void)user_data;
}

API int libusb_pollfds_handle_timeouts(libusb_context *ctx)
{
    (void)ctx;
    return 0;
}
