/* photon-sim run --cloud: the local cloud in the same process, on the same
 * loop, with the device pointed at it: its DCT holds the cloud's server key
 * and the name CLOUD_DEVICE_HOST with the cloud's port (the bytes `particle
 * keys server` writes through DFU alt 1), and the simulator's DNS answers
 * that name with the host. */
#ifndef PHOTON_RUN_CLOUD_H
#define PHOTON_RUN_CLOUD_H

#include <stdbool.h>
#include <stdint.h>

#include "cloud.h"
#include "world.h"

typedef struct run_cloud {
    cloud *c;
    photon *p;
    runner *r;
    uint8_t block[512]; /* for DCT offset 2082 */
    bool provisioned;   /* the DCT holds it */
    bool quiet;
    char store[4096], key[4096];
} run_cloud;

/* Open the cloud (ports: -1 for the defaults 8080 and 5683, 0 for any free
 * one), give the world's networks the DNS name, provision the device now
 * if its DCT is set up and at every reset until it is. Prints the API URL,
 * the token and where devices connect. */
int run_cloud_start(run_cloud *rc, world *w, photon *p, int api_port, int device_port,
                    bool quiet, char *err, size_t errlen);
/* The cloud logs what happens on stderr (unless quiet); with the log
 * category `cloud` every protocol step and message goes to the machine's
 * log (--log cloud, --log-file). */
void run_cloud_stop(run_cloud *rc);

#endif
