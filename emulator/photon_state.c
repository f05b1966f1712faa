#include "photon_state.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void photon_backup_take(photon *p, photon_backup *bk)
{
    stm32_rtc *r = &p->rtc;
    memset(bk, 0, sizeof(*bk));
    memcpy(bk->bkp, r->bkp, sizeof(bk->bkp));
    bk->rtc_cr = r->cr;
    bk->rtc_isr = r->isr & ~0x3F00u; /* pending flags do not survive */
    bk->rtc_prer = r->prer;
    bk->rtc_wutr = r->wutr;
    bk->rtc_calibr = r->calibr;
    bk->rtc_alrm[0] = r->alrm[0];
    bk->rtc_alrm[1] = r->alrm[1];
    bk->rtc_tafcr = r->tafcr;
    bk->rtc_secs = rtc_seconds(r);
    bk->rcc_bdcr = p->rcc.bdcr;
    bk->pwr_csr = p->pwr.csr & 0x208u; /* BRE, BRR */
    memcpy(bk->bkpsram, p->bkpsram.mem, sizeof(bk->bkpsram));
}

void photon_backup_apply(photon *p, const photon_backup *bk)
{
    stm32_rtc *r = &p->rtc;
    memcpy(r->bkp, bk->bkp, sizeof(r->bkp));
    r->cr = bk->rtc_cr;
    r->isr = bk->rtc_isr & ~0xC0u; /* not in INIT mode after power-up */
    r->prer = bk->rtc_prer;
    r->wutr = bk->rtc_wutr;
    r->calibr = bk->rtc_calibr;
    r->alrm[0] = bk->rtc_alrm[0];
    r->alrm[1] = bk->rtc_alrm[1];
    r->tafcr = bk->rtc_tafcr;
    p->rcc.bdcr = bk->rcc_bdcr;
    p->pwr.csr = (p->pwr.csr & ~0x208u) | (bk->pwr_csr & 0x208u);
    memcpy(p->bkpsram.mem, bk->bkpsram, sizeof(p->bkpsram.mem));
    rtc_set_seconds(r, bk->rtc_secs);
}

static int sections(photon *p, photon_backup *bk, state_section *s)
{
    machine *m = p->m;
    int n = 0;
    s[n++] = (state_section){"flash", stm32f205_flash(m), STM32F205_FLASH_SIZE, true};
    s[n++] = (state_section){"otp", photon_otp(p), STM32F205_OTP_SIZE, true};
    s[n++] = (state_section){"uid", photon_uid(p), 12, true};
    s[n++] = (state_section){"optbytes", stm32f205_optbytes(m), 16, true};
    s[n++] = (state_section){"backup", bk, sizeof(*bk), false};
    return n;
}

int photon_state_load(photon *p, const char *path, photon_backup *bk, char *err,
                      size_t errlen)
{
    state_section s[STATE_MAX_SECTIONS];
    memset(bk, 0, sizeof(*bk));
    int n = sections(p, bk, s);
    return state_load(path, s, n, err, errlen);
}

int photon_state_save(photon *p, const char *path, char *err, size_t errlen)
{
    photon_backup bk;
    photon_backup_take(p, &bk);
    state_section s[STATE_MAX_SECTIONS];
    int n = sections(p, &bk, s);
    if (state_make_dir(path)) {
        snprintf(err, errlen, "cannot create the directory for %s", path);
        return -1;
    }
    return state_save(path, s, n, err, errlen);
}

void photon_fresh(photon *p, uint64_t seed)
{
    machine *m = p->m;
    memset(stm32f205_flash(m), 0xFF, STM32F205_FLASH_SIZE);
    memset(photon_otp(p), 0xFF, STM32F205_OTP_SIZE);
    /* A unique ID in the shape of ST's: X/Y wafer position, wafer number,
     * lot number in ASCII; derived from the seed. */
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    uint8_t *u = photon_uid(p);
    u[0] = (uint8_t)(0x20 + (z & 0x1F));
    u[1] = 0x00;
    u[2] = (uint8_t)(0x20 + ((z >> 5) & 0x1F));
    u[3] = 0x00;
    u[4] = (uint8_t)(0x40 + ((z >> 10) & 0x07));
    u[5] = 0x47;
    static const char lot[] = "0123456789";
    for (int i = 6; i < 12; i++)
        u[i] = (uint8_t)lot[(z >> (13 + 4 * (i - 6))) % 10];
}

const char *photon_device_id(photon *p, char buf[25])
{
    const uint8_t *u = photon_uid(p);
    for (int i = 0; i < 12; i++)
        snprintf(buf + 2 * i, 3, "%02x", u[i]);
    return buf;
}

int photon_set_device_id(photon *p, const char *hex)
{
    if (strlen(hex) != 24)
        return -1;
    uint8_t u[12];
    for (int i = 0; i < 12; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)hex[2 * i]) || !isxdigit((unsigned char)hex[2 * i + 1]) ||
            sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        u[i] = (uint8_t)v;
    }
    memcpy(photon_uid(p), u, 12);
    return 0;
}
