/* Provisioning a Photon for this cloud: the 512-byte block that `particle
 * keys server KEY.der --host H --port P` writes through DFU alt 1 at DCT
 * offset 2082 (specs/particle-cloud-protocol.md §4; particle-cli
 * src/cmd/keys.js): the server public key as SubjectPublicKeyInfo DER,
 * 0xFF up to the address, the address TLV at +384 (type 0 = IPv4, 1 =
 * domain name; length; data) and the port, big-endian, at +450. */
#ifndef PHOTON_CLOUD_DCT_KEYS_H
#define PHOTON_CLOUD_DCT_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define DCT_SERVER_KEY_OFFSET 2082
#define DCT_SERVER_BLOCK 512
#define DCT_ADDRESS_AT 384 /* 2466 in the DCT */
#define DCT_PORT_AT 450    /* 2532 in the DCT */

/* port 0 leaves the port bytes 0xFF (the device then uses 5683). Returns
 * 0, or -1 with a message (not RSA-2048, host too long or malformed). */
int dct_server_block(EVP_PKEY *server, const char *host, int port,
                     uint8_t out[DCT_SERVER_BLOCK], char *err, size_t errlen);

#endif
