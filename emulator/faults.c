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

int fault_timed_parse(const char *spec, fault_event f, fault_timed *out, char *err,
                      size_t errlen)
{
    char when[64];
    const char *comma = f == FAULT_IWDG_EXPIRE ? strchr(spec, ',') : NULL;
    size_t n = comma ? (size_t)(comma - spec) : strlen(spec);
    uint64_t times = 1;
    double s = 0;
    memset(out, 0, sizeof(*out));
    bool ok = n < sizeof(when);
    if (ok) {
        memcpy(when, spec, n);
        when[n] = 0;
        ok = num_seconds(when, 0, 1e6, &s);
    }
    if (ok && comma)
        ok = num_u64(comma + 1, 1000, &times) && times > 0;
    if (!ok) {
        snprintf(err, errlen, "'%s' is not %s", spec,
                 f == FAULT_IWDG_EXPIRE ? "a virtual time (2.5s, 1500ms), optionally ,N "
                                          "(expiries, 1 to 1000)"
                                        : "a virtual time (2.5s, 1500ms)");
        return -1;
    }
    out->given = true;
    out->after_ps = (uint64_t)(s * PS_PER_S);
    out->times = (uint32_t)times;
    return 0;
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

const char *fault_now(session *s, fault_event f, uint32_t times)
{
    machine *m = s->p->m;
    switch (f) {
    case FAULT_BROWNOUT:
        log_msg(&m->log, LOG_RESET, "[%.3f ms] brown-out: the supply dips below the threshold",
                (double)machine_now(m) / PS_PER_MS);
        machine_request_reset(m, RESET_BROWNOUT);
        return "brown-out: the chip resets (BORRSTF)";
    case FAULT_IWDG_EXPIRE:
        return iwdg_force_expire(&s->p->soc.iwdg, times)
                   ? "the IWDG runs out: watchdog reset"
                   : "the IWDG is not running: it runs out as soon as the firmware starts it";
    }
    return "?";
}

static void brownout_now(void *arg)
{
    fault_now(arg, FAULT_BROWNOUT, 1);
}

static void iwdg_expire_now(void *arg)
{
    session *s = arg;
    fault_now(s, FAULT_IWDG_EXPIRE, s->iwdg_expiries);
}

void fault_at(session *s, fault_event f, uint64_t after_ps, uint32_t times)
{
    machine *m = s->p->m;
    if (f == FAULT_IWDG_EXPIRE)
        s->iwdg_expiries = times;
    clock_arm(&m->clock, &s->timed_fault[f], machine_now(m) + after_ps);
}

void fault_watch(session *s)
{
    line_connect(&s->p->soc.flash.power_fail, line_sink_make(power_failed, s, 0));
    clock_event_init(&s->power_event, "power-loss", power_fail_now, s);
    clock_event_init(&s->timed_fault[FAULT_BROWNOUT], "brown-out", brownout_now, s);
    clock_event_init(&s->timed_fault[FAULT_IWDG_EXPIRE], "iwdg-expire", iwdg_expire_now, s);
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
