#include "world.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Between slices: a device whose power failed (faults.h) ends the run or
 * is powered on again; keep each state file current after a reset of its
 * chip (a firmware update or new keys). */
static bool save_after_resets(void *ctx, runner *r, int wait_ms)
{
    world *w = ctx;
    (void)wait_ms;
    char err[512];
    for (int i = 0; i < w->ndev; i++) {
        world_device *d = w->dev[i];
        if (d->s.power_lost && !d->power_handled) {
            /* an injected power failure: the flash as it was torn is kept
             * (saved below after the power-on, or at the end of the run) */
            d->power_handled = true;
            if (w->power_loss_stops) {
                r->stop = true;
            } else {
                machine_reset(d->s.p->m, RESET_POWER_ON);
                d->s.power_lost = false;
                d->power_handled = false;
            }
        }
        uint64_t n = d->s.p->m->reset_count;
        if (n == d->saved_resets)
            continue;
        d->saved_resets = n;
        if (session_save(&d->s, err, sizeof(err)))
            fprintf(stderr, "photon-sim: %s\n", err);
    }
    return false;
}

void world_init(world *w)
{
    memset(w, 0, sizeof(*w));
    runner_init(&w->r);
    radio_init(&w->air);
    netenv_init(&w->net, NULL, NULL); /* the first device's clock */
    runner_add_poller(&w->r, save_after_resets, w);
    netenv_add_poller(&w->net, &w->r);
}

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (!n || n >= WORLD_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
            return false;
    return true;
}

world_device *world_add(world *w, const char *name, const session_opts *o, char *err,
                        size_t errlen)
{
    if (!valid_name(name)) {
        snprintf(err, errlen, "'%s' is not a device name (letters, digits, '-', '_')", name);
        return NULL;
    }
    if (world_find(w, name)) {
        snprintf(err, errlen, "there is already a device named '%s'", name);
        return NULL;
    }
    if (w->ndev >= WORLD_MAX_DEVICES) {
        snprintf(err, errlen, "at most %d devices", WORLD_MAX_DEVICES);
        return NULL;
    }
    world_device *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    snprintf(d->name, sizeof(d->name), "%s", name);
    session_opts so = *o;
    if (!so.air) {
        radio_add_default(&w->air, RADIO_DEFAULT_SSID);
        so.air = &w->air;
    }
    if (session_open(&d->s, &so, err, errlen)) {
        free(d);
        return NULL;
    }
    photon *p = d->s.p;
    if (!w->ndev) {
        w->net.clk = &p->m->clock;
        w->net.log = &p->m->log;
    }
    if (w->r.nm >= RUNNER_MAX_MACHINES ||
        !netenv_add_device(&w->net, name, bcm43362_netdev(&p->wifi, 0),
                           bcm43362_netdev(&p->wifi, 1), err, errlen)) {
        if (w->r.nm >= RUNNER_MAX_MACHINES)
            snprintf(err, errlen, "too many machines");
        session_close(&d->s);
        free(d);
        return NULL;
    }
    runner_add_machine(&w->r, p->m);
    radio_set_net(so.air, &netenv_radio_ops, &w->net);
    w->dev[w->ndev++] = d;
    return d;
}

world_device *world_find(world *w, const char *name)
{
    if (!name)
        return w->ndev ? w->dev[0] : NULL;
    for (int i = 0; i < w->ndev; i++)
        if (!strcmp(w->dev[i]->name, name))
            return w->dev[i];
    return NULL;
}

void world_power_on(world *w)
{
    for (int i = 0; i < w->ndev; i++) {
        session_power_on(&w->dev[i]->s);
        w->dev[i]->saved_resets = w->dev[i]->s.p->m->reset_count;
    }
}

stop_reason world_run(world *w, uint64_t deadline)
{
    return runner_run(&w->r, deadline);
}

int world_save(world *w, char *err, size_t errlen)
{
    int rc = 0;
    for (int i = 0; i < w->ndev; i++) {
        char e[512];
        if (session_save(&w->dev[i]->s, e, sizeof(e)) && rc == 0) {
            snprintf(err, errlen, "%s", e);
            rc = -1;
        }
    }
    return rc;
}

void world_close(world *w)
{
    for (int i = 0; i < w->ndev; i++)
        radio_set_net(w->dev[i]->s.p->wifi.air, NULL, NULL);
    netenv_free(&w->net);
    for (int i = 0; i < w->ndev; i++) {
        session_close(&w->dev[i]->s);
        free(w->dev[i]);
    }
    w->ndev = 0;
}

const char *world_service_arg(world *w, const char *arg, world_device **dev, char *err,
                              size_t errlen)
{
    const char *eq = strchr(arg, '=');
    *dev = world_find(w, NULL);
    if (!eq)
        return arg;
    char name[WORLD_NAME_MAX];
    size_t n = (size_t)(eq - arg);
    if (n >= sizeof(name)) {
        snprintf(err, errlen, "'%s': no device with that name", arg);
        return NULL;
    }
    memcpy(name, arg, n);
    name[n] = 0;
    if (!(*dev = world_find(w, name))) {
        snprintf(err, errlen, "'%s': no device named '%s'", arg, name);
        return NULL;
    }
    return eq + 1;
}
