/* The BCM43362 model through its SDIO card interface, as a host driver
 * sees it: enumeration, CCCR, the F1 backplane window and its errors, the
 * core wrappers and the firmware start (image + NVRAM with macaddr), the
 * clock CSR, SDPCM frames with credits and the interrupt, ioctls, events
 * of scans and joins against a radio, the soft AP, the data channel, and
 * WL_REG_ON losing everything. */
#include "harness.h"
#include "bcm43362.h"

static machine *m;
static radio air;
static bcm43362 chip;
static int irq_level;

static void card_irq(void *ctx, int n, double level)
{
    (void)ctx;
    (void)n;
    irq_level = line_high(level);
}

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    radio_init(&air);
    assert_int_equal(bcm43362_init(&chip, m, &air), 0);
    line_connect(&chip.host_irq, line_sink_make(card_irq, NULL, 0));
    irq_level = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bcm43362_free(&chip);
    machine_free(m);
    return 0;
}

static const sdio_card_ops *ops = &bcm43362_card_ops;

static uint32_t r5(uint32_t arg, int idx)
{
    uint32_t resp[4] = {0};
    assert_int_equal(ops->command(&chip, (uint32_t)idx, arg, resp), SDIO_RESPONSE);
    return resp[0];
}

static uint32_t cmd52(int write, int fn, uint32_t addr, uint8_t v)
{
    return r5((uint32_t)write << 31 | (uint32_t)fn << 28 | addr << 9 | v, 52);
}

/* CMD53 in byte mode (n <= 512) or 64-byte blocks; returns R5. */
static uint32_t cmd53(int write, int fn, uint32_t addr, uint8_t *buf, uint32_t n)
{
    bool block = n > 512;
    uint32_t count = block ? n / 64 : (n == 512 ? 0 : n);
    uint32_t resp = r5((uint32_t)write << 31 | (uint32_t)fn << 28 | (uint32_t)block << 27 |
                           1u << 26 | addr << 9 | count, 53);
    if (resp & 0x0B00)
        return resp;
    assert_int_equal(ops->data_pending(&chip), write ? -(int32_t)n : (int32_t)n);
    for (uint32_t i = 0; i < n; i += 4) {
        uint32_t k = n - i < 4 ? n - i : 4;
        if (write)
            ops->write(&chip, buf + i, k);
        else
            ops->read(&chip, buf + i, k);
    }
    assert_int_equal(ops->data_pending(&chip), 0);
    return resp;
}

static void enumerate(void)
{
    uint32_t resp[4];
    assert_int_equal(ops->command(&chip, 5, 0, resp), SDIO_RESPONSE_NOCRC);
    assert_int_equal(resp[0], 0xA0FF8000u);
    assert_int_equal(ops->command(&chip, 3, 0, resp), SDIO_RESPONSE);
    uint32_t rca = resp[0] >> 16;
    assert_int_not_equal(rca, 0);
    assert_int_equal(ops->command(&chip, 7, rca << 16, resp), SDIO_RESPONSE);
    assert_int_equal(cmd52(1, 0, 0x02, 0x06) & 0xFF, 0x06); /* IOEN F1, F2 */
}

static void window(uint32_t base)
{
    cmd52(1, 1, 0x1000C, (uint8_t)(base >> 24));
    cmd52(1, 1, 0x1000B, (uint8_t)(base >> 16));
    cmd52(1, 1, 0x1000A, (uint8_t)(base >> 8));
}

static void bp_write32(uint32_t addr, uint32_t v)
{
    window(addr & ~0x7FFFu);
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    assert_int_equal(cmd53(1, 1, (addr & 0x7FFF) | 0x8000, b, 4) & 0xFF00, 0x1000);
}

static uint32_t bp_read32(uint32_t addr)
{
    window(addr & ~0x7FFFu);
    uint8_t b[4];
    assert_int_equal(cmd53(0, 1, (addr & 0x7FFF) | 0x8000, b, 4) & 0xFF00, 0x1000);
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void wrapper_reset(uint32_t wrapper)
{
    bp_write32(wrapper + 0x408, 0x03); /* IOCTRL = FGC | CLK */
    bp_write32(wrapper + 0x800, 0x00); /* out of reset */
    bp_write32(wrapper + 0x408, 0x01); /* CLK */
}

/* The download WICED does: a Thumb vector table as "firmware", NVRAM at
 * the end of RAM with its length token. */
#define download(nv) download_n(nv, sizeof(nv))
static void download_n(const char *nvram, size_t n)
{
    wrapper_reset(0x18104000); /* SOCSRAM */
    uint8_t vt[64] = {0};
    vt[4] = 0xE9; vt[5] = 0xC9; /* reset vector 0xC9E9 (Thumb) */
    window(0);
    assert_int_equal(cmd53(1, 1, 0, vt, 64) & 0xFF00, 0x1000);
    uint8_t img[256] = {0};
    memcpy(img, nvram, n);
    uint32_t len = 256, addr = BCM_RAM_SIZE - 4 - len;
    window(addr & ~0x7FFFu);
    assert_int_equal(cmd53(1, 1, addr & 0x7FFF, img, len) & 0xFF00, 0x1000);
    bp_write32(BCM_RAM_SIZE - 4, (len / 4) | (~(len / 4) << 16));
    window(0x18000000);
}

static void boot(void)
{
    bcm43362_set_power(&chip, true);
    enumerate();
    download("boardtype=0x05a0\0macaddr=02:0A:F7:e0:ae:ce\0");
    wrapper_reset(0x18103000); /* ARM: the firmware starts */
    th_advance(m, 30 * PS_PER_MS);
    bp_write32(0x18002024, 0xF0); /* hostintmask */
    bp_write32(0x18002034, 0x02); /* funcintmask: F2 */
    cmd52(1, 0, 0x04, 0x05);      /* INTEN master + F2 */
}

static void cards_without_power_do_not_answer(void **state)
{
    (void)state;
    uint32_t resp[4];
    assert_int_equal(ops->command(&chip, 5, 0, resp), SDIO_NO_RESPONSE);
    bcm43362_set_power(&chip, true);
    assert_int_equal(ops->command(&chip, 0, 0, resp), SDIO_NO_RESPONSE); /* CMD0 */
    /* before CMD7 a CMD52 is an illegal command */
    assert_int_equal(cmd52(0, 0, 0x02, 0) & 0x4000, 0x4000);
    enumerate();
    assert_int_equal(cmd52(0, 0, 0x03, 0) & 0xFF, 0x02); /* IORDY: F1 only */
    assert_int_equal(cmd52(0, 3, 0x00, 0) & 0x0200, 0x0200); /* function 3: none */
    cmd52(1, 0, 0x10, 0x40);
    assert_int_equal(cmd52(0, 0, 0x10, 0) & 0xFF, 0x40); /* F0 block size */
    assert_int_equal(cmd52(0, 0, 0x210, 0) & 0xFF, 64);  /* F2 block size */
}

static void backplane_window_and_errors(void **state)
{
    (void)state;
    bcm43362_set_power(&chip, true);
    enumerate();
    assert_int_equal(bp_read32(0x18000000) & 0xFFFF, 0xA962); /* chip ID */
    /* RAM is dead while the SOCSRAM core is in reset */
    window(0);
    uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8}, r[8];
    cmd53(1, 1, 0x100, b, 8);
    cmd53(0, 1, 0x100, r, 8);
    assert_int_equal(r[0], 0);
    wrapper_reset(0x18104000);
    window(0);
    cmd53(1, 1, 0x100, b, 8);
    cmd53(0, 1, 0x100, r, 8);
    assert_memory_equal(r, b, 8);
    /* a window outside the backplane: ERROR | OUT OF RANGE, nothing moves */
    window(0x20000000);
    assert_int_equal(cmd53(0, 1, 0, r, 8) & 0x0900, 0x0900);
    assert_int_equal(ops->data_pending(&chip), 0);
    assert_int_equal(cmd52(0, 1, 0x10, 0) & 0x0900, 0x0900);
    /* the last RAM bytes are there, one past is not */
    window(0x38000);
    assert_int_equal(cmd53(0, 1, 0x3FFC, r, 4) & 0x0900, 0);
    assert_int_equal(cmd53(0, 1, 0x3FFC, r, 8) & 0x0900, 0x0900);
    /* F2 before the firmware runs: ERROR */
    assert_int_equal(cmd53(0, 2, 0, r, 4) & 0x0800, 0x0800);
    /* endless block count: not supported */
    assert_int_equal(r5(1u << 28 | 1u << 27 | 1u << 26, 53) & 0x0800, 0x0800);
}

static void firmware_starts_from_image_and_nvram(void **state)
{
    (void)state;
    bcm43362_set_power(&chip, true);
    enumerate();
    assert_int_equal(cmd52(0, 1, 0x1000E, 0) & 0xC0, 0); /* no clock requested */
    cmd52(1, 1, 0x1000E, 0x28);
    assert_int_equal(cmd52(0, 1, 0x1000E, 0) & 0x40, 0x40); /* ALP available */
    download("macaddr=02:11:22:33:44:55\0");
    wrapper_reset(0x18103000);
    assert_int_equal(cmd52(0, 1, 0x1000E, 0) & 0x80, 0); /* not yet */
    th_advance(m, 30 * PS_PER_MS);
    assert_int_equal(cmd52(0, 1, 0x1000E, 0) & 0x80, 0x80); /* HT */
    assert_int_equal(cmd52(0, 0, 0x03, 0) & 0x06, 0x06);      /* F2 ready */
    const uint8_t mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    assert_memory_equal(bcm43362_mac(&chip), mac, 6);
    /* WL_REG_ON low: all lost */
    bcm43362_set_power(&chip, false);
    bcm43362_set_power(&chip, true);
    enumerate();
    assert_int_equal(cmd52(0, 0, 0x03, 0) & 0x04, 0);
    wrapper_reset(0x18104000);
    assert_int_equal(bp_read32(BCM_RAM_SIZE - 4), 0);
    /* no NVRAM: the chip never comes up */
    wrapper_reset(0x18103000);
    th_advance(m, 100 * PS_PER_MS);
    assert_int_equal(cmd52(0, 1, 0x1000E, 0) & 0x80, 0);
}

/* The module's OTP MAC wins over the NVRAM's; an OTP of zeros leaves the
 * NVRAM's. */
static uint8_t otp[6];
static int otp_asked;

static void otp_mac(void *ctx, uint8_t mac[6])
{
    assert_ptr_equal(ctx, &otp);
    memcpy(mac, otp, 6);
    otp_asked++;
}

static void boot_firmware(const char *nvram, size_t n)
{
    bcm43362_set_power(&chip, false);
    bcm43362_set_power(&chip, true);
    enumerate();
    cmd52(1, 1, 0x1000E, 0x28);
    download_n(nvram, n);
    wrapper_reset(0x18103000);
    th_advance(m, 30 * PS_PER_MS);
    assert_int_equal(cmd52(0, 0, 0x03, 0) & 0x06, 0x06); /* F2 ready */
}

static void the_modules_otp_mac_replaces_the_nvrams(void **state)
{
    (void)state;
    static const char nv[] = "macaddr=02:0A:F7:e0:ae:ce\0";
    const uint8_t own[6] = {0x02, 0x27, 0x0D, 0xAA, 0x57, 0x08};
    const uint8_t placeholder[6] = {0x02, 0x0A, 0xF7, 0xE0, 0xAE, 0xCE};
    bcm43362_set_otp_mac(&chip, otp_mac, &otp);
    memcpy(otp, own, 6);
    boot_firmware(nv, sizeof(nv));
    assert_int_equal(otp_asked, 1);
    assert_memory_equal(bcm43362_mac(&chip), own, 6);
    memset(otp, 0, 6); /* a module never programmed */
    boot_firmware(nv, sizeof(nv));
    assert_memory_equal(bcm43362_mac(&chip), placeholder, 6);
    memcpy(otp, own, 6); /* no macaddr= in the NVRAM: the OTP's still */
    boot_firmware("boardtype=0x0636\0", sizeof("boardtype=0x0636\0"));
    assert_memory_equal(bcm43362_mac(&chip), own, 6);
}

/* ---- SDPCM ---------------------------------------------------------------- */

static uint8_t host_seq;

static void send_frame(int chan, const uint8_t *body, uint32_t n, uint8_t hdrlen)
{
    uint8_t f[1600] = {0};
    uint32_t len = hdrlen + n;
    f[0] = (uint8_t)len; f[1] = (uint8_t)(len >> 8);
    f[2] = (uint8_t)~len; f[3] = (uint8_t)(~len >> 8);
    f[4] = host_seq++;
    f[5] = (uint8_t)chan;
    f[7] = hdrlen;
    memcpy(f + hdrlen, body, n);
    uint32_t padded = len <= 512 ? len : (len + 63) / 64 * 64;
    assert_int_equal(cmd53(1, 2, 0, f, padded) & 0x0800, 0);
}

static void ioctl(uint32_t cmd, bool set, const void *data, uint32_t n)
{
    uint8_t b[16 + 512] = {0};
    b[0] = (uint8_t)cmd; b[1] = (uint8_t)(cmd >> 8);
    b[4] = (uint8_t)n; b[5] = (uint8_t)(n >> 8);
    b[8] = set ? 2 : 0;
    b[10] = 7; /* id */
    if (n)
        memcpy(b + 16, data, n);
    send_frame(0, b, 16 + n, 12);
}

/* Read one frame as WICED does: 4 bytes, then the rest. 0 if none. */
static uint32_t read_frame(uint8_t *f)
{
    assert_int_equal(cmd53(0, 2, 0, f, 4) & 0x0800, 0);
    uint32_t len = f[0] | f[1] << 8;
    if (len == 0 || (uint16_t)(len ^ (f[2] | f[3] << 8)) != 0xFFFF)
        return 0;
    uint32_t rest = len - 4, n = rest <= 512 ? 4 : (rest + 63) / 64 * 64;
    while (n < rest)
        n *= 2;
    cmd53(0, 2, 0, f + 4, n);
    return len;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void ioctl_replies_with_credit_and_interrupt(void **state)
{
    (void)state;
    boot();
    host_seq = 0;
    ioctl(262, false, "cur_etheraddr\0\0\0\0\0\0\0", 20);
    assert_int_equal(irq_level, 0); /* the chip needs a moment */
    th_advance(m, PS_PER_MS);
    assert_int_equal(irq_level, 1);
    assert_int_equal(bp_read32(0x18002020) & 0x40, 0x40); /* FRAME_IND */
    bp_write32(0x18002020, 0x40);                            /* write 1 to clear */
    assert_int_equal(irq_level, 0);
    uint8_t f[600];
    uint32_t len = read_frame(f);
    assert_int_equal(len, 12 + 16 + 20);
    assert_int_equal(f[5] & 0x0F, 0);           /* control */
    assert_int_equal(f[9], (uint8_t)(1 + 6));   /* credit: host's next + window */
    assert_int_equal(f[12], 262 & 0xFF);        /* CDC echo */
    assert_int_equal(f[12 + 10], 7);            /* request id */
    assert_int_equal(f[12 + 8] & 1, 0);         /* no error */
    const uint8_t mac[6] = {0x02, 0x0A, 0xF7, 0xE0, 0xAE, 0xCE};
    assert_memory_equal(f + 28, mac, 6);
    assert_int_equal(read_frame(f), 0); /* empty queue reads as zeros */
    /* a GET of something set before returns it */
    uint8_t v[12] = "apsta\0\0\0";
    v[6] = 1;
    ioctl(263, true, v, 10);
    ioctl(262, false, "apsta\0\0\0\0\0", 10);
    th_advance(m, PS_PER_MS);
    read_frame(f);
    read_frame(f);
    assert_int_equal(f[28], 1);
    /* a bad frame (wrong complement) is dropped without an answer */
    uint8_t bad[16] = {16, 0, 0, 0};
    assert_int_equal(cmd53(1, 2, 0, bad, 16) & 0x0800, 0);
    th_advance(m, PS_PER_MS);
    assert_int_equal(read_frame(f), 0);
    /* a poke through the mailbox brings a credit-only frame */
    bp_write32(0x18002040, 0x08);
    assert_int_equal(read_frame(f), 12);
}

static int count_events(uint32_t type, uint32_t *status, int max)
{
    uint8_t f[1600];
    int n = 0;
    uint32_t len;
    while ((len = read_frame(f))) {
        if ((f[5] & 0x0F) != 1)
            continue;
        const uint8_t *msg = f + f[7] + 4 + 14 + 10;
        if (be32(msg + 4) == type && n < max)
            status[n++] = be32(msg + 8);
    }
    return n;
}

static void scans_report_the_access_points(void **state)
{
    (void)state;
    radio_ap ap;
    char err[128];
    radio_parse_ap("ssid=Home,security=wpa2,password=secret123,channel=6", &ap, err, sizeof(err));
    radio_set_ap(&air, &ap, err, sizeof(err));
    radio_parse_ap("ssid=Cafe,channel=1", &ap, err, sizeof(err));
    radio_set_ap(&air, &ap, err, sizeof(err));
    boot();
    ioctl(2, true, NULL, 0); /* WLC_UP */
    uint8_t p[6 + 72] = "escan";
    uint8_t *e = p + 6;
    e[0] = 1;  /* version */
    e[4] = 1;  /* start */
    e[6] = 42; /* sync id */
    ioctl(263, true, p, 6 + 72);
    th_advance(m, 2 * PS_PER_S);
    uint32_t st[8];
    int n = count_events(69, st, 8);
    assert_int_equal(n, 3);
    assert_int_equal(st[0], 8); /* PARTIAL */
    assert_int_equal(st[1], 8);
    assert_int_equal(st[2], 0); /* done */
}

static void set_ssid(const char *ssid)
{
    uint8_t b[36] = {0};
    b[0] = (uint8_t)strlen(ssid);
    memcpy(b + 4, ssid, strlen(ssid));
    ioctl(26, true, b, 36);
}

static void set_u32(uint32_t cmd, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ioctl(cmd, true, b, 4);
}

static void pmk(const char *pw)
{
    uint8_t b[68] = {0};
    b[0] = (uint8_t)strlen(pw);
    b[2] = 1;
    memcpy(b + 4, pw, strlen(pw));
    ioctl(268, true, b, 68);
}

static void joins_succeed_or_fail_as_the_firmware_expects(void **state)
{
    (void)state;
    radio_ap ap;
    char err[128], ssid[33];
    radio_parse_ap("ssid=Home,password=secret123", &ap, err, sizeof(err));
    radio_set_ap(&air, &ap, err, sizeof(err));
    boot();
    ioctl(2, true, NULL, 0);
    uint32_t st[8];
    /* absent SSID: SET_SSID NO_NETWORKS */
    set_ssid("Nowhere");
    th_advance(m, PS_PER_S);
    assert_int_equal(count_events(0, st, 8), 1);
    assert_int_equal(st[0], 3);
    /* WPA2 network, host configured open: pruned, NO_NETWORKS */
    set_ssid("Home");
    th_advance(m, PS_PER_S);
    assert_int_equal(count_events(0, st, 8), 1);
    assert_int_equal(st[0], 3);
    assert_false(bcm43362_associated(&chip, ssid));
    /* the right security, the wrong passphrase: the 4-way handshake times out */
    set_u32(134, 4);    /* WSEC AES */
    set_u32(165, 0x80); /* WPA2_AUTH_PSK */
    pmk("not-the-one");
    set_ssid("Home");
    th_advance(m, 4 * PS_PER_S);
    assert_int_equal(count_events(46, st, 8), 1);
    assert_int_equal(st[0], 8); /* WAIT_M3 */
    assert_false(bcm43362_associated(&chip, ssid));
    /* the right passphrase: AUTH, LINK, SET_SSID, PSK_SUP keyed */
    pmk("secret123");
    set_ssid("Home");
    th_advance(m, PS_PER_S);
    assert_true(bcm43362_associated(&chip, ssid));
    assert_string_equal(ssid, "Home");
    assert_true(bcm43362_netdev(&chip, 0)->link_up); /* the data channel is up */
    /* the access point goes away: the link is lost */
    radio_remove_ap(&air, "Home");
    assert_false(bcm43362_associated(&chip, ssid));
    assert_false(bcm43362_netdev(&chip, 0)->link_up);
}

/* The reason of the WLC_E_PRUNE among the frames waiting, or 0. */
static uint32_t prune_reason(void)
{
    uint8_t f[1600];
    uint32_t reason = 0;
    while (read_frame(f)) {
        const uint8_t *msg = f + f[7] + 4 + 14 + 10;
        if ((f[5] & 0x0F) == 1 && be32(msg + 4) == 23)
            reason = be32(msg + 12);
    }
    return reason;
}

/* Broadcom's join filter: a WPA2 network with a TKIP-only host or WPA auth
 * pruned; an open network joined with encryption on but no WPA mode (the
 * console's "open + AES"), not with a WPA mode. */
static void the_join_filter_prunes_as_broadcom_does(void **state)
{
    (void)state;
    radio_ap ap;
    char err[128], ssid[33];
    radio_parse_ap("ssid=Home,password=secret123", &ap, err, sizeof(err));
    radio_set_ap(&air, &ap, err, sizeof(err));
    radio_parse_ap("ssid=Cafe,security=open", &ap, err, sizeof(err));
    radio_set_ap(&air, &ap, err, sizeof(err));
    boot();
    ioctl(2, true, NULL, 0);
    static const struct {
        const char *ssid;
        uint32_t wsec, wpa, prune; /* 0: joined */
    } cases[] = {
        {"Home", 2, 0x80, 1},   /* TKIP against CCMP: encryption mismatch */
        {"Home", 4, 0x04, 8},   /* WPA auth, the AP has RSN only */
        {"Home", 6, 0x80, 0},   /* AES+TKIP: AES in common */
        {"Cafe", 4, 0x80, 8},   /* WPA2 auth on an open AP: no RSN element */
        {"Cafe", 4, 0x00, 0},   /* open + AES, no WPA mode: joined */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        set_u32(52, 0); /* WLC_DISASSOC */
        th_advance(m, PS_PER_S);
        prune_reason();
        set_u32(134, cases[i].wsec);
        set_u32(165, cases[i].wpa);
        pmk("secret123");
        set_ssid(cases[i].ssid);
        th_advance(m, PS_PER_S);
        assert_int_equal(prune_reason(), cases[i].prune);
        if (cases[i].prune) {
            assert_false(bcm43362_associated(&chip, ssid));
        } else {
            assert_true(bcm43362_associated(&chip, ssid));
            assert_string_equal(ssid, cases[i].ssid);
            assert_true(chip.sta.key_ok); /* frames pass (an open one: unencrypted) */
        }
    }
}

/* a network behind an interface: the netdev's backend */
static uint8_t out_frame[64];
static int out_frames, link_up;

static void net_receive(void *opaque, const uint8_t *frame, size_t len)
{
    (void)opaque;
    out_frames++;
    memcpy(out_frame, frame, len < sizeof(out_frame) ? len : sizeof(out_frame));
}

static void net_link(void *opaque, bool up)
{
    (void)opaque;
    link_up = up;
}

static const netdev_backend_ops net = {net_receive, net_link};

static void soft_ap_and_data_channel(void **state)
{
    (void)state;
    boot();
    netdev *ap = bcm43362_netdev(&chip, 1), *sta = bcm43362_netdev(&chip, 0);
    out_frames = link_up = 0;
    netdev_set_backend(ap, &net, NULL);
    ioctl(2, true, NULL, 0);
    uint8_t bss[12] = "bss";
    bss[4] = 1; /* bsscfg 1 */
    bss[8] = 1; /* up */
    ioctl(263, true, bss, 12);
    th_advance(m, 50 * PS_PER_MS);
    uint32_t st[4];
    assert_int_equal(count_events(16, st, 4), 1); /* LINK on interface 1 */
    assert_true(link_up);                          /* the netdev's link too */
    /* a data frame from the host on the soft AP goes out */
    uint8_t d[4 + 60] = {0x20, 0, 1, 0};
    memset(d + 4, 0xAB, 60);
    send_frame(2, d, sizeof(d), 14);
    assert_int_equal(out_frames, 1);
    assert_int_equal(out_frame[0], 0xAB);
    /* and one from the network comes in, IP header 4-byte aligned */
    uint8_t eth[60];
    memset(eth, 0xCD, sizeof(eth));
    assert_true(netdev_deliver(ap, eth, sizeof(eth)));
    assert_false(netdev_deliver(sta, eth, sizeof(eth))); /* station not joined: link down */
    uint8_t f[200];
    assert_int_equal(read_frame(f), 14 + 4 + 60);
    assert_int_equal(f[5] & 0x0F, 2);
    assert_int_equal(f[7], 14);
    assert_int_equal(f[14 + 2], 1); /* BDC interface */
    assert_int_equal(f[18], 0xCD);
    /* the soft AP goes down: so does the link */
    bss[8] = 0;
    ioctl(263, true, bss, 12);
    assert_false(link_up);
    netdev_set_backend(ap, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(cards_without_power_do_not_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(backplane_window_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(firmware_starts_from_image_and_nvram, setup, teardown),
        cmocka_unit_test_setup_teardown(the_modules_otp_mac_replaces_the_nvrams, setup, teardown),
        cmocka_unit_test_setup_teardown(ioctl_replies_with_credit_and_interrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(scans_report_the_access_points, setup, teardown),
        cmocka_unit_test_setup_teardown(joins_succeed_or_fail_as_the_firmware_expects, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_join_filter_prunes_as_broadcom_does, setup, teardown),
        cmocka_unit_test_setup_teardown(soft_ap_and_data_channel, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
