/* Vector table and reset handler for the own test firmware. */
#include <stdint.h>

extern uint32_t _stack_top, _data_load, _data, _edata, _bss, _ebss;
int main(void);

void reset_handler(void);
void default_handler(void);
void default_handler(void)
{
    for (;;)
        ;
}

#define WEAK __attribute__((weak, alias("default_handler")))
void nmi_handler(void) WEAK;
void hardfault_handler(void) WEAK;
void memmanage_handler(void) WEAK;
void busfault_handler(void) WEAK;
void usagefault_handler(void) WEAK;
void svc_handler(void) WEAK;
void pendsv_handler(void) WEAK;
void systick_handler(void) WEAK;
void irq_handler(void) WEAK; /* every external interrupt */

__attribute__((section(".vectors"), used)) void (*const vectors[16 + 81])(void) = {
    (void (*)(void))&_stack_top,
    reset_handler,
    nmi_handler,
    hardfault_handler,
    memmanage_handler,
    busfault_handler,
    usagefault_handler,
    0, 0, 0, 0,
    svc_handler,
    0, 0,
    pendsv_handler,
    systick_handler,
    [16 ... 16 + 80] = irq_handler,
};

void reset_handler(void)
{
    uint32_t *s = &_data_load, *d = &_data;
    while (d < &_edata)
        *d++ = *s++;
    for (d = &_bss; d < &_ebss;)
        *d++ = 0;
    main();
    for (;;)
        ;
}
