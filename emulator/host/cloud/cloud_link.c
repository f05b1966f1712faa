/* A cloud in the simulator's loop and a device pointed at it (cloud_link.h). */
#include "cloud_link.h"

#include <stdio.h>
#include <string.h>

#include "photon_dct.h"

/* Put the block into the DCT once the firmware has set the DCT up. */
void cloud_link_provision(cloud_link *l)
{
    if (l->provisioned)
        return;
    char err[256];
    uint8_t now[sizeof(l->block)];
    if (photon_dct_read(l->p, DCT_SERVER_KEY_OFFSET, now, sizeof(now)))
        return; /* blank: the firmware has not run yet */
    if (photon_dct_write(l->p, DCT_SERVER_KEY_OFFSET, l->block, sizeof(l->block), err,
                         sizeof(err))) {
        fprintf(stderr, "photon-sim: cloud: %s\n", err);
        return;
    }
    l->provisioned = true;
    if (!l->quiet && memcmp(now, l->block, sizeof(now))) {
        printf("Cloud: the device's DCT now names %s:%d with the cloud's server key\n",
               CLOUD_DEVICE_HOST, CLOUD_DEVICE_PORT);
        fflush(stdout);
    }
}

/* The device's flash for the cloud's OTA verdict (cloud_set_flash_probe). */
static bool probe(void *ctx, const char *device_id, cloud_flash_view *v)
{
    cloud_link *l = ctx;
    char id[25];
    const photon_area *ota = photon_area_named("ota");
    if (!ota || strcmp(photon_device_id(l->p, id), device_id))
        return false;
    v->flash = photon_flash(l->p);
    v->base = STM32F205_FLASH_BASE;
    v->size = STM32F205_FLASH_SIZE;
    v->ota_area = ota->lo;
    v->dct_ok = !photon_dct_read(l->p, CLOUD_DCT_SLOTS_OFFSET, v->slots, sizeof(v->slots));
    return true;
}

static void on_reset(void *ctx, reset_kind kind)
{
    (void)kind;
    cloud_link_provision(ctx);
}

int cloud_link_start(cloud_link *l, const cloud_options *o, photon *p, netenv *net, runner *r,
                     bool quiet, char *err, size_t errlen)
{
    cloud_options co = *o;
    if (p->m->log.mask & LOG_CLOUD) {
        co.log = p->m->log.out;
        co.verbose = co.log_messages = true;
    }
    memset(l, 0, sizeof(*l));
    l->c = cloud_open(&co, err, errlen);
    if (!l->c)
        return -1;
    l->p = p;
    l->r = r;
    l->quiet = quiet;
    /* the DCT names port 5683 whatever port the cloud has (the same bytes
     * in every run); the network takes the device's connections to the
     * host's 5683 there */
    char hp[32];
    snprintf(hp, sizeof(hp), "%d=%d", CLOUD_DEVICE_PORT, cloud_device_port(l->c));
    if (cloud_dct_block(l->c, CLOUD_DEVICE_HOST, CLOUD_DEVICE_PORT, l->block, err, errlen) ||
        netenv_add_dns(net, CLOUD_DEVICE_HOST "=10.0.2.2", err, errlen) ||
        (cloud_device_port(l->c) != CLOUD_DEVICE_PORT &&
         netenv_add_host_port(net, hp, err, errlen))) {
        cloud_close(l->c);
        l->c = NULL;
        return -1;
    }
    cloud_attach_runner(l->c, r);
    cloud_set_flash_probe(l->c, probe, l);
    machine_add_reset_hook(p->m, on_reset, l);
    return 0;
}

void cloud_link_stop(cloud_link *l)
{
    if (!l->c)
        return;
    cloud_detach_runner(l->c, l->r);
    cloud_close(l->c);
    l->c = NULL;
}
