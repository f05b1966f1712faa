/* The DCT writer for host tools (boards/photon_dct.c): a blank DCT is
 * refused, bytes that only clear bits are programmed in place, others go
 * into a copy of the sector in the other DCT sector, which becomes the
 * current one, as WICED's DCT update leaves them. */
#include "harness.h"
#include "photon_dct.h"

static uint8_t *sector(photon *p, int i)
{
    return photon_flash(p) + (i ? 0x8000 : 0x4000);
}

static void dct_blank_in_place_and_copy(void **state)
{
    (void)state;
    char err[256];
    photon_config cfg = {0};
    photon *p = photon_new(&cfg, err, sizeof(err));
    assert_non_null(p);
    photon_fresh(p, 1);
    uint8_t blk[16], got[16];
    memset(blk, 0x5A, sizeof(blk));
    /* erased flash: no current DCT */
    assert_int_equal(photon_dct_read(p, 2082, got, sizeof(got)), -1);
    assert_int_equal(photon_dct_write(p, 2082, blk, sizeof(blk), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "blank"));
    /* dct1 current (write_incomplete 0, is_current 1), a byte elsewhere */
    uint8_t *d1 = sector(p, 0), *d2 = sector(p, 1);
    d1[8] = 0;
    d1[9] = 1;
    d1[100] = 0x42;
    assert_int_equal(photon_dct_write(p, 2082, blk, sizeof(blk), err, sizeof(err)), 0);
    assert_memory_equal(d1 + PHOTON_DCT_APP_AT + 2082, blk, sizeof(blk));
    assert_int_equal(d2[9], 0xFF); /* in place: the other sector untouched */
    /* 0x5A -> 0xA5 sets bits: a copy into dct2, which becomes current */
    memset(blk, 0xA5, sizeof(blk));
    assert_int_equal(photon_dct_write(p, 2082, blk, sizeof(blk), err, sizeof(err)), 0);
    assert_memory_equal(d2 + PHOTON_DCT_APP_AT + 2082, blk, sizeof(blk));
    assert_int_equal(d2[100], 0x42);
    assert_int_equal(d2[8], 0);
    assert_int_equal(d2[9], 1);
    assert_int_equal(d1[9], 0);
    assert_int_equal(photon_dct_read(p, 2082, got, sizeof(got)), 0);
    assert_memory_equal(got, blk, sizeof(blk));
    /* the same bytes again: nothing to do */
    assert_int_equal(photon_dct_write(p, 2082, blk, sizeof(blk), err, sizeof(err)), 0);
    assert_int_equal(d2[9], 1);
    /* outside the application DCT */
    assert_int_equal(photon_dct_write(p, 0x4000, blk, sizeof(blk), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "outside"));
    photon_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dct_blank_in_place_and_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
