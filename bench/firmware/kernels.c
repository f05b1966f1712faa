/* Benchmark kernels, the same code on photon-sim and on QEMU's netduino2
 * (also an STM32F205): an ALU loop, a load/store mix, and an MMIO-heavy
 * loop (photon-sim only). Built by bench/run with -DKERNEL_ALU etc.;
 * -DQEMU ends with a semihosting exit instead of the green LED. */
#include "fw.h"

#ifndef ITER
#define ITER 4000000u
#endif

static uint32_t buf[1024];

__attribute__((noinline, unused)) static uint32_t alu(uint32_t n)
{
    uint32_t a = 1, b = 2, c = 3, d = 4;
    for (uint32_t i = 0; i < n; i++) {
        /* 32 data-processing instructions an iteration */
        a += b ^ c; b = (b << 3) | (b >> 29); c -= d; d ^= a;
        a += b ^ c; b = (b << 3) | (b >> 29); c -= d; d ^= a;
        a += b ^ c; b = (b << 3) | (b >> 29); c -= d; d ^= a;
        a += b ^ c; b = (b << 3) | (b >> 29); c -= d; d ^= a;
        a = a * 3 + i; b += a >> 2; c ^= b; d += c;
        a = a * 5 + d; b ^= a >> 3; c += b; d -= c;
        __asm volatile("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d));
    }
    return a + b + c + d;
}

__attribute__((noinline, unused)) static uint32_t ldst(uint32_t n)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        /* 4 loads, 1 store in ~12 instructions: like the 22 % loads and
         * 12 % stores measured in Device OS */
        uint32_t j = (i * 4) & 1020;
        uint32_t x = buf[j] + buf[j + 1] + buf[j + 2] + buf[j + 3];
        buf[(j + 5) & 1023] = x ^ i;
        sum += x;
    }
    return sum;
}

#ifndef QEMU
__attribute__((noinline, unused)) static uint32_t mmio(uint32_t n)
{
    /* 4 register reads per ~10 instructions (GPIO IDR, pure reads) */
    uint32_t sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += GPIO_IDR(GPIOA_BASE) + GPIO_IDR(GPIOA_BASE + 0x400) +
               GPIO_IDR(GPIOA_BASE + 0x800) + GPIO_IDR(GPIOA_BASE) + i;
    return sum;
}
#endif

volatile uint32_t result;

static void finish(void)
{
#ifdef QEMU
    /* semihosting SYS_EXIT, ADP_Stopped_ApplicationExit */
    register uint32_t r0 __asm("r0") = 0x18;
    register uint32_t r1 __asm("r1") = 0x20026;
    __asm volatile("bkpt 0xab" : : "r"(r0), "r"(r1));
    for (;;)
        ;
#else
    fw_led(0, 1, 0);
    for (;;)
        __asm volatile("wfi");
#endif
}

int main(void)
{
#ifndef QEMU
    fw_init();
#endif
#if defined(KERNEL_ALU)
    result = alu(ITER);
#elif defined(KERNEL_LDST)
    result = ldst(ITER * 3);
#elif defined(KERNEL_MMIO) && !defined(QEMU)
    result = mmio(ITER);
#endif
    finish();
    return 0;
}
