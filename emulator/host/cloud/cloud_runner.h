/* The local cloud inside the simulator's own loop (`photon-sim run
 * --cloud`): a runner poller that waits on the cloud's sockets between
 * slices of virtual time and does its work, and the DCT block that points
 * a device at it. */
#ifndef PHOTON_CLOUD_RUNNER_H
#define PHOTON_CLOUD_RUNNER_H

#include <stdint.h>

#include "cloud.h"
#include "dct_keys.h"
#include "runner.h"

/* The name the devices reach the cloud by; the simulator's DNS answers
 * it with the host (10.0.2.2). */
#define CLOUD_DEVICE_HOST "cloud.photon-sim"
#define CLOUD_DEVICE_PORT 5683

void cloud_attach_runner(cloud *c, runner *r);
void cloud_detach_runner(cloud *c, runner *r);
/* The 512 bytes for DCT offset 2082 (dct_keys.h) naming `host` and
 * `port` (0: leave it blank, the device then uses 5683) with the cloud's
 * server key. */
int cloud_dct_block(cloud *c, const char *host, int port, uint8_t out[DCT_SERVER_BLOCK],
                    char *err, size_t errlen);

#endif
