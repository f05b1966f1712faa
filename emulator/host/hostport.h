/* The host's ports as a device sees them. A device reaches the host at the
 * network's host address (10.0.2.2), and libslirp connects it to the same
 * port on the host's loopback. A port map moves such a port: the device's
 * TCP connections to 10.0.2.2:GUEST reach 127.0.0.1:HOST (so that a local
 * cloud or a test server on a free port serves the firmware's fixed port,
 * 5683, and several runs share a machine). It rewrites the destination
 * port of the device's segments on their way to libslirp and the source
 * port of the answers on their way back, with the TCP checksum updated
 * (RFC 1624), in the network's switch: the device sees only GUEST. */
#ifndef PHOTON_HOSTPORT_H
#define PHOTON_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOSTPORT_MAX 16

typedef struct hostport_map {
    struct {
        uint16_t guest, host;
    } e[HOSTPORT_MAX];
    int n;
} hostport_map;

/* "GUEST=HOST" (`--host-port 5683=40123`). 0, or -1 with a message; a
 * second rule for one guest port replaces the first. */
int hostport_add_spec(hostport_map *m, const char *spec, char *err, size_t errlen);
/* Rewrite a frame in place: `to_host` for one from a device (destination
 * host_ip:GUEST becomes host_ip:HOST), else one to a device (source
 * host_ip:HOST becomes host_ip:GUEST). Returns true if it changed it. */
bool hostport_rewrite(const hostport_map *m, uint8_t *frame, size_t len, uint32_t host_ip,
                      bool to_host);

#endif
