/* Pattern meanings for the window's status line. */
#include "harness.h"

#include "ledmeaning.h"

static led_pattern pat(lp_kind k, const char *color, unsigned period, int code)
{
    led_pattern p;
    memset(&p, 0, sizeof(p));
    p.kind = k;
    snprintf(p.color, sizeof(p.color), "%s", color);
    p.period_ms = period;
    p.code = code;
    return p;
}

static void status_lines(void **state)
{
    (void)state;
    char buf[128];
    led_pattern p = pat(LP_BLINK, "yellow", 202, 0);
    assert_string_equal(led_pattern_status(&p, buf, sizeof(buf)), "blinking yellow: DFU mode");
    p = pat(LP_BLINK, "blue", 500, 0);
    assert_string_equal(led_pattern_status(&p, buf, sizeof(buf)), "blinking blue: listening mode");
    p = pat(LP_BREATHE, "cyan", 4000, 0);
    assert_string_equal(led_pattern_status(&p, buf, sizeof(buf)),
                        "breathing cyan: connected to the cloud");
    p = pat(LP_SOS, "red", 0, 1);
    assert_string_equal(led_pattern_status(&p, buf, sizeof(buf)), "SOS red, code 1: HardFault");
    p = pat(LP_SOS, "red", 0, 13);
    assert_string_equal(led_pattern_status(&p, buf, sizeof(buf)),
                        "SOS red, code 13: StackOverflow");
    p = pat(LP_OFF, "", 0, 0);
    assert_string_equal(led_pattern_status(&p, buf, sizeof(buf)), "off");
    p = pat(LP_NONE, "", 0, 0);
    assert_string_equal(led_pattern_status(&p, buf, sizeof(buf)), "no LED pattern yet");
    /* no documented meaning: just the name */
    p = pat(LP_BLINK, "orange", 200, 0);
    assert_string_equal(led_pattern_status(&p, buf, sizeof(buf)), "blinking orange");
}

static void period_decides_between_modes(void **state)
{
    (void)state;
    led_pattern p = pat(LP_BLINK, "magenta", 202, 0); /* bootloader, SETUP held 1-3 s */
    assert_string_equal(led_pattern_meaning(&p), "SETUP held: release for safe mode");
    p.period_ms = 100;
    assert_string_equal(led_pattern_meaning(&p), "firmware update");
    p = pat(LP_BLINK, "cyan", 200, 0);
    assert_string_equal(led_pattern_meaning(&p), "connecting to the cloud");
    p.period_ms = 100;
    assert_string_equal(led_pattern_meaning(&p), "cloud handshake");
    p = pat(LP_BLINK, "white", 200, 0); /* nothing documented */
    assert_null(led_pattern_meaning(&p));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_lines),
        cmocka_unit_test(period_decides_between_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
