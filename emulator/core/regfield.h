/* Register and field names, written once, so models read like their reference manual.
 *
 *   REG32(CR, 0x00)             -> A_CR (byte offset)
 *   FIELD(CR, HSEON, 16, 1)     -> R_CR_HSEON_SHIFT, R_CR_HSEON_LENGTH, R_CR_HSEON_MASK
 *   FIELD_EX32(v, CR, HSEON)    -> extract the field from v
 *   FIELD_DP32(v, CR, HSEON, x) -> v with the field replaced by x
 */
#ifndef CORE_REGFIELD_H
#define CORE_REGFIELD_H

#include <stdint.h>

#define REG32(reg, off) enum { A_##reg = (off) };

#define FIELD(reg, field, shift, len)                                          \
    enum {                                                                     \
        R_##reg##_##field##_SHIFT = (shift),                                   \
        R_##reg##_##field##_LENGTH = (len),                                    \
    };                                                                         \
    static const uint32_t R_##reg##_##field##_MASK __attribute__((unused)) =    \
        (uint32_t)((((uint64_t)1 << (len)) - 1) << (shift));

#define FIELD_EX32(v, reg, field)                                              \
    (((uint32_t)(v) & R_##reg##_##field##_MASK) >> R_##reg##_##field##_SHIFT)

#define FIELD_DP32(v, reg, field, x)                                           \
    (((uint32_t)(v) & ~R_##reg##_##field##_MASK) |                             \
     (((uint32_t)(x) << R_##reg##_##field##_SHIFT) & R_##reg##_##field##_MASK))

#define BIT(n) (1u << (n))

#endif
