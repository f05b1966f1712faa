#include "netdev.h"

#include <stdlib.h>
#include <string.h>

void netdev_init(netdev *n, const char *name, const uint8_t mac[6])
{
    memset(n, 0, sizeof(*n));
    n->name = name;
    if (mac)
        memcpy(n->mac, mac, 6);
    n->carrier_up = true;
}

static void drop_queue(netdev *n)
{
    while (n->qhead) {
        netdev_frame *f = n->qhead;
        n->qhead = f->next;
        free(f);
        n->rx_dropped++;
    }
    n->qtail = NULL;
    n->qlen = 0;
}

void netdev_free(netdev *n)
{
    uint64_t dropped = n->rx_dropped;
    drop_queue(n);
    n->rx_dropped = dropped; /* freeing is not a drop */
}

void netdev_set_nic(netdev *n, const netdev_nic_ops *ops, void *opaque)
{
    n->nic = ops;
    n->nic_opaque = ops ? opaque : NULL;
}

void netdev_set_backend(netdev *n, const netdev_backend_ops *ops, void *opaque)
{
    n->be = ops;
    n->be_opaque = ops ? opaque : NULL;
    if (ops && ops->link)
        ops->link(opaque, n->link_up);
}

int netdev_add_tap(netdev *n, netdev_tap_fn fn, void *opaque)
{
    if (!fn || n->ntaps >= NETDEV_MAX_TAPS)
        return -1;
    n->tap[n->ntaps].fn = fn;
    n->tap[n->ntaps].opaque = opaque;
    n->ntaps++;
    return 0;
}

void netdev_remove_tap(netdev *n, void *opaque)
{
    for (int i = 0; i < n->ntaps; i++) {
        if (n->tap[i].opaque != opaque)
            continue;
        memmove(&n->tap[i], &n->tap[i + 1], (size_t)(n->ntaps - i - 1) * sizeof(n->tap[0]));
        n->ntaps--;
        return;
    }
}

static bool passes(const netdev *n)
{
    return n->link_up && n->carrier_up;
}

static bool size_ok(size_t len)
{
    return len >= NETDEV_MIN_FRAME && len <= NETDEV_MAX_FRAME;
}

static void tap(netdev *n, netdev_dir dir, const uint8_t *frame, size_t len)
{
    for (int i = 0; i < n->ntaps; i++)
        n->tap[i].fn(n->tap[i].opaque, dir, frame, len);
}

bool netdev_transmit(netdev *n, const uint8_t *frame, size_t len)
{
    if (!size_ok(len)) {
        n->tx_dropped++;
        return false;
    }
    tap(n, NETDEV_TO_NETWORK, frame, len);
    if (!passes(n) || !n->be || !n->be->receive) {
        n->tx_dropped++;
        return false;
    }
    n->tx_frames++;
    n->be->receive(n->be_opaque, frame, len);
    return true;
}

void netdev_set_link(netdev *n, bool up)
{
    if (n->link_up == up)
        return;
    n->link_up = up;
    if (!up)
        drop_queue(n);
    if (n->be && n->be->link)
        n->be->link(n->be_opaque, up);
}

static bool nic_can_receive(netdev *n)
{
    return !n->nic->can_receive || n->nic->can_receive(n->nic_opaque);
}

void netdev_nic_ready(netdev *n)
{
    if (n->delivering || !n->nic)
        return;
    n->delivering = true;
    while (n->qhead && nic_can_receive(n)) {
        netdev_frame *f = n->qhead;
        n->qhead = f->next;
        if (!n->qhead)
            n->qtail = NULL;
        n->qlen--;
        n->rx_frames++;
        if (n->nic->receive)
            n->nic->receive(n->nic_opaque, f->data, f->len);
        free(f);
    }
    n->delivering = false;
}

bool netdev_deliver(netdev *n, const uint8_t *frame, size_t len)
{
    if (!size_ok(len)) {
        n->rx_dropped++;
        return false;
    }
    tap(n, NETDEV_TO_NIC, frame, len);
    if (!passes(n) || !n->nic || n->qlen >= NETDEV_QUEUE_FRAMES) {
        n->rx_dropped++;
        return false;
    }
    netdev_frame *f = malloc(sizeof(*f) + len);
    if (!f) {
        n->rx_dropped++;
        return false;
    }
    f->next = NULL;
    f->len = len;
    memcpy(f->data, frame, len);
    if (n->qtail)
        n->qtail->next = f;
    else
        n->qhead = f;
    n->qtail = f;
    n->qlen++;
    netdev_nic_ready(n);
    return true;
}

void netdev_set_carrier(netdev *n, bool up)
{
    if (n->carrier_up == up)
        return;
    n->carrier_up = up;
    if (!up)
        drop_queue(n);
    if (n->nic && n->nic->carrier)
        n->nic->carrier(n->nic_opaque, up);
}

int netdev_queued(const netdev *n)
{
    return n->qlen;
}
