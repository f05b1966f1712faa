/* PNG files (libpng) for window screenshots. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pngfile.h"

static uint32_t pattern_px(int x, int y)
{
    return 0xFF000000u | (uint32_t)(x * 7 & 255) << 16 | (uint32_t)(y * 13 & 255) << 8 |
           (uint32_t)((x ^ y) & 255);
}

static void round_trip(void **state)
{
    (void)state;
    enum { W = 37, H = 23 };
    static uint32_t img[H][W + 3]; /* a pitch wider than the row */
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            img[y][x] = pattern_px(x, y);
    size_t len;
    uint8_t *data = png_encode_argb(&img[0][0], W, H, sizeof(img[0]), &len);
    assert_non_null(data);
    assert_memory_equal(data, "\x89PNG\r\n\x1a\n", 8);
    int w, h;
    char err[256];
    uint32_t *px = png_decode_argb(data, len, &w, &h, err, sizeof(err));
    assert_non_null(px);
    assert_int_equal(w, W);
    assert_int_equal(h, H);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            assert_int_equal(px[y * W + x], pattern_px(x, y));
    free(px);

    /* a flipped bit in the header (the width) is caught by the chunk CRC */
    data[20] ^= 0x10;
    assert_null(png_decode_argb(data, len, &w, &h, err, sizeof(err)));
    assert_non_null(strstr(err, "CRC"));
    data[20] ^= 0x10;
    /* truncated */
    assert_null(png_decode_argb(data, len - 20, &w, &h, err, sizeof(err)));
    assert_null(png_decode_argb((const uint8_t *)"GIF89a", 6, &w, &h, err, sizeof(err)));
    assert_non_null(strstr(err, "not a PNG"));
    free(data);
}

static void file_written_whole_or_not_at_all(void **state)
{
    (void)state;
    char path[] = "/tmp/photon-png-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    uint32_t px[4] = {0xFFFF0000u, 0xFF00FF00u, 0xFF0000FFu, 0xFFFFFFFFu};
    char err[256];
    assert_int_equal(png_write_argb(path, px, 2, 2, 8, err, sizeof(err)), 0);
    int w, h;
    uint32_t *back = png_read_argb(path, &w, &h, err, sizeof(err));
    assert_non_null(back);
    assert_memory_equal(back, px, sizeof(px));
    free(back);
    unlink(path);
    /* an unwritable place: an error, no file */
    assert_int_equal(png_write_argb("/nonexistent-dir/x.png", px, 2, 2, 8, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "/nonexistent-dir/x.png"));
    assert_int_equal(access("/nonexistent-dir/x.png", F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(file_written_whole_or_not_at_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
