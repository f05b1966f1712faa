/* The state file: the container (version 2 written, version 1 read, damage
 * and unknown versions refused), and a Photon's state written from the
 * models' state tables: every field of every model round-trips, the
 * battery-kept fields survive a power-off, and a version 1 file loads. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <zlib.h>

#include "harness.h"
#include "devstate.h"
#include "photon.h"
#include "statefile.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/photon-test-stateXXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static void flip_byte(long at)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x55, f);
    fclose(f);
}

static void container_round_trip_and_damage(void **state)
{
    (void)state;
    static uint8_t a[70000];
    uint32_t small = 0x12345678u;
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = (uint8_t)(i * 7);
    statefile_section s[2] = {{"big", a, sizeof(a)}, {"a.longer.section.name", &small, 4}};
    char err[256];
    assert_int_equal(statefile_save(path, s, 2, err, sizeof(err)), 0);
    statefile f;
    assert_int_equal(statefile_load(path, &f, err, sizeof(err)), 0);
    assert_int_equal(f.version, STATEFILE_VERSION);
    assert_int_equal(f.n, 2);
    const statefile_section *big = statefile_find(&f, "big");
    assert_non_null(big);
    assert_int_equal(big->len, sizeof(a));
    assert_memory_equal(big->data, a, sizeof(a));
    assert_memory_equal(statefile_find(&f, "a.longer.section.name")->data, &small, 4);
    assert_null(statefile_find(&f, "none"));
    statefile_free(&f);

    /* the payload's checksum and the header's own */
    flip_byte(5000);
    assert_int_equal(statefile_load(path, &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "damaged"));
    flip_byte(5000);
    flip_byte(26); /* the payload size, covered by the header checksum */
    assert_int_equal(statefile_load(path, &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "bad header"));
    flip_byte(26);
    assert_int_equal(statefile_load(path, &f, err, sizeof(err)), 0);
    statefile_free(&f);
    /* truncated */
    assert_int_equal(truncate(path, 60000), 0);
    assert_int_equal(statefile_load(path, &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "damaged"));

    /* a version this photon-sim does not know is refused by number */
    uint8_t hdr[48] = "PHOTON-SIM STATE";
    hdr[16] = 7;
    FILE *fp = fopen(path, "wb");
    fwrite(hdr, 1, sizeof(hdr), fp);
    fclose(fp);
    assert_int_equal(statefile_load(path, &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "version 7"));
    /* not a state file */
    fp = fopen(path, "wb");
    fputs("hello, this is not the state of any device at all", fp);
    fclose(fp);
    assert_int_equal(statefile_load(path, &f, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a photon-sim state file"));
    /* no file is not an error */
    unlink(path);
    assert_int_equal(statefile_load(path, &f, err, sizeof(err)), 1);
}

/* Fill every field of every model with bytes from `seed` (fields computed
 * by the model take the value through their put function). */
static void scramble(machine *m, unsigned seed)
{
    uint8_t buf[8192];
    for (int i = 0; i < m->ndevices; i++) {
        device *d = m->devices[i];
        for (const state_field *f = d->cls->state; f && f->name; f++) {
            uint32_t n = state_field_bytes(f);
            assert_true(n <= sizeof(buf));
            for (uint32_t k = 0; k < n; k++)
                buf[k] = (uint8_t)(rand_r(&seed) >> 3);
            if (f->get) /* the RTC's calendar: a time it can hold */
                memset(buf + 4, 0, n - 4);
            device_state_put(d, f, buf);
        }
    }
}

static int compare(machine *a, machine *b, int *fields, bool verbose)
{
    static uint8_t x[8192], y[8192];
    int differ = 0;
    *fields = 0;
    for (int i = 0; i < a->ndevices; i++) {
        device *da = a->devices[i], *db = b->devices[i];
        assert_string_equal(da->name, db->name);
        for (const state_field *f = da->cls->state; f && f->name; f++) {
            device_state_get(da, f, x);
            device_state_get(db, f, y);
            if (memcmp(x, y, state_field_bytes(f))) {
                if (verbose)
                    print_message("differs: %s.%s\n", da->name, f->name);
                differ++;
            }
            (*fields)++;
        }
    }
    return differ;
}

static void every_field_of_every_model_round_trips(void **state)
{
    (void)state;
    char err[256];
    photon_config cfg = {0};
    photon *a = photon_new(&cfg, err, sizeof(err)), *b = photon_new(&cfg, err, sizeof(err));
    assert_non_null(a);
    assert_non_null(b);
    machine_reset(a->m, RESET_POWER_ON);
    machine_reset(b->m, RESET_POWER_ON);
    scramble(a->m, 1);
    photon_fresh(a, 9);
    int fields;
    assert_true(compare(a->m, b->m, &fields, false) > 0);
    assert_int_equal(devstate_save(a->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, true,
                                   path, err, sizeof(err)),
                     0);
    statefile kept;
    assert_int_equal(devstate_load(b->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, true,
                                   path, &kept, err, sizeof(err)),
                     0);
    devstate_apply(b->m, &kept, true);
    statefile_free(&kept);
    assert_int_equal(compare(a->m, b->m, &fields, true), 0);
    assert_true(fields > 200); /* every model's registers and more */
    assert_memory_equal(photon_uid(a), photon_uid(b), 12);
    assert_memory_equal(photon_flash(a), photon_flash(b), STM32F205_FLASH_SIZE);
    photon_free(a);
    photon_free(b);
}

/* Set the backup domain as firmware would leave it. */
static void fill_backup(photon *p)
{
    stm32f205 *s = &p->soc;
    for (int i = 0; i < RTC_NBKP; i++)
        s->rtc.bkp[i] = 0xB0000000u + (uint32_t)i;
    s->rtc.cr = 0x40;
    s->rtc.isr = 0x37F7;    /* pending flags and INIT: not kept */
    s->rtc.prer = 0x007F00FF;
    s->rtc.alrm[1] = 0x80000000u;
    s->rcc.bdcr = 0x8103;   /* LSE on, RTCSEL = LSE, RTCEN */
    s->pwr.csr = 0x20B;     /* BRE, BRR, and WUF/SBF, not kept */
    for (unsigned i = 0; i < BKPSRAM_SIZE; i++)
        s->bkpsram.mem[i] = (uint8_t)(i * 3);
    rtc_set_seconds(&s->rtc, 700000000);
}

static void check_backup(photon *p)
{
    stm32f205 *s = &p->soc;
    assert_int_equal(s->rtc.bkp[19], 0xB0000013u);
    assert_int_equal(s->rtc.cr, 0x40);
    assert_int_equal(s->rtc.isr, 0x37);
    assert_int_equal(s->rtc.alrm[1], 0x80000000u);
    assert_int_equal(s->rcc.bdcr, 0x8103);
    assert_int_equal(s->pwr.csr, 0x208);
    assert_int_equal(s->bkpsram.mem[4095], (uint8_t)(4095 * 3));
    assert_true(rtc_seconds(&s->rtc) == 700000000);
}

static void battery_kept_fields_survive_a_power_off(void **state)
{
    (void)state;
    char err[256];
    photon_config cfg = {0};
    photon *a = photon_new(&cfg, err, sizeof(err));
    machine_reset(a->m, RESET_POWER_ON);
    photon_fresh(a, 3);
    fill_backup(a);
    assert_int_equal(devstate_save(a->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, false,
                                   path, err, sizeof(err)),
                     0);
    photon *b = photon_new(&cfg, err, sizeof(err));
    statefile kept;
    assert_int_equal(devstate_load(b->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, false,
                                   path, &kept, err, sizeof(err)),
                     0);
    machine_reset(b->m, RESET_POWER_ON);
    devstate_apply(b->m, &kept, false);
    statefile_free(&kept);
    check_backup(b);
    assert_memory_equal(photon_uid(a), photon_uid(b), 12);
    photon_free(a);
    photon_free(b);
}

/* A file as photon-sim wrote it before the state tables (version 1). */
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void write_v1(photon *p)
{
    static const struct { const char *name; uint32_t len; } sec[] = {
        {"flash", STM32F205_FLASH_SIZE}, {"otp", 528}, {"uid", 12}, {"optbytes", 16},
        {"backup", 4224},
    };
    size_t total = 24 + 4;
    for (size_t i = 0; i < 5; i++)
        total += 20 + sec[i].len;
    uint8_t *buf = calloc(1, total), *q = buf + 24;
    memcpy(buf, "PHOTON-SIM STATE", 16);
    put32(buf + 16, 1);
    put32(buf + 20, 5);
    for (size_t i = 0; i < 5; i++) {
        memcpy(q, sec[i].name, strlen(sec[i].name));
        put32(q + 16, sec[i].len);
        uint8_t *d = q + 20;
        if (i == 0)
            memcpy(d, photon_flash(p), sec[i].len);
        else if (i == 1)
            memcpy(d, photon_otp(p), sec[i].len);
        else if (i == 2)
            memcpy(d, photon_uid(p), sec[i].len);
        else if (i == 4) { /* the old photon_backup struct */
            stm32f205 *s = &p->soc;
            memcpy(d, s->rtc.bkp, 80);
            put32(d + 80, s->rtc.cr);
            put32(d + 84, s->rtc.isr & ~0x3F00u);
            put32(d + 88, s->rtc.prer);
            put32(d + 104, s->rtc.alrm[1]);
            int64_t secs = rtc_seconds(&s->rtc);
            memcpy(d + 112, &secs, 8);
            put32(d + 120, s->rcc.bdcr);
            put32(d + 124, s->pwr.csr & 0x208u);
            memcpy(d + 128, s->bkpsram.mem, 4096);
        }
        q += 20 + sec[i].len;
    }
    put32(q, (uint32_t)crc32_z(0, buf, (size_t)(q - buf)));
    FILE *f = fopen(path, "wb");
    fwrite(buf, 1, total, f);
    fclose(f);
    free(buf);
}

static void a_version_1_file_still_loads(void **state)
{
    (void)state;
    char err[256];
    photon_config cfg = {0};
    photon *a = photon_new(&cfg, err, sizeof(err));
    machine_reset(a->m, RESET_POWER_ON);
    photon_fresh(a, 5);
    photon_flash(a)[0x20000] = 0x42;
    fill_backup(a);
    write_v1(a);
    photon *b = photon_new(&cfg, err, sizeof(err));
    statefile kept;
    assert_int_equal(devstate_load(b->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, false,
                                   path, &kept, err, sizeof(err)),
                     0);
    assert_int_equal(kept.version, 1);
    machine_reset(b->m, RESET_POWER_ON);
    devstate_apply(b->m, &kept, false);
    statefile_free(&kept);
    check_backup(b);
    assert_int_equal(photon_flash(b)[0x20000], 0x42);
    assert_memory_equal(photon_uid(a), photon_uid(b), 12);
    /* a section of the wrong size is refused, naming it */
    statefile_section bad[] = {{"flash", photon_flash(a), 100}};
    assert_int_equal(statefile_save(path, bad, 1, err, sizeof(err)), 0);
    assert_int_equal(devstate_load(b->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, false,
                                   path, &kept, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "flash"));
    /* so is a file without the flash */
    statefile_section no_flash[] = {{"otp", photon_otp(a), STM32F205_OTP_SIZE}};
    assert_int_equal(statefile_save(path, no_flash, 1, err, sizeof(err)), 0);
    assert_int_equal(devstate_load(b->m, stm32f205_nonvolatile, stm32f205_nnonvolatile, false,
                                   path, &kept, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "lacks the flash section"));
    photon_free(a);
    photon_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(container_round_trip_and_damage, setup, teardown),
        cmocka_unit_test_setup_teardown(every_field_of_every_model_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(battery_kept_fields_survive_a_power_off, setup, teardown),
        cmocka_unit_test_setup_teardown(a_version_1_file_still_loads, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
