/* BCM43362: SDPCM over SDIO function 2 (Broadcom's frame protocol; layout
 * as in WICED wwd_sdpcm.c and Infineon WHD whd_sdpcm.c).
 *
 * Every frame starts with a 12-byte header: length and its complement,
 * sequence number, channel (0 control, 1 event, 2 data), header length,
 * flow control and the bus data credit (the highest sequence number the
 * host may send, exclusive). The host writes one frame per CMD53; the chip
 * checks the header (a bad frame is dropped with a --log guest message)
 * and hands control frames to the ioctl responder and data frames to the
 * interface. Frames for the host wait in a queue, each from its due time
 * on (chip processing, air time); while one is ready I_HMB_FRAME_IND stays
 * set in the SDIO core's interrupt status. The host reads a frame in as
 * many CMD53s as it likes; bytes past its end read as 0, an empty queue
 * reads as 0, and the frame is gone once its last byte has been read or
 * the host terminates it (RF_TERM). The credit in each frame is filled in
 * when the host starts reading it; a credit-only frame answers a mailbox
 * poke and goes out when the host's window runs low. */
#include "bcm43362_internal.h"

#include <stdlib.h>
#include <string.h>

#define CREDIT_WINDOW 6 /* frames the host may send ahead (WICED accepts <= 7) */

static void release_due(bcm43362 *c);

static void later_due(void *arg)
{
    release_due(arg);
}

static void free_list(bcm_frame *f)
{
    while (f) {
        bcm_frame *n = f->next;
        free(f);
        f = n;
    }
}

void bcm_sdpcm_reset(bcm43362 *c)
{
    if (!c->later_ev.fn)
        clock_event_init(&c->later_ev, "wifi-tx", later_due, c);
    clock_disarm(&c->m->clock, &c->later_ev);
    free_list(c->rxq);
    free_list(c->later);
    c->rxq = c->rxq_tail = c->later = NULL;
    c->rxq_n = 0;
    c->rx_off = 0;
    c->txf_len = 0;
    c->txf_bad = false;
    c->tx_seq = 0;
    c->host_seq = 0;
    c->credit = 1; /* what the host assumes before our first frame */
}

static int queued(const bcm43362 *c)
{
    int n = c->rxq_n;
    for (const bcm_frame *f = c->later; f; f = f->next)
        n++;
    return n;
}

/* Frames whose time has come join the queue the host reads. */
static void release_due(bcm43362 *c)
{
    uint64_t now = machine_now(c->m);
    bool any = false;
    while (c->later && c->later->due <= now) {
        bcm_frame *f = c->later;
        c->later = f->next;
        f->next = NULL;
        f->data[4] = c->tx_seq++;
        if (c->rxq_tail)
            c->rxq_tail->next = f;
        else
            c->rxq = f;
        c->rxq_tail = f;
        c->rxq_n++;
        any = true;
    }
    if (c->later)
        clock_arm(&c->m->clock, &c->later_ev, c->later->due);
    if (any)
        bcm_host_int(c, I_HMB_FRAME_IND);
}

bool bcm_send(bcm43362 *c, uint64_t delay_ps, int channel, const void *a, size_t alen,
              const void *b, size_t blen)
{
    /* data frames get 2 bytes of padding after the header, which puts the
     * IP header of the Ethernet frame on a 4-byte boundary */
    size_t hdr = SDPCM_HDR + (channel == SDPCM_DATA ? 2 : 0);
    size_t len = hdr + alen + blen;
    if (!bcm_fw_up(c))
        return false;
    if (len > BCM_MAX_FRAME - 64 || queued(c) >= BCM_MAX_QUEUE) {
        bcm_log(c, LOG_WIFI, "frame for the host dropped (%s)",
                len > BCM_MAX_FRAME - 64 ? "too long" : "queue full: the host does not read");
        return false;
    }
    bcm_frame *f = malloc(sizeof(*f) + len);
    if (!f)
        return false;
    f->next = NULL;
    f->len = (uint16_t)len;
    f->due = machine_now(c->m) + delay_ps;
    memset(f->data, 0, hdr);
    wr16(f->data, (uint16_t)len);
    wr16(f->data + 2, (uint16_t)~len);
    f->data[5] = (uint8_t)channel;
    f->data[7] = (uint8_t)hdr; /* header length */
    if (alen)
        memcpy(f->data + hdr, a, alen);
    if (blen)
        memcpy(f->data + hdr + alen, b, blen);
    /* keep `later` in time order, equal times in the order sent */
    bcm_frame **pp = &c->later;
    while (*pp && (*pp)->due <= f->due)
        pp = &(*pp)->next;
    f->next = *pp;
    *pp = f;
    c->frames_to_host++;
    release_due(c);
    return true;
}

static void send_credit(bcm43362 *c)
{
    bcm_send(c, 0, SDPCM_CONTROL, NULL, 0, NULL, 0);
}

void bcm_sdpcm_poke(bcm43362 *c)
{
    if (!bcm_fw_up(c))
        return;
    bcm_log(c, LOG_WIFI, "host poke (mailbox): credit frame");
    send_credit(c);
}

static void pop_head(bcm43362 *c)
{
    bcm_frame *f = c->rxq;
    if (!f)
        return;
    c->rxq = f->next;
    if (!c->rxq)
        c->rxq_tail = NULL;
    c->rxq_n--;
    c->rx_off = 0;
    free(f);
    if (c->rxq)
        bcm_host_int(c, I_HMB_FRAME_IND);
    bcm_wlan_host_ready(c);
}

void bcm_f2_read(bcm43362 *c, uint8_t *buf, uint32_t n)
{
    bcm_frame *f = c->rxq;
    memset(buf, 0, n);
    if (!f)
        return;
    if (c->rx_off == 0) {
        c->credit = (uint8_t)(c->host_seq + CREDIT_WINDOW);
        f->data[9] = c->credit;
    }
    if (c->rx_off < f->len) {
        uint32_t k = f->len - c->rx_off < n ? f->len - c->rx_off : n;
        memcpy(buf, f->data + c->rx_off, k);
    }
    c->rx_off += n;
}

void bcm_f2_read_done(bcm43362 *c)
{
    if (c->rxq && c->rx_off >= c->rxq->len)
        pop_head(c);
}

void bcm_f2_terminate_read(bcm43362 *c)
{
    if (c->rxq && c->rx_off) {
        bcm_log(c, LOG_WIFI, "host terminated the frame being read (%u of %u bytes read)",
                c->rx_off, c->rxq->len);
        pop_head(c);
    }
}

void bcm_f2_write(bcm43362 *c, const uint8_t *buf, uint32_t n)
{
    if (c->txf_len + n > sizeof(c->txf)) {
        c->txf_bad = true;
        return;
    }
    memcpy(c->txf + c->txf_len, buf, n);
    c->txf_len += n;
}

static void bad_frame(bcm43362 *c, const char *why)
{
    bcm_log(c, LOG_GUEST, "F2 frame from the host dropped: %s", why);
}

void bcm_f2_write_done(bcm43362 *c)
{
    const uint8_t *p = c->txf;
    uint32_t got = c->txf_len;
    c->txf_len = 0;
    if (c->txf_bad || got < SDPCM_HDR)
        return bad_frame(c, "shorter than an SDPCM header or longer than a frame");
    uint16_t len = rd16(p), inv = rd16(p + 2);
    if ((uint16_t)(len ^ inv) != 0xFFFF)
        return bad_frame(c, "length and its complement disagree");
    if (len < SDPCM_HDR || len > got)
        return bad_frame(c, "length outside the bytes written");
    uint8_t seq = p[4], chan = p[5] & 0x0F, hdrlen = p[7];
    if (hdrlen < SDPCM_HDR || hdrlen > len)
        return bad_frame(c, "header length outside the frame");
    if (seq != c->host_seq)
        bcm_log(c, LOG_WIFI, "host frame sequence %u, expected %u", seq, c->host_seq);
    if ((uint8_t)(seq - c->credit) < 0x80)
        bcm_log(c, LOG_GUEST, "host frame %u sent beyond its credit (%u)", seq, c->credit);
    c->host_seq = (uint8_t)(seq + 1);
    c->frames_from_host++;
    switch (chan) {
    case SDPCM_CONTROL:
        if (len < hdrlen + CDC_HDR)
            return bad_frame(c, "control frame without a CDC header");
        bcm_ioctl(c, p + hdrlen, p + hdrlen + CDC_HDR, len - hdrlen - CDC_HDR);
        break;
    case SDPCM_DATA: {
        if (len < hdrlen + BDC_HDR)
            return bad_frame(c, "data frame without a BDC header");
        uint32_t eth = hdrlen + BDC_HDR + p[hdrlen + 3] * 4u;
        if (eth > len)
            return bad_frame(c, "BDC data offset outside the frame");
        bcm_wlan_tx(c, p[hdrlen + 2] & 0x0F, p + eth, len - eth);
        break;
    }
    default:
        return bad_frame(c, "channel is neither control nor data");
    }
    /* the host's window is closing and nothing would tell it: send credit */
    if ((uint8_t)(c->credit - c->host_seq) <= 2 && !c->rxq && !c->later)
        send_credit(c);
}
