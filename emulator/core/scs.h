/* The System Control Space at 0xE000E000: NVIC registers, SCB, SysTick,
 * MPU (registers only) and CoreDebug. The DWT (0xE0001000) is host memory
 * refreshed per block, so delay loops polling CYCCNT cost no callback. */
#ifndef CORE_SCS_H
#define CORE_SCS_H

#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "device.h"

#define SCS_BASE 0xE000E000u
#define SCS_SIZE 0x1000u

/* ARM (0x41), variant 2, ARMv7-M (0xF), Cortex-M3 (0xC23), revision 1 */
#define CPUID_CORTEX_M3_R2P1 (0x41u << 24 | 2u << 20 | 0xFu << 16 | 0xC23u << 4 | 1u)

/* CFSR bits */
#define CFSR_IACCVIOL BIT(0)
#define CFSR_DACCVIOL BIT(1)
#define CFSR_MMARVALID BIT(7)
#define CFSR_IBUSERR BIT(8)
#define CFSR_PRECISERR BIT(9)
#define CFSR_IMPRECISERR BIT(10)
#define CFSR_BFARVALID BIT(15)
#define CFSR_UNDEFINSTR BIT(16)
#define CFSR_INVSTATE BIT(17)
#define CFSR_INVPC BIT(18)
#define CFSR_NOCP BIT(19)
#define CFSR_UNALIGNED BIT(24)
#define CFSR_DIVBYZERO BIT(25)
#define HFSR_VECTTBL BIT(1)
#define HFSR_FORCED BIT(30)

typedef struct scs {
    device dev;
    uint32_t actlr;
    uint32_t vtor;
    uint32_t scr, ccr;
    uint32_t cfsr, hfsr, dfsr, mmfar, bfar, afsr;
    uint32_t cpacr;
    uint32_t dhcsr, demcr;
    uint32_t mpu_ctrl, mpu_rnr, mpu_rbar[8], mpu_rasr[8];
    /* SysTick */
    uint32_t st_ctrl, st_load;
    uint64_t st_anchor; /* cycle at which the counter was last loaded */
    uint32_t st_frozen; /* the value while the counter is stopped */
    bool st_countflag;
    clock_event st_event;
} scs;

void scs_init(scs *s, struct machine *m);
/* The CPU clock changed: re-time SysTick. */
void scs_clock_changed(scs *s);

#endif
