/* RSA handshake, server side. */
#include "handshake.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"

int handshake_open(EVP_PKEY *server, const uint8_t nonce[HS_NONCE_LEN],
                   const uint8_t in[HS_HELLO_LEN], hs_hello *out, char *err, size_t errlen)
{
    uint8_t plain[HS_HELLO_LEN];
    size_t n = sizeof(plain);
    if (crypto_rsa_size(server) != HS_HELLO_LEN ||
        crypto_rsa_decrypt(server, in, HS_HELLO_LEN, plain, &n)) {
        snprintf(err, errlen, "cannot decrypt the device's handshake (not for this server key)");
        return -1;
    }
    if (n < HS_NONCE_LEN + HS_DEVICE_ID_LEN + 1 || memcmp(plain, nonce, HS_NONCE_LEN)) {
        snprintf(err, errlen, "the device's handshake does not carry the server's nonce");
        return -1;
    }
    memcpy(out->device_id, plain + HS_NONCE_LEN, HS_DEVICE_ID_LEN);
    const uint8_t *der = plain + HS_NONCE_LEN + HS_DEVICE_ID_LEN;
    size_t der_len = n - HS_NONCE_LEN - HS_DEVICE_ID_LEN;
    EVP_PKEY *k = crypto_pubkey_from_der(der, der_len);
    int bits = k ? crypto_rsa_size(k) * 8 : 0;
    EVP_PKEY_free(k);
    if (bits != 1024) {
        snprintf(err, errlen, "the device's public key is not an RSA-1024 key (%d bits)", bits);
        return -1;
    }
    /* the DER is self-delimiting: keep its own length, not the padding */
    size_t len = der_len;
    if (der_len >= 2 && der[0] == 0x30 && der[1] == 0x81 && der_len >= 3)
        len = (size_t)der[2] + 3;
    else if (der_len >= 4 && der[0] == 0x30 && der[1] == 0x82)
        len = ((size_t)der[2] << 8 | der[3]) + 4;
    if (len > der_len || len > sizeof(out->pubkey))
        len = der_len < sizeof(out->pubkey) ? der_len : sizeof(out->pubkey);
    memcpy(out->pubkey, der, len);
    out->pubkey_len = len;
    return 0;
}

int handshake_reply(EVP_PKEY *server, const uint8_t *device_der, size_t der_len,
                    const uint8_t k[HS_SESSION_KEY_LEN], uint8_t out[HS_REPLY_LEN], char *err,
                    size_t errlen)
{
    EVP_PKEY *dev = crypto_pubkey_from_der(device_der, der_len);
    if (!dev) {
        snprintf(err, errlen, "the device's public key does not parse");
        return -1;
    }
    size_t clen = 128, slen = 256;
    int rc = crypto_rsa_size(dev) == 128 ? crypto_rsa_encrypt(dev, k, HS_SESSION_KEY_LEN, out, &clen)
                                          : -1;
    EVP_PKEY_free(dev);
    if (rc || clen != 128) {
        snprintf(err, errlen, "cannot encrypt the session key for the device");
        return -1;
    }
    uint8_t h[20];
    crypto_hmac_sha1(k, HS_SESSION_KEY_LEN, out, 128, h);
    if (crypto_rsa_sign_raw(server, h, sizeof(h), out + 128, &slen) || slen != 256) {
        snprintf(err, errlen, "cannot sign the session key");
        return -1;
    }
    return 0;
}

void handshake_id_hex(const uint8_t id[HS_DEVICE_ID_LEN], char out[25])
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < HS_DEVICE_ID_LEN; i++) {
        out[2 * i] = hex[id[i] >> 4];
        out[2 * i + 1] = hex[id[i] & 15];
    }
    out[24] = 0;
}
