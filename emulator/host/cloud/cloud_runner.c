/* The cloud as a runner poller (cloud_runner.h). */
#include "cloud_runner.h"

#include "cloud_internal.h"

/* What the cloud sends reaches the device through the network's own
 * poller (slirp reads the host socket), so this one never asks the
 * machine to hurry. */
static bool poll_cloud(void *ctx, runner *r, int wait_ms)
{
    (void)r;
    cloud_step(ctx, wait_ms);
    return false;
}

void cloud_attach_runner(cloud *c, runner *r)
{
    runner_add_poller(r, poll_cloud, c);
}

void cloud_detach_runner(cloud *c, runner *r)
{
    runner_remove_poller(r, poll_cloud, c);
}

int cloud_dct_block(cloud *c, const char *host, int port, uint8_t out[DCT_SERVER_BLOCK],
                    char *err, size_t errlen)
{
    return dct_server_block(c->key, host, port, out, err, errlen);
}
