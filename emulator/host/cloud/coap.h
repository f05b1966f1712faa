/* CoAP messages (RFC 7252) as the Particle device protocol uses them:
 * parse a message into header, token, options and payload, and build one
 * option by option. Pure code, no I/O. */
#ifndef PHOTON_CLOUD_COAP_H
#define PHOTON_CLOUD_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { COAP_CON = 0, COAP_NON = 1, COAP_ACK = 2, COAP_RST = 3 };

/* Codes as class.detail in one byte (class << 5 | detail). */
#define COAP_CODE(c, d) ((uint8_t)(((c) << 5) | (d)))
enum {
    COAP_EMPTY = 0x00,
    COAP_GET = 0x01,
    COAP_POST = 0x02,
    COAP_PUT = 0x03,
    COAP_CHANGED = 0x44,     /* 2.04 */
    COAP_CONTENT = 0x45,     /* 2.05 */
    COAP_BAD_REQUEST = 0x80, /* 4.00 */
    COAP_NOT_FOUND = 0x84,   /* 4.04 */
    COAP_UNAVAILABLE = 0xA3, /* 5.03 */
};

enum { COAP_OPT_MAX_AGE = 14, COAP_OPT_URI_PATH = 11, COAP_OPT_URI_QUERY = 15 };

#define COAP_MAX_OPTS 16

typedef struct coap_opt {
    uint16_t num;
    uint16_t len;
    const uint8_t *val;
} coap_opt;

typedef struct coap_msg {
    uint8_t type, code, tkl;
    uint16_t id;
    uint8_t token[8];
    int nopts;
    coap_opt opts[COAP_MAX_OPTS];
    const uint8_t *payload; /* points into the parsed buffer */
    size_t payload_len;
} coap_msg;

/* Parse; 0, or -1 if the bytes are not a well-formed message (version 1,
 * TKL <= 8, options inside the buffer, at most COAP_MAX_OPTS). */
int coap_parse(const uint8_t *buf, size_t len, coap_msg *m);
/* The n-th option with this number (0-based), or NULL. */
const coap_opt *coap_find(const coap_msg *m, uint16_t num, int n);
/* The first Uri-Path segment as a character, or 0 when there is none or it
 * is not one byte long ("h", "d", "e", "E", "f", "v", "c", "u", "t"). */
int coap_path0(const coap_msg *m);
/* Uri-Path segments from `first` on, joined with `sep` (0 for none) into a
 * NUL-terminated string; false if it does not fit. */
bool coap_path_str(const coap_msg *m, int first, char sep, char *out, size_t n);

typedef struct coap_builder {
    uint8_t *buf;
    size_t cap, len;
    uint16_t last_opt;
    bool overflow;
} coap_builder;

void coap_begin(coap_builder *b, uint8_t *buf, size_t cap, uint8_t type,
                uint8_t code, uint16_t id, const uint8_t *token, uint8_t tkl);
/* Options must be added in ascending number order. */
void coap_opt_add(coap_builder *b, uint16_t num, const void *val, size_t len);
void coap_payload(coap_builder *b, const void *data, size_t len);
/* The message length, or 0 if anything overflowed. */
size_t coap_end(const coap_builder *b);

/* One line for a message log: "CON POST mid 1234 tok 05 /e/spark/x 12 B: text"
 * (printable payloads shown, up to 60 characters; others as a length). */
void coap_format(const uint8_t *buf, size_t len, char *out, size_t n);

#endif
