/* Why the bootloader did not apply an update Device OS accepted
 * (emulator/host/cloud/ota_evidence.c), from a made-up Photon flash: the
 * update still queued in its DCT slot, a slot the bootloader cleared after
 * refusing the module (start address outside the flash, platform, CRC),
 * no slot at all, and a DCT it cannot tell from. */
#include "harness.h"

#include <stdlib.h>

#include "cloud_fixture.h"
#include "ota.h"

#define BASE 0x08000000u
#define SIZE 0x100000u
#define OTA 0x080C0000u

typedef struct ev {
    uint8_t *flash;
    uint8_t file[8192];
    ota_track t;
    cloud_flash_view v;
    char out[600];
} ev;

/* A 5000-byte user module sent, copied into the OTA area as Device OS
 * wrote it. */
static void setup(ev *e)
{
    memset(e, 0, sizeof(*e));
    e->flash = malloc(SIZE);
    assert_non_null(e->flash);
    memset(e->flash, 0xFF, SIZE);
    e->t.size = fx_module(e->file, 5000, 9, 6, 2202, false);
    e->t.file = e->file;
    e->t.start = 0x080A0000;
    e->t.end = 0x080A0000 + 5000;
    memcpy(e->flash + (OTA - BASE), e->file, e->t.size);
    e->v = (cloud_flash_view){.flash = e->flash, .base = BASE, .size = SIZE, .ota_area = OTA,
                              .dct_ok = true};
    memset(e->v.slots, 0xFF, sizeof(e->v.slots));
}

/* Slot i as Device OS's HAL_FLASH_End writes it, with `magic`. */
static void slot(ev *e, int i, uint16_t magic, uint32_t dst)
{
    uint8_t *p = e->v.slots + i * CLOUD_DCT_SLOT_SIZE;
    uint32_t len = e->t.end - e->t.start + 4;
    memset(p, 0, CLOUD_DCT_SLOT_SIZE);
    p[0] = (uint8_t)magic;
    p[1] = (uint8_t)(magic >> 8);
    memcpy(p + 4, &(uint32_t){OTA}, 4);
    memcpy(p + 8, &dst, 4);
    memcpy(p + 12, &len, 4);
    p[16] = 0x0D; /* CRC | destination | function */
    p[17] = 5;    /* user part */
}

static const char *explain(ev *e)
{
    assert_int_equal(ota_evidence_explain(&e->t, &e->v, 6, e->out, sizeof(e->out)), 0);
    return e->out;
}

static void queued_and_never_processed(void **state)
{
    (void)state;
    ev e;
    setup(&e);
    slot(&e, 1, 0xFFFF, 0x080A0000); /* an earlier update, done */
    slot(&e, 2, 0xABCD, 0x080A0000);
    const char *s = explain(&e);
    assert_non_null(strstr(s, "still waits in DCT slot 2"));
    assert_non_null(strstr(s, "never processed"));
    assert_non_null(strstr(s, "the OTA area still holds the file sent"));
    free(e.flash);
}

static void start_outside_the_flash(void **state)
{
    (void)state;
    ev e;
    setup(&e);
    e.t.start = 0x07FF0000; /* the header's start; its end stays */
    e.t.end = 0x07FF0000 + 5000;
    slot(&e, 1, 0xFFFF, 0x07FF0000);
    const char *s = explain(&e);
    assert_non_null(strstr(s, "took DCT slot 1, refused it and cleared it"));
    assert_non_null(strstr(s, "start address 0x07ff0000 is outside the flash"));
    free(e.flash);
}

static void changed_after_the_check(void **state)
{
    (void)state;
    ev e;
    setup(&e);
    slot(&e, 1, 0xFFFF, 0x080A0000);
    e.flash[OTA - BASE + 3000] ^= 0x10; /* one cell lost its charge */
    const char *s = explain(&e);
    assert_non_null(strstr(s, "fails its CRC-32"));
    assert_non_null(strstr(s, "1 byte(s) differ from the file sent"));
    free(e.flash);
}

static void other_platform_and_copy_error(void **state)
{
    (void)state;
    ev e;
    setup(&e);
    slot(&e, 1, 0xFFFF, 0x080A0000);
    assert_non_null(strstr(explain(&e), "passes every check the bootloader makes"));
    assert_int_equal(ota_evidence_explain(&e.t, &e.v, 8, e.out, sizeof(e.out)), 0);
    assert_non_null(strstr(e.out, "for platform 6, not 8"));
    free(e.flash);
}

static void no_slot_or_no_dct(void **state)
{
    (void)state;
    ev e;
    setup(&e);
    slot(&e, 1, 0xFFFF, 0x080B0000); /* another module's */
    e.flash[OTA - BASE] ^= 0xFF;
    const char *s = explain(&e);
    assert_non_null(strstr(s, "queued no copy of it"));
    assert_non_null(strstr(s, "1 byte(s) of the OTA area differ"));
    e.v.dct_ok = false;
    assert_int_equal(ota_evidence_explain(&e.t, &e.v, 6, e.out, sizeof(e.out)), -1);
    free(e.flash);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(queued_and_never_processed),
        cmocka_unit_test(start_outside_the_flash),
        cmocka_unit_test(changed_after_the_check),
        cmocka_unit_test(other_platform_and_copy_error),
        cmocka_unit_test(no_slot_or_no_dct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
