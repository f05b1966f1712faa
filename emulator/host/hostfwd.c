/* Host forwards spelled as QEMU spells them (see slirpnet.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slirpnet.h"

#define HOSTFWD_FORM "[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT"

/* "ADDR:PORT" or ":PORT" (`n` bytes of `s`); `given` tells whether there
 * was an address. */
static int parse_end(const char *s, size_t n, uint32_t *addr, bool *given, int *port,
                     int min_port)
{
    char buf[64];
    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *colon = strrchr(buf, ':');
    if (!colon)
        return -1;
    *colon = 0;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || p < min_port || p > 65535)
        return -1;
    *port = (int)p;
    *addr = 0;
    *given = buf[0] != 0;
    if (*given) {
        struct in_addr a;
        if (inet_pton(AF_INET, buf, &a) != 1)
            return -1;
        *addr = ntohl(a.s_addr);
    }
    return 0;
}

int hostfwd_parse(const char *spec, hostfwd *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    const char *colon = strchr(spec, ':');
    const char *dash = colon ? strchr(colon, '-') : NULL;
    if (!colon || !dash) {
        snprintf(err, errlen, "host forward '%s': expected %s", spec, HOSTFWD_FORM);
        return -1;
    }
    size_t plen = (size_t)(colon - spec);
    if (plen == 3 && !strncmp(spec, "udp", 3))
        f->udp = true;
    else if (plen != 0 && !(plen == 3 && !strncmp(spec, "tcp", 3))) {
        snprintf(err, errlen, "host forward '%s': protocol '%.*s' is not tcp or udp", spec,
                 (int)plen, spec);
        return -1;
    }
    const char *host = colon + 1;
    bool given;
    if (parse_end(host, (size_t)(dash - host), &f->host_addr, &given, &f->host_port, 0) < 0) {
        snprintf(err, errlen, "host forward '%s': bad host side '%.*s' (expected %s)", spec,
                 (int)(dash - host), host, HOSTFWD_FORM);
        return -1;
    }
    if (!given)
        f->host_addr = INADDR_LOOPBACK;
    if (parse_end(dash + 1, strlen(dash + 1), &f->guest_addr, &given, &f->guest_port, 1) < 0) {
        snprintf(err, errlen, "host forward '%s': bad guest side '%s' (expected %s)", spec,
                 dash + 1, HOSTFWD_FORM);
        return -1;
    }
    return 0;
}
void hostfwd_describe(const hostfwd *f, char *buf, size_t len)
{
    struct in_addr h = {htonl(f->host_addr)}, g = {htonl(f->guest_addr)};
    char hs[INET_ADDRSTRLEN], gs[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &h, hs, sizeof(hs));
    inet_ntop(AF_INET, &g, gs, sizeof(gs));
    snprintf(buf, len, "%s %s:%d -> %s:%d", f->udp ? "udp" : "tcp", hs, f->host_port, gs,
             f->guest_port);
}
