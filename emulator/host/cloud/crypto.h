/* The cryptography of the Particle device protocol on OpenSSL's libcrypto:
 * RSA PKCS#1 v1.5 encryption and raw signatures, AES-128-CBC, HMAC-SHA1,
 * random bytes, and key files. Every function returns 0 on success and -1
 * on failure. */
#ifndef PHOTON_CLOUD_CRYPTO_H
#define PHOTON_CLOUD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

int crypto_random(uint8_t *buf, size_t n);

EVP_PKEY *crypto_rsa_generate(int bits);
/* A private key from a PEM or DER file (PKCS#1 or PKCS#8), or NULL with a
 * message. */
EVP_PKEY *crypto_key_load(const char *path, char *err, size_t errlen);
/* Write the private key as PEM (mode 0600), atomically. */
int crypto_key_save(EVP_PKEY *k, const char *path, char *err, size_t errlen);
/* The public key as SubjectPublicKeyInfo DER; returns its length or -1. */
int crypto_pubkey_der(EVP_PKEY *k, uint8_t *out, size_t cap);
EVP_PKEY *crypto_pubkey_from_der(const uint8_t *der, size_t len);
/* The modulus size in bytes. */
int crypto_rsa_size(EVP_PKEY *k);

/* RSA PKCS#1 v1.5 type 2 encryption under a public key, and decryption. */
int crypto_rsa_encrypt(EVP_PKEY *pub, const uint8_t *in, size_t len,
                       uint8_t *out, size_t *outlen);
int crypto_rsa_decrypt(EVP_PKEY *priv, const uint8_t *in, size_t len,
                       uint8_t *out, size_t *outlen);
/* PKCS#1 v1.5 type 1 over raw bytes, no DigestInfo (what the device checks
 * with MD_NONE), and its recovery with the public key. */
int crypto_rsa_sign_raw(EVP_PKEY *priv, const uint8_t *in, size_t len,
                        uint8_t *out, size_t *outlen);
int crypto_rsa_recover_raw(EVP_PKEY *pub, const uint8_t *sig, size_t len,
                           uint8_t *out, size_t *outlen);

void crypto_hmac_sha1(const uint8_t *key, size_t keylen, const uint8_t *msg,
                      size_t len, uint8_t out[20]);
/* AES-128-CBC without padding; len is a multiple of 16. */
int crypto_aes128_cbc(bool encrypt, const uint8_t key[16], const uint8_t iv[16],
                      const uint8_t *in, size_t len, uint8_t *out);

#endif
