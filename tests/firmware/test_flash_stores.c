/* CPU stores into flash, the way an engine's fast paths could let them slip
 * through: several stores to the same 1 KB page inside one translation
 * block (STRD, STM, an unrolled copy, a store then a load), a tight word
 * loop, stores to the boot alias at 0x00000000, with and without PG.
 * Without PG nothing changes and PGSERR is set; with PG every word is
 * programmed (NOR: the cells AND the value), a store while BSY waits for
 * the programming in progress, and the CPU stalls ~16 us per word. Each
 * asm sequence below has no branch, so it is one translation block. */
#include "fw.h"

#define SECTOR5 0x08020000u
#define CR_PG 1u
#define CR_LOCK (1u << 31)
#define PSIZE32 (2u << 8)
#define SR_BSY (1u << 16)
#define SR_PGSERR (1u << 7)
#define SR_ERRORS 0xF2u
#define PROGRAM_CYCLES (16u * 120u) /* tPROG 16 us at 120 MHz */

static void wait_idle(void)
{
    while (FLASH_SR & SR_BSY)
        ;
}

static int all_equal(const volatile uint32_t *p, int n, uint32_t v)
{
    for (int i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

/* STRD, then both words loaded back in the same block. */
static void strd_load(uint32_t addr, uint32_t a, uint32_t b, uint32_t out[2])
{
    __asm volatile("strd %[a], %[b], [%[p]]\n"
                   "ldr %[a], [%[p]]\n"
                   "ldr %[b], [%[p], #4]\n"
                   : [a] "+&r"(a), [b] "+&r"(b)
                   : [p] "r"(addr)
                   : "memory");
    out[0] = a;
    out[1] = b;
}

/* STM of four words, then LDM of them in the same block. */
static void stm_load(uint32_t addr, uint32_t v, uint32_t out[4])
{
    register uint32_t p __asm("r0") = addr;
    register uint32_t r1 __asm("r1") = v;
    register uint32_t r2 __asm("r2") = v >> 1;
    register uint32_t r3 __asm("r3") = v >> 2;
    register uint32_t r4 __asm("r4") = v >> 3;
    __asm volatile("stmia r0, {r1, r2, r3, r4}\n"
                   "ldmia r0, {r1, r2, r3, r4}\n"
                   : "+r"(r1), "+r"(r2), "+r"(r3), "+r"(r4)
                   : "r"(p)
                   : "memory");
    out[0] = r1;
    out[1] = r2;
    out[2] = r3;
    out[3] = r4;
}

/* Eight word stores in a row (an unrolled copy); returns the last word as
 * loaded in the same block. */
static uint32_t unrolled8(uint32_t addr, uint32_t v)
{
    uint32_t x;
    __asm volatile("str %[v], [%[p], #0]\n"
                   "str %[v], [%[p], #4]\n"
                   "str %[v], [%[p], #8]\n"
                   "str %[v], [%[p], #12]\n"
                   "str %[v], [%[p], #16]\n"
                   "str %[v], [%[p], #20]\n"
                   "str %[v], [%[p], #24]\n"
                   "str %[v], [%[p], #28]\n"
                   "ldr %[x], [%[p], #28]\n"
                   : [x] "=&r"(x)
                   : [v] "r"(v), [p] "r"(addr)
                   : "memory");
    return x;
}

/* Two stores to the same word in one block; returns the word as loaded
 * right after them. */
static uint32_t store_twice(uint32_t addr, uint32_t a, uint32_t b)
{
    uint32_t x;
    __asm volatile("str %[a], [%[p]]\n"
                   "str %[b], [%[p]]\n"
                   "ldr %[x], [%[p]]\n"
                   : [x] "=&r"(x)
                   : [a] "r"(a), [b] "r"(b), [p] "r"(addr)
                   : "memory");
    return x;
}

/* A tight loop of word stores (one block per iteration, no BSY polling). */
static void word_loop(uint32_t addr, uint32_t v, uint32_t n)
{
    __asm volatile("1: str %[v], [%[p]], #4\n"
                   "subs %[n], #1\n"
                   "bne 1b\n"
                   : [p] "+&r"(addr), [n] "+&r"(n)
                   : [v] "r"(v)
                   : "memory", "cc");
}

static uint32_t cycles(void)
{
    return DWT_CYCCNT;
}

static void check_pgserr(const char *what)
{
    fw_check((FLASH_SR & SR_PGSERR) != 0, what);
    FLASH_SR = SR_ERRORS;
}

static void without_pg(void)
{
    volatile uint32_t *w = (volatile uint32_t *)SECTOR5;
    volatile uint32_t *flash = (volatile uint32_t *)0x08000000u;
    uint32_t out[4];

    fw_puts("without PG\n");
    strd_load(SECTOR5, 0x11111111u, 0x22222222u, out);
    fw_check(out[0] == 0xFFFFFFFFu && out[1] == 0xFFFFFFFFu, "STRD: loads in its block see erased cells");
    fw_check(w[0] == 0xFFFFFFFFu && w[1] == 0xFFFFFFFFu, "STRD: both words unchanged");
    check_pgserr("STRD: PGSERR");

    stm_load(SECTOR5 + 0x10, 0, out);
    fw_check(all_equal(out, 4, 0xFFFFFFFFu), "STM: LDM in its block sees erased cells");
    fw_check(all_equal(w + 4, 4, 0xFFFFFFFFu), "STM: four words unchanged");
    check_pgserr("STM: PGSERR");

    fw_check(unrolled8(SECTOR5 + 0x40, 0) == 0xFFFFFFFFu, "8 stores in one block: the last loads erased");
    fw_check(all_equal(w + 16, 8, 0xFFFFFFFFu), "8 stores in one block: unchanged");
    check_pgserr("8 stores in one block: PGSERR");

    word_loop(SECTOR5 + 0x100, 0, 64);
    fw_check(all_equal(w + 64, 64, 0xFFFFFFFFu), "a loop of 64 stores: unchanged");
    check_pgserr("a loop of 64 stores: PGSERR");

    /* The boot alias at 0: the vector table must survive stray stores
     * (the address is passed to asm: a C store through 0 is undefined). */
    uint32_t vec[16];
    for (int i = 0; i < 16; i++)
        vec[i] = flash[i];
    word_loop(0x00000000u, 0, 1);
    strd_load(0x00000000u, 0, 0, out);
    fw_check(out[0] == vec[0] && out[1] == vec[1], "STRD to 0x0: loads in its block see the vectors");
    stm_load(0x00000008u, 0, out);
    word_loop(0x00000020u, 0, 8);
    int same = 1;
    for (int i = 0; i < 16; i++)
        same &= flash[i] == vec[i] && ((volatile uint32_t *)0x00000000u)[i] == vec[i];
    fw_check(same, "stores to the alias at 0 leave the vector table");
    check_pgserr("stores to the alias at 0: PGSERR");
}

static void with_pg(void)
{
    volatile uint32_t *w = (volatile uint32_t *)(SECTOR5 + 0x400); /* next 1 KB page */
    uint32_t a = SECTOR5 + 0x400;
    uint32_t out[4];

    fw_puts("with PG\n");
    FLASH_KEYR = 0x45670123u;
    FLASH_KEYR = 0xCDEF89ABu;
    FLASH_CR = PSIZE32 | CR_PG;

    strd_load(a, 0x11111111u, 0x22222222u, out);
    fw_check(out[0] == 0x11111111u && out[1] == 0x22222222u, "STRD: loads in its block see both words");
    wait_idle();
    fw_check(w[0] == 0x11111111u && w[1] == 0x22222222u, "STRD programs both words");

    stm_load(a + 0x10, 0xF0F0F0F0u, out);
    fw_check(out[0] == 0xF0F0F0F0u && out[3] == 0x1E1E1E1Eu, "STM: LDM in its block sees the words");
    wait_idle();
    fw_check(w[4] == 0xF0F0F0F0u && w[5] == 0x78787878u && w[6] == 0x3C3C3C3Cu &&
                 w[7] == 0x1E1E1E1Eu,
             "STM programs four words");

    fw_check(unrolled8(a + 0x40, 0x5A5A5A5Au) == 0x5A5A5A5Au, "8 stores in one block: the last loads programmed");
    wait_idle();
    fw_check(all_equal(w + 16, 8, 0x5A5A5A5Au), "8 stores in one block program 8 words");

    /* NOR: programming ANDs, within one block too */
    fw_check(store_twice(a + 0x80, 0xFFFF0000u, 0x0000FFFFu) == 0, "two stores to a word in one block AND");
    wait_idle();
    fw_check(w[32] == 0, "over-programming: the cells hold the AND");
    w[33] = 0x12345678u;
    wait_idle();
    w[33] = 0xFFFFFFFFu; /* programming 1s changes nothing */
    wait_idle();
    fw_check(w[33] == 0x12345678u, "programming ones leaves the cells");

    uint32_t t0 = cycles();
    word_loop(a + 0x100, 0x600DF00Du, 64);
    wait_idle();
    uint32_t dt = cycles() - t0;
    fw_check(all_equal(w + 64, 64, 0x600DF00Du), "a loop of 64 stores programs 64 words");
    fw_puts("64 words took ");
    fw_putdec(dt);
    fw_puts(" cycles\n");
    fw_check(dt >= 64 * PROGRAM_CYCLES && dt < 64 * PROGRAM_CYCLES + 2000,
             "each word stalls the CPU for tPROG");

    /* Through the boot alias: the same cells (the end of sector 0 is
     * erased: this program is small). */
    volatile uint32_t *end0 = (volatile uint32_t *)0x08003FF0u;
    fw_check(end0[0] == 0xFFFFFFFFu && end0[1] == 0xFFFFFFFFu, "the end of sector 0 is erased");
    strd_load(0x00003FF0u, 0xA5A5A5A5u, 0x0000FFFFu, out);
    wait_idle();
    fw_check(end0[0] == 0xA5A5A5A5u && end0[1] == 0x0000FFFFu, "STRD through the alias at 0 programs flash");
    fw_check((FLASH_SR & SR_ERRORS) == 0, "no error flag after all that");

    FLASH_CR = CR_LOCK;
}

int main(void)
{
    fw_init();
    fw_puts("flash stores\n");
    DEMCR |= 1u << 24;
    DWT_CTRL |= 1;
    without_pg();
    with_pg();
    fw_done();
}
