/* OpenSSL 3 EVP wrappers for the device protocol. */
#define _GNU_SOURCE
#include "crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

int crypto_random(uint8_t *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

EVP_PKEY *crypto_rsa_generate(int bits)
{
    return EVP_RSA_gen((unsigned)bits);
}

static void ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char buf[160] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s %s%s%s", what, path, *buf ? ": " : "", buf);
    ERR_clear_error();
}

EVP_PKEY *crypto_key_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    if (!k) {
        rewind(f);
        k = d2i_PrivateKey_fp(f, NULL);
    }
    fclose(f);
    if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
        EVP_PKEY_free(k);
        ssl_err(err, errlen, "not an RSA private key (PEM or DER):", path);
        return NULL;
    }
    return k;
}

int crypto_key_save(EVP_PKEY *k, const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int ok = PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1;
    ok = (fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int crypto_pubkey_der(EVP_PKEY *k, uint8_t *out, size_t cap)
{
    int n = i2d_PUBKEY(k, NULL);
    if (n <= 0 || (size_t)n > cap)
        return -1;
    uint8_t *p = out;
    return i2d_PUBKEY(k, &p);
}

EVP_PKEY *crypto_pubkey_from_der(const uint8_t *der, size_t len)
{
    const uint8_t *p = der;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);
    if (k && EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
        EVP_PKEY_free(k);
        k = NULL;
    }
    ERR_clear_error();
    return k;
}

int crypto_rsa_size(EVP_PKEY *k)
{
    return EVP_PKEY_get_size(k);
}

typedef int (*pkey_init_fn)(EVP_PKEY_CTX *);
typedef int (*pkey_op_fn)(EVP_PKEY_CTX *, unsigned char *, size_t *,
                          const unsigned char *, size_t);

static int pkey_op(EVP_PKEY *k, pkey_init_fn init, pkey_op_fn op, const uint8_t *in,
                   size_t len, uint8_t *out, size_t *outlen)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(k, NULL);
    int ok = c && init(c) == 1 && EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) == 1 &&
             op(c, out, outlen, in, len) == 1;
    EVP_PKEY_CTX_free(c);
    ERR_clear_error();
    return ok ? 0 : -1;
}

int crypto_rsa_encrypt(EVP_PKEY *pub, const uint8_t *in, size_t len, uint8_t *out,
                       size_t *outlen)
{
    return pkey_op(pub, EVP_PKEY_encrypt_init, EVP_PKEY_encrypt, in, len, out, outlen);
}

int crypto_rsa_decrypt(EVP_PKEY *priv, const uint8_t *in, size_t len, uint8_t *out,
                       size_t *outlen)
{
    return pkey_op(priv, EVP_PKEY_decrypt_init, EVP_PKEY_decrypt, in, len, out, outlen);
}

/* With no signature digest set, an RSA sign is PKCS#1 type 1 padding over
 * the raw input, and verify_recover returns that input. */
int crypto_rsa_sign_raw(EVP_PKEY *priv, const uint8_t *in, size_t len, uint8_t *out,
                        size_t *outlen)
{
    return pkey_op(priv, EVP_PKEY_sign_init, EVP_PKEY_sign, in, len, out, outlen);
}

int crypto_rsa_recover_raw(EVP_PKEY *pub, const uint8_t *sig, size_t len, uint8_t *out,
                           size_t *outlen)
{
    return pkey_op(pub, EVP_PKEY_verify_recover_init, EVP_PKEY_verify_recover, sig, len,
                   out, outlen);
}

void crypto_hmac_sha1(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len,
                      uint8_t out[20])
{
    unsigned n = 20;
    HMAC(EVP_sha1(), key, (int)keylen, msg, len, out, &n);
}

int crypto_aes128_cbc(bool encrypt, const uint8_t key[16], const uint8_t iv[16],
                      const uint8_t *in, size_t len, uint8_t *out)
{
    if (len % 16)
        return -1;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n1 = 0, n2 = 0;
    int ok = c && EVP_CipherInit_ex(c, EVP_aes_128_cbc(), NULL, key, iv, encrypt ? 1 : 0) == 1 &&
             EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
             EVP_CipherUpdate(c, out, &n1, in, (int)len) == 1 &&
             EVP_CipherFinal_ex(c, out + n1, &n2) == 1 && (size_t)(n1 + n2) == len;
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : -1;
}
