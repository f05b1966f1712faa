/* The LED pattern classifier on synthetic timelines. */
#include "harness.h"
#include "ledpattern.h"

static machine *m;
static led_classifier c;
static led_pattern seen[32];
static uint64_t since[32];
static int nseen;

static void on_pattern(void *ctx, uint64_t s, uint64_t at, const led_pattern *p)
{
    (void)ctx;
    (void)at;
    if (nseen < 32) {
        since[nseen] = s;
        seen[nseen++] = *p;
    }
}

static int setup(void **state)
{
    (void)state;
    m = th_machine();
    ledc_init(&c, m);
    ledc_listen(&c, on_pattern, NULL);
    nseen = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ledc_free(&c);
    machine_free(m);
    return 0;
}

static const uint8_t OFF[3] = {0, 0, 0}, YELLOW[3] = {95, 95, 0}, RED[3] = {95, 0, 0},
                     WHITE[3] = {95, 95, 95};

/* Set the LED at time t (ms) and let time pass up to there. */
static void at(double ms, const uint8_t rgb[3])
{
    uint64_t t = (uint64_t)(ms * PS_PER_MS);
    th_advance(m, t - machine_now(m));
    ledc_feed(&c, t, rgb);
}

static bool last_is(const char *text)
{
    char buf[96];
    return nseen && !strcmp(led_pattern_str(&seen[nseen - 1], buf, sizeof(buf)), text);
}

static void blinking_with_period(void **state)
{
    (void)state;
    for (int i = 0; i < 6; i++) {
        at(1.5 + 202 * i, YELLOW);
        at(1.5 + 202 * i + 101, OFF);
    }
    assert_true(last_is("blinking yellow (202 ms period)"));
    assert_int_equal(since[nseen - 1], (uint64_t)(1.5 * PS_PER_MS));
}

static void channels_set_one_by_one_are_one_change(void **state)
{
    (void)state;
    for (int i = 0; i < 6; i++) {
        at(202.0 * i, RED); /* R then G in the same instant */
        at(202.0 * i + 0.000001, YELLOW);
        at(202.0 * i + 101, OFF);
    }
    assert_true(last_is("blinking yellow (202 ms period)"));
    for (int i = 0; i < nseen; i++)
        assert_int_not_equal(seen[i].kind, LP_SOLID);
}

static void solid_then_breathing(void **state)
{
    (void)state;
    at(10, WHITE);
    double t = 1200;
    int level = 95, dir = -1;
    for (int i = 0; i < 400; i++, t += 25) {
        level += dir;
        if (level <= 10 || level >= 95)
            dir = -dir;
        uint8_t v[3] = {(uint8_t)level, (uint8_t)level, (uint8_t)level};
        at(t, v);
    }
    assert_int_equal(seen[0].kind, LP_SOLID);
    assert_string_equal(seen[0].color, "white");
    assert_int_equal(seen[nseen - 1].kind, LP_BREATHE);
    assert_string_equal(seen[nseen - 1].color, "white");
    assert_true(seen[nseen - 1].period_ms > 4200 && seen[nseen - 1].period_ms < 4300);
    for (int i = 1; i < nseen; i++) /* every estimate is the real period */
        assert_true(!seen[i].period_ms || (seen[i].period_ms > 4200 && seen[i].period_ms < 4300));
}

static void sos_with_code(void **state)
{
    (void)state;
    double t = 100;
    for (int cycle = 0; cycle < 2; cycle++) {
        static const int on[9] = {150, 150, 150, 300, 300, 300, 150, 150, 150};
        static const int gap[9] = {100, 100, 200, 100, 100, 200, 100, 100, 1000};
        for (int i = 0; i < 9; i++) {
            at(t, RED);
            at(t + on[i], OFF);
            t += on[i] + gap[i];
        }
        for (int k = 0; k < 13; k++) { /* code 13: stack overflow */
            at(t, RED);
            at(t + 300, OFF);
            t += 600;
        }
        t += 800;
    }
    at(t + 100, OFF);
    th_advance(m, 2 * PS_PER_S);
    bool found = false;
    for (int i = 0; i < nseen; i++)
        if (seen[i].kind == LP_SOS && seen[i].code == 13)
            found = true;
    assert_true(found);
    for (int i = 0; i < nseen; i++)
        assert_int_not_equal(seen[i].kind, LP_BLINK);
}

static void off_after_a_long_dark_period(void **state)
{
    (void)state;
    at(5, WHITE);
    at(100, OFF);
    th_advance(m, 2 * PS_PER_S);
    assert_true(last_is("off"));
}

static void parse_and_match(void **state)
{
    (void)state;
    led_pattern q, p = {LP_BLINK, "yellow", 202, 0};
    char err[256];
    assert_true(led_pattern_parse("blinking yellow", &q, err, sizeof(err)));
    assert_true(led_pattern_match(&q, &p));
    assert_true(led_pattern_parse("Blinking Yellow 200ms", &q, err, sizeof(err)));
    assert_true(led_pattern_match(&q, &p));
    assert_true(led_pattern_parse("blinking yellow 500 ms", &q, err, sizeof(err)));
    assert_false(led_pattern_match(&q, &p));
    assert_true(led_pattern_parse("SOS red, code 1 (HardFault)", &q, err, sizeof(err)));
    assert_int_equal(q.kind, LP_SOS);
    assert_int_equal(q.code, 1);
    assert_true(led_pattern_parse("sos 1", &q, err, sizeof(err)));
    assert_int_equal(q.code, 1);
    assert_false(led_pattern_parse("wobbling purple", &q, err, sizeof(err)));
    assert_non_null(strstr(err, "wobbling"));
    assert_string_equal(led_color_name(YELLOW), "yellow");
    assert_string_equal(led_color_name((const uint8_t[3]){95, 36, 0}), "orange");
    assert_null(led_color_name(OFF));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(blinking_with_period, setup, teardown),
        cmocka_unit_test_setup_teardown(channels_set_one_by_one_are_one_change, setup, teardown),
        cmocka_unit_test_setup_teardown(solid_then_breathing, setup, teardown),
        cmocka_unit_test_setup_teardown(sos_with_code, setup, teardown),
        cmocka_unit_test_setup_teardown(off_after_a_long_dark_period, setup, teardown),
        cmocka_unit_test_setup_teardown(parse_and_match, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
