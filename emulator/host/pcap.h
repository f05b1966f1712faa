/* A packet capture file (`--pcap FILE`): every Ethernet frame that crosses
 * the netdevs it is attached to, both directions, in the classic libpcap
 * format (link type Ethernet) that Wireshark and tshark read. Timestamps
 * are virtual time since power-on, so the same run gives the same file.
 * Each frame is flushed as it is written: a capture is complete up to the
 * moment the simulator stops, however it stops. */
#ifndef PHOTON_PCAP_H
#define PHOTON_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "netdev.h"

#define PCAP_MAX_NETDEVS 16

typedef struct pcap_writer pcap_writer;

/* Create (truncate) the file and write its header. */
pcap_writer *pcap_open(const char *path, const vclock *clk, char *err, size_t errlen);
/* Detach from every netdev, flush and close. Returns 0, or -1 with a
 * message if a write failed at any time (the file is then incomplete). */
int pcap_close(pcap_writer *w, char *err, size_t errlen);
/* Capture what crosses `n` (until pcap_close or pcap_detach); attaching
 * again changes nothing. -1 when too many netdevs are attached. */
int pcap_attach(pcap_writer *w, netdev *n);
void pcap_detach(pcap_writer *w, netdev *n);
/* Append one frame, stamped with the current virtual time. */
void pcap_write(pcap_writer *w, const uint8_t *frame, size_t len);
uint64_t pcap_frames(const pcap_writer *w);

#endif
