/* GDB remote serial protocol: framing and command parsing (see
 * gdbproto.h). The protocol as documented in the GDB manual, appendix E
 * "GDB Remote Serial Protocol". */
#include "gdbproto.h"

#include <string.h>

enum { ST_IDLE, ST_DATA, ST_CSUM1, ST_CSUM2 };

void gdbp_reader_init(gdbp_reader *r)
{
    r->state = ST_IDLE;
    r->len = 0;
    r->overflow = false;
    r->sum = 0;
    r->csum_hi = 0;
    r->csum_bad = false;
    r->buf[0] = 0;
}

int gdbp_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void start_packet(gdbp_reader *r)
{
    r->state = ST_DATA;
    r->len = 0;
    r->overflow = false;
    r->sum = 0;
    r->csum_bad = false;
}

gdbp_event gdbp_reader_byte(gdbp_reader *r, uint8_t c)
{
    switch (r->state) {
    case ST_IDLE:
        switch (c) {
        case '$': start_packet(r); return GDBP_NONE;
        case '+': return GDBP_ACK;
        case '-': return GDBP_NACK;
        case 0x03: return GDBP_INTERRUPT;
        default: return GDBP_NONE;
        }
    case ST_DATA:
        if (c == '#') {
            r->state = ST_CSUM1;
            return GDBP_NONE;
        }
        if (c == '$') { /* a new packet: the old one was cut off */
            start_packet(r);
            return GDBP_NONE;
        }
        r->sum = (uint8_t)(r->sum + c);
        if (r->len < GDBP_MAX_PACKET)
            r->buf[r->len++] = (char)c;
        else
            r->overflow = true;
        return GDBP_NONE;
    case ST_CSUM1: {
        int v = gdbp_hexval(c);
        r->csum_bad = v < 0;
        r->csum_hi = (uint8_t)(v < 0 ? 0 : v);
        r->state = ST_CSUM2;
        return GDBP_NONE;
    }
    default: { /* ST_CSUM2 */
        int v = gdbp_hexval(c);
        r->state = ST_IDLE;
        r->buf[r->len] = 0;
        if (r->overflow)
            return GDBP_TOO_LONG;
        if (v < 0 || r->csum_bad || (uint8_t)(r->csum_hi << 4 | v) != r->sum)
            return GDBP_BAD_CHECKSUM;
        return GDBP_PACKET;
    }
    }
}

uint8_t gdbp_checksum(const void *data, size_t n)
{
    const uint8_t *p = data;
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s = (uint8_t)(s + p[i]);
    return s;
}

static const char hexdig[] = "0123456789abcdef";

size_t gdbp_frame(char *out, size_t cap, const void *payload, size_t n)
{
    const uint8_t *p = payload;
    size_t o = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        bool esc = c == '$' || c == '#' || c == '}' || c == '*';
        if (o + (esc ? 2 : 1) + 3 > cap)
            return 0;
        if (esc) {
            out[o++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[o++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    out[o++] = '#';
    out[o++] = hexdig[sum >> 4];
    out[o++] = hexdig[sum & 15];
    return o;
}

void gdbp_hex_encode(char *out, const void *in, size_t n)
{
    const uint8_t *p = in;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[p[i] >> 4];
        out[2 * i + 1] = hexdig[p[i] & 15];
    }
    out[2 * n] = 0;
}

bool gdbp_hex_decode(void *out, const char *in, size_t n)
{
    uint8_t *o = out;
    for (size_t i = 0; i < n; i++) {
        int hi = gdbp_hexval((unsigned char)in[2 * i]);
        int lo = hi < 0 ? -1 : gdbp_hexval((unsigned char)in[2 * i + 1]);
        if (lo < 0)
            return false;
        o[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

size_t gdbp_unescape(uint8_t *out, size_t cap, const char *in, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)in[i];
        if (c == '}') {
            if (++i >= n)
                return (size_t)-1;
            c = (uint8_t)in[i] ^ 0x20;
        }
        if (o >= cap)
            return (size_t)-1;
        out[o++] = c;
    }
    return o;
}

/* ---- argument parsing --------------------------------------------------- */

typedef struct cursor {
    const char *p, *end;
} cursor;

static bool at_end(const cursor *c)
{
    return c->p >= c->end;
}

static bool eat(cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static bool eat_str(cursor *c, const char *s)
{
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) >= n && !memcmp(c->p, s, n)) {
        c->p += n;
        return true;
    }
    return false;
}

/* A hex number that fits in 32 bits (leading zeros allowed). */
static bool hex32(cursor *c, uint32_t *v)
{
    uint64_t x = 0;
    const char *start = c->p;
    int d;
    while (c->p < c->end && (d = gdbp_hexval((unsigned char)*c->p)) >= 0) {
        x = x << 4 | (uint64_t)d;
        if (x > 0xFFFFFFFFu)
            return false;
        c->p++;
    }
    *v = (uint32_t)x;
    return c->p > start;
}

/* "addr,len" */
static bool addr_len(cursor *c, uint32_t *addr, uint32_t *len)
{
    return hex32(c, addr) && eat(c, ',') && hex32(c, len);
}

/* A thread id as gdb sends it without multiprocess: "-1", "0" or hex. */
static bool thread_id(cursor *c)
{
    uint32_t t;
    if (eat(c, '-'))
        return eat(c, '1');
    return hex32(c, &t);
}

static void copy_field(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = 0;
}

/* Up to the next `stop` character (not included). */
static bool field(cursor *c, char stop, char *dst, size_t cap)
{
    const char *s = c->p;
    while (c->p < c->end && *c->p != stop)
        c->p++;
    if ((size_t)(c->p - s) >= cap)
        return false;
    copy_field(dst, cap, s, (size_t)(c->p - s));
    return c->p < c->end;
}

/* The hex-encoded register value of p/P and the data of G and M. */
static bool hex_data(cursor *c, gdb_cmd *cmd, uint8_t *scratch, size_t cap)
{
    size_t n = (size_t)(c->end - c->p);
    if (n % 2 || n / 2 > cap || !gdbp_hex_decode(scratch, c->p, n / 2))
        return false;
    cmd->data = scratch;
    cmd->data_len = n / 2;
    c->p = c->end;
    return true;
}

/* vCont;action[:tid];...: the leftmost action for our (only) thread. */
static void parse_vcont(cursor *c, gdb_cmd *cmd)
{
    cmd->kind = GC_MALFORMED;
    bool chosen = false;
    while (eat(c, ';')) {
        char a = at_end(c) ? 0 : *c->p++;
        gdb_cmd_kind k;
        switch (a) {
        case 'c': k = GC_CONTINUE; break;
        case 's': k = GC_STEP; break;
        case 'C':
        case 'S': {
            uint32_t sig;
            if (!hex32(c, &sig) || sig > 255)
                return;
            k = a == 'C' ? GC_CONTINUE : GC_STEP;
            break;
        }
        case 't': k = GC_UNKNOWN; break; /* stop: nothing runs anyway */
        default: return;
        }
        if (eat(c, ':') && !thread_id(c))
            return;
        if (!chosen && k != GC_UNKNOWN) {
            cmd->kind = k;
            chosen = true;
        }
    }
    if (!at_end(c) || !chosen)
        cmd->kind = GC_MALFORMED;
}

static void parse_q(cursor *c, gdb_cmd *cmd)
{
    if (eat_str(c, "Supported")) {
        cmd->kind = GC_SUPPORTED;
        if (eat(c, ':'))
            copy_field(cmd->text, sizeof(cmd->text), c->p, (size_t)(c->end - c->p));
        return;
    }
    if (eat_str(c, "Xfer:")) {
        /* object:read:annex:offset,length */
        cmd->kind = GC_MALFORMED;
        if (!field(c, ':', cmd->object, sizeof(cmd->object)) || !eat(c, ':'))
            return;
        if (!eat_str(c, "read:")) {
            cmd->kind = GC_UNKNOWN; /* qXfer writes are not supported */
            return;
        }
        if (!field(c, ':', cmd->annex, sizeof(cmd->annex)) || !eat(c, ':'))
            return;
        if (addr_len(c, &cmd->offset, &cmd->length) && at_end(c))
            cmd->kind = GC_XFER;
        return;
    }
    if (eat_str(c, "Rcmd,")) {
        size_t n = (size_t)(c->end - c->p);
        cmd->kind = GC_MALFORMED;
        if (n % 2 || n / 2 >= sizeof(cmd->text) ||
            !gdbp_hex_decode(cmd->text, c->p, n / 2))
            return;
        cmd->text[n / 2] = 0;
        if (memchr(cmd->text, 0, n / 2))
            return; /* a NUL inside the command */
        cmd->kind = GC_MONITOR;
        return;
    }
    if (eat_str(c, "Attached")) {
        cmd->kind = GC_ATTACHED;
        return;
    }
    if (eat(c, 'C') && at_end(c)) {
        cmd->kind = GC_CURRENT_THREAD;
        return;
    }
    if (eat_str(c, "fThreadInfo") && at_end(c)) {
        cmd->kind = GC_THREADS_FIRST;
        return;
    }
    if (eat_str(c, "sThreadInfo") && at_end(c)) {
        cmd->kind = GC_THREADS_NEXT;
        return;
    }
    if (eat_str(c, "Symbol:")) {
        cmd->kind = GC_SYMBOL;
        return;
    }
}

void gdbp_parse(const char *pkt, size_t len, gdb_cmd *cmd, uint8_t *scratch,
                size_t scratch_cap)
{
    memset(cmd, 0, sizeof(*cmd));
    cmd->kind = GC_UNKNOWN;
    if (len == 0)
        return;
    cursor c = {pkt + 1, pkt + len};
    switch (pkt[0]) {
    case '?':
        if (at_end(&c))
            cmd->kind = GC_HALT_REASON;
        return;
    case 'g':
        if (at_end(&c))
            cmd->kind = GC_READ_REGS;
        return;
    case 'G':
        cmd->kind = hex_data(&c, cmd, scratch, scratch_cap) ? GC_WRITE_REGS : GC_MALFORMED;
        return;
    case 'p': {
        uint32_t r;
        cmd->kind = GC_MALFORMED;
        if (hex32(&c, &r) && at_end(&c)) {
            cmd->reg = r;
            cmd->kind = GC_READ_REG;
        }
        return;
    }
    case 'P': {
        uint32_t r;
        cmd->kind = GC_MALFORMED;
        if (hex32(&c, &r) && eat(&c, '=') && hex_data(&c, cmd, scratch, scratch_cap) &&
            cmd->data_len > 0) {
            cmd->reg = r;
            cmd->kind = GC_WRITE_REG;
        }
        return;
    }
    case 'm':
        cmd->kind = addr_len(&c, &cmd->addr, &cmd->len) && at_end(&c) ? GC_READ_MEM
                                                                      : GC_MALFORMED;
        return;
    case 'M':
        cmd->kind = GC_MALFORMED;
        if (addr_len(&c, &cmd->addr, &cmd->len) && eat(&c, ':') &&
            hex_data(&c, cmd, scratch, scratch_cap) && cmd->data_len == cmd->len)
            cmd->kind = GC_WRITE_MEM;
        return;
    case 'X': {
        cmd->kind = GC_MALFORMED;
        if (!addr_len(&c, &cmd->addr, &cmd->len) || !eat(&c, ':'))
            return;
        size_t n = gdbp_unescape(scratch, scratch_cap, c.p, (size_t)(c.end - c.p));
        if (n == (size_t)-1 || n != cmd->len)
            return;
        cmd->data = scratch;
        cmd->data_len = n;
        cmd->kind = GC_WRITE_MEM;
        return;
    }
    case 'Z':
    case 'z': {
        uint32_t type;
        cmd->kind = GC_MALFORMED;
        if (!hex32(&c, &type) || !eat(&c, ',') || !addr_len(&c, &cmd->addr, &cmd->len))
            return;
        if (!at_end(&c) && *c.p != ';')
            return; /* conditions after ';' are ignored */
        if (type > 4) {
            cmd->kind = GC_UNKNOWN;
            return;
        }
        cmd->type = type;
        cmd->kind = pkt[0] == 'Z' ? GC_INSERT : GC_REMOVE;
        return;
    }
    case 'c':
    case 's':
        cmd->kind = GC_MALFORMED;
        if (!at_end(&c)) {
            if (!hex32(&c, &cmd->addr) || !at_end(&c))
                return;
            cmd->has_addr = true;
        }
        cmd->kind = pkt[0] == 'c' ? GC_CONTINUE : GC_STEP;
        return;
    case 'C':
    case 'S': {
        uint32_t sig;
        cmd->kind = GC_MALFORMED;
        if (!hex32(&c, &sig) || sig > 255)
            return;
        if (eat(&c, ';')) {
            if (!hex32(&c, &cmd->addr))
                return;
            cmd->has_addr = true;
        }
        if (at_end(&c))
            cmd->kind = pkt[0] == 'C' ? GC_CONTINUE : GC_STEP;
        return;
    }
    case 'D':
        cmd->kind = GC_DETACH; /* "D;pid" too */
        return;
    case 'k':
        cmd->kind = GC_KILL;
        return;
    case 'H':
        cmd->kind = GC_MALFORMED;
        if (!at_end(&c) && (*c.p == 'g' || *c.p == 'c')) {
            c.p++;
            if (thread_id(&c) && at_end(&c))
                cmd->kind = GC_SET_THREAD;
        }
        return;
    case 'T':
        cmd->kind = thread_id(&c) && at_end(&c) ? GC_THREAD_ALIVE : GC_MALFORMED;
        return;
    case 'q':
        parse_q(&c, cmd);
        return;
    case 'Q':
        if (eat_str(&c, "StartNoAckMode") && at_end(&c))
            cmd->kind = GC_NO_ACK;
        return;
    case 'v':
        if (eat_str(&c, "Cont?")) {
            cmd->kind = at_end(&c) ? GC_VCONT_QUERY : GC_UNKNOWN;
            return;
        }
        if (eat_str(&c, "Cont")) {
            if (at_end(&c) || *c.p == ';')
                parse_vcont(&c, cmd);
            return;
        }
        if (eat_str(&c, "Kill")) {
            cmd->kind = GC_KILL;
            return;
        }
        if (eat_str(&c, "MustReplyEmpty")) {
            cmd->kind = GC_MUST_REPLY_EMPTY;
            return;
        }
        if (eat_str(&c, "FlashErase:")) {
            cmd->kind = addr_len(&c, &cmd->addr, &cmd->len) && at_end(&c) ? GC_FLASH_ERASE
                                                                          : GC_MALFORMED;
            return;
        }
        if (eat_str(&c, "FlashWrite:")) {
            cmd->kind = GC_MALFORMED;
            if (!hex32(&c, &cmd->addr) || !eat(&c, ':'))
                return;
            size_t n = gdbp_unescape(scratch, scratch_cap, c.p, (size_t)(c.end - c.p));
            if (n == (size_t)-1)
                return;
            cmd->data = scratch;
            cmd->data_len = n;
            cmd->len = (uint32_t)n;
            cmd->kind = GC_FLASH_WRITE;
            return;
        }
        if (eat_str(&c, "FlashDone") && at_end(&c)) {
            cmd->kind = GC_FLASH_DONE;
            return;
        }
        return;
    default:
        return;
    }
}

size_t gdbp_xfer_reply(char *out, size_t cap, const char *doc, size_t doclen,
                       uint32_t offset, uint32_t length)
{
    if (cap < 1)
        return 0;
    if (offset >= doclen) {
        out[0] = 'l';
        return 1;
    }
    size_t n = doclen - offset;
    if (n > length)
        n = length;
    if (n > cap - 1)
        n = cap - 1;
    out[0] = offset + n >= doclen ? 'l' : 'm';
    memcpy(out + 1, doc + offset, n);
    return n + 1;
}
