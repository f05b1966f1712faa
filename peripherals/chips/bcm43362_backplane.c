/* BCM43362: the backplane behind SDIO function 1, and the chip's life.
 *
 * Address map (WICED chips/43362/chip_constants.h): RAM at 0 (240 KB),
 * chipcommon at 0x18000000 (chip ID 43362 rev 1 at +0; other registers
 * keep what is written), the SDIO device core at 0x18002000 (interrupt
 * status, write 1 to clear; host and function interrupt masks; mailboxes),
 * and the Broadcom AI wrappers of the ARM Cortex-M3 (0x18103000) and the
 * SOCSRAM (0x18104000) cores with IOCTRL and RESETCTRL.
 * RAM can be read and written while the SOCSRAM core is out of reset.
 * Releasing the ARM core from reset starts the downloaded firmware: if RAM
 * holds an image (a vector table) and an NVRAM block with its length token
 * in the last word, the chip comes up BCM_FW_BOOT_PS later (HT clock, F2
 * ready) with the MAC address of the module's OTP (bcm43362_set_otp_mac),
 * or without one the NVRAM's macaddr=; otherwise it never does (the host's
 * wait for HT times out), as with a broken download. */
#include "bcm43362_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHIPID 0xA962u    /* 43362 */
#define CHIPREV 1u
#define CORE_UP(c, i) (((c)->ioctrl[i] & (IOCTRL_CLK | IOCTRL_FGC)) == IOCTRL_CLK && \
                       !((c)->resetctrl[i] & 1))

bool bcm_fw_up(const bcm43362 *c)
{
    return c->powered && c->fw == BCM_FW_UP;
}

static bool in(uint32_t a, uint32_t n, uint32_t base, uint32_t size)
{
    return a >= base && (uint64_t)a + n <= (uint64_t)base + size;
}

bool bcm_bp_mapped(const bcm43362 *c, uint32_t a, uint32_t n)
{
    (void)c;
    return in(a, n, 0, BCM_RAM_SIZE) || in(a, n, BP_CHIPCOMMON, 0x400) ||
           in(a, n, BP_SDIO_CORE, BP_CORE_SIZE) || in(a, n, BP_WRAPPER_ARM, BP_CORE_SIZE) ||
           in(a, n, BP_WRAPPER_SOCSRAM, BP_CORE_SIZE);
}

void bcm_host_int(bcm43362 *c, uint32_t bits)
{
    c->intstatus |= bits;
    bcm_update_irq(c);
}

static void bp_unimp(bcm43362 *c, uint32_t a, bool write)
{
    logger *l = &c->m->log;
    if (log_on(l, LOG_UNIMP) && log_unimp_first(l, 0xBE000000u | (a & 0x00FFFFFCu) | (a >> 28), write))
        log_msg(l, LOG_UNIMP, "unimp: wifi backplane register 0x%08x %s", a & ~3u,
                write ? "write (ignored)" : "read (reads 0)");
}

static uint32_t reg_read(bcm43362 *c, uint32_t a)
{
    if (in(a, 4, BP_CHIPCOMMON, 0x400)) {
        if (a == BP_CHIPCOMMON)
            return CHIPID | CHIPREV << 16 | 5u << 24 | 1u << 28; /* 5 cores, AI bus */
        return c->cc[(a - BP_CHIPCOMMON) / 4];
    }
    if (in(a, 4, BP_SDIO_CORE, BP_CORE_SIZE)) {
        switch (a - BP_SDIO_CORE) {
        case SDIO_INTSTATUS: return c->intstatus;
        case SDIO_HOSTINTMASK: return c->hostintmask;
        case SDIO_INTMASK: return c->intmask;
        case SDIO_FUNCINTMASK: return c->funcintmask;
        case SDIO_TOSBMAILBOX: return c->tosbmailbox;
        case SDIO_TOHOSTMAILBOX: return 0;
        case SDIO_TOSBMAILBOXDATA: return c->tosbmaildata;
        case SDIO_TOHOSTMAILBOXDATA: return c->tohostmaildata;
        }
    } else {
        int i = in(a, 4, BP_WRAPPER_ARM, BP_CORE_SIZE) ? 0 : 1;
        uint32_t off = a - (i ? BP_WRAPPER_SOCSRAM : BP_WRAPPER_ARM);
        if (off == WRAP_IOCTRL)
            return c->ioctrl[i];
        if (off == WRAP_RESETCTRL)
            return c->resetctrl[i];
    }
    bp_unimp(c, a, false);
    return 0;
}

static void fw_booted(void *arg)
{
    bcm43362 *c = arg;
    if (c->fw != BCM_FW_BOOTING)
        return;
    c->fw = BCM_FW_UP;
    memcpy(c->sta_net.mac, c->mac, 6);
    bcm_log(c, LOG_WIFI, "firmware up (F2 ready), MAC %02x:%02x:%02x:%02x:%02x:%02x", c->mac[0],
            c->mac[1], c->mac[2], c->mac[3], c->mac[4], c->mac[5]);
}

/* The NVRAM block: NUL-separated "key=value" strings ending in an empty
 * one, just below the length token in the last word of RAM. */
static bool read_nvram(bcm43362 *c)
{
    uint32_t token = rd32(c->ram + BCM_RAM_SIZE - 4);
    uint32_t words = token & 0xFFFF;
    if ((token >> 16) != (~words & 0xFFFF) || words == 0 || words * 4 > BCM_RAM_SIZE / 2)
        return false;
    const uint8_t *nv = c->ram + BCM_RAM_SIZE - 4 - words * 4;
    uint32_t len = words * 4, i = 0;
    bool mac = false;
    while (i < len && nv[i]) {
        const char *kv = (const char *)nv + i;
        size_t n = strnlen(kv, len - i);
        unsigned b[6];
        char tail;
        if (n > 8 && !strncmp(kv, "macaddr=", 8) && n < 64) {
            char tmp[64];
            memcpy(tmp, kv + 8, n - 8);
            tmp[n - 8] = 0;
            if (sscanf(tmp, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                       &tail) == 6) {
                for (int k = 0; k < 6; k++)
                    c->mac[k] = (uint8_t)b[k];
                mac = true;
            }
        } else if (n > 10 && !strncmp(kv, "boardtype=", 10)) {
            snprintf(c->nvram_boardtype, sizeof(c->nvram_boardtype), "%.*s", (int)(n - 10), kv + 10);
        }
        i += (uint32_t)n + 1;
    }
    static const uint8_t none[6];
    uint8_t otp[6] = {0};
    if (c->otp_mac)
        c->otp_mac(c->otp_ctx, otp);
    if (memcmp(otp, none, 6)) {
        memcpy(c->mac, otp, 6); /* the module's own, not the image's placeholder */
        bcm_log(c, LOG_WIFI, "the MAC from the module's OTP%s", mac ? " (not the NVRAM's macaddr=)" : "");
    } else if (!mac) {
        bcm_log(c, LOG_GUEST, "NVRAM has no macaddr=: the chip's MAC stays 00:00:00:00:00:00");
    }
    return true;
}

/* The ARM core left reset: the firmware in RAM starts, if there is one. */
static void arm_released(bcm43362 *c)
{
    uint32_t sp = rd32(c->ram), reset = rd32(c->ram + 4);
    const char *why = NULL;
    if (c->ioctrl[0] & IOCTRL_CPUHALT)
        return; /* released but halted: nothing runs */
    if (sp > BCM_RAM_SIZE || !(reset & 1) || reset >= BCM_RAM_SIZE)
        why = "no firmware image in RAM (no Thumb reset vector at 4)";
    else if (!read_nvram(c))
        why = "no NVRAM at the end of RAM (bad length token)";
    if (why) {
        c->fw = BCM_FW_FAILED;
        bcm_log(c, LOG_GUEST, "ARM core released: %s: the chip does not come up", why);
        return;
    }
    c->fw = BCM_FW_BOOTING;
    bcm_log(c, LOG_WIFI, "ARM core released: firmware starting");
    clock_arm(&c->m->clock, &c->fw_ev, machine_now(c->m) + BCM_FW_BOOT_PS);
}

static void wrapper_write(bcm43362 *c, int i, uint32_t off, uint32_t v)
{
    bool arm_was_up = CORE_UP(c, 0);
    if (off == WRAP_IOCTRL)
        c->ioctrl[i] = v & 0xFFFF;
    else if (off == WRAP_RESETCTRL)
        c->resetctrl[i] = v & 1;
    else {
        bp_unimp(c, (i ? BP_WRAPPER_SOCSRAM : BP_WRAPPER_ARM) + off, true);
        return;
    }
    if (i == 0 && !arm_was_up && CORE_UP(c, 0))
        arm_released(c);
    else if (i == 0 && arm_was_up && (c->resetctrl[0] & 1)) {
        /* the ARM core back in reset: the firmware stops */
        if (c->fw != BCM_FW_OFF)
            bcm_log(c, LOG_WIFI, "ARM core put in reset: firmware stopped");
        clock_disarm(&c->m->clock, &c->fw_ev);
        c->fw = BCM_FW_OFF;
        bcm_sdpcm_reset(c);
        bcm_wlan_reset(c);
    }
}

static void reg_write(bcm43362 *c, uint32_t a, uint32_t v, uint32_t bytemask)
{
    if (in(a, 4, BP_CHIPCOMMON, 0x400)) {
        if (a != BP_CHIPCOMMON) {
            uint32_t *r = &c->cc[(a - BP_CHIPCOMMON) / 4];
            *r = (*r & ~bytemask) | (v & bytemask);
        }
        return;
    }
    if (in(a, 4, BP_SDIO_CORE, BP_CORE_SIZE)) {
        switch (a - BP_SDIO_CORE) {
        case SDIO_INTSTATUS: c->intstatus &= ~(v & bytemask); bcm_update_irq(c); return;
        case SDIO_HOSTINTMASK:
            c->hostintmask = (c->hostintmask & ~bytemask) | (v & bytemask);
            bcm_update_irq(c);
            return;
        case SDIO_INTMASK: c->intmask = (c->intmask & ~bytemask) | (v & bytemask); return;
        case SDIO_FUNCINTMASK:
            c->funcintmask = (c->funcintmask & ~bytemask) | (v & bytemask);
            bcm_update_irq(c);
            return;
        case SDIO_TOSBMAILBOX:
            c->tosbmailbox = v & bytemask;
            if (c->tosbmailbox & (SMB_DEV_INT | SMB_NAK))
                bcm_sdpcm_poke(c);
            return;
        case SDIO_TOSBMAILBOXDATA:
            c->tosbmaildata = (c->tosbmaildata & ~bytemask) | (v & bytemask);
            return;
        }
        bp_unimp(c, a, true);
        return;
    }
    int i = in(a, 4, BP_WRAPPER_ARM, BP_CORE_SIZE) ? 0 : 1;
    uint32_t off = a - (i ? BP_WRAPPER_SOCSRAM : BP_WRAPPER_ARM);
    uint32_t old = off == WRAP_IOCTRL ? c->ioctrl[i] : off == WRAP_RESETCTRL ? c->resetctrl[i] : 0;
    wrapper_write(c, i, off, (old & ~bytemask) | (v & bytemask));
}

static bool ram_usable(bcm43362 *c, uint32_t a, uint32_t n, bool write)
{
    if (CORE_UP(c, 1))
        return true;
    bcm_log(c, LOG_GUEST, "backplane RAM 0x%05x+%u %s while the SOCSRAM core is in reset: %s",
            a, n, write ? "written" : "read", write ? "ignored" : "reads 0");
    return false;
}

void bcm_bp_read(bcm43362 *c, uint32_t a, uint8_t *buf, uint32_t n)
{
    if (in(a, n, 0, BCM_RAM_SIZE)) {
        if (ram_usable(c, a, n, false))
            memcpy(buf, c->ram + a, n);
        else
            memset(buf, 0, n);
        return;
    }
    for (uint32_t i = 0; i < n;) {
        uint32_t w = (a + i) & ~3u, sh = (a + i) & 3;
        uint32_t v = reg_read(c, w);
        for (; sh < 4 && i < n; sh++, i++)
            buf[i] = (uint8_t)(v >> (8 * sh));
    }
}

void bcm_bp_write(bcm43362 *c, uint32_t a, const uint8_t *buf, uint32_t n)
{
    if (in(a, n, 0, BCM_RAM_SIZE)) {
        if (ram_usable(c, a, n, true))
            memcpy(c->ram + a, buf, n);
        return;
    }
    for (uint32_t i = 0; i < n;) {
        uint32_t w = (a + i) & ~3u, sh = (a + i) & 3, v = 0, mask = 0;
        for (; sh < 4 && i < n; sh++, i++) {
            v |= (uint32_t)buf[i] << (8 * sh);
            mask |= 0xFFu << (8 * sh);
        }
        reg_write(c, w, v, mask);
    }
}

void bcm_backplane_reset(bcm43362 *c)
{
    clock_disarm(&c->m->clock, &c->fw_ev);
    memset(c->ram, 0, BCM_RAM_SIZE);
    memset(c->cc, 0, sizeof(c->cc));
    /* after power-up both cores sit in reset with their clocks off */
    c->ioctrl[0] = c->ioctrl[1] = 0;
    c->resetctrl[0] = c->resetctrl[1] = 1;
    c->intstatus = c->hostintmask = c->intmask = c->funcintmask = 0;
    c->tosbmailbox = c->tosbmaildata = c->tohostmaildata = 0;
    c->fw = BCM_FW_OFF;
    memset(c->mac, 0, sizeof(c->mac));
    c->nvram_boardtype[0] = 0;
}

/* ---- the chip ------------------------------------------------------------ */

static void full_reset(bcm43362 *c)
{
    bcm_card_reset(c);
    bcm_backplane_reset(c);
    bcm_sdpcm_reset(c);
    bcm_wlan_reset(c);
    bcm_ioctl_reset(c);
}

int bcm43362_init(bcm43362 *c, machine *m, radio *air)
{
    memset(c, 0, sizeof(*c));
    c->m = m;
    c->air = air;
    line_init(&c->host_irq, "card_irq", 0);
    c->ram = calloc(1, BCM_RAM_SIZE);
    if (!c->ram)
        return -1;
    clock_event_init(&c->fw_ev, "wifi-fw", fw_booted, c);
    bcm_wlan_init(c);
    full_reset(c);
    return 0;
}

void bcm43362_free(bcm43362 *c)
{
    if (!c->ram)
        return;
    clock_disarm(&c->m->clock, &c->fw_ev);
    bcm_sdpcm_reset(c);
    bcm_wlan_reset(c);
    if (c->air)
        radio_unlisten(c->air, c);
    netdev_free(&c->sta_net);
    netdev_free(&c->ap_net);
    free(c->ram);
    c->ram = NULL;
}

void bcm43362_set_power(bcm43362 *c, bool on)
{
    if (on == c->powered)
        return;
    c->powered = on;
    bcm_log(c, LOG_WIFI, "WL_REG_ON %s", on ? "high: chip powered" : "low: chip held in reset");
    if (!on)
        full_reset(c);
    bcm_update_irq(c);
}

static void reg_on_in(void *opaque, int n, double level)
{
    (void)n;
    /* undriven, the module's pull-down holds the chip in reset */
    bcm43362_set_power(opaque, line_driven(level) && line_high(level));
}

line_sink bcm43362_reg_on_input(bcm43362 *c)
{
    return line_sink_make(reg_on_in, c, 0);
}

void bcm43362_set_otp_mac(bcm43362 *c, bcm43362_otp_mac_fn fn, void *ctx)
{
    c->otp_mac = fn;
    c->otp_ctx = ctx;
}

const uint8_t *bcm43362_mac(const bcm43362 *c)
{
    return c->mac;
}
