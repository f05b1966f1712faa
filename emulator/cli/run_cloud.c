/* photon-sim run --cloud (run_cloud.h). */
#include "run_cloud.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_cloud.h"
#include "cloud_runner.h"
#include "photon_dct.h"
#include "statefile.h"

/* Put the block into the DCT when the firmware has set the DCT up: before
 * the first boot of a used device, or at the reset after a new device's
 * first boot (when it has made its keys). */
static void provision(run_cloud *rc)
{
    if (rc->provisioned)
        return;
    char err[256];
    uint8_t now[sizeof(rc->block)];
    if (photon_dct_read(rc->p, DCT_SERVER_KEY_OFFSET, now, sizeof(now)))
        return; /* blank: the firmware has not run yet */
    if (photon_dct_write(rc->p, DCT_SERVER_KEY_OFFSET, rc->block, sizeof(rc->block), err,
                         sizeof(err))) {
        fprintf(stderr, "photon-sim run: --cloud: %s\n", err);
        return;
    }
    rc->provisioned = true;
    if (!rc->quiet && memcmp(now, rc->block, sizeof(now))) {
        printf("Cloud: the device's DCT now names %s:%d with the cloud's server key\n",
               CLOUD_DEVICE_HOST, cloud_device_port(rc->c));
        fflush(stdout);
    }
}

static void on_reset(void *ctx, reset_kind kind)
{
    (void)kind;
    provision(ctx);
}

int run_cloud_start(run_cloud *rc, world *w, photon *p, int api_port, int device_port,
                    bool quiet, char *err, size_t errlen)
{
    cloud_options o = {
        .api_port = api_port < 0 ? 8080 : api_port,
        .device_port = device_port < 0 ? 5683 : device_port,
        .store_path = cloud_default_file("cloud.db", rc->store, sizeof(rc->store)),
        .key_path = cloud_default_file("cloud-key.pem", rc->key, sizeof(rc->key)),
        .log = quiet ? NULL : stderr,
    };
    if (p->m->log.mask & LOG_CLOUD) {
        o.log = p->m->log.out;
        o.verbose = o.log_messages = true;
    }
    if (state_make_dir(o.store_path) || state_make_dir(o.key_path)) {
        snprintf(err, errlen, "--cloud: cannot create the directory of %s: %s", o.store_path,
                 strerror(errno));
        return -1;
    }
    char msg[512];
    rc->c = cloud_open(&o, msg, sizeof(msg));
    if (!rc->c) {
        snprintf(err, errlen, "--cloud: %s", msg);
        return -1;
    }
    rc->p = p;
    rc->r = &w->r;
    rc->quiet = quiet;
    if (cloud_dct_block(rc->c, CLOUD_DEVICE_HOST, rc->block, msg, sizeof(msg)) ||
        netenv_add_dns(&w->net, CLOUD_DEVICE_HOST "=10.0.2.2", msg, sizeof(msg))) {
        snprintf(err, errlen, "--cloud: %s", msg);
        return -1;
    }
    cloud_attach_runner(rc->c, rc->r);
    machine_add_reset_hook(p->m, on_reset, rc);
    printf("Cloud: api %s, token %s, devices %s:%d (the device's %s)\n", cloud_api_url(rc->c),
           cloud_token(rc->c), "127.0.0.1", cloud_device_port(rc->c), CLOUD_DEVICE_HOST);
    provision(rc);
    fflush(stdout);
    return 0;
}

void run_cloud_stop(run_cloud *rc)
{
    if (!rc->c)
        return;
    cloud_detach_runner(rc->c, rc->r);
    cloud_close(rc->c);
    rc->c = NULL;
}
