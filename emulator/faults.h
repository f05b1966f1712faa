/* Fault injection on a device: the power fails at the nth flash program or
 * erase, or at a virtual time, leaving the flash as a real chip would (the
 * operation in flight torn, see flash_fault_at); or a flash operation never
 * completes; or, as the nth starts, cells elsewhere flip (a disturb: the
 * scenario step corrupt-flash with `at`). `run --power-loss/--stuck-flash` and the scenario steps
 * `power-loss`/`stuck-flash` use it. After a power failure the session's
 * `power_lost` is set and the machine stops its slice; the world then ends
 * the run or powers the device on again (world.h). */
#ifndef PHOTON_FAULTS_H
#define PHOTON_FAULTS_H

#include <stddef.h>
#include <stdint.h>

#include "flash.h"
#include "session.h"

typedef struct fault_spec {
    flash_fault_effect effect; /* FLASH_FAULT_POWER or FLASH_FAULT_STUCK */
    flash_op_kind kind;        /* with n: which operations count */
    uint64_t n;                /* > 0: at the nth of them after arming */
    uint64_t after_ps;         /* n == 0: this long after arming (power only) */
    uint32_t addr, len;        /* FLASH_FAULT_DISTURB: the bytes that flip */
    uint8_t xor;
} fault_spec;

/* "program:N", "erase:N", "op:N" (any flash operation), or, for a power
 * failure, a time: "2.5s", "1500ms". Returns 0, or -1 with a message. */
int fault_parse(const char *spec, flash_fault_effect effect, fault_spec *out, char *err,
                size_t errlen);
/* Arm it on the session's device, counting from now. */
void fault_arm(session *s, const fault_spec *f);
/* Watch the device's power (session_open does this). */
void fault_watch(session *s);

#endif
