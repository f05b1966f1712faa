/* The encrypted channel after the handshake (specs/particle-cloud-protocol.md
 * §1 "Framing"): each message is a 2-byte big-endian ciphertext length and
 * AES-128-CBC(K, IV, CoAP bytes + PKCS#7 padding). Both directions start
 * with IV = K[16..32); after each message the IV of that direction becomes
 * the first 16 bytes of the message's ciphertext. One struct serves either
 * end: the cloud and the test device. */
#ifndef PHOTON_CLOUD_CHANNEL_H
#define PHOTON_CLOUD_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

/* The device buffer holds 800 bytes: a ciphertext over 782 bytes makes it
 * disconnect, so the cloud never seals more than this much plaintext. */
#define CHANNEL_MAX_PLAIN_TO_DEVICE 767
/* What the cloud accepts from a device (the device never sends more than
 * its buffer); anything longer is a protocol error. */
#define CHANNEL_MAX_CIPHERTEXT 1024

typedef struct channel {
    uint8_t key[16];
    uint8_t iv_send[16], iv_recv[16];
} channel;

/* K: the 40 session bytes of the handshake (key, IV, salt). */
void channel_init(channel *c, const uint8_t k[40]);
/* Seal one message: writes length + ciphertext to out. Returns the number
 * of bytes written, or -1 if it does not fit in cap. */
int channel_seal(channel *c, const uint8_t *plain, size_t len, uint8_t *out,
                 size_t cap);
/* Open the frame at the front of `in`. Returns the bytes consumed (> 0)
 * with the plaintext in out, 0 if the frame is not complete yet, or -1 if
 * it is malformed (length 0, not a multiple of 16, over the maximum or
 * over `cap`, or bad padding). */
int channel_open(channel *c, const uint8_t *in, size_t avail, uint8_t *out,
                 size_t cap, size_t *outlen);

#endif
