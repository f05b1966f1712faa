#include "nvic.h"

#include <stdio.h>
#include <string.h>

static void recompute_best(nvic *n);
static void recompute_active(nvic *n);

void nvic_init(nvic *n, int nirq, unsigned prio_bits, const char *const *irq_names)
{
    memset(n, 0, sizeof(*n));
    n->nirq = nirq;
    n->nexc = 16 + nirq;
    n->prio_mask = (uint8_t)(0xFFu << (8 - prio_bits));
    n->irq_names = irq_names;
    nvic_reset(n);
}

void nvic_reset(nvic *n)
{
    nvic keep = *n;
    memset(n, 0, sizeof(*n));
    n->gen = keep.gen + 1;
    n->nirq = keep.nirq;
    n->nexc = keep.nexc;
    n->prio_mask = keep.prio_mask;
    n->irq_names = keep.irq_names;
    /* System exceptions are always enabled except the configurable faults,
     * which SHCSR enables (disabled ones escalate to HardFault). */
    for (int e = 0; e < EXC_IRQ0; e++)
        n->enabled[e] = e < EXC_MEMMANAGE || e > EXC_USAGEFAULT;
    n->active_prio = 256;
}

static int raw_prio(const nvic *n, int exc)
{
    switch (exc) {
    case EXC_RESET: return -3;
    case EXC_NMI: return -2;
    case EXC_HARDFAULT: return -1;
    default: return n->prio[exc];
    }
}

static int group_of(const nvic *n, int p)
{
    if (p < 0)
        return p;
    uint32_t sub = (2u << n->prigroup) - 1;
    return (int)((uint32_t)p & ~sub);
}

int nvic_group_prio(const nvic *n, int exc)
{
    return group_of(n, raw_prio(n, exc));
}

int nvic_basepri_prio(const nvic *n, uint32_t basepri)
{
    basepri &= n->prio_mask;
    return basepri ? group_of(n, (int)basepri) : 256;
}

int nvic_exec_prio(const nvic *n, uint32_t primask, uint32_t basepri,
                   uint32_t faultmask)
{
    int p = n->active_prio;
    int b = nvic_basepri_prio(n, basepri);
    if (b < p)
        p = b;
    if ((primask & 1) && p > 0)
        p = 0;
    if ((faultmask & 1) && p > -1)
        p = -1;
    return p;
}

int nvic_should_take(const nvic *n, int exec_prio)
{
    if (!n->best)
        return 0;
    return nvic_group_prio(n, n->best) < exec_prio ? n->best : 0;
}

/* Bring exception e's bits in step with its flags. */
static void sync_bits(nvic *n, int e)
{
    uint64_t bit = 1ull << (e & 63);
    int w = e >> 6;
    if (n->pending[e] && n->enabled[e] && !n->active[e])
        n->takeable[w] |= bit;
    else
        n->takeable[w] &= ~bit;
    if (n->active[e])
        n->actives[w] |= bit;
    else
        n->actives[w] &= ~bit;
}

/* The exceptions set in `bits`, in increasing order. */
#define FOR_EACH_BIT(bits, e)                                                      \
    for (int w_ = 0; w_ < NVIC_MAX_EXC / 64; w_++)                                 \
        for (uint64_t b_ = (bits)[w_]; b_; b_ &= b_ - 1)                            \
            for (int e = w_ * 64 + __builtin_ctzll(b_), once_ = 1; once_; once_ = 0)

static void recompute_best(nvic *n)
{
    int best = 0, bp = 0;
    n->gen++;
    FOR_EACH_BIT(n->takeable, e) {
        int p = raw_prio(n, e);
        /* lower priority value wins; ties go to the lower number */
        if (!best || group_of(n, p) < group_of(n, bp) ||
            (group_of(n, p) == group_of(n, bp) && p < bp)) {
            best = e;
            bp = p;
        }
    }
    n->best = best;
}

static void recompute_active(nvic *n)
{
    int p = 256, c = 0;
    n->gen++;
    FOR_EACH_BIT(n->actives, e) {
        c++;
        int g = nvic_group_prio(n, e);
        if (g < p)
            p = g;
    }
    n->active_prio = p;
    n->nactive = c;
}

void nvic_set_pending(nvic *n, int exc)
{
    if (exc <= 0 || exc >= n->nexc || n->pending[exc])
        return;
    n->pending[exc] = true;
    sync_bits(n, exc);
    recompute_best(n);
}

void nvic_clear_pending(nvic *n, int exc)
{
    if (exc <= 0 || exc >= n->nexc || !n->pending[exc])
        return;
    n->pending[exc] = false;
    sync_bits(n, exc);
    recompute_best(n);
}

void nvic_set_enabled(nvic *n, int exc, bool on)
{
    if (exc < EXC_MEMMANAGE || exc >= n->nexc || n->enabled[exc] == on)
        return;
    n->enabled[exc] = on;
    sync_bits(n, exc);
    recompute_best(n);
}

void nvic_set_prio(nvic *n, int exc, uint8_t prio)
{
    if (exc < 4 || exc >= n->nexc)
        return;
    n->prio[exc] = prio & n->prio_mask;
    recompute_best(n);
    recompute_active(n);
}

void nvic_set_prigroup(nvic *n, uint32_t g)
{
    n->prigroup = g & 7;
    recompute_best(n);
    recompute_active(n);
}

void nvic_set_irq_level(nvic *n, int irq, int level)
{
    int exc = EXC_IRQ0 + irq;
    if (irq < 0 || irq >= n->nirq)
        return;
    n->level[exc] = level != 0;
    if (level)
        nvic_set_pending(n, exc);
}

void nvic_activate(nvic *n, int exc)
{
    n->active[exc] = true;
    n->pending[exc] = false;
    sync_bits(n, exc);
    recompute_best(n);
    recompute_active(n);
}

void nvic_deactivate(nvic *n, int exc)
{
    if (exc <= 0 || exc >= n->nexc)
        return;
    n->active[exc] = false;
    if (n->level[exc])
        n->pending[exc] = true;
    sync_bits(n, exc);
    recompute_best(n);
    recompute_active(n);
}

const char *nvic_exc_name(const nvic *n, int exc)
{
    static const char *sys[16] = {
        "thread",    "Reset",    "NMI",      "HardFault", "MemManage", "BusFault",
        "UsageFault", "rsvd7",   "rsvd8",    "rsvd9",     "rsvd10",    "SVCall",
        "DebugMon",  "rsvd13",   "PendSV",   "SysTick",
    };
    if (exc >= 0 && exc < 16)
        return sys[exc];
    if (exc >= EXC_IRQ0 && exc < n->nexc && n->irq_names)
        return n->irq_names[exc - EXC_IRQ0];
    if (exc >= EXC_IRQ0 && exc < EXC_IRQ0 + NVIC_MAX_IRQ) {
        static const char *irq[NVIC_MAX_IRQ];
        static char names[NVIC_MAX_IRQ][8];
        int i = exc - EXC_IRQ0;
        if (!irq[i]) {
            snprintf(names[i], sizeof(names[i]), "IRQ%d", i);
            irq[i] = names[i];
        }
        return irq[i];
    }
    return "?";
}
