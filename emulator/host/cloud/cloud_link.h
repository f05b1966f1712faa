/* A local cloud in the simulator's own process and loop, with a device
 * pointed at it (`photon-sim run --cloud`, scenarios' `device: cloud:
 * true`): the cloud runs as a runner poller; the device's DCT gets the
 * cloud's server key and the name CLOUD_DEVICE_HOST with the cloud's port
 * 5683 (the bytes `particle keys server` writes through DFU alt 1, written
 * as the firmware's DCT update would: boards/photon_dct.h); the networks'
 * DNS answers that name with the host (10.0.2.2) and, when the cloud has
 * another port, take the device's connections to the host's 5683 there
 * (--host-port). A device whose DCT is still
 * blank (it never ran) is provisioned at the reset after its first boot. */
#ifndef PHOTON_CLOUD_LINK_H
#define PHOTON_CLOUD_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "cloud.h"
#include "cloud_runner.h"
#include "dct_keys.h"
#include "netenv.h"
#include "photon.h"
#include "runner.h"

typedef struct cloud_link {
    cloud *c;
    photon *p;
    runner *r;
    uint8_t block[DCT_SERVER_BLOCK]; /* for DCT offset 2082 */
    bool provisioned;                /* the DCT holds it */
    bool quiet;
} cloud_link;

/* Open the cloud with `o` and attach it and the device. With the log
 * category `cloud` on the machine, every protocol step and message goes
 * to the machine's log. Unless quiet, says on stdout when it provisions. */
int cloud_link_start(cloud_link *l, const cloud_options *o, photon *p, netenv *net, runner *r,
                     bool quiet, char *err, size_t errlen);
/* Provision the device now if its DCT is set up (call it before power-on;
 * otherwise the reset after the first boot does it). */
void cloud_link_provision(cloud_link *l);
void cloud_link_stop(cloud_link *l);

#endif
