/* The SDIO host, DMA2 and the Wi-Fi chip on the Photon board, driven as a
 * host driver does it, and programmed nonsensically: every wrong request
 * gets the error answer of the controller or the chip, never a hang.
 *   - WL_REG_ON (PC1) low: the chip does not answer (CTIMEOUT)
 *   - enumeration: CMD5 (R4, no CRC: CCRCFAIL), CMD3 (RCA), CMD7
 *   - CMD52 to a function that does not exist: R5 FUNCTION NUMBER
 *   - CMD53 read through DMA2 stream 3 with peripheral flow control: the
 *     chip ID from chipcommon, TCIF and DATAEND
 *   - CMD53 outside the backplane: R5 ERROR | OUT OF RANGE
 *   - a data read the card never serves: DTIMEOUT
 *   - DMA into unmapped memory: TEIF; a burst that does not fit the FIFO
 *     threshold: FEIF and the stream does not start; memory-to-memory on
 *     DMA1: TEIF */
#include "fw.h"

#define SDIO(o) REG(0x40012C00u + (o))
#define POWER 0x00
#define CLKCR 0x04
#define ARG 0x08
#define CMD 0x0C
#define RESP1 0x14
#define DTIMER 0x24
#define DLEN 0x28
#define DCTRL 0x2C
#define STA 0x34
#define ICR 0x38
#define FIFO 0x80
#define STA_CCRCFAIL (1u << 0)
#define STA_CTIMEOUT (1u << 2)
#define STA_DTIMEOUT (1u << 3)
#define STA_CMDREND (1u << 6)
#define STA_DATAEND (1u << 8)
#define STA_CMDACT (1u << 11)
#define STA_RXACT (1u << 13)

#define DMA1 0x40026000u
#define DMA2 0x40026400u
#define LISR(d) REG((d) + 0x00)
#define LIFCR(d) REG((d) + 0x08)
#define S_CR(d, n) REG((d) + 0x10 + 0x18 * (n))
#define S_NDTR(d, n) REG((d) + 0x14 + 0x18 * (n))
#define S_PAR(d, n) REG((d) + 0x18 + 0x18 * (n))
#define S_M0AR(d, n) REG((d) + 0x1C + 0x18 * (n))
#define S_FCR(d, n) REG((d) + 0x24 + 0x18 * (n))
/* stream 3 flags in LISR */
#define FEIF3 (1u << 22)
#define TEIF3 (1u << 25)
#define TCIF3 (1u << 27)
/* channel 4, INC4 bursts, very high priority, 32-bit, MINC, PFCTRL, EN */
#define S3CR_READ 0x08A35421u
#define GPIOC_BASE 0x40020800u

static uint32_t cmd(uint32_t idx, uint32_t arg)
{
    SDIO(ICR) = 0x00C007FFu;
    SDIO(ARG) = arg;
    SDIO(CMD) = idx | 0x40u | 0x400u; /* short response, CPSMEN */
    while (SDIO(STA) & STA_CMDACT)
        ;
    return SDIO(STA);
}

static uint32_t cmd52(int write, int fn, uint32_t addr, uint8_t data)
{
    cmd(52, (uint32_t)write << 31 | (uint32_t)fn << 28 | addr << 9 | data);
    return SDIO(RESP1);
}

static void wl_reg_on(int on)
{
    GPIO_BSRR(GPIOC_BASE) = on ? 1u << 1 : 1u << 17;
}

/* A 4-byte CMD53 read of F1 `addr` through DMA2 stream 3 into *dst. */
static uint32_t read4(uint32_t addr, volatile uint32_t *dst, uint32_t *resp)
{
    LIFCR(DMA2) = 0x0FC00000u;
    S_CR(DMA2, 3) = 0;
    S_FCR(DMA2, 3) = 0x07; /* FIFO, threshold full */
    S_PAR(DMA2, 3) = 0x40012C80u;
    S_M0AR(DMA2, 3) = (uint32_t)dst;
    S_NDTR(DMA2, 3) = 1;
    SDIO(DTIMER) = 100000;
    SDIO(DLEN) = 4;
    SDIO(DCTRL) = 1u | 2u | 8u | (2u << 4) | (1u << 11); /* DTEN DTDIR DMAEN 4 B SDIOEN */
    uint32_t sta = cmd(53, 1u << 28 | 1u << 26 | addr << 9 | 4u); /* F1, incrementing, 4 B */
    *resp = SDIO(RESP1);
    if (sta & STA_CMDREND)
        S_CR(DMA2, 3) = S3CR_READ;
    for (int i = 0; i < 100000 && (SDIO(STA) & STA_RXACT); i++)
        ;
    return LISR(DMA2);
}

int main(void)
{
    fw_init();
    RCC_AHB1ENR |= (1u << 2) | (1u << 21) | (1u << 22); /* GPIOC, DMA1, DMA2 */
    RCC_APB2ENR |= 1u << 11;                            /* SDIO */
    GPIO_MODER(GPIOC_BASE) = (GPIO_MODER(GPIOC_BASE) & ~0xCu) | 0x4u; /* PC1 output */
    wl_reg_on(0);
    SDIO(POWER) = 3;
    SDIO(CLKCR) = 0x76u | (1u << 8); /* 400 kHz, CLKEN */

    fw_check(cmd(5, 0) & STA_CTIMEOUT, "WL_REG_ON low: the chip does not answer");
    wl_reg_on(1);
    fw_check(cmd(5, 0) & STA_CCRCFAIL, "CMD5: R4 comes without a CRC");
    fw_check(SDIO(RESP1) == 0xA0FF8000u, "CMD5: ready, two functions, 3.2-3.6 V");
    fw_check(cmd(3, 0) & STA_CMDREND, "CMD3: relative card address");
    uint32_t rca = SDIO(RESP1) >> 16;
    fw_check(rca != 0, "CMD3: a non-zero RCA");
    fw_check(cmd(7, rca << 16) & STA_CMDREND, "CMD7: card selected");
    fw_check((cmd52(1, 0, 0x02, 0x02) & 0xFF) == 0x02, "CMD52: IOEN = F1");
    fw_check((cmd52(0, 0, 0x03, 0) & 0x02) != 0, "CMD52: F1 ready");
    fw_check(cmd52(0, 5, 0x00, 0) & 0x0200, "CMD52 to function 5: FUNCTION NUMBER error");

    /* backplane window at chipcommon (0x18000000) */
    cmd52(1, 1, 0x1000C, 0x18);
    cmd52(1, 1, 0x1000B, 0x00);
    cmd52(1, 1, 0x1000A, 0x00);
    static volatile uint32_t buf[4];
    uint32_t r5;
    uint32_t isr = read4(0x0000, &buf[0], &r5);
    fw_check((r5 & 0xFF00) == 0x1000, "CMD53: R5 without error flags");
    fw_check(isr & TCIF3, "DMA2 stream 3: transfer complete (peripheral flow control)");
    fw_check(!(S_CR(DMA2, 3) & 1), "DMA2 stream 3: disabled at the end");
    fw_check(SDIO(STA) & STA_DATAEND, "SDIO: DATAEND");
    fw_check((buf[0] & 0xFFFF) == 0xA962, "chipcommon: chip ID 43362");

    /* a window the backplane does not have */
    cmd52(1, 1, 0x1000C, 0x20);
    read4(0x0000, &buf[1], &r5);
    fw_check((r5 & 0x0900) == 0x0900, "CMD53 outside the backplane: ERROR | OUT OF RANGE");
    cmd52(1, 1, 0x1000C, 0x18);

    /* a data read with no CMD53: the card sends nothing */
    SDIO(ICR) = 0x00C007FFu;
    SDIO(DTIMER) = 1000;
    SDIO(DLEN) = 64;
    SDIO(DCTRL) = 1u | 2u | (6u << 4);
    while (!(SDIO(STA) & (STA_DTIMEOUT | STA_DATAEND)))
        ;
    fw_check(SDIO(STA) & STA_DTIMEOUT, "a read the card never serves: DTIMEOUT");
    fw_check(!(SDIO(STA) & STA_RXACT), "and the data path stops");
    SDIO(FIFO) = 0x12345678u; /* a FIFO write nobody waits for: dropped */

    /* DMA into memory that does not exist */
    isr = read4(0x0000, (volatile uint32_t *)0x30000000u, &r5);
    fw_check(isr & TEIF3, "DMA into unmapped memory: TEIF");
    fw_check(!(S_CR(DMA2, 3) & 1), "and the stream stops");
    SDIO(ICR) = 0x00C007FFu;
    SDIO(DCTRL) = 0; /* the SDIO side still waits for its data: leave it */

    /* INC4 words (16 B) do not fit a 1/4 threshold (4 B) */
    LIFCR(DMA2) = 0x0FC00000u;
    S_FCR(DMA2, 3) = 0x04; /* FIFO, threshold 1/4 */
    S_CR(DMA2, 3) = S3CR_READ;
    fw_check(LISR(DMA2) & FEIF3, "a burst that does not fit the FIFO threshold: FEIF");
    fw_check(!(S_CR(DMA2, 3) & 1), "and the stream does not start");

    /* memory-to-memory needs DMA2 */
    static volatile uint32_t src = 0xCAFE, dst = 0;
    LIFCR(DMA1) = 0x3Du;
    S_PAR(DMA1, 0) = (uint32_t)&src;
    S_M0AR(DMA1, 0) = (uint32_t)&dst;
    S_NDTR(DMA1, 0) = 1;
    S_CR(DMA1, 0) = (2u << 6) | (2u << 11) | (2u << 13) | 1u;
    fw_check(LISR(DMA1) & (1u << 3), "memory-to-memory on DMA1: TEIF");
    fw_check(dst == 0, "and nothing is copied");
    /* ... on DMA2 it works */
    S_PAR(DMA2, 0) = (uint32_t)&src;
    S_M0AR(DMA2, 0) = (uint32_t)&dst;
    S_NDTR(DMA2, 0) = 1;
    S_CR(DMA2, 0) = (2u << 6) | (2u << 11) | (2u << 13) | 1u;
    fw_check(dst == 0xCAFE && (LISR(DMA2) & (1u << 5)), "memory-to-memory on DMA2: copied, TCIF");

    /* the chip still answers after all that */
    fw_check((cmd52(0, 0, 0x02, 0) & 0xFF) == 0x02, "the card still answers");
    wl_reg_on(0);
    fw_check(cmd(52, 0x02u << 9) & STA_CTIMEOUT, "WL_REG_ON low again: reset, no answer");
    fw_done();
}
