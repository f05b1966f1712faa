/* GDB remote protocol framing and command parsing (gdbproto.c), against
 * the GDB manual's appendix "GDB Remote Serial Protocol". */
#include "harness.h"

#include "gdbproto.h"

static gdbp_reader rd;
static uint8_t scratch[GDBP_MAX_PACKET];

/* Feed a string; return the last event that is not GDBP_NONE. */
static gdbp_event feed(const char *s, size_t n)
{
    gdbp_event last = GDBP_NONE;
    for (size_t i = 0; i < n; i++) {
        gdbp_event e = gdbp_reader_byte(&rd, (uint8_t)s[i]);
        if (e != GDBP_NONE)
            last = e;
    }
    return last;
}

static gdbp_event feeds(const char *s)
{
    return feed(s, strlen(s));
}

static void framing_checks_the_checksum(void **state)
{
    (void)state;
    gdbp_reader_init(&rd);
    /* "g" = 0x67 */
    assert_int_equal(feeds("$g#67"), GDBP_PACKET);
    assert_string_equal(rd.buf, "g");
    assert_int_equal(feeds("$g#68"), GDBP_BAD_CHECKSUM);
    assert_int_equal(feeds("$g#6G"), GDBP_BAD_CHECKSUM);
    assert_int_equal(feeds("$g#zz"), GDBP_BAD_CHECKSUM);
    /* upper-case checksum digits are accepted */
    assert_int_equal(feeds("$qC#B4"), GDBP_PACKET);
    assert_string_equal(rd.buf, "qC");
}

static void framing_acks_interrupts_and_noise(void **state)
{
    (void)state;
    gdbp_reader_init(&rd);
    assert_int_equal(gdbp_reader_byte(&rd, '+'), GDBP_ACK);
    assert_int_equal(gdbp_reader_byte(&rd, '-'), GDBP_NACK);
    assert_int_equal(gdbp_reader_byte(&rd, 0x03), GDBP_INTERRUPT);
    assert_int_equal(feeds("garbage\r\n"), GDBP_NONE);
    /* 0x03 inside a packet is data (binary X packets carry it) */
    char pkt[] = "$X0,1:\x03#00";
    size_t n = sizeof(pkt) - 1;
    uint8_t sum = gdbp_checksum("X0,1:\x03", 6);
    snprintf(pkt + n - 2, 3, "%02x", sum);
    assert_int_equal(feed(pkt, n), GDBP_PACKET);
    assert_int_equal(rd.len, 6);
    /* a '$' inside a packet restarts it */
    assert_int_equal(feeds("$m0,4$g#67"), GDBP_PACKET);
    assert_string_equal(rd.buf, "g");
}

static void framing_rejects_oversized_packets(void **state)
{
    (void)state;
    gdbp_reader_init(&rd);
    assert_int_equal(gdbp_reader_byte(&rd, '$'), GDBP_NONE);
    for (int i = 0; i < GDBP_MAX_PACKET + 100; i++)
        assert_int_equal(gdbp_reader_byte(&rd, 'a'), GDBP_NONE);
    assert_int_equal(feeds("#00"), GDBP_TOO_LONG);
    /* and the reader recovers */
    assert_int_equal(feeds("$g#67"), GDBP_PACKET);
}

static void frame_escapes_and_round_trips(void **state)
{
    (void)state;
    char out[64];
    size_t n = gdbp_frame(out, sizeof(out), "OK", 2);
    assert_int_equal(n, 6);
    assert_memory_equal(out, "$OK#9a", 6);
    /* '$', '#', '}' and '*' are escaped */
    const char raw[] = "a$b#c}d*e";
    n = gdbp_frame(out, sizeof(out), raw, 9);
    assert_int_equal(n, 9 + 4 + 4);
    gdbp_reader_init(&rd);
    assert_int_equal(feed(out, n), GDBP_PACKET);
    uint8_t dec[16];
    size_t d = gdbp_unescape(dec, sizeof(dec), rd.buf, rd.len);
    assert_int_equal(d, 9);
    assert_memory_equal(dec, raw, 9);
    /* too small a buffer: 0, not a truncated packet */
    assert_int_equal(gdbp_frame(out, 5, "OK", 2), 0);
    assert_int_equal(gdbp_frame(out, 6, "OK", 2), 6);
}

static void hex_helpers(void **state)
{
    (void)state;
    char h[9];
    uint8_t b[4] = {0xde, 0xad, 0x00, 0x7f};
    gdbp_hex_encode(h, b, 4);
    assert_string_equal(h, "dead007f");
    uint8_t o[4];
    assert_true(gdbp_hex_decode(o, "DEAD007f", 4));
    assert_memory_equal(o, b, 4);
    assert_false(gdbp_hex_decode(o, "dx", 1));
    assert_int_equal(gdbp_unescape(o, 4, "a}", 2), (size_t)-1);
    assert_int_equal(gdbp_unescape(o, 1, "ab", 2), (size_t)-1);
}

static gdb_cmd parse(const char *s)
{
    gdb_cmd c;
    gdbp_parse(s, strlen(s), &c, scratch, sizeof(scratch));
    return c;
}

static void parses_memory_and_registers(void **state)
{
    (void)state;
    gdb_cmd c = parse("m8000184,18");
    assert_int_equal(c.kind, GC_READ_MEM);
    assert_int_equal(c.addr, 0x08000184);
    assert_int_equal(c.len, 0x18);
    assert_int_equal(parse("m8000184").kind, GC_MALFORMED);
    assert_int_equal(parse("m,4").kind, GC_MALFORMED);
    assert_int_equal(parse("m100000000,4").kind, GC_MALFORMED); /* > 32 bits */
    assert_int_equal(parse("m0000000008000000,4").kind, GC_READ_MEM); /* leading zeros */
    assert_int_equal(parse("m0,4x").kind, GC_MALFORMED);

    c = parse("M20000000,2:abcd");
    assert_int_equal(c.kind, GC_WRITE_MEM);
    assert_int_equal(c.data_len, 2);
    assert_int_equal(c.data[0], 0xab);
    assert_int_equal(parse("M20000000,3:abcd").kind, GC_MALFORMED); /* length */
    assert_int_equal(parse("M20000000,2:abc").kind, GC_MALFORMED);
    assert_int_equal(parse("Mffffffff,ffffffff:00").kind, GC_MALFORMED);

    c = parse("X20000000,2:}\x03z");
    assert_int_equal(c.kind, GC_WRITE_MEM);
    assert_int_equal(c.data[0], '#');
    assert_int_equal(c.data[1], 'z');
    assert_int_equal(parse("X20000000,3:ab").kind, GC_MALFORMED);

    c = parse("p10");
    assert_int_equal(c.kind, GC_READ_REG);
    assert_int_equal(c.reg, 16);
    c = parse("Pf=08010008");
    assert_int_equal(c.kind, GC_WRITE_REG);
    assert_int_equal(c.reg, 15);
    assert_int_equal(c.data_len, 4);
    assert_int_equal(c.data[3], 0x08);
    assert_int_equal(parse("Pf=").kind, GC_MALFORMED);
    assert_int_equal(parse("Pf").kind, GC_MALFORMED);
    assert_int_equal(parse("g").kind, GC_READ_REGS);
    assert_int_equal(parse("G0011").kind, GC_WRITE_REGS);
    assert_int_equal(parse("G001").kind, GC_MALFORMED);
}

static void parses_run_control(void **state)
{
    (void)state;
    gdb_cmd c = parse("Z1,800019c,2");
    assert_int_equal(c.kind, GC_INSERT);
    assert_int_equal(c.type, 1);
    assert_int_equal(c.addr, 0x0800019c);
    assert_int_equal(c.len, 2);
    c = parse("z2,40002860,4");
    assert_int_equal(c.kind, GC_REMOVE);
    assert_int_equal(c.type, 2);
    assert_int_equal(parse("Z0,800019c,2;X1,0").kind, GC_INSERT); /* conditions ignored */
    assert_int_equal(parse("Z5,0,4").kind, GC_UNKNOWN);
    assert_int_equal(parse("Z0,0").kind, GC_MALFORMED);

    assert_int_equal(parse("c").kind, GC_CONTINUE);
    c = parse("c8000000");
    assert_int_equal(c.kind, GC_CONTINUE);
    assert_true(c.has_addr);
    assert_int_equal(parse("s").kind, GC_STEP);
    assert_int_equal(parse("S05").kind, GC_STEP);
    assert_int_equal(parse("C0f;8000000").kind, GC_CONTINUE);
    assert_int_equal(parse("sq").kind, GC_MALFORMED);
    assert_int_equal(parse("vCont?").kind, GC_VCONT_QUERY);
    assert_int_equal(parse("vCont;c").kind, GC_CONTINUE);
    assert_int_equal(parse("vCont;s:1;c").kind, GC_STEP);
    assert_int_equal(parse("vCont;C05:1;c").kind, GC_CONTINUE);
    assert_int_equal(parse("vCont;c:-1").kind, GC_CONTINUE);
    assert_int_equal(parse("vCont;").kind, GC_MALFORMED);
    assert_int_equal(parse("vCont;x").kind, GC_MALFORMED);
    assert_int_equal(parse("vCont;s:").kind, GC_MALFORMED);
    assert_int_equal(parse("vCont").kind, GC_MALFORMED);
    assert_int_equal(parse("?").kind, GC_HALT_REASON);
    assert_int_equal(parse("D").kind, GC_DETACH);
    assert_int_equal(parse("k").kind, GC_KILL);
    assert_int_equal(parse("vKill;1").kind, GC_KILL);
    assert_int_equal(parse("Hg0").kind, GC_SET_THREAD);
    assert_int_equal(parse("Hc-1").kind, GC_SET_THREAD);
    assert_int_equal(parse("Hx1").kind, GC_MALFORMED);
    assert_int_equal(parse("T1").kind, GC_THREAD_ALIVE);
}

static void parses_queries(void **state)
{
    (void)state;
    gdb_cmd c = parse("qSupported:multiprocess+;swbreak+;hwbreak+");
    assert_int_equal(c.kind, GC_SUPPORTED);
    assert_string_equal(c.text, "multiprocess+;swbreak+;hwbreak+");
    c = parse("qXfer:features:read:target.xml:0,ffb");
    assert_int_equal(c.kind, GC_XFER);
    assert_string_equal(c.object, "features");
    assert_string_equal(c.annex, "target.xml");
    assert_int_equal(c.offset, 0);
    assert_int_equal(c.length, 0xffb);
    c = parse("qXfer:memory-map:read::100,200");
    assert_int_equal(c.kind, GC_XFER);
    assert_string_equal(c.annex, "");
    assert_int_equal(c.offset, 0x100);
    assert_int_equal(parse("qXfer:features:read:target.xml:0").kind, GC_MALFORMED);
    assert_int_equal(parse("qXfer:features:write:target.xml:0:ab").kind, GC_UNKNOWN);
    assert_int_equal(parse("qXfer:features").kind, GC_MALFORMED);

    c = parse("qRcmd,7265736574"); /* "reset" */
    assert_int_equal(c.kind, GC_MONITOR);
    assert_string_equal(c.text, "reset");
    assert_int_equal(parse("qRcmd,726").kind, GC_MALFORMED);
    assert_int_equal(parse("qRcmd,72006f").kind, GC_MALFORMED); /* embedded NUL */
    assert_int_equal(parse("qAttached").kind, GC_ATTACHED);
    assert_int_equal(parse("qC").kind, GC_CURRENT_THREAD);
    assert_int_equal(parse("qfThreadInfo").kind, GC_THREADS_FIRST);
    assert_int_equal(parse("qsThreadInfo").kind, GC_THREADS_NEXT);
    assert_int_equal(parse("QStartNoAckMode").kind, GC_NO_ACK);
    assert_int_equal(parse("qTStatus").kind, GC_UNKNOWN);
    assert_int_equal(parse("vMustReplyEmpty").kind, GC_MUST_REPLY_EMPTY);
    assert_int_equal(parse("").kind, GC_UNKNOWN);

    c = parse("vFlashErase:08020000,20000");
    assert_int_equal(c.kind, GC_FLASH_ERASE);
    assert_int_equal(c.addr, 0x08020000);
    assert_int_equal(c.len, 0x20000);
    c = parse("vFlashWrite:8020000:ab}]");
    assert_int_equal(c.kind, GC_FLASH_WRITE);
    assert_int_equal(c.data_len, 3);
    assert_int_equal(c.data[2], '}');
    assert_int_equal(parse("vFlashDone").kind, GC_FLASH_DONE);
}

static void xfer_replies_in_parts(void **state)
{
    (void)state;
    char out[16];
    const char doc[] = "0123456789";
    size_t n = gdbp_xfer_reply(out, sizeof(out), doc, 10, 0, 4);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "m0123", 5);
    n = gdbp_xfer_reply(out, sizeof(out), doc, 10, 8, 4);
    assert_memory_equal(out, "l89", 3);
    assert_int_equal(n, 3);
    n = gdbp_xfer_reply(out, sizeof(out), doc, 10, 10, 4);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'l');
    n = gdbp_xfer_reply(out, sizeof(out), doc, 10, 0xffffffff, 0xffffffff);
    assert_int_equal(n, 1);
    /* the output buffer bounds the part */
    n = gdbp_xfer_reply(out, 4, doc, 10, 0, 100);
    assert_memory_equal(out, "m012", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(framing_checks_the_checksum),
        cmocka_unit_test(framing_acks_interrupts_and_noise),
        cmocka_unit_test(framing_rejects_oversized_packets),
        cmocka_unit_test(frame_escapes_and_round_trips),
        cmocka_unit_test(hex_helpers),
        cmocka_unit_test(parses_memory_and_registers),
        cmocka_unit_test(parses_run_control),
        cmocka_unit_test(parses_queries),
        cmocka_unit_test(xfer_replies_in_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
