/* The DCT block for `particle keys server`. */
#include "dct_keys.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"

int dct_server_block(EVP_PKEY *server, const char *host, int port,
                     uint8_t out[DCT_SERVER_BLOCK], char *err, size_t errlen)
{
    memset(out, 0xFF, DCT_SERVER_BLOCK);
    int n = crypto_rsa_size(server) == 256 ? crypto_pubkey_der(server, out, DCT_ADDRESS_AT) : -1;
    if (n != 294) {
        snprintf(err, errlen, "the server key must be RSA-2048 (a 294-byte public key)");
        return -1;
    }
    if (port < 0 || port > 65535) {
        snprintf(err, errlen, "port %d is out of range", port);
        return -1;
    }
    size_t hl = strlen(host);
    /* particle-cli: only digits and dots make an IPv4 address */
    if (hl && strspn(host, "0123456789.") == hl) {
        struct in_addr a;
        if (inet_pton(AF_INET, host, &a) != 1) {
            snprintf(err, errlen, "'%s' is not an IPv4 address", host);
            return -1;
        }
        out[DCT_ADDRESS_AT] = 0;
        out[DCT_ADDRESS_AT + 1] = 4;
        memcpy(out + DCT_ADDRESS_AT + 2, &a, 4); /* network order: big-endian */
    } else {
        if (hl == 0 || hl > 63) {
            snprintf(err, errlen, "the server name must have 1 to 63 characters");
            return -1;
        }
        out[DCT_ADDRESS_AT] = 1;
        out[DCT_ADDRESS_AT + 1] = (uint8_t)hl;
        memcpy(out + DCT_ADDRESS_AT + 2, host, hl);
    }
    if (port) {
        out[DCT_PORT_AT] = (uint8_t)(port >> 8);
        out[DCT_PORT_AT + 1] = (uint8_t)port;
    }
    return 0;
}
