/* IWDG (RM0033 section 19.4). Counts down from RLR at LSI / (4 << PR);
 * KR 0xCCCC starts it (it cannot be stopped but by a reset), 0xAAAA
 * reloads, 0x5555 unlocks PR and RLR. On expiry the chip resets with
 * RCC_CSR.IWDGRSTF. PVU/RVU read 0: updates take effect at once. */
#include "iwdg.h"

#include <string.h>

#include "machine.h"

#define IWDG_REGS(REG, REGV, REGA) \
    REGV(KR, 0x00)                  \
    REG(PR, 0x04, pr)               \
    REG(RLR, 0x08, rlr)             \
    REGV(SR, 0x0C)
REGS_OFFSETS(IWDG_REGS)
#define REGS_T stm32_iwdg

uint64_t iwdg_timeout_ps(const stm32_iwdg *w)
{
    uint64_t div = 4ull << (w->pr > 6 ? 6 : w->pr);
    return ((uint64_t)w->rlr + 1) * div * PS_PER_S / w->lsi_hz;
}

static void expire(void *arg)
{
    stm32_iwdg *w = arg;
    machine *m = w->dev.m;
    log_msg(&m->log, LOG_RESET | LOG_GUEST,
            "[%.3f ms] iwdg: not reloaded in time: watchdog reset",
            (double)machine_now(m) / PS_PER_MS);
    machine_request_reset(m, RESET_IWDG);
}

static void reload(stm32_iwdg *w)
{
    machine *m = w->dev.m;
    w->reloads++;
    clock_arm(&m->clock, &w->expire, machine_now(m) + iwdg_timeout_ps(w));
}

bool iwdg_force_expire(stm32_iwdg *w, uint32_t times)
{
    machine *m = w->dev.m;
    w->expiries = times;
    if (w->running && w->expiries) {
        w->expiries--;
        clock_arm(&m->clock, &w->expire, machine_now(m));
    }
    return w->running;
}

static uint32_t iwdg_read(device *d, uint32_t off, unsigned size)
{
    stm32_iwdg *w = container_of(d, stm32_iwdg, dev);
    (void)size;
    switch (off) {
    case A_KR: return 0;
    case A_PR: return w->pr;
    case A_RLR: return w->rlr;
    case A_SR: return 0;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static void iwdg_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_iwdg *w = container_of(d, stm32_iwdg, dev);
    v = reg_merge(0, off, v, size);
    switch (off & ~3u) {
    case A_KR:
        switch (v & 0xFFFF) {
        case 0x5555: w->unlocked = true; return;
        case 0xAAAA:
            w->unlocked = false;
            if (w->running)
                reload(w);
            return;
        case 0xCCCC:
            w->unlocked = false;
            reload(w);
            if (!w->running) {
                w->running = true;
                log_msg(&d->m->log, LOG_RESET, "[%.3f ms] iwdg: started, timeout %.0f ms",
                        (double)machine_now(d->m) / PS_PER_MS,
                        (double)iwdg_timeout_ps(w) / PS_PER_MS);
                if (w->expiries) { /* starved (iwdg_force_expire) */
                    w->expiries--;
                    clock_arm(&d->m->clock, &w->expire, machine_now(d->m));
                }
            }
            return;
        default: w->unlocked = false; return;
        }
    case A_PR:
        if (w->unlocked)
            w->pr = v & 7;
        return;
    case A_RLR:
        if (w->unlocked)
            w->rlr = v & 0xFFF;
        return;
    case A_SR: return;
    }
    device_unimp(d, off, true, v);
}

static void iwdg_reset(device *d, reset_kind kind)
{
    stm32_iwdg *w = container_of(d, stm32_iwdg, dev);
    (void)kind;
    clock_disarm(&d->m->clock, &w->expire);
    w->pr = 0;
    w->rlr = 0xFFF;
    w->unlocked = false;
    w->running = false;
}

static const reg_name iwdg_regs[] = {REGS_NAMES(IWDG_REGS){0}};
static const state_field iwdg_state[] = {
    REGS_STATE(IWDG_REGS)
    STATE("unlocked", unlocked)
    STATE("running", running)
    {0},
};

const device_class iwdg_class = {
    .type = "stm32f2-iwdg", .size = 0x400, .read = iwdg_read, .write = iwdg_write,
    .reset = iwdg_reset, .regs = iwdg_regs, .state = iwdg_state,
};

void iwdg_init(stm32_iwdg *w, const char *name)
{
    memset(w, 0, sizeof(*w));
    device_init(&w->dev, &iwdg_class, name);
    w->lsi_hz = 32000;
    w->rlr = 0xFFF;
    clock_event_init(&w->expire, "iwdg", expire, w);
}
