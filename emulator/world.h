/* The world: several devices in one process, each with a name, on one
 * virtual-time line (a runner advances their machines slice by slice).
 * Host services attach to a device by its name (`--gdb photon2=3334`);
 * each device keeps its own state file, written after every reset of its
 * chip, as a real board keeps its flash. The devices share one radio
 * environment (the access points around them) unless a device is given
 * its own, and one network environment (w->net: a libslirp network behind
 * each access point, each device's soft AP network, forwards, DNS
 * overrides, capture) on the clock of the first device. */
#ifndef PHOTON_WORLD_H
#define PHOTON_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "netenv.h"
#include "runner.h"
#include "session.h"

#define WORLD_MAX_DEVICES 8
#define WORLD_NAME_MAX 32

typedef struct world_device {
    char name[WORLD_NAME_MAX];
    session s;
    uint64_t saved_resets; /* resets covered by the last state file write */
    bool power_handled;    /* its power failure ended the run */
} world_device;

typedef struct world {
    runner r;
    radio air; /* the access points around the devices */
    netenv net; /* the networks behind them */
    world_device *dev[WORLD_MAX_DEVICES];
    int ndev;
    /* an injected power failure ends the run (photon-sim run); otherwise
     * the power comes back at once: a power-on reset (scenarios) */
    bool power_loss_stops;
} world;

void world_init(world *w);
/* A new device named `name` (letters, digits, '-', '_'), opened from its
 * state file as session_open does; without o->air it is in the world's
 * air (one open access point, RADIO_DEFAULT_SSID, unless the caller set
 * others in w->air first). Returns it, or NULL with a message. */
world_device *world_add(world *w, const char *name, const session_opts *o, char *err,
                        size_t errlen);
/* A device by name; NULL for the first one. NULL if there is none. Its
 * Wi-Fi interfaces are on w->net under the same name. */
world_device *world_find(world *w, const char *name);
/* Power every device on (a power-on reset, the battery-kept domain back). */
void world_power_on(world *w);
/* Run all devices until virtual time `deadline` (see runner_run). */
stop_reason world_run(world *w, uint64_t deadline);
/* Write every device's state file. Returns 0 or -1 (the first message). */
int world_save(world *w, char *err, size_t errlen);
/* Close every device (nothing is saved). */
void world_close(world *w);

/* "NAME=VALUE" for a device's service: splits off a known device name.
 * Without "NAME=", `*dev` is the first device. Returns the value, or NULL
 * with a message when NAME is not a device. */
const char *world_service_arg(world *w, const char *arg, world_device **dev, char *err,
                              size_t errlen);

#endif
