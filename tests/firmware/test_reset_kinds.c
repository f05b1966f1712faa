/* Reset kinds: a software reset (AIRCR.SYSRESETREQ) and an IWDG reset
 * keep the backup registers and set their RCC_CSR flag; the IWDG really
 * resets the chip when it is not reloaded. Three boots, staged in BKP19. */
#include "fw.h"

#define CSR_RMVF (1u << 24)
#define CSR_PORRSTF (1u << 27)
#define CSR_SFTRSTF (1u << 28)
#define CSR_IWDGRSTF (1u << 29)
#define IWDG_KR REG(0x40003000)
#define IWDG_PR REG(0x40003004)
#define IWDG_RLR REG(0x40003008)
#define MAGIC 0xCAFEF00Du

int main(void)
{
    fw_init();
    RCC_APB1ENR |= 1u << 28; /* PWR */
    PWR_CR |= 1u << 8;       /* DBP: backup domain writable */
    uint32_t csr = RCC_CSR;
    RCC_CSR |= CSR_RMVF;
    uint32_t stage = RTC_BKP(19);
    fw_puts("boot, stage ");
    fw_putdec(stage);
    fw_puts(", RCC_CSR ");
    fw_puthex(csr);
    fw_puts("\n");
    if (stage == 0) {
        fw_check((csr & CSR_PORRSTF) != 0, "power-on reset flag");
        fw_check(RTC_BKP(0) == 0, "backup registers clear after power-on");
        RTC_BKP(0) = MAGIC;
        RTC_BKP(19) = 1;
        if (fw_failures)
            fw_done();
        SCB_AIRCR = 0x05FA0004u; /* SYSRESETREQ */
        for (;;)
            ;
    }
    if (stage == 1) {
        fw_check((csr & CSR_SFTRSTF) != 0 && !(csr & CSR_PORRSTF), "software reset flag");
        fw_check(RTC_BKP(0) == MAGIC, "backup register kept by a software reset");
        RTC_BKP(19) = 2;
        if (fw_failures)
            fw_done();
        /* start the watchdog (LSI 32 kHz / 4, 100 ticks: 12.6 ms) and starve it */
        IWDG_KR = 0x5555;
        IWDG_PR = 0;
        IWDG_RLR = 100;
        IWDG_KR = 0xCCCC;
        for (;;)
            ;
    }
    fw_check(stage == 2, "third boot");
    fw_check((csr & CSR_IWDGRSTF) != 0, "watchdog reset flag");
    fw_check(RTC_BKP(0) == MAGIC, "backup register kept by a watchdog reset");
    RTC_BKP(19) = 0;
    fw_done();
}
