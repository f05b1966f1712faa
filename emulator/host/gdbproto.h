/* The GDB remote serial protocol without the machine: packet framing
 * ($data#cs, acks, the 0x03 interrupt), checksums, escapes, hex, and the
 * parsing of the commands the stub knows into a gdb_cmd. Pure and
 * allocation-free so that it can be fuzzed on its own (tests/fuzz). */
#ifndef PHOTON_GDBPROTO_H
#define PHOTON_GDBPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest packet payload accepted and sent (advertised as PacketSize). */
#define GDBP_MAX_PACKET 16384

/* ---- framing --------------------------------------------------------- */

typedef enum {
    GDBP_NONE,         /* byte consumed, nothing complete yet */
    GDBP_PACKET,       /* a packet with a good checksum is in r->buf */
    GDBP_BAD_CHECKSUM, /* a packet ended with a wrong or non-hex checksum */
    GDBP_TOO_LONG,     /* a packet longer than GDBP_MAX_PACKET ended */
    GDBP_INTERRUPT,    /* 0x03 outside a packet (Ctrl-C) */
    GDBP_ACK,          /* '+' */
    GDBP_NACK,         /* '-': resend the last packet */
} gdbp_event;

typedef struct gdbp_reader {
    int state;
    size_t len;       /* payload bytes in buf (still escaped) */
    bool overflow;    /* the packet exceeded the buffer */
    uint8_t sum;      /* running checksum of the payload */
    uint8_t csum_hi;  /* first checksum digit */
    bool csum_bad;    /* a checksum digit was not hex */
    char buf[GDBP_MAX_PACKET + 1]; /* NUL-terminated payload */
} gdbp_reader;

void gdbp_reader_init(gdbp_reader *r);
/* Feed one byte from the connection. Bytes outside a packet other than
 * '+', '-', 0x03 and '$' are ignored; a '$' inside a packet starts a new
 * one (resynchronisation). */
gdbp_event gdbp_reader_byte(gdbp_reader *r, uint8_t c);

/* Frame `payload` as $payload#cs into out, escaping '$', '#', '}' and '*'.
 * Returns the framed length, or 0 if it does not fit in `cap`. */
size_t gdbp_frame(char *out, size_t cap, const void *payload, size_t n);
uint8_t gdbp_checksum(const void *data, size_t n);

/* ---- hex and binary ---------------------------------------------------- */

int gdbp_hexval(int c); /* 0..15, or -1 */
/* Lowercase hex of n bytes into out (2n chars plus a NUL). */
void gdbp_hex_encode(char *out, const void *in, size_t n);
/* Decode exactly 2*n hex digits; returns false on a bad digit. */
bool gdbp_hex_decode(void *out, const char *in, size_t n);
/* Undo the '}' escapes of binary data; returns the decoded length, or
 * (size_t)-1 if the data ends in a lone '}' or does not fit. */
size_t gdbp_unescape(uint8_t *out, size_t cap, const char *in, size_t n);

/* ---- commands ------------------------------------------------------------ */

typedef enum {
    GC_UNKNOWN,   /* not supported: reply with an empty packet */
    GC_MALFORMED, /* recognised but bad arguments: reply E01 */
    GC_HALT_REASON,     /* ? */
    GC_READ_REGS,       /* g */
    GC_WRITE_REGS,      /* G data */
    GC_READ_REG,        /* p n */
    GC_WRITE_REG,       /* P n=value */
    GC_READ_MEM,        /* m addr,len */
    GC_WRITE_MEM,       /* M addr,len:hex and X addr,len:binary */
    GC_INSERT,          /* Z type,addr,kind */
    GC_REMOVE,          /* z type,addr,kind */
    GC_CONTINUE,        /* c [addr], C sig[;addr], vCont;c */
    GC_STEP,            /* s [addr], S sig[;addr], vCont;s */
    GC_VCONT_QUERY,     /* vCont? */
    GC_DETACH,          /* D */
    GC_KILL,            /* k, vKill */
    GC_SUPPORTED,       /* qSupported */
    GC_XFER,            /* qXfer:object:read:annex:offset,length */
    GC_MONITOR,         /* qRcmd,hex */
    GC_ATTACHED,        /* qAttached */
    GC_CURRENT_THREAD,  /* qC */
    GC_THREADS_FIRST,   /* qfThreadInfo */
    GC_THREADS_NEXT,    /* qsThreadInfo */
    GC_SET_THREAD,      /* Hg / Hc */
    GC_THREAD_ALIVE,    /* T tid */
    GC_NO_ACK,          /* QStartNoAckMode */
    GC_SYMBOL,          /* qSymbol:: */
    GC_FLASH_ERASE,     /* vFlashErase:addr,len */
    GC_FLASH_WRITE,     /* vFlashWrite:addr:binary */
    GC_FLASH_DONE,      /* vFlashDone */
    GC_MUST_REPLY_EMPTY, /* vMustReplyEmpty */
} gdb_cmd_kind;

typedef struct gdb_cmd {
    gdb_cmd_kind kind;
    uint32_t addr;      /* m M X Z z vFlash*, c/s with has_addr */
    uint32_t len;       /* m M X vFlashErase; Z kind */
    bool has_addr;
    unsigned type;      /* Z/z: 0 sw bp, 1 hw bp, 2 write, 3 read, 4 access */
    unsigned reg;       /* p P */
    const uint8_t *data; /* decoded bytes of G P M X vFlashWrite */
    size_t data_len;
    char object[32];    /* qXfer object ("features", "memory-map") */
    char annex[64];     /* qXfer annex ("target.xml") */
    uint32_t offset, length; /* qXfer */
    char text[512];     /* qRcmd, decoded; qSupported features, raw */
} gdb_cmd;

/* Parse a packet payload (escaped, as framed). Decoded data goes to
 * `scratch` (at least GDBP_MAX_PACKET bytes). Never fails: unknown
 * packets give GC_UNKNOWN, bad arguments GC_MALFORMED. */
void gdbp_parse(const char *pkt, size_t len, gdb_cmd *cmd, uint8_t *scratch,
                size_t scratch_cap);

/* The reply to qXfer:...:read:OFFSET,LENGTH of `doc`: "m" + part, or "l" +
 * the last part, into out. Returns the reply length (0 if cap is too
 * small for even the prefix). */
size_t gdbp_xfer_reply(char *out, size_t cap, const char *doc, size_t doclen,
                       uint32_t offset, uint32_t length);

#endif
