/* The server side of the Photon's RSA handshake
 * (specs/particle-cloud-protocol.md §1): the cloud sends a 40-byte nonce;
 * the device answers with RSA-2048(server key, nonce ‖ device id ‖ device
 * public key DER); the cloud answers with C ‖ S, C = RSA-1024(device key,
 * K), S = the server's raw PKCS#1 type-1 signature of HMAC-SHA1(K, C). */
#ifndef PHOTON_CLOUD_HANDSHAKE_H
#define PHOTON_CLOUD_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define HS_NONCE_LEN 40
#define HS_DEVICE_ID_LEN 12
#define HS_SESSION_KEY_LEN 40
#define HS_HELLO_LEN 256 /* RSA-2048 ciphertext */
#define HS_REPLY_LEN 384 /* 128 (C) + 256 (S) */
#define HS_DEVICE_KEY_MAX 300

typedef struct hs_hello {
    uint8_t device_id[HS_DEVICE_ID_LEN];
    uint8_t pubkey[HS_DEVICE_KEY_MAX]; /* SubjectPublicKeyInfo DER */
    size_t pubkey_len;
} hs_hello;

/* Decrypt and check the device's 256 bytes. 0, or -1 with a reason (not
 * decryptable, wrong nonce, no RSA-1024 public key). */
int handshake_open(EVP_PKEY *server, const uint8_t nonce[HS_NONCE_LEN],
                   const uint8_t in[HS_HELLO_LEN], hs_hello *out, char *err,
                   size_t errlen);
/* Build C ‖ S for session bytes K. 0, or -1 with a reason. */
int handshake_reply(EVP_PKEY *server, const uint8_t *device_der, size_t der_len,
                    const uint8_t k[HS_SESSION_KEY_LEN], uint8_t out[HS_REPLY_LEN],
                    char *err, size_t errlen);
/* "0123abcd..." (24 lowercase hex characters + NUL) */
void handshake_id_hex(const uint8_t id[HS_DEVICE_ID_LEN], char out[25]);

#endif
