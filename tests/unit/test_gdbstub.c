/* The GDB stub against a small Thumb program on a bare machine: registers
 * (the special ones in every mode), memory, breakpoints, watchpoints,
 * stepping (exact virtual time), exceptions while stepping, monitor
 * commands, flash programming and protocol errors. */
#include "harness.h"

#include <stdio.h>

#include "gdbproto.h"
#include "gdbstub.h"
#include "gdbstub_internal.h"

static char out[1 << 20];
static size_t outlen;

static void capture(void *ctx, const char *buf, size_t n)
{
    (void)ctx;
    assert_true(outlen + n < sizeof(out));
    memcpy(out + outlen, buf, n);
    outlen += n;
    out[outlen] = 0;
}

/* Payload of the n-th packet (from 0) in the captured output, or NULL. */
static const char *packet(int n)
{
    static char pl[GDBP_MAX_PACKET + 1];
    size_t i = 0;
    for (int k = 0;; k++) {
        while (i < outlen && out[i] != '$')
            i++;
        if (i >= outlen)
            return NULL;
        size_t s = ++i;
        while (i < outlen && out[i] != '#')
            i++;
        if (k == n) {
            size_t d = gdbp_unescape((uint8_t *)pl, GDBP_MAX_PACKET, out + s, i - s);
            assert_true(d != (size_t)-1);
            pl[d] = 0;
            return pl;
        }
    }
}

static const char *last_packet(void)
{
    const char *last = NULL, *p;
    for (int n = 0; (p = packet(n)); n++)
        last = p;
    return last;
}

static const char *send_raw(gdbstub *g, const char *bytes, size_t n)
{
    outlen = 0;
    out[0] = 0;
    gdbstub_input(g, bytes, n);
    return last_packet();
}

/* Send a command; the last packet of the answer (NULL: none). */
static const char *cmd(gdbstub *g, const char *payload)
{
    char framed[2 * GDBP_MAX_PACKET];
    size_t n = gdbp_frame(framed, sizeof(framed), payload, strlen(payload));
    assert_true(n > 0);
    return send_raw(g, framed, n);
}

/* Binary payloads come escaped already: frame them as they are. */
static const char *cmd_bin(gdbstub *g, const char *payload, size_t n)
{
    char framed[256];
    assert_true(n + 4 < sizeof(framed));
    framed[0] = '$';
    memcpy(framed + 1, payload, n);
    snprintf(framed + 1 + n, 4, "#%02x", gdbp_checksum(payload, n));
    return send_raw(g, framed, n + 4);
}

/* Let the machine run for `ps` and return the stop reply, if any. */
static const char *run_for(machine *m, gdbstub *g, uint64_t ps)
{
    outlen = 0;
    out[0] = 0;
    if (!gdbstub_halted(g))
        machine_run(m, machine_now(m) + ps);
    gdbstub_check(g);
    return last_packet();
}

static const char *run(machine *m, gdbstub *g)
{
    return run_for(m, g, 10 * PS_PER_MS);
}

static uint32_t le32(const char *hex)
{
    uint8_t b[4];
    assert_true(gdbp_hex_decode(b, hex, 4));
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t reg(gdbstub *g, unsigned n)
{
    char q[8];
    snprintf(q, sizeof(q), "p%x", n);
    const char *r = cmd(g, q);
    assert_non_null(r);
    assert_int_equal(strlen(r), 8);
    return le32(r);
}

static void set_reg(gdbstub *g, unsigned n, uint32_t v)
{
    char q[32];
    snprintf(q, sizeof(q), "P%x=%02x%02x%02x%02x", n, v & 0xFF, (v >> 8) & 0xFF,
             (v >> 16) & 0xFF, v >> 24);
    assert_string_equal(cmd(g, q), "OK");
}

/* The program: a 9-instruction loop that stores a counter to RAM, and a
 * PendSV handler that returns at once.
 *   08: movs r0,#0   0a: adds r0,#1   0c: adds   0e: adds
 *   10: movs r1,#0x20   12: lsls r1,r1,#24   14: str r0,[r1]
 *   16: adds r0,#1   18: b 08                40: bx lr (PendSV) */
static const uint16_t prog[] = {0x2000, 0x3001, 0x3001, 0x3001, 0x2120,
                                0x0609, 0x6008, 0x3001, 0xe7f6};

typedef struct fixture {
    machine *m;
    gdbstub *g;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->m = th_machine();
    uint32_t vec[16] = {0x20020000, 0x08000009};
    vec[EXC_PENDSV] = 0x08000041;
    memcpy(stm32f205_flash(f->m), vec, sizeof(vec));
    memcpy(stm32f205_flash(f->m) + 8, prog, sizeof(prog));
    uint16_t bxlr = 0x4770;
    memcpy(stm32f205_flash(f->m) + 0x40, &bxlr, 2);
    machine_reset(f->m, RESET_POWER_ON);
    f->g = gdbstub_new(f->m);
    gdbstub_set_output(f->g, capture, NULL);
    gdbstub_connect(f->g);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gdbstub_free(f->g);
    machine_free(f->m);
    free(f);
    return 0;
}

static void first_packet_halts_and_reports(void **state)
{
    fixture *f = *state;
    /* a client that connected and said nothing leaves the core running */
    assert_false(gdbstub_halted(f->g));
    const char *r = cmd(f->g, "?");
    assert_true(gdbstub_halted(f->g));
    assert_non_null(r);
    assert_memory_equal(r, "T02", 3);
    assert_non_null(strstr(r, "0f:08000008;"));
    assert_non_null(strstr(r, "thread:1;"));
    /* the ack precedes the answer */
    assert_int_equal(out[0], '+');
    r = cmd(f->g, "qSupported:multiprocess+;swbreak+;hwbreak+");
    assert_non_null(strstr(r, "PacketSize=4000"));
    assert_non_null(strstr(r, "qXfer:features:read+"));
    assert_non_null(strstr(r, "qXfer:memory-map:read+"));
    assert_non_null(strstr(r, "hwbreak+"));
    assert_string_equal(cmd(f->g, "qAttached"), "1");
    assert_string_equal(cmd(f->g, "qC"), "QC1");
    assert_string_equal(cmd(f->g, "qfThreadInfo"), "m1");
    assert_string_equal(cmd(f->g, "qsThreadInfo"), "l");
    assert_string_equal(cmd(f->g, "Hg0"), "OK");
    assert_string_equal(cmd(f->g, "vCont?"), "vCont;c;C;s;S");
}

static void documents_read_in_parts(void **state)
{
    fixture *f = *state;
    static char doc[8192];
    size_t n = 0;
    for (;;) {
        char q[64];
        snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,64", n);
        const char *r = cmd(f->g, q);
        assert_true(r[0] == 'm' || r[0] == 'l');
        memcpy(doc + n, r + 1, strlen(r + 1));
        n += strlen(r + 1);
        if (r[0] == 'l')
            break;
    }
    doc[n] = 0;
    assert_non_null(strstr(doc, "org.gnu.gdb.arm.m-profile"));
    assert_non_null(strstr(doc, "org.gnu.gdb.arm.m-system"));
    assert_non_null(strstr(doc, "\"control\""));
    assert_string_equal(doc + n - 10, "</target>\n");
    const char *r = cmd(f->g, "qXfer:memory-map:read::0,4000");
    assert_int_equal(r[0], 'l');
    assert_non_null(strstr(r, "type=\"flash\" start=\"0x8000000\" length=\"0x10000\""));
    assert_non_null(strstr(r, "type=\"flash\" start=\"0x8020000\" length=\"0xe0000\""));
    assert_non_null(strstr(r, "type=\"flash\" start=\"0x0\""));
    assert_non_null(strstr(r, "type=\"ram\" start=\"0x20000000\""));
    assert_string_equal(cmd(f->g, "qXfer:features:read:other.xml:0,10"), "E00");
}

static void registers_including_special_ones(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    const char *r = cmd(f->g, "g");
    assert_int_equal(strlen(r), 23 * 8);
    assert_int_equal(le32(r + 15 * 8), 0x08000008);
    assert_int_equal(le32(r + 13 * 8), 0x20020000);
    assert_int_equal(le32(r + 16 * 8), 0x01000000); /* xPSR: T */
    set_reg(f->g, 5, 0x12345678);
    assert_int_equal(reg(f->g, 5), 0x12345678);
    assert_int_equal(core_reg(m, UC_ARM_REG_R5), 0x12345678);

    m->cpu.mask_recheck = false;
    set_reg(f->g, 0x13, 1); /* primask */
    assert_true(m->cpu.mask_recheck);
    assert_int_equal(reg(f->g, 0x13), 1);
    set_reg(f->g, 0x14, 0x50); /* basepri */
    assert_int_equal(reg(f->g, 0x14), 0x50);
    set_reg(f->g, 0x15, 1); /* faultmask */
    assert_int_equal(core_reg(m, UC_ARM_REG_FAULTMASK), 1);
    set_reg(f->g, 0x15, 0);

    /* an unprivileged thread on the PSP: Unicorn alone would read 0 */
    set_reg(f->g, 0x12, 0x20010000); /* psp */
    set_reg(f->g, 0x16, 3);          /* control: nPRIV | SPSEL */
    assert_int_equal(reg(f->g, 0x16), 3);
    assert_int_equal(reg(f->g, 13), 0x20010000); /* sp is the PSP now */
    assert_int_equal(reg(f->g, 0x11), 0x20020000); /* msp */
    assert_int_equal(reg(f->g, 0x12), 0x20010000); /* psp */
    assert_int_equal(reg(f->g, 0x13), 1);
    assert_int_equal(reg(f->g, 0x14), 0x50);
    set_reg(f->g, 0x14, 0x20);
    assert_int_equal(reg(f->g, 0x14), 0x20);
    set_reg(f->g, 0x11, 0x2001f000); /* msp, the banked one */
    assert_int_equal(reg(f->g, 0x11), 0x2001f000);
    assert_int_equal(reg(f->g, 13), 0x20010000);
    assert_int_equal(reg(f->g, 0x16), 3); /* still unprivileged */
    assert_int_equal(core_reg(m, UC_ARM_REG_IPSR), 0);
    set_reg(f->g, 0x16, 0); /* privileged, MSP */
    assert_int_equal(reg(f->g, 13), 0x2001f000);
    assert_int_equal(reg(f->g, 0x12), 0x20010000);

    /* xPSR writes keep the exception number */
    set_reg(f->g, 0x10, 0xF1000000);
    assert_int_equal(reg(f->g, 0x10), 0xF1000000);

    assert_string_equal(cmd(f->g, "p17"), "E01");
    assert_string_equal(cmd(f->g, "P17=00000000"), "E01");
    assert_string_equal(cmd(f->g, "P5=0000"), "E01");
}

static void memory_through_the_bus(void **state)
{
    fixture *f = *state;
    assert_string_equal(cmd(f->g, "m8000000,8"), "0000022009000008");
    assert_string_equal(cmd(f->g, "m0,4"), "00000220"); /* the boot alias */
    assert_string_equal(cmd(f->g, "M20000100,4:11223344"), "OK");
    assert_string_equal(cmd(f->g, "m20000100,4"), "11223344");
    /* binary write with escapes: '}' 0x03 is '#' */
    assert_string_equal(cmd_bin(f->g, "X20000104,2:}\x03}]", 16), "OK");
    assert_string_equal(cmd(f->g, "m20000104,2"), "237d");
    assert_string_equal(cmd(f->g, "m1fff7a22,2"), "0004"); /* F_SIZE = 1024 KB */
    /* a register through the model: SCB CPUID of a Cortex-M3 */
    const char *r = cmd(f->g, "me000ed00,4");
    assert_int_equal(le32(r) >> 4 & 0xFFF, 0xC23);
    assert_string_equal(cmd(f->g, "m60000000,4"), "E14");
    /* partly readable: the readable start */
    assert_string_equal(strlen(cmd(f->g, "m2001fffc,8")) == 8 ? "ok" : "no", "ok");
    /* a huge length gets what fits in a packet */
    r = cmd(f->g, "m20000000,ffffffff");
    assert_int_equal(strlen(r), ((GDBP_MAX_PACKET - 1) / 2) * 2);
    assert_string_equal(cmd(f->g, "Mfffffffe,4:00000000"), "E14");
}

static void flash_programming(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    stm32f205_flash(m)[0xC0000] = 0x12;
    assert_string_equal(cmd(f->g, "vFlashErase:080c0000,20000"), "OK");
    assert_int_equal(stm32f205_flash(m)[0xC0000], 0xFF);
    assert_int_equal(stm32f205_flash(m)[0xDFFFF], 0xFF);
    assert_string_equal(cmd_bin(f->g, "vFlashWrite:80c0000:ab}]", 24), "OK");
    assert_string_equal(cmd(f->g, "vFlashDone"), "OK");
    assert_memory_equal(stm32f205_flash(m) + 0xC0000, "ab}", 3);
    assert_string_equal(cmd(f->g, "vFlashErase:20000000,100"), "E01");
    assert_string_equal(cmd(f->g, "vFlashWrite:80ffffff:ab"), "E01");
}

static uint64_t cycles(machine *m)
{
    return m->clock.cycles;
}

static void breakpoints_stop_before_the_instruction(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    assert_string_equal(cmd(f->g, "Z1,8000016,2"), "OK");
    assert_null(cmd(f->g, "c")); /* the answer comes when it stops */
    assert_false(gdbstub_halted(f->g));
    const char *r = run(m, f->g);
    assert_non_null(r);
    assert_memory_equal(r, "T05", 3);
    assert_non_null(strstr(r, "0f:16000008;"));
    assert_int_equal(reg(f->g, 0), 3); /* adds at 0x16 not executed */
    assert_int_equal(cycles(m), 9);    /* the block was counted at its start */
    /* the reference for the stepping test: to the loop start */
    assert_string_equal(cmd(f->g, "z1,8000016,2"), "OK");
    assert_string_equal(cmd(f->g, "Z0,8000008,2"), "OK");
    r = cmd(f->g, "vCont;c");
    assert_null(r);
    r = run(m, f->g);
    assert_non_null(strstr(r, "0f:08000008;"));
    assert_int_equal(reg(f->g, 0), 4);
    assert_int_equal(cycles(m), 18); /* 9 executed, 9 counted ahead */
    /* breakpoints do not show in memory */
    assert_string_equal(cmd(f->g, "m8000008,2"), "0020");
    assert_string_equal(cmd(f->g, "z0,8000008,2"), "OK");
    /* nothing left: it runs to the deadline, no stop */
    assert_null(cmd(f->g, "c"));
    assert_null(run(m, f->g));
    assert_false(gdbstub_halted(f->g));
    /* Ctrl-C */
    r = send_raw(f->g, "\x03", 1);
    assert_non_null(r);
    assert_memory_equal(r, "T02", 3);
    assert_true(gdbstub_halted(f->g));
}

static void stepping_counts_exactly_one_instruction(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    static const uint32_t pcs[] = {0x0800000a, 0x0800000c, 0x0800000e, 0x08000010,
                                   0x08000012};
    for (int i = 0; i < 5; i++) {
        assert_null(cmd(f->g, i % 2 ? "s" : "vCont;s:1;c"));
        const char *r = run(m, f->g);
        assert_non_null(r);
        assert_memory_equal(r, "T05", 3);
        assert_int_equal(reg(f->g, 15), pcs[i]);
        /* executed so far + the rest of the block, counted ahead */
        assert_int_equal(cycles(m), 9);
    }
    /* then on to the loop start: the same time as without stepping */
    assert_string_equal(cmd(f->g, "Z1,8000008,2"), "OK");
    assert_null(cmd(f->g, "c"));
    const char *r = run(m, f->g);
    assert_non_null(strstr(r, "0f:08000008;"));
    assert_int_equal(cycles(m), 18);
    /* stepping onto a breakpoint address does not stop before it */
    assert_null(cmd(f->g, "s"));
    run(m, f->g);
    assert_int_equal(reg(f->g, 15), 0x0800000a);
    /* a step from a given address */
    assert_null(cmd(f->g, "s08000014"));
    run(m, f->g);
    assert_int_equal(reg(f->g, 15), 0x08000016);
}

static void stepping_enters_a_pending_exception(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    machine_pend_exception(m, EXC_PENDSV);
    assert_null(cmd(f->g, "s"));
    run(m, f->g);
    /* halted at the handler's first instruction, not executed yet */
    assert_int_equal(reg(f->g, 15), 0x08000040);
    assert_int_equal(reg(f->g, 16) & 0x1FF, EXC_PENDSV);
    assert_int_equal(reg(f->g, 14), 0xFFFFFFF9);
    assert_null(cmd(f->g, "s"));
    run(m, f->g);
    /* bx lr returned to where the exception came in */
    assert_int_equal(reg(f->g, 15), 0x08000008);
    assert_int_equal(reg(f->g, 16) & 0x1FF, 0);
    assert_int_equal(reg(f->g, 13), 0x20020000);
}

static void watchpoints_stop_after_the_access(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    assert_string_equal(cmd(f->g, "Z2,20000000,4"), "OK");
    assert_null(cmd(f->g, "c"));
    const char *r = run(m, f->g);
    assert_non_null(r);
    assert_non_null(strstr(r, "watch:20000000;"));
    assert_int_equal(reg(f->g, 15), 0x08000016);
    assert_string_equal(cmd(f->g, "m20000000,4"), "03000000");
    /* a store that covers the range from below is seen too */
    assert_string_equal(cmd(f->g, "z2,20000000,4"), "OK");
    assert_string_equal(cmd(f->g, "Z4,20000002,1"), "OK");
    assert_null(cmd(f->g, "c"));
    r = run(m, f->g);
    assert_non_null(strstr(r, "awatch:20000002;"));
    assert_string_equal(cmd(f->g, "z4,20000002,1"), "OK");
    /* a read watchpoint is not hit by writes */
    assert_string_equal(cmd(f->g, "Z3,20000000,4"), "OK");
    assert_null(cmd(f->g, "c"));
    assert_null(run(m, f->g));
    send_raw(f->g, "\x03", 1);
    assert_string_equal(cmd(f->g, "z3,20000000,4"), "OK");
    assert_string_equal(cmd(f->g, "Z2,20000000,0"), "E0c");
}

/* A breakpoint retranslates its own instruction only; the hooks that cover
 * all code (watchpoints, a step) drop the translated code once, when the
 * core resumes, however many packets came before: no packet's answer waits
 * for a whole flush (seconds on Unicorn 2.0.1). */
static void the_translated_code_is_dropped_only_where_needed(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    gdbstub *g = f->g;
    uint64_t whole = g->whole_flushes, ranges = g->range_flushes;
    assert_string_equal(cmd(g, "Z0,8000008,2"), "OK");
    assert_string_equal(cmd(g, "z0,8000008,2"), "OK");
    assert_int_equal(g->range_flushes, ranges + 2);
    assert_int_equal(g->whole_flushes, whole);
    assert_string_equal(cmd(g, "Z2,20000000,4"), "OK");
    assert_string_equal(cmd(g, "Z3,20000010,4"), "OK");
    assert_string_equal(cmd(g, "z3,20000010,4"), "OK");
    assert_int_equal(g->whole_flushes, whole); /* not yet */
    assert_null(cmd(g, "c"));
    assert_int_equal(g->whole_flushes, whole + 1); /* once for the three */
    const char *r = run(m, g);
    assert_non_null(r);
    assert_non_null(strstr(r, "watch:20000000;"));
    /* a step adds and drops its hook: one flush per resume */
    whole = g->whole_flushes;
    assert_string_equal(cmd(g, "z2,20000000,4"), "OK");
    assert_null(cmd(g, "s"));
    assert_non_null(run(m, g));
    assert_int_equal(g->whole_flushes, whole + 1);
}

static void monitor_commands(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    char q[128] = "qRcmd,";
    gdbp_hex_encode(q + 6, "help", 4);
    assert_string_equal(cmd(f->g, q), "OK");
    const char *o = packet(0);
    assert_int_equal(o[0], 'O');
    /* run a little, then reset: back at the reset vector, halted */
    assert_null(cmd(f->g, "s"));
    run(m, f->g);
    gdbp_hex_encode(q + 6, "reset", 5);
    assert_string_equal(cmd(f->g, q), "OK");
    assert_int_equal(reg(f->g, 15), 0x08000008);
    assert_true(gdbstub_halted(f->g));
    gdbp_hex_encode(q + 6, "info", 4);
    assert_string_equal(cmd(f->g, q), "OK");
    gdbp_hex_encode(q + 6, "halt", 4);
    assert_string_equal(cmd(f->g, q), "OK");
    gdbp_hex_encode(q + 6, "bogus", 5);
    assert_string_equal(cmd(f->g, q), "E01");
    gdbp_hex_encode(q + 6, "reset sideways", 14);
    assert_string_equal(cmd(f->g, q), "E01");
}

static void bad_input_gets_errors(void **state)
{
    fixture *f = *state;
    assert_null(send_raw(f->g, "$g#00", 5));
    assert_string_equal(out, "-");
    assert_string_equal(cmd(f->g, "qFoo"), "");
    assert_string_equal(cmd(f->g, "m,,"), "E01");
    assert_string_equal(cmd(f->g, "Z0,zz,2"), "E01");
    static char big[GDBP_MAX_PACKET + 16];
    big[0] = '$';
    memset(big + 1, 'm', GDBP_MAX_PACKET + 8);
    memcpy(big + GDBP_MAX_PACKET + 9, "#00", 3);
    assert_string_equal(send_raw(f->g, big, GDBP_MAX_PACKET + 12), "E01");
    /* a full breakpoint table says so */
    int i;
    for (i = 0; i < 100; i++) {
        char z[32];
        snprintf(z, sizeof(z), "Z1,%x,2", 0x08001000 + 2 * i);
        if (strcmp(cmd(f->g, z), "OK"))
            break;
    }
    assert_true(i >= 32 && i < 100);
    /* no-ack mode: no more '+' */
    assert_string_equal(cmd(f->g, "QStartNoAckMode"), "OK");
    cmd(f->g, "qC");
    assert_int_equal(out[0], '$');
    assert_string_equal(send_raw(f->g, "$g#00", 5), "E01");
    assert_true(gdbstub_halted(f->g));
}

static void detach_lets_it_run(void **state)
{
    fixture *f = *state;
    machine *m = f->m;
    assert_string_equal(cmd(f->g, "Z1,8000008,2"), "OK");
    assert_string_equal(cmd(f->g, "Z2,20000000,4"), "OK");
    assert_string_equal(cmd(f->g, "D"), "OK");
    assert_false(gdbstub_halted(f->g));
    /* breakpoints and watchpoints went with the debugger */
    uint64_t t0 = machine_now(m);
    assert_int_equal(machine_run(m, t0 + PS_PER_MS), STOP_DEADLINE);
    assert_true(machine_now(m) >= t0 + PS_PER_MS);
    assert_null(run(m, f->g));
}

/* Two blocks that chain into each other: a stop between slices must
 * resume at the right one even while a code hook exists (Unicorn 2.0.1
 * leaves PC stale on such stops then; cpu.c works around it). */
static machine *two_block_machine(void)
{
    machine *m = th_machine();
    uint32_t vec[2] = {0x20020000, 0x08000009};
    /* 08: movs r0,#0  0a: adds r0,#1  0c: b 10  0e: nop
     * 10: adds r0,#2  12: adds r1,#1  14: b 0a */
    static const uint16_t code[] = {0x2000, 0x3001, 0xe000, 0xbf00,
                                    0x3002, 0x3101, 0xe7f9};
    memcpy(stm32f205_flash(m), vec, sizeof(vec));
    memcpy(stm32f205_flash(m) + 8, code, sizeof(code));
    machine_reset(m, RESET_POWER_ON);
    return m;
}

static void a_breakpoint_elsewhere_changes_nothing(void **state)
{
    (void)state;
    machine *a = two_block_machine(), *b = two_block_machine();
    gdbstub *g = gdbstub_new(b);
    gdbstub_set_output(g, capture, NULL);
    gdbstub_connect(g);
    assert_string_equal(cmd(g, "Z1,8000100,2"), "OK"); /* never executed */
    assert_null(cmd(g, "c"));
    for (int i = 0; i < 200; i++) {
        machine_run(a, machine_now(a) + 7 * PS_PER_US);
        assert_null(run_for(b, g, 7 * PS_PER_US));
    }
    assert_int_equal(core_reg(a, UC_ARM_REG_R0), core_reg(b, UC_ARM_REG_R0));
    assert_int_equal(core_reg(a, UC_ARM_REG_R1), core_reg(b, UC_ARM_REG_R1));
    assert_int_equal(core_reg(a, UC_ARM_REG_PC), core_reg(b, UC_ARM_REG_PC));
    assert_int_equal(a->clock.cycles, b->clock.cycles);
    assert_true(core_reg(a, UC_ARM_REG_R1) > 1000);
    gdbstub_free(g);
    machine_free(a);
    machine_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_packet_halts_and_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(documents_read_in_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(registers_including_special_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(memory_through_the_bus, setup, teardown),
        cmocka_unit_test_setup_teardown(flash_programming, setup, teardown),
        cmocka_unit_test_setup_teardown(breakpoints_stop_before_the_instruction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stepping_counts_exactly_one_instruction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stepping_enters_a_pending_exception, setup, teardown),
        cmocka_unit_test_setup_teardown(watchpoints_stop_after_the_access, setup, teardown),
        cmocka_unit_test_setup_teardown(the_translated_code_is_dropped_only_where_needed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(monitor_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_input_gets_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(detach_lets_it_run, setup, teardown),
        cmocka_unit_test(a_breakpoint_elsewhere_changes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
