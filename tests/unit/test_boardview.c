/* The board view: geometry, LED intensity mapping and what an offscreen
 * frame shows where the LEDs are (no display needed). */
#include "harness.h"

#include <SDL2/SDL.h>
#include <math.h>

#include "boardview.h"

#define R(c) ((int)((c) >> 16) & 255)
#define G(c) ((int)((c) >> 8) & 255)
#define B(c) ((int)(c)&255)

static void layout_and_hits(void **state)
{
    (void)state;
    bv_layout l1, l2;
    bv_layout_init(&l1, 1);
    bv_layout_init(&l2, 2);
    assert_int_equal(l2.w, 2 * l1.w);
    assert_int_equal(l2.h, 2 * l1.h);
    /* SETUP left of the LED, RESET right, all on the board */
    assert_true(l1.setup.x + l1.setup.w <= l1.led.x);
    assert_true(l1.led.x + l1.led.w <= l1.reset.x);
    assert_true(l1.setup.x >= l1.board.x && l1.reset.x + l1.reset.w <= l1.board.x + l1.board.w);
    assert_int_equal(bv_hit(&l1, l1.setup.x + l1.setup.w / 2, l1.setup.y + l1.setup.h / 2),
                     BV_SETUP);
    assert_int_equal(bv_hit(&l2, l2.reset.x + 1, l2.reset.y + 1), BV_RESET);
    assert_int_equal(bv_hit(&l1, l1.led.x + l1.led.w / 2, l1.led.y + l1.led.h / 2), BV_NONE);
    assert_int_equal(bv_hit(&l1, 0, 0), BV_NONE);
    /* scales outside the range are clamped */
    bv_layout_init(&l1, 100);
    assert_true(l1.scale == BV_SCALE_MAX);
}

static void led_levels(void **state)
{
    (void)state;
    assert_true(bv_led_level(0) == 0);
    assert_true(fabs(bv_led_level(95) - 1) < 1e-9); /* the firmware's full scale */
    assert_true(fabs(bv_led_level(255) - 1) < 1e-9);
    double prev = 0;
    for (int v = 1; v <= 95; v++) {
        double x = bv_led_level(v);
        assert_true(x > prev);
        prev = x;
    }
    /* half the light looks much more than half as bright */
    assert_true(bv_led_level(47.5) > 0.7);
}

static void offscreen_frame_shows_the_leds(void **state)
{
    (void)state;
    char err[256];
    bv_offscreen *o = bv_offscreen_new(1, err, sizeof(err));
    if (!o)
        fail_msg("offscreen view: %s", err);
    bv_layout l;
    bv_layout_init(&l, 1);
    int lx = l.led.x + l.led.w / 2, ly = l.led.y + l.led.h / 2;
    int dx = l.d7.x + l.d7.w / 2, dy = l.d7.y + l.d7.h / 2;
    bv_state s;
    memset(&s, 0, sizeof(s));
    uint32_t c = bv_offscreen_pixel(o, &s, lx, ly);
    assert_true(R(c) < 110 && G(c) < 110 && B(c) < 110); /* dark */
    uint32_t d7off = bv_offscreen_pixel(o, &s, dx, dy);

    s.rgb[0] = s.rgb[1] = 95; /* yellow at the firmware's brightness */
    c = bv_offscreen_pixel(o, &s, lx, ly);
    assert_true(R(c) > 220 && G(c) > 220 && B(c) < 130);
    s.rgb[0] = s.rgb[1] = 0;
    s.rgb[2] = 95; /* blue */
    c = bv_offscreen_pixel(o, &s, lx, ly);
    assert_true(B(c) > 220 && R(c) < 130 && G(c) < 130);
    /* dimmer drive, dimmer LED */
    s.rgb[2] = 10;
    uint32_t dim = bv_offscreen_pixel(o, &s, lx, ly);
    print_message("dim %06x full %06x\n", dim, c);
    assert_true(B(dim) < B(c) && B(dim) > 100);
    /* light spreads around the LED: the board next to it is tinted */
    s.rgb[2] = 95;
    int ox = l.led.x + l.led.w + l.led.w, oy = ly + l.led.h * 2;
    uint32_t lit_near = bv_offscreen_pixel(o, &s, ox, oy);
    s.rgb[2] = 0;
    uint32_t dark_near = bv_offscreen_pixel(o, &s, ox, oy);
    assert_true(B(lit_near) > B(dark_near) + 20);

    s.d7 = 255;
    c = bv_offscreen_pixel(o, &s, dx, dy);
    assert_true(B(c) > B(d7off) && B(c) > 200);
    bv_offscreen_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_and_hits),
        cmocka_unit_test(led_levels),
        cmocka_unit_test(offscreen_frame_shows_the_leds),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    SDL_Quit();
    return rc;
}
