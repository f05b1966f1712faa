/* Exception entry and return done in software: nesting, tail-chaining,
 * priorities with PRIGROUP, BASEPRI and PRIMASK masking, SVC, faults. */
#include "fw.h"

#define IRQ_A 50 /* software-pended external interrupts nobody else uses */
#define IRQ_B 51
#define IRQ_C 52
#define IRQ_D 53

static volatile char order[16];
static volatile int n_order;
static volatile uint32_t svc_seen, hf_seen, bf_seen, bf_addr, mm_seen, mm_cfsr, mm_pc;

static void mark(char c)
{
    if (n_order < 15)
        order[n_order++] = c;
}

static void pend(int irq) { NVIC_ISPR(irq / 32) = 1u << (irq % 32); }

void irq_handler(void)
{
    int irq = (int)fw_get_ipsr() - 16;
    switch (irq) {
    case IRQ_A:
        mark('A');
        pend(IRQ_B); /* higher priority: preempts A at once */
        mark('a');
        break;
    case IRQ_B: mark('B'); break;
    case IRQ_C:
        mark('C');
        pend(IRQ_D); /* same priority: runs after C, tail-chained */
        mark('c');
        break;
    case IRQ_D: mark('D'); break;
    }
}

void svc_handler(void) { svc_seen++; }

extern void after_fault(void);

/* The faulting load is not retried: the handlers return to after_fault
 * by rewriting the stacked PC (r0 = the frame, passed by the naked
 * entry stubs below). */
void busfault_c(uint32_t *frame);
void busfault_c(uint32_t *frame)
{
    bf_seen++;
    bf_addr = SCB_BFAR;
    SCB_SHCSR &= ~(1u << 17); /* the next one escalates */
    SCB_CFSR = SCB_CFSR;
    frame[6] = (uint32_t)after_fault & ~1u;
}

void hardfault_c(uint32_t *frame);
void hardfault_c(uint32_t *frame)
{
    hf_seen++;
    frame[6] = (uint32_t)after_fault & ~1u;
}

void memmanage_c(uint32_t *frame);
void memmanage_c(uint32_t *frame)
{
    mm_seen++;
    mm_cfsr = SCB_CFSR;
    mm_pc = frame[6];
    SCB_CFSR = SCB_CFSR;
    frame[6] = (uint32_t)after_fault & ~1u;
}

__attribute__((naked)) void memmanage_handler(void)
{
    __asm volatile("mrs r0, msp\n b memmanage_c");
}

__attribute__((naked)) void busfault_handler(void)
{
    __asm volatile("mrs r0, msp\n b busfault_c");
}

__attribute__((naked)) void hardfault_handler(void)
{
    __asm volatile("mrs r0, msp\n b hardfault_c");
}

static volatile uint32_t *volatile bad = (volatile uint32_t *)0x60000000u; /* FSMC: absent */
volatile int faults_done;

/* Where a faulting load "returns": the caller's next statement. */
volatile uint32_t resume_lr;
__attribute__((naked)) void after_fault(void)
{
    __asm volatile("ldr r0, =faults_done\n ldr r1, [r0]\n adds r1, #1\n str r1, [r0]\n"
                   "ldr r0, =resume_lr\n ldr r0, [r0]\n bx r0");
}

__attribute__((noinline)) static void faulting_load(void)
{
    uint32_t lr;
    __asm volatile("mov %0, lr" : "=r"(lr));
    resume_lr = lr;
    (void)*bad;
}

/* A call into the peripheral region, execute-never in the default map. */
__attribute__((noinline)) static void faulting_fetch(void)
{
    uint32_t lr;
    __asm volatile("mov %0, lr" : "=r"(lr));
    resume_lr = lr;
    ((void (*)(void))0x40000001u)();
}

static int same(const char *want)
{
    int i = 0;
    for (; want[i]; i++)
        if (i >= n_order || order[i] != want[i])
            return 0;
    return i == n_order;
}

static void reset_order(void) { n_order = 0; }

int main(void)
{
    fw_init();
    fw_puts("exceptions\n");
    SCB_AIRCR = 0x05FA0000u | (3u << 8); /* 4 bits of pre-emption */
    NVIC_IPR8(IRQ_A) = 0x80;
    NVIC_IPR8(IRQ_B) = 0x40;
    NVIC_IPR8(IRQ_C) = 0x80;
    NVIC_IPR8(IRQ_D) = 0x80;
    NVIC_ISER(1) = 0xFu << (IRQ_A - 32);

    reset_order();
    pend(IRQ_A);
    fw_dsb();
    fw_check(same("ABa"), "nesting: B preempts A");

    reset_order();
    pend(IRQ_C);
    fw_dsb();
    fw_check(same("CcD"), "tail-chaining: D after C at the same priority");

    reset_order();
    fw_set_basepri(0x60);
    pend(IRQ_A); /* 0x80 is masked by BASEPRI 0x60 */
    fw_dsb();
    fw_check(n_order == 0, "BASEPRI masks lower priorities");
    pend(IRQ_B); /* 0x40 is not */
    fw_dsb();
    fw_check(same("B"), "BASEPRI lets higher priorities through");
    fw_set_basepri(0);
    fw_dsb();
    fw_check(same("BABa"), "A runs when BASEPRI is cleared");

    reset_order();
    fw_disable_irq();
    pend(IRQ_B);
    fw_dsb();
    fw_check(n_order == 0, "PRIMASK masks everything configurable");
    fw_enable_irq();
    fw_dsb();
    fw_check(same("B"), "B runs after cpsie");

    __asm volatile("svc #0");
    fw_check(svc_seen == 1, "SVC runs its handler");

    SCB_SHCSR |= 1u << 17; /* BUSFAULTENA */
    faulting_load();
    fw_check(bf_seen == 1 && bf_addr == 0x60000000u, "bus fault with BFAR");
    faulting_load(); /* BusFault now disabled: escalates */
    fw_check(hf_seen == 1 && (SCB_HFSR & (1u << 30)), "escalation to HardFault, FORCED");

    SCB_SHCSR |= 1u << 16; /* MEMFAULTENA */
    faulting_fetch();
    fw_check(mm_seen == 1 && (mm_cfsr & 1u) && mm_pc == 0x40000000u,
             "a fetch from an execute-never region: MemManage, IACCVIOL, stacked PC");

    fw_done();
}
