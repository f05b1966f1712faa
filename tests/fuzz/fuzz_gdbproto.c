/* libFuzzer target for the GDB remote protocol parser (emulator/gdbproto.c):
 * the input is a byte stream from a debugger. Every complete packet is
 * parsed; framing a payload and reading it back must give it unchanged;
 * the whole input is also parsed as one payload. ASan and UBSan watch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gdbproto.h"

static gdbp_reader rd, rd2;
static uint8_t scratch[GDBP_MAX_PACKET];
static uint8_t back[GDBP_MAX_PACKET];
static char framed[2 * GDBP_MAX_PACKET + 8];
static char xfer[4096];

static void check_cmd(const gdb_cmd *c)
{
    if (c->data && (c->data < scratch || c->data + c->data_len > scratch + sizeof(scratch)))
        abort();
    if (c->kind == GC_XFER) {
        size_t n = gdbp_xfer_reply(xfer, sizeof(xfer), "<doc/>", 6, c->offset, c->length);
        if (n == 0 || n > sizeof(xfer))
            abort();
    }
    if (strlen(c->object) >= sizeof(c->object) || strlen(c->annex) >= sizeof(c->annex) ||
        strlen(c->text) >= sizeof(c->text))
        abort();
}

static void round_trip(const char *payload, size_t n)
{
    size_t f = gdbp_frame(framed, sizeof(framed), payload, n);
    if (!f)
        abort(); /* a received payload always fits framed */
    gdbp_reader_init(&rd2);
    gdbp_event last = GDBP_NONE;
    for (size_t i = 0; i < f; i++) {
        gdbp_event e = gdbp_reader_byte(&rd2, (uint8_t)framed[i]);
        if (e != GDBP_NONE)
            last = e;
    }
    if (last != GDBP_PACKET)
        abort();
    size_t d = gdbp_unescape(back, sizeof(back), rd2.buf, rd2.len);
    if (d != n || memcmp(back, payload, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gdb_cmd c;
    gdbp_reader_init(&rd);
    for (size_t i = 0; i < size; i++) {
        gdbp_event e = gdbp_reader_byte(&rd, data[i]);
        if (e == GDBP_PACKET) {
            if (rd.len > GDBP_MAX_PACKET || rd.buf[rd.len])
                abort();
            gdbp_parse(rd.buf, rd.len, &c, scratch, sizeof(scratch));
            check_cmd(&c);
            round_trip(rd.buf, rd.len);
        }
    }
    /* the input as one payload, in a buffer of exactly its size */
    char *p = malloc(size ? size : 1);
    if (!p)
        return 0;
    memcpy(p, data, size);
    gdbp_parse(p, size, &c, scratch, sizeof(scratch));
    check_cmd(&c);
    size_t u = gdbp_unescape(back, sizeof(back), p, size);
    if (u != (size_t)-1 && u > size)
        abort();
    free(p);
    return 0;
}
