#include "faults.h"

#include <stdio.h>
#include <string.h>

#include "numparse.h"

int fault_parse(const char *spec, flash_fault_effect effect, fault_spec *out, char *err,
                size_t errlen)
{
    static const struct {
        const char *name;
        flash_op_kind kind;
    } kinds[] = {{"program:", FLASH_OP_PROGRAM}, {"erase:", FLASH_OP_ERASE}, {"op:", FLASH_OP_ANY}};
    memset(out, 0, sizeof(*out));
    out->effect = effect;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        size_t n = strlen(kinds[i].name);
        if (strncmp(spec, kinds[i].name, n))
            continue;
        out->kind = kinds[i].kind;
        if (!num_u64(spec + n, UINT32_MAX, &out->n) || out->n == 0) {
            snprintf(err, errlen, "'%s': the count after '%s' is a number from 1", spec,
                     kinds[i].name);
            return -1;
        }
        return 0;
    }
    double s;
    if (effect == FLASH_FAULT_POWER && num_seconds(spec, 0, 1e6, &s)) {
        out->after_ps = (uint64_t)(s * PS_PER_S);
        return 0;
    }
    snprintf(err, errlen, "'%s' is not %s", spec,
             effect == FLASH_FAULT_POWER
                 ? "program:N, erase:N, op:N or a time (2.5s, 1500ms)"
                 : "program:N, erase:N or op:N");
    return -1;
}

static void power_failed(void *opaque, int n, double level)
{
    session *s = opaque;
    (void)n;
    if (!line_high(level) || s->power_lost)
        return;
    s->power_lost = true;
    s->power_lost_at = machine_now(s->p->m);
    machine_request_stop(s->p->m, STOP_REQUEST);
}

static void power_fail_now(void *arg)
{
    session *s = arg;
    flash_power_fail(&s->p->soc.flash);
}

void fault_watch(session *s)
{
    line_connect(&s->p->soc.flash.power_fail, line_sink_make(power_failed, s, 0));
    clock_event_init(&s->power_event, "power-loss", power_fail_now, s);
}

void fault_arm(session *s, const fault_spec *f)
{
    machine *m = s->p->m;
    if (f->n && f->effect == FLASH_FAULT_DISTURB) {
        flash_disturb_at(&s->p->soc.flash, f->kind, f->n, f->addr, f->len, f->xor);
        return;
    }
    if (f->n) {
        flash_fault_at(&s->p->soc.flash, f->kind, f->n, f->effect);
        return;
    }
    clock_arm(&m->clock, &s->power_event, machine_now(m) + f->after_ps);
}
