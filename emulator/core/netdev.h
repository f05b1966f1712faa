/* A netdev: whole Ethernet frames between a network-interface model (a
 * Wi-Fi chip's station or soft-AP interface) and one backend (a libslirp
 * network, another device's interface, a test), QEMU's NetClientState idea.
 *
 *   NIC (model)                             backend (host)
 *   netdev_transmit() ---- frame out ---->  receive()
 *   receive()         <--- frame in  ----  netdev_deliver()  (queued)
 *   netdev_set_link() ---- link up/down ->  link()
 *   carrier()         <--- carrier ------  netdev_set_carrier()
 *
 * Frames are whole Ethernet II frames (destination and source MAC, type,
 * payload; no preamble, no FCS), at most NETDEV_MAX_FRAME bytes.
 *
 * Input flow control: a frame the NIC cannot take now (its can_receive()
 * says no: the guest's receive buffers are full) waits in a queue of at
 * most NETDEV_QUEUE_FRAMES frames and is delivered when the NIC calls
 * netdev_nic_ready(). A frame arriving at a full queue is dropped and
 * counted, as a NIC whose ring is full drops it (TCP recovers).
 * While the link is down, frames are dropped in both directions and counted.
 *
 * Taps observe every frame that crosses, in either direction, before any
 * drop decision of the receiving side (a pcap writer, a test). */
#ifndef PHOTON_CORE_NETDEV_H
#define PHOTON_CORE_NETDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETDEV_MAX_FRAME 1522 /* 1500 bytes of payload, header, a VLAN tag */
#define NETDEV_MIN_FRAME 14   /* the Ethernet header */
#define NETDEV_QUEUE_FRAMES 64
#define NETDEV_MAX_TAPS 4

typedef enum {
    NETDEV_TO_NETWORK, /* sent by the NIC */
    NETDEV_TO_NIC,     /* delivered to the NIC */
} netdev_dir;

/* The model side. can_receive NULL: takes every frame. */
typedef struct netdev_nic_ops {
    bool (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *frame, size_t len);
    /* The backend's carrier changed (the network behind went away). */
    void (*carrier)(void *opaque, bool up);
} netdev_nic_ops;

/* The host side. */
typedef struct netdev_backend_ops {
    void (*receive)(void *opaque, const uint8_t *frame, size_t len);
    /* The NIC's link went up (associated, interface up) or down. */
    void (*link)(void *opaque, bool up);
} netdev_backend_ops;

typedef void (*netdev_tap_fn)(void *opaque, netdev_dir dir, const uint8_t *frame,
                              size_t len);

typedef struct netdev_frame {
    struct netdev_frame *next;
    size_t len;
    uint8_t data[];
} netdev_frame;

typedef struct netdev {
    const char *name;
    uint8_t mac[6]; /* the NIC's address, for backends and messages */
    const netdev_nic_ops *nic;
    void *nic_opaque;
    const netdev_backend_ops *be;
    void *be_opaque;
    struct {
        netdev_tap_fn fn;
        void *opaque;
    } tap[NETDEV_MAX_TAPS];
    int ntaps;
    bool link_up;    /* set by the NIC */
    bool carrier_up; /* set by the backend; up until it says otherwise */
    netdev_frame *qhead, *qtail;
    int qlen;
    bool delivering;
    /* counters */
    uint64_t tx_frames, rx_frames;
    uint64_t tx_dropped, rx_dropped; /* link down, queue full, bad size */
} netdev;

void netdev_init(netdev *n, const char *name, const uint8_t mac[6]);
/* Drop queued frames. */
void netdev_free(netdev *n);

void netdev_set_nic(netdev *n, const netdev_nic_ops *ops, void *opaque);
/* Set (or with ops == NULL remove) the backend. It is told the link state. */
void netdev_set_backend(netdev *n, const netdev_backend_ops *ops, void *opaque);
/* Add an observer. Returns 0, or -1 when full. */
int netdev_add_tap(netdev *n, netdev_tap_fn fn, void *opaque);
void netdev_remove_tap(netdev *n, void *opaque);

/* ---- called by the NIC ---- */
/* Send a frame to the network. Returns false if it was dropped. */
bool netdev_transmit(netdev *n, const uint8_t *frame, size_t len);
void netdev_set_link(netdev *n, bool up);
/* The NIC can take frames again: deliver what is queued. */
void netdev_nic_ready(netdev *n);

/* ---- called by the backend ---- */
/* A frame for the NIC. Returns false if it was dropped. */
bool netdev_deliver(netdev *n, const uint8_t *frame, size_t len);
void netdev_set_carrier(netdev *n, bool up);
/* Frames waiting for the NIC. */
int netdev_queued(const netdev *n);

#endif
