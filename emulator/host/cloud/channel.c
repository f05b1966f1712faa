/* AES-128-CBC framing with per-direction IV chaining. */
#include "channel.h"

#include <string.h>

#include "crypto.h"

void channel_init(channel *c, const uint8_t k[40])
{
    memcpy(c->key, k, 16);
    memcpy(c->iv_send, k + 16, 16);
    memcpy(c->iv_recv, k + 16, 16);
}

int channel_seal(channel *c, const uint8_t *plain, size_t len, uint8_t *out, size_t cap)
{
    size_t pad = 16 - len % 16; /* 1..16: a whole block when already aligned */
    size_t clen = len + pad;
    if (clen > 0xFFFF || 2 + clen > cap)
        return -1;
    uint8_t buf[0x10000];
    memcpy(buf, plain, len);
    memset(buf + len, (int)pad, pad);
    out[0] = (uint8_t)(clen >> 8);
    out[1] = (uint8_t)clen;
    if (crypto_aes128_cbc(true, c->key, c->iv_send, buf, clen, out + 2))
        return -1;
    memcpy(c->iv_send, out + 2, 16);
    return (int)(2 + clen);
}

int channel_open(channel *c, const uint8_t *in, size_t avail, uint8_t *out, size_t cap,
                 size_t *outlen)
{
    if (avail < 2)
        return 0;
    size_t clen = (size_t)in[0] << 8 | in[1];
    if (clen == 0 || clen % 16 || clen > CHANNEL_MAX_CIPHERTEXT || clen > cap)
        return -1;
    if (avail < 2 + clen)
        return 0;
    if (crypto_aes128_cbc(false, c->key, c->iv_recv, in + 2, clen, out))
        return -1;
    unsigned pad = out[clen - 1];
    if (pad == 0 || pad > 16)
        return -1;
    for (unsigned i = 1; i <= pad; i++)
        if (out[clen - i] != pad)
            return -1;
    memcpy(c->iv_recv, in + 2, 16);
    *outlen = clen - pad;
    return (int)(2 + clen);
}
