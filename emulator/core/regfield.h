/* Register and field names, written once, so models read like their
 * reference manual (QEMU's registerfields.h).
 *
 * A model lists its registers once, as an X-macro of three kinds of entry:
 *   REG(name, offset, field)   a register kept in the state struct's `field`
 *   REGV(name, offset)         a register without state of its own (written
 *                              only, or computed when read)
 *   REGA(id, fmt, offset, stride, count, first, array, member)
 *                              `count` registers `stride` bytes apart, named
 *                              printf(fmt, first + i) in traces and `id` in
 *                              the state table, kept in array[i]member
 * for example
 *   #define USART_REGS(REG, REGV, REGA) \
 *       REG(SR, 0x00, sr)               \
 *       REG(DR, 0x04, dr_rx)            \
 *       REG(BRR, 0x08, brr)
 * and from that one list:
 *   REGS_OFFSETS(USART_REGS)        enum { A_SR = 0x00, A_DR = 0x04, ... };
 *   REGS_NAMES(USART_REGS)          reg_name initialisers (names for traces)
 *   REGS_STATE(USART_REGS)          state_field initialisers (the registers'
 *                                   part of the state table), with
 *                                   #define REGS_T my_usart before
 *
 *   FIELD(CR, HSEON, 16, 1)     -> R_CR_HSEON_SHIFT, R_CR_HSEON_LENGTH, R_CR_HSEON_MASK
 *   FIELD_EX32(v, CR, HSEON)    -> extract the field from v
 *   FIELD_DP32(v, CR, HSEON, x) -> v with the field replaced by x
 *   STATE(name, field)          -> a state_field initialiser for REGS_T.field
 *   STATE_ARRAY(name, array)    -> one for all elements of REGS_T.array
 */
#ifndef CORE_REGFIELD_H
#define CORE_REGFIELD_H

#include <stddef.h>
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

/* ---- register lists ---- */
#define REGS_OFF_R_(name, off, field) A_##name = (off),
#define REGS_OFF_V_(name, off) A_##name = (off),
#define REGS_OFF_A_(id, fmt, off, stride, count, first, array, member) A_##id = (off),
#define REGS_OFFSETS(LIST) enum { LIST(REGS_OFF_R_, REGS_OFF_V_, REGS_OFF_A_) };

#define REGS_NAME_R_(name, off, field) {(off), #name, 0, 1, 0},
#define REGS_NAME_V_(name, off) {(off), #name, 0, 1, 0},
#define REGS_NAME_A_(id, fmt, off, stride, count, first, array, member)                   \
    {(off), fmt, (stride), (count), (first)},
#define REGS_NAMES(LIST) LIST(REGS_NAME_R_, REGS_NAME_V_, REGS_NAME_A_)

#define STATE(name, field)                                                                \
    {name, (uint32_t)offsetof(REGS_T, field), (uint32_t)sizeof(((REGS_T *)0)->field), 1, 0, \
     NULL, NULL},
#define STATE_ARRAY(name, array)                                                          \
    {name, (uint32_t)offsetof(REGS_T, array), (uint32_t)sizeof(((REGS_T *)0)->array[0]),    \
     (uint32_t)(sizeof(((REGS_T *)0)->array) / sizeof(((REGS_T *)0)->array[0])), 0, NULL,  \
     NULL},
#define REGS_STATE_R_(name, off, field) STATE(#name, field)
#define REGS_STATE_V_(name, off)
#define REGS_STATE_A_(id, fmt, off, stride, count, first, array, member)                  \
    {#id, (uint32_t)offsetof(REGS_T, array[0] member),                                     \
     (uint32_t)sizeof(((REGS_T *)0)->array[0] member), (count),                            \
     (uint32_t)sizeof(((REGS_T *)0)->array[0]), NULL, NULL},
#define REGS_STATE(LIST) LIST(REGS_STATE_R_, REGS_STATE_V_, REGS_STATE_A_)

/* Output lines for a device class's line table (REGS_T as above). */
#define LINE_OUT(name, field)                                                             \
    {name, (uint32_t)offsetof(REGS_T, field), 1, NULL},
#define LINE_OUTS(name, array)                                                            \
    {name, (uint32_t)offsetof(REGS_T, array),                                             \
     (int)(sizeof(((REGS_T *)0)->array) / sizeof(((REGS_T *)0)->array[0])), NULL},
#define LINE_IN(name, count, handler) {name, 0, (count), (handler)},

#endif
