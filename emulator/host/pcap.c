/* The libpcap file format: a 24-byte file header (magic 0xa1b2c3d4 in the
 * writer's byte order, version 2.4, snapshot length, link type 1 =
 * Ethernet), then per frame a 16-byte record header (seconds,
 * microseconds, captured and original length) and the bytes. */
#include "pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_SNAPLEN 65535u
#define PCAP_LINKTYPE_ETHERNET 1u

struct pcap_writer {
    FILE *f;
    const vclock *clk;
    char path[4096];
    int error; /* the first errno of a failed write, 0 if none */
    uint64_t frames;
    netdev *attached[PCAP_MAX_NETDEVS];
    int nattached;
};

static void write_all(pcap_writer *w, const void *p, size_t n)
{
    if (w->error)
        return;
    if (fwrite(p, 1, n, w->f) != n) {
        w->error = errno ? errno : EIO;
        fprintf(stderr, "photon-sim: pcap %s: %s (capture stops here)\n", w->path,
                strerror(w->error));
    }
}

pcap_writer *pcap_open(const char *path, const vclock *clk, char *err, size_t errlen)
{
    pcap_writer *w = calloc(1, sizeof(*w));
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        free(w);
        return NULL;
    }
    w->clk = clk;
    snprintf(w->path, sizeof(w->path), "%s", path);
    uint32_t hdr[6] = {PCAP_MAGIC, 2 | 4u << 16, 0, 0, PCAP_SNAPLEN, PCAP_LINKTYPE_ETHERNET};
    write_all(w, hdr, sizeof(hdr));
    if (!w->error && fflush(w->f))
        w->error = errno;
    if (w->error) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(w->error));
        fclose(w->f);
        free(w);
        return NULL;
    }
    return w;
}

void pcap_write(pcap_writer *w, const uint8_t *frame, size_t len)
{
    uint64_t ps = clock_now(w->clk);
    uint32_t rec[4] = {(uint32_t)(ps / PS_PER_S), (uint32_t)(ps % PS_PER_S / PS_PER_US),
                       (uint32_t)len, (uint32_t)len};
    write_all(w, rec, sizeof(rec));
    write_all(w, frame, len);
    if (!w->error && fflush(w->f)) {
        w->error = errno;
        fprintf(stderr, "photon-sim: pcap %s: %s (capture stops here)\n", w->path,
                strerror(w->error));
    }
    if (!w->error)
        w->frames++;
}

static void tap(void *opaque, netdev_dir dir, const uint8_t *frame, size_t len)
{
    (void)dir;
    pcap_write(opaque, frame, len);
}

int pcap_attach(pcap_writer *w, netdev *n)
{
    for (int i = 0; i < w->nattached; i++)
        if (w->attached[i] == n)
            return 0;
    if (w->nattached == PCAP_MAX_NETDEVS || netdev_add_tap(n, tap, w) < 0)
        return -1;
    w->attached[w->nattached++] = n;
    return 0;
}

void pcap_detach(pcap_writer *w, netdev *n)
{
    for (int i = 0; i < w->nattached; i++) {
        if (w->attached[i] != n)
            continue;
        netdev_remove_tap(n, w);
        w->attached[i] = w->attached[--w->nattached];
        return;
    }
}

uint64_t pcap_frames(const pcap_writer *w)
{
    return w->frames;
}

int pcap_close(pcap_writer *w, char *err, size_t errlen)
{
    if (!w)
        return 0;
    while (w->nattached)
        pcap_detach(w, w->attached[0]);
    if (fclose(w->f) && !w->error)
        w->error = errno;
    int rc = 0;
    if (w->error) {
        snprintf(err, errlen, "pcap %s is incomplete: %s", w->path, strerror(w->error));
        rc = -1;
    }
    free(w);
    return rc;
}
