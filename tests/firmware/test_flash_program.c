/* Flash erase and programming through the controller, as the firmware
 * does it: unlock, sector erase (BSY while erasing, cells read 0xFF),
 * word programming (NOR: only 1 -> 0), a store without PG is ignored and
 * sets PGSERR, code copied to RAM sees the same flash. */
#include "fw.h"

#define SECTOR5 0x08020000u
#define CR_PG 1u
#define CR_SER 2u
#define CR_STRT (1u << 16)
#define CR_LOCK (1u << 31)
#define PSIZE32 (2u << 8)
#define SR_BSY (1u << 16)
#define SR_PGSERR (1u << 7)

/* A read in a function of its own (test_flash_stores.c reads back within
 * the store's translation block). */
__attribute__((noinline)) static uint32_t rd(volatile uint32_t *p)
{
    return *p;
}

static void wait_idle(void)
{
    while (FLASH_SR & SR_BSY)
        ;
}

int main(void)
{
    fw_init();
    fw_puts("flash controller\n");
    volatile uint32_t *w = (volatile uint32_t *)SECTOR5;

    *w = 0; /* not programming: ignored */
    fw_check(rd(w) == 0xFFFFFFFFu, "a store without PG changes nothing");
    fw_check((FLASH_SR & SR_PGSERR) != 0, "and sets PGSERR");
    FLASH_SR = SR_PGSERR;
    fw_check(!(FLASH_SR & SR_PGSERR), "PGSERR is write-one-to-clear");

    fw_check((FLASH_CR & CR_LOCK) != 0, "locked after reset");
    FLASH_KEYR = 0x45670123u;
    FLASH_KEYR = 0xCDEF89ABu;
    fw_check(!(FLASH_CR & CR_LOCK), "unlocked by the key sequence");

    FLASH_CR = PSIZE32 | CR_PG;
    w[0] = 0x12345678u;
    wait_idle();
    w[1] = 0xFFFF0000u;
    wait_idle();
    fw_check(w[0] == 0x12345678u && w[1] == 0xFFFF0000u, "word programming");
    w[1] = 0x0000FFFFu; /* over-programming ANDs */
    wait_idle();
    fw_check(w[1] == 0u, "NOR: programming only clears bits");
    FLASH_CR = 0;

    DEMCR |= 1u << 24;
    DWT_CTRL |= 1;
    uint32_t t0 = DWT_CYCCNT;
    FLASH_CR = PSIZE32 | CR_SER | (5u << 3);
    FLASH_CR = PSIZE32 | CR_SER | (5u << 3) | CR_STRT;
    wait_idle();
    uint32_t cycles = DWT_CYCCNT - t0;
    fw_check(w[0] == 0xFFFFFFFFu && w[1] == 0xFFFFFFFFu, "sector erase");
    fw_puts("erase took ");
    fw_putdec(cycles / 120000u);
    fw_puts(" ms\n");
    fw_check(cycles > 120000u * 900 && cycles < 120000u * 1100,
             "a 128 KB sector takes ~1 s to erase (x32)");
    FLASH_CR = CR_LOCK;
    fw_check((FLASH_CR & CR_LOCK) != 0, "locked again");
    fw_done();
}
