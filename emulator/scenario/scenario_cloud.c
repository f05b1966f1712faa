/* device: cloud: true -- a local Particle cloud of the scenario's own in
 * the same process (emulator/host/cloud/cloud_link.h), with its store and
 * key in a temporary directory removed at the end, the device pointed at
 * it through its DCT and the name cloud.photon-sim. `run` steps reach its
 * REST API through $PHOTON_CLOUD_API and $PHOTON_CLOUD_TOKEN, as `photon-sim
 * cloud COMMAND` and scripts expect (use `device: running`: the cloud
 * works while the device runs). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud_link.h"
#include "scenario_internal.h"

typedef struct scn_cloud {
    cloud_link link;
    char dir[256], store[300], key[300];
} scn_cloud;

static void stop(void *ctx)
{
    scn_cloud *c = ctx;
    cloud_link_stop(&c->link);
    unlink(c->store);
    unlink(c->key);
    rmdir(c->dir);
    unsetenv("PHOTON_CLOUD_API");
    unsetenv("PHOTON_CLOUD_TOKEN");
    free(c);
}

void scn_attach_cloud(scn *s)
{
    if (!scn_scenario(s)->cloud)
        return;
    scn_cloud *c = calloc(1, sizeof(*c));
    const char *tmp = getenv("TMPDIR");
    if (c)
        snprintf(c->dir, sizeof(c->dir), "%s/photon-sim-cloud.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
    if (!c || !mkdtemp(c->dir)) {
        scn_note(s, "device: cloud: cannot make a temporary directory");
        free(c);
        return;
    }
    snprintf(c->store, sizeof(c->store), "%s/cloud.db", c->dir);
    snprintf(c->key, sizeof(c->key), "%s/cloud-key.pem", c->dir);
    cloud_options o = {.api_port = 0, .device_port = 0, .store_path = c->store,
                       .key_path = c->key};
    char err[512];
    if (cloud_link_start(&c->link, &o, scn_photon(s), scn_net(s), scn_runner(s), true, err,
                         sizeof(err))) {
        scn_note(s, "device: cloud: %s", err);
        rmdir(c->dir);
        free(c);
        return;
    }
    cloud_link_provision(&c->link);
    setenv("PHOTON_CLOUD_API", cloud_api_url(c->link.c), 1);
    setenv("PHOTON_CLOUD_TOKEN", cloud_token(c->link.c), 1);
    scn_at_end(s, stop, c);
}
