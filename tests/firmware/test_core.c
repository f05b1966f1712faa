/* Core facilities: SysTick rate, DWT.CYCCNT, bit-band aliases for SRAM and
 * peripherals, PendSV context switch on the PSP (FreeRTOS style). */
#include "fw.h"

static volatile uint32_t ticks;
void systick_handler(void) { ticks++; }

/* ---- PendSV context switch between two tasks on their own stacks ---- */
static uint32_t stack_a[128], stack_b[128];
uint32_t *task_sp[2];
volatile uint32_t current;
static volatile uint32_t count_a, count_b, corrupt;

static void yield(void) { SCB_ICSR = ICSR_PENDSVSET; fw_dsb(); }

/* Each task keeps values in callee-saved registers across yields; any
 * corruption of r4-r11 by the switch shows up as a wrong sum. */
static void task(volatile uint32_t *count, uint32_t seed)
{
    for (;;) {
        register uint32_t r4 __asm("r4") = seed;
        register uint32_t r5 __asm("r5") = seed * 3;
        register uint32_t r8 __asm("r8") = seed * 7;
        register uint32_t r11 __asm("r11") = seed * 11;
        __asm volatile("" : "+r"(r4), "+r"(r5), "+r"(r8), "+r"(r11));
        yield();
        __asm volatile("" : "+r"(r4), "+r"(r5), "+r"(r8), "+r"(r11));
        if (r4 + r5 + r8 + r11 != seed * 22)
            corrupt++;
        (*count)++;
        seed++;
    }
}

static void task_a(void) { task(&count_a, 1000); }
static void task_b(void) { task(&count_b, 5000); }

__attribute__((naked)) void pendsv_handler(void)
{
    __asm volatile(
        "mrs r0, psp\n"
        "stmdb r0!, {r4-r11}\n"
        "ldr r1, =current\n"
        "ldr r2, [r1]\n"
        "ldr r3, =task_sp\n"
        "str r0, [r3, r2, lsl #2]\n"
        "eor r2, r2, #1\n"
        "str r2, [r1]\n"
        "ldr r0, [r3, r2, lsl #2]\n"
        "ldmia r0!, {r4-r11}\n"
        "msr psp, r0\n"
        "bx lr\n");
}

static uint32_t *init_stack(uint32_t *top, void (*fn)(void))
{
    uint32_t *sp = top - 16;
    for (int i = 0; i < 16; i++)
        sp[i] = 0;
    sp[8 + 5] = 0xFFFFFFFFu;           /* lr */
    sp[8 + 6] = (uint32_t)fn & ~1u;    /* pc */
    sp[8 + 7] = 1u << 24;              /* xPSR: Thumb */
    return sp;
}

static volatile uint32_t bb_word;

int main(void)
{
    fw_init();
    fw_puts("core\n");

    /* DWT.CYCCNT counts CPU cycles */
    DEMCR |= 1u << 24;
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1;
    uint32_t c0 = DWT_CYCCNT;
    for (volatile int i = 0; i < 1000; i++)
        ;
    uint32_t c1 = DWT_CYCCNT;
    fw_puts("1000 loop iterations: ");
    fw_putdec(c1 - c0);
    fw_puts(" cycles\n");
    fw_check(c1 - c0 > 3000 && c1 - c0 < 20000, "DWT.CYCCNT advances with execution");

    /* SysTick at 1 kHz: 100 ms of CYCCNT gives ~100 ticks */
    SYST_RVR = 120000 - 1;
    SYST_CVR = 0;
    SYST_CSR = 7;
    uint32_t t0 = DWT_CYCCNT;
    ticks = 0;
    while (DWT_CYCCNT - t0 < 12000000u)
        ;
    uint32_t n = ticks;
    SYST_CSR = 0;
    fw_puts("systick ticks in 100 ms: ");
    fw_putdec(n);
    fw_puts("\n");
    fw_check(n >= 99 && n <= 101, "SysTick rate 1 kHz");

    /* bit-band: SRAM and peripheral aliases */
    bb_word = 0;
    BB_SRAM(&bb_word, 5) = 1;
    BB_SRAM(&bb_word, 31) = 1;
    fw_check(bb_word == ((1u << 5) | (1u << 31)), "bit-band write to SRAM");
    fw_check(BB_SRAM(&bb_word, 5) == 1 && BB_SRAM(&bb_word, 6) == 0, "bit-band read of SRAM");
    BB_SRAM(&bb_word, 5) = 0;
    fw_check(bb_word == (1u << 31), "bit-band clear");
    RCC_APB1ENR |= 1u << 28;
    BB_PERIPH(0x40007000u, 8) = 1; /* PWR_CR.DBP */
    fw_check((PWR_CR & (1u << 8)) != 0, "bit-band write to a peripheral register");
    fw_check(BB_PERIPH(0x40023800u, 17) == 1, "bit-band read of RCC_CR.HSERDY");

    /* PendSV context switches on the PSP */
    SCB_SHPR3 = (SCB_SHPR3 & 0x00FFFFFFu) | (0xF0u << 24); /* PendSV lowest */
    task_sp[0] = init_stack(stack_a + 128, task_a);
    task_sp[1] = init_stack(stack_b + 128, task_b);
    current = 0;
    /* start task A by "returning" into it through a switch from main on
     * the PSP: main becomes a thread on its own PSP stack, slot 1 */
    static uint32_t stack_main[128];
    uint32_t *sp = stack_main + 128;
    __asm volatile("msr psp, %0\n movs r0, #2\n msr control, r0\n isb" ::"r"(sp) : "r0");
    /* now on PSP: make main task 0, A task 1; B takes the place of ... */
    task_sp[1] = task_sp[0]; /* A */
    current = 0;             /* main */
    for (int i = 0; i < 50; i++)
        yield(); /* main <-> A */
    fw_check(count_a >= 49 && corrupt == 0, "PendSV switches between main and task A on the PSP");
    task_sp[current ^ 1] = task_sp[1];
    (void)task_b;
    __asm volatile("movs r0, #0\n msr control, r0\n isb" ::: "r0");
    fw_check((fw_get_ipsr() & 0x1FF) == 0, "back in Thread mode on the MSP");
    fw_done();
}
