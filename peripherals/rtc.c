/* RTC (RM0033 section 23.6).
 *
 * Writes need PWR_CR.DBP (backup-domain protection) and, except for the
 * backup registers and the ISR flags, the WPR key sequence. INIT mode
 * freezes the calendar so that TR/DR can be written; INITF follows INIT at
 * once. RSF is set two RTC clock periods after it was cleared. Alarm A/B
 * (EXTI 17) and the wake-up timer (EXTI 22) are scheduled as events.
 * Not modelled: timestamp, tamper, smooth/coarse calibration, the 1 Hz or
 * alarm output, daylight-saving bits. */
#include "rtc.h"

#include <string.h>

#include "machine.h"

#define RTC_REGS(REG, REGV, REGA)                        \
    REGV(TR, 0x00)                                        \
    REGV(DR, 0x04)                                        \
    REG(CR, 0x08, cr)                                     \
    REG(ISR, 0x0C, isr)                                   \
    REG(PRER, 0x10, prer)                                 \
    REG(WUTR, 0x14, wutr)                                 \
    REG(CALIBR, 0x18, calibr)                             \
    REG(ALRMAR, 0x1C, alrm[0])                            \
    REG(ALRMBR, 0x20, alrm[1])                            \
    REGV(WPR, 0x24)                                       \
    REG(TSTR, 0x30, tstr)                                 \
    REG(TSDR, 0x34, tsdr)                                 \
    REG(TAFCR, 0x40, tafcr)                               \
    REGA(BKPR, "BKP%uR", 0x50, 4, RTC_NBKP, 0, bkp, )
REGS_OFFSETS(RTC_REGS)
#define REGS_T stm32_rtc
    FIELD(CR, WUCKSEL, 0, 3)
    FIELD(CR, FMT, 6, 1)
    FIELD(CR, ALRAE, 8, 1)
    FIELD(CR, ALRBE, 9, 1)
    FIELD(CR, WUTE, 10, 1)
    FIELD(CR, ALRAIE, 12, 1)
    FIELD(CR, ALRBIE, 13, 1)
    FIELD(CR, WUTIE, 14, 1)
    FIELD(ISR, ALRAWF, 0, 1)
    FIELD(ISR, ALRBWF, 1, 1)
    FIELD(ISR, WUTWF, 2, 1)
    FIELD(ISR, INITS, 4, 1)
    FIELD(ISR, RSF, 5, 1)
    FIELD(ISR, INITF, 6, 1)
    FIELD(ISR, INIT, 7, 1)
    FIELD(ISR, ALRAF, 8, 1)
    FIELD(ISR, ALRBF, 9, 1)
    FIELD(ISR, WUTF, 10, 1)
    FIELD(PRER, PREDIV_S, 0, 13)
    FIELD(PRER, PREDIV_A, 16, 7)

typedef unsigned __int128 u128;

/* ---- calendar arithmetic (2000..2099) -------------------------------- */

static bool leap(int y)
{
    return (y % 4) == 0; /* 2000..2099 */
}

static int mdays(int y, int mo)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return mo == 2 && leap(y) ? 29 : d[mo - 1];
}

typedef struct cal {
    int year, month, day, hour, min, sec, wday; /* year 0..99, wday 1..7 */
} cal;

static cal to_cal(int64_t s)
{
    cal c;
    if (s < 0)
        s = 0;
    int64_t days = s / 86400;
    int64_t r = s % 86400;
    c.hour = (int)(r / 3600);
    c.min = (int)(r / 60 % 60);
    c.sec = (int)(r % 60);
    c.wday = (int)((days + 5) % 7) + 1; /* 2000-01-01 was a Saturday (6) */
    int y = 0;
    while (days >= (leap(y) ? 366 : 365) && y < 99) {
        days -= leap(y) ? 366 : 365;
        y++;
    }
    int mo = 1;
    while (days >= mdays(y, mo) && mo < 12) {
        days -= mdays(y, mo);
        mo++;
    }
    c.year = y;
    c.month = mo;
    c.day = (int)days + 1;
    return c;
}

static int64_t from_cal(int y, int mo, int d, int h, int mi, int s)
{
    int64_t days = 0;
    for (int i = 0; i < y; i++)
        days += leap(i) ? 366 : 365;
    for (int i = 1; i < mo; i++)
        days += mdays(y, i);
    days += d - 1;
    return days * 86400 + h * 3600 + mi * 60 + s;
}

static uint32_t bcd(int v)
{
    return (uint32_t)((v / 10) << 4 | (v % 10));
}

static int unbcd(uint32_t v)
{
    return (int)((v >> 4) & 0xF) * 10 + (int)(v & 0xF);
}

/* ---- time base -------------------------------------------------------- */

/* ck_apre ticks per second, and ticks per calendar second. */
static uint64_t ticks_per_sec(stm32_rtc *r)
{
    return ((uint64_t)FIELD_EX32(r->prer, PRER, PREDIV_A) + 1) *
           ((uint64_t)FIELD_EX32(r->prer, PRER, PREDIV_S) + 1);
}

static bool clock_runs(stm32_rtc *r)
{
    return r->rcc && rcc_rtcclk(r->rcc) && !FIELD_EX32(r->isr, ISR, INIT);
}

/* RTC clock ticks elapsed since base (ps -> ticks). */
static uint64_t ticks_now(stm32_rtc *r)
{
    if (!r->counting)
        return r->base_frac;
    uint64_t now = machine_now(r->dev.m);
    return r->base_frac +
           (uint64_t)((u128)(now - r->base_ps) * rcc_rtcclk(r->rcc) / PS_PER_S);
}

int64_t rtc_seconds(stm32_rtc *r)
{
    return r->base_secs + (int64_t)(ticks_now(r) / ticks_per_sec(r));
}

/* Re-base the calendar at the current time (clock or INIT changes). */
static void rebase(stm32_rtc *r)
{
    uint64_t t = ticks_now(r), tps = ticks_per_sec(r);
    r->base_secs += (int64_t)(t / tps);
    r->base_frac = t % tps;
    r->base_ps = machine_now(r->dev.m);
    r->counting = clock_runs(r);
}

static uint64_t time_of_tick(stm32_rtc *r, uint64_t tick)
{
    uint32_t hz = r->rcc ? rcc_rtcclk(r->rcc) : 0;
    if (!hz || tick <= r->base_frac)
        return r->base_ps;
    return r->base_ps + (uint64_t)(((u128)(tick - r->base_frac) * PS_PER_S + hz - 1) / hz);
}

void rtc_set_seconds(stm32_rtc *r, int64_t secs)
{
    r->base_secs = secs;
    r->base_frac = 0;
    r->base_ps = machine_now(r->dev.m);
    r->counting = clock_runs(r);
    if (secs > 0)
        r->isr |= R_ISR_INITS_MASK;
}

static uint32_t tr_value(stm32_rtc *r)
{
    cal c = to_cal(rtc_seconds(r));
    int h = c.hour;
    uint32_t pm = 0;
    if (FIELD_EX32(r->cr, CR, FMT)) {
        pm = h >= 12;
        h = h % 12 == 0 ? 12 : h % 12;
    }
    return pm << 22 | bcd(h) << 16 | bcd(c.min) << 8 | bcd(c.sec);
}

static uint32_t dr_value(stm32_rtc *r)
{
    cal c = to_cal(rtc_seconds(r));
    return bcd(c.year) << 16 | (uint32_t)c.wday << 13 | bcd(c.month) << 8 | bcd(c.day);
}

static void set_tr(stm32_rtc *r, uint32_t v)
{
    cal c = to_cal(r->base_secs);
    int h = unbcd((v >> 16) & 0x3F);
    if (FIELD_EX32(r->cr, CR, FMT))
        h = (h % 12) + (((v >> 22) & 1) ? 12 : 0);
    r->base_secs = from_cal(c.year, c.month, c.day, h, unbcd((v >> 8) & 0x7F),
                            unbcd(v & 0x7F));
    r->base_frac = 0;
    r->isr |= R_ISR_INITS_MASK;
}

static void set_dr(stm32_rtc *r, uint32_t v)
{
    cal c = to_cal(r->base_secs);
    int y = unbcd((v >> 16) & 0xFF), mo = unbcd((v >> 8) & 0x1F), d = unbcd(v & 0x3F);
    if (mo < 1 || mo > 12)
        mo = 1;
    if (d < 1 || d > mdays(y, mo))
        d = 1;
    r->base_secs = from_cal(y, mo, d, c.hour, c.min, c.sec);
    r->isr = FIELD_DP32(r->isr, ISR, INITS, y != 0);
}

/* ---- alarms and wake-up ---------------------------------------------- */

/* A pulse on the "alarm" or "wakeup" line (to EXTI 17, 22). */
static void pulse(line *l)
{
    line_set(l, 1);
    line_set(l, 0);
}

static int alarm_hour(uint32_t a, bool fmt12)
{
    int h = unbcd((a >> 16) & 0x3F);
    return fmt12 ? (h % 12) + (((a >> 22) & 1) ? 12 : 0) : h;
}

static bool alarm_day_ok(uint32_t a, const cal *c)
{
    if (a & BIT(31))
        return true;
    return (a & BIT(30)) ? (int)((a >> 24) & 0xF) == c->wday
                         : unbcd((a >> 24) & 0x3F) == c->day;
}

/* Next second after now when alarm n matches (MSKx bits mask fields). */
static void arm_alarm(stm32_rtc *r, int n)
{
    machine *m = r->dev.m;
    clock_disarm(&m->clock, &r->alarm_ev[n]);
    if (!(r->cr & (R_CR_ALRAE_MASK << n)) || !r->counting)
        return;
    uint32_t a = r->alrm[n];
    bool fmt12 = FIELD_EX32(r->cr, CR, FMT);
    int64_t now = rtc_seconds(r);
    for (int64_t s = now + 1; s < now + 62 * 86400;) {
        cal c = to_cal(s);
        if (!alarm_day_ok(a, &c)) {
            s += 86400 - s % 86400;
        } else if (!(a & BIT(23)) && alarm_hour(a, fmt12) != c.hour) {
            s += 3600 - s % 3600;
        } else if (!(a & BIT(15)) && unbcd((a >> 8) & 0x7F) != c.min) {
            s += 60 - s % 60;
        } else if (!(a & BIT(7)) && unbcd(a & 0x7F) != c.sec) {
            s++;
        } else {
            uint64_t tick = (uint64_t)(s - r->base_secs) * ticks_per_sec(r);
            clock_arm(&m->clock, &r->alarm_ev[n], time_of_tick(r, tick));
            return;
        }
    }
}

static void alarm_fire(stm32_rtc *r, int n)
{
    r->isr |= R_ISR_ALRAF_MASK << n;
    if (r->cr & (R_CR_ALRAIE_MASK << n)) {
        pulse(&r->alarm);
    }
    arm_alarm(r, n);
}

static void alarm_a(void *arg) { alarm_fire(arg, 0); }
static void alarm_b(void *arg) { alarm_fire(arg, 1); }

static uint64_t wut_period_ps(stm32_rtc *r)
{
    uint32_t sel = FIELD_EX32(r->cr, CR, WUCKSEL);
    uint64_t n = (uint64_t)r->wutr + 1;
    uint32_t hz = rcc_rtcclk(r->rcc);
    if (!hz)
        return 0;
    if (sel < 4)
        return n * (16u >> sel) * PS_PER_S / hz;
    if (sel >= 6)
        n += 0x10000;
    return n * ticks_per_sec(r) * PS_PER_S / hz;
}

static void arm_wut(stm32_rtc *r)
{
    machine *m = r->dev.m;
    clock_disarm(&m->clock, &r->wut_ev);
    uint64_t p = r->rcc ? wut_period_ps(r) : 0;
    if (FIELD_EX32(r->cr, CR, WUTE) && p)
        clock_arm(&m->clock, &r->wut_ev, machine_now(m) + p);
}

static void wut_fire(void *arg)
{
    stm32_rtc *r = arg;
    r->isr |= R_ISR_WUTF_MASK;
    if (FIELD_EX32(r->cr, CR, WUTIE)) {
        pulse(&r->wakeup);
    }
    arm_wut(r);
}

static void rsf_set(void *arg)
{
    stm32_rtc *r = arg;
    r->isr |= R_ISR_RSF_MASK;
}

static void rearm_all(stm32_rtc *r)
{
    arm_alarm(r, 0);
    arm_alarm(r, 1);
    arm_wut(r);
}

static void clock_changed(void *arg)
{
    stm32_rtc *r = arg;
    if (!r->dev.m)
        return; /* not on a bus yet */
    rebase(r);
    rearm_all(r);
}

/* ---- registers -------------------------------------------------------- */

static uint32_t rtc_read(device *d, uint32_t off, unsigned size)
{
    stm32_rtc *r = container_of(d, stm32_rtc, dev);
    (void)size;
    if (off >= A_BKPR && off < A_BKPR + 4 * RTC_NBKP)
        return r->bkp[(off - A_BKPR) / 4];
    switch (off) {
    case A_TR: bus_note_effect(&d->m->bus); return tr_value(r);
    case A_DR: bus_note_effect(&d->m->bus); return dr_value(r);
    case A_CR: return r->cr;
    case A_ISR: {
        /* the write flags are always ready here */
        uint32_t v = r->isr | R_ISR_ALRAWF_MASK | R_ISR_ALRBWF_MASK | R_ISR_WUTWF_MASK;
        return v;
    }
    case A_PRER: return r->prer;
    case A_WUTR: return r->wutr;
    case A_CALIBR: return r->calibr;
    case A_ALRMAR: return r->alrm[0];
    case A_ALRMBR: return r->alrm[1];
    case A_WPR: return 0;
    case A_TSTR: return r->tstr;
    case A_TSDR: return r->tsdr;
    case A_TAFCR: return r->tafcr;
    }
    device_unimp(d, off, false, 0);
    return 0;
}

static bool write_allowed(stm32_rtc *r, uint32_t off)
{
    machine *m = r->dev.m;
    if (!r->dbp) {
        log_msg(&m->log, LOG_GUEST, "rtc: write to +0x%02x without PWR_CR.DBP ignored", off);
        return false;
    }
    bool keyed = off >= A_BKPR || off == A_TAFCR || off == A_WPR || off == A_ISR;
    if (!keyed && r->wpr_step != 2) {
        log_msg(&m->log, LOG_GUEST, "rtc: write to +0x%02x while write-protected ignored", off);
        return false;
    }
    return true;
}

static void isr_write(stm32_rtc *r, uint32_t v)
{
    machine *m = r->dev.m;
    /* flags 8..13 and RSF are cleared by writing 0; INIT is read/write
     * (and key-protected) */
    uint32_t clr = (R_ISR_RSF_MASK | 0x3F00u) & ~v;
    r->isr &= ~clr;
    if ((clr & R_ISR_RSF_MASK) && r->rcc && rcc_rtcclk(r->rcc))
        clock_arm(&m->clock, &r->rsf_ev,
                  machine_now(m) + 2 * PS_PER_S / rcc_rtcclk(r->rcc));
    if (r->wpr_step != 2)
        return;
    bool init = FIELD_EX32(v, ISR, INIT);
    if (init != FIELD_EX32(r->isr, ISR, INIT)) {
        rebase(r);
        r->isr = FIELD_DP32(r->isr, ISR, INIT, init);
        r->isr = FIELD_DP32(r->isr, ISR, INITF, init);
        if (!init) {
            r->isr &= ~R_ISR_RSF_MASK;
            rsf_set(r);
        }
        rebase(r);
        rearm_all(r);
    }
}

static void rtc_write(device *d, uint32_t off, uint32_t v, unsigned size)
{
    stm32_rtc *r = container_of(d, stm32_rtc, dev);
    off &= ~3u;
    if (size != 4)
        v = reg_merge(0, off, v, size);
    if (!write_allowed(r, off))
        return;
    if (off >= A_BKPR && off < A_BKPR + 4 * RTC_NBKP) {
        r->bkp[(off - A_BKPR) / 4] = v;
        return;
    }
    bool init = FIELD_EX32(r->isr, ISR, INITF);
    switch (off) {
    case A_WPR:
        r->wpr_step = (v & 0xFF) == 0xCA ? 1 : (r->wpr_step == 1 && (v & 0xFF) == 0x53) ? 2 : 0;
        return;
    case A_ISR: isr_write(r, v); return;
    case A_TR:
        if (init) set_tr(r, v & 0x007F7F7Fu);
        return;
    case A_DR:
        if (init) set_dr(r, v & 0x00FFFF3Fu);
        return;
    case A_PRER:
        if (init) r->prer = v & 0x007F7FFFu;
        return;
    case A_CR:
        r->cr = v & 0x00FFFFFFu;
        rearm_all(r);
        return;
    case A_WUTR: r->wutr = v & 0xFFFF; arm_wut(r); return;
    case A_CALIBR: r->calibr = v & 0xBF; return;
    case A_ALRMAR: r->alrm[0] = v; arm_alarm(r, 0); return;
    case A_ALRMBR: r->alrm[1] = v; arm_alarm(r, 1); return;
    case A_TAFCR: r->tafcr = v; return;
    }
    device_unimp(d, off, true, v);
}

static void rtc_reset(device *d, reset_kind kind)
{
    stm32_rtc *r = container_of(d, stm32_rtc, dev);
    r->wpr_step = 0;
    if (kind != RESET_POWER_ON)
        return; /* the backup domain survives system resets */
    machine *m = d->m;
    clock_disarm(&m->clock, &r->rsf_ev);
    clock_disarm(&m->clock, &r->alarm_ev[0]);
    clock_disarm(&m->clock, &r->alarm_ev[1]);
    clock_disarm(&m->clock, &r->wut_ev);
    r->cr = 0;
    r->isr = 0x00000007u;
    r->prer = 0x007F00FFu;
    r->wutr = 0xFFFF;
    r->calibr = 0;
    r->alrm[0] = r->alrm[1] = 0;
    r->tafcr = r->tstr = r->tsdr = 0;
    memset(r->bkp, 0, sizeof(r->bkp));
    r->base_secs = 0; /* 2000-01-01 00:00:00, a Saturday */
    r->base_frac = 0;
    r->base_ps = machine_now(m);
    r->counting = false;
}

static void dbp_in(void *opaque, int n, double level)
{
    (void)n;
    container_of((device *)opaque, stm32_rtc, dev)->dbp = line_high(level);
}

/* The calendar as a state field: seconds since 2000-01-01. */
static void time_get(device *d, void *buf)
{
    int64_t s = rtc_seconds(container_of(d, stm32_rtc, dev));
    memcpy(buf, &s, sizeof(s));
}

static void time_put(device *d, const void *buf)
{
    int64_t s;
    memcpy(&s, buf, sizeof(s));
    rtc_set_seconds(container_of(d, stm32_rtc, dev), s);
}

static const reg_name rtc_regs[] = {REGS_NAMES(RTC_REGS){0}};
static const state_field rtc_state[] = {
    REGS_STATE(RTC_REGS)
    STATE("wpr_step", wpr_step)
    {"time", 0, sizeof(int64_t), 1, 0, time_get, time_put},
    {0},
};
/* The backup domain the battery keeps: not the pending flags, nor INIT. */
static const state_keep rtc_keep[] = {
    {"BKPR", 0}, {"CR", 0}, {"ISR", ~0x3FC0u}, {"PRER", 0}, {"WUTR", 0}, {"CALIBR", 0},
    {"ALRMAR", 0}, {"ALRMBR", 0}, {"TAFCR", 0}, {"time", 0}, {0},
};
static const line_desc rtc_lines[] = {
    LINE_OUT("alarm", alarm)
    LINE_OUT("wakeup", wakeup)
    LINE_IN("dbp", 1, dbp_in)
    {0},
};

const device_class rtc_class = {
    .type = "stm32f2-rtc", .size = 0x400, .read = rtc_read, .write = rtc_write,
    .reset = rtc_reset, .regs = rtc_regs, .state = rtc_state, .keep = rtc_keep,
    .lines = rtc_lines,
};

void rtc_init(stm32_rtc *r, const char *name, stm32_rcc *rcc)
{
    memset(r, 0, sizeof(*r));
    device_init(&r->dev, &rtc_class, name);
    r->rcc = rcc;
    r->isr = 0x00000007u;
    r->prer = 0x007F00FFu;
    r->wutr = 0xFFFF;
    clock_event_init(&r->rsf_ev, "rtc-rsf", rsf_set, r);
    clock_event_init(&r->alarm_ev[0], "rtc-alarm-a", alarm_a, r);
    clock_event_init(&r->alarm_ev[1], "rtc-alarm-b", alarm_b, r);
    clock_event_init(&r->wut_ev, "rtc-wakeup", wut_fire, r);
    if (rcc)
        rcc_on_clock_change(rcc, clock_changed, r);
}
