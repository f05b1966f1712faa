/* OTA through the cloud against the test double of a device: non-fast and
 * fast (with lost chunks and the ChunkMissed loop), each way the device
 * answers UpdateDone (2.2.0 {"r":N}, 1.5.0 vc/vv, none), and the verdict
 * published after the device's reset: running, installed but not running
 * (safe mode), not applied (refused by the device, or by the bootloader),
 * and failed transfers (refused, disconnected, timed out). */
#include "harness.h"

#include <stdlib.h>

#include "cloud_fixture.h"

#define ID1 "0123456789abcdef01234567"

static uint8_t image[70000];

static bool has_result(fx *f, void *unused)
{
    (void)unused;
    return fx_find_event(f, "photon-sim/flash/result") >= 0;
}

static json_t *result(fx *f)
{
    int i = fx_find_event(f, "photon-sim/flash/result");
    assert_true(i >= 0);
    json_t *r = json_loads(f->ev_data[i], 0, NULL);
    assert_non_null(r);
    return r;
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* Connect a device, flash `len` bytes of `image`, run until the verdict. */
static json_t *flash(fx *f, mock_device *d, size_t len, int expect_status)
{
    mock_device *devs[] = {d, NULL};
    assert_true(fx_pump(f, devs, fx_online, d));
    f->replies = 0;
    cloud_flash(f->c, ID1, image, len, fx_reply, f);
    assert_true(fx_pump(f, devs, fx_replied, NULL));
    assert_int_equal(f->status, expect_status);
    if (expect_status != 200)
        return NULL;
    assert_string_equal(str(f->body, "status"), "Update started");
    assert_true(fx_pump(f, devs, has_result, NULL));
    return result(f);
}

static void test_non_fast_running(void **state)
{
    (void)state;
    fx f = {.no_fast_ota = true};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    size_t len = fx_module(image, 5000, 9, 6, 2202, false);
    json_t *r = flash(&f, &d, len, 200);
    assert_string_equal(str(r, "status"), "running");
    assert_int_equal(d.chunks_seen, (int)((len + 511) / 512));
    assert_int_equal(d.missed_rounds, 0);
    assert_string_equal(str(json_object_get(r, "running"), "sha256"), d.user_sha);
    assert_int_equal(d.user_version, 9);
    assert_string_equal(str(r, "device_says"), "r=0 (valid)");
    int st = fx_find_event(&f, "spark/flash/status");
    assert_string_equal(f.ev_data[st], "success ");
    assert_true(fx_find_event(&f, "spark/device/last_reset") >= 0);
    /* the verdict is kept with the device */
    json_t *b = NULL;
    assert_int_equal(cloud_device_json(f.c, ID1, &b), 200);
    assert_string_equal(str(json_object_get(b, "photon_sim_last_flash"), "status"), "running");
    json_decref(b);
    json_decref(r);
    fx_end(&f, &d);
}

static void test_fast_with_missed_chunks(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    for (int i = 0; i < 12; i++)
        d.drop[d.ndrop++] = 3 + 9 * i;
    size_t len = fx_module(image, 60000, 10, 6, 2202, false);
    json_t *r = flash(&f, &d, len, 200);
    assert_string_equal(str(r, "status"), "running");
    assert_true(d.missed_rounds >= 1);
    assert_int_equal(d.user_version, 10);
    json_decref(r);
    fx_end(&f, &d);
}

static void test_device_refuses_at_update_done(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    d.verdict_r = -1340;
    char before[65];
    snprintf(before, sizeof(before), "%s", d.user_sha);
    size_t len = fx_module(image, 3000, 11, 6, 2202, false);
    json_t *r = flash(&f, &d, len, 200);
    /* the real cloud says success... */
    assert_string_equal(f.ev_data[fx_find_event(&f, "spark/flash/status")], "success ");
    /* ...the truth: nothing applied, and why */
    assert_string_equal(str(r, "status"), "not-applied");
    assert_non_null(strstr(str(r, "message"), "r=-1340 (dependencies not met)"));
    assert_string_equal(d.user_sha, before);
    json_decref(r);
    fx_end(&f, &d);
}

static void test_bad_crc_refused(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    size_t len = fx_module(image, 3000, 11, 6, 2202, true);
    json_t *r = flash(&f, &d, len, 200);
    assert_string_equal(str(r, "status"), "not-applied");
    assert_non_null(strstr(str(r, "message"), "r=-1330"));
    assert_non_null(strstr(str(r, "message"), "CRC is wrong"));
    json_decref(r);
    fx_end(&f, &d);
}

static void test_bootloader_refuses_copy(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    d.boot = MOCK_REFUSE_COPY;
    size_t len = fx_module(image, 3000, 12, 6, 2202, false);
    json_t *r = flash(&f, &d, len, 200);
    assert_string_equal(str(r, "status"), "not-applied");
    assert_non_null(strstr(str(r, "message"), "bootloader did not apply it"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "running"), "version")), 6);
    json_decref(r);
    fx_end(&f, &d);
}

static void test_v15_dependency_safe_mode(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    d.v15 = true;
    d.system2_version = 1502;
    /* an app built for a newer system: installed, then safe mode */
    size_t len = fx_module(image, 4000, 13, 6, 2202, false);
    json_t *r = flash(&f, &d, len, 200);
    assert_non_null(strstr(str(r, "device_says"), "vc=30 vv=26"));
    assert_string_equal(str(r, "status"), "not-running");
    assert_non_null(strstr(str(r, "message"), "failed dependencies"));
    assert_non_null(strstr(str(r, "message"), "system.2 >= 2202"));
    assert_non_null(strstr(str(r, "message"), "safe mode"));
    assert_true(json_is_true(json_object_get(r, "safe_mode")));
    assert_true(fx_find_event(&f, "spark/device/safemode") >= 0);
    assert_true(fx_find_event(&f, "spark/status/safe-mode") >= 0);
    json_decref(r);
    fx_end(&f, &d);
}

static void test_no_verdict_nothing_applied(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    d.no_verdict = true;          /* 0.5.x */
    d.boot = MOCK_REFUSE_COPY;    /* the bootloader cannot reach the DCT */
    size_t len = fx_module(image, 3000, 14, 6, 2202, false);
    json_t *r = flash(&f, &d, len, 200);
    assert_string_equal(str(r, "status"), "not-applied");
    assert_non_null(strstr(str(r, "device_says"), "no verdict"));
    json_decref(r);
    fx_end(&f, &d);
}

static void test_refused_and_bad_binaries(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    d.refuse_updates = true;
    size_t len = fx_module(image, 3000, 15, 6, 2202, false);
    flash(&f, &d, len, 500);
    assert_non_null(strstr(str(f.body, "error"), "5.03"));
    assert_string_equal(f.ev_data[fx_find_event(&f, "spark/flash/status")], "failed ");
    /* another platform, garbage, too large: refused before the device */
    len = fx_module(image, 3000, 15, 12, 2202, false);
    f.replies = 0;
    cloud_flash(f.c, ID1, image, len, fx_reply, &f);
    assert_int_equal(f.status, 400);
    assert_non_null(strstr(str(f.body, "error"), "platform 12 (argon)"));
    memset(image, 0x5A, 100);
    cloud_flash(f.c, ID1, image, 100, fx_reply, &f);
    assert_int_equal(f.status, 400);
    static uint8_t big[300000];
    len = fx_module(big, sizeof(big) - 4, 1, 6, 2202, false);
    cloud_flash(f.c, ID1, big, len, fx_reply, &f);
    assert_int_equal(f.status, 413);
    cloud_flash(f.c, "nobody", image, 100, fx_reply, &f);
    assert_int_equal(f.status, 403);
    /* the device is still fine */
    d.refuse_updates = false;
    len = fx_module(image, 3000, 16, 6, 2202, false);
    f.nevents = 0;
    json_t *r = flash(&f, &d, len, 200);
    assert_string_equal(str(r, "status"), "running");
    json_decref(r);
    (void)devs;
    fx_end(&f, &d);
}

static bool some_chunks(fx *f, void *dev)
{
    (void)f;
    return ((mock_device *)dev)->chunks_seen >= 3;
}

static void test_disconnect_and_timeout_mid_ota(void **state)
{
    (void)state;
    fx f = {.no_fast_ota = true};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &d));
    size_t len = fx_module(image, 20000, 17, 6, 2202, false);
    cloud_flash(f.c, ID1, image, len, fx_reply, &f);
    assert_true(fx_pump(&f, devs, some_chunks, &d));
    mock_disconnect(&d); /* gone in the middle */
    assert_true(fx_pump(&f, devs, has_result, NULL));
    json_t *r = result(&f);
    assert_string_equal(str(r, "status"), "failed");
    assert_non_null(strstr(str(r, "message"), "disconnected during the OTA"));
    json_decref(r);
    /* back, and an OTA the device stops answering: a timeout */
    f.nevents = 0;
    d.hellos = 0;
    d.time_reply = 0;
    assert_int_equal(mock_connect(&d), 0);
    assert_true(fx_pump(&f, devs, fx_online, &d));
    d.mute_ota = true;
    d.chunks_seen = 0;
    f.replies = 0;
    cloud_flash(f.c, ID1, image, len, fx_reply, &f);
    assert_true(fx_pump(&f, devs, fx_replied, NULL));
    assert_int_equal(f.status, 200);
    fx_pump(&f, devs, some_chunks, &d);
    assert_int_equal(d.chunks_seen, 1); /* one chunk, then silence */
    fx_advance(&f, 31000);
    assert_true(fx_pump(&f, devs, has_result, NULL));
    r = result(&f);
    assert_string_equal(str(r, "status"), "failed");
    assert_non_null(strstr(str(r, "message"), "timed out waiting for a chunk's ChunkReceived"));
    json_decref(r);
    fx_end(&f, &d);
}

static bool flash_success(fx *f, void *unused)
{
    (void)unused;
    int i = fx_find_event(f, "spark/flash/status");
    return i >= 0 && !strcmp(f->ev_data[i], "success ");
}

static void test_device_never_returns(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    d.auto_reboot = false; /* answers UpdateDone, then never comes back */
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &d));
    size_t len = fx_module(image, 3000, 18, 6, 2202, false);
    cloud_flash(f.c, ID1, image, len, fx_reply, &f);
    assert_true(fx_pump(&f, devs, fx_event, "spark/flash/status"));
    assert_true(fx_pump(&f, devs, flash_success, NULL));
    mock_disconnect(&d);
    fx_advance(&f, 181000);
    assert_true(fx_pump(&f, devs, has_result, NULL));
    json_t *r = result(&f);
    assert_string_equal(str(r, "status"), "unknown");
    json_decref(r);
    fx_end(&f, &d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_non_fast_running),
        cmocka_unit_test(test_fast_with_missed_chunks),
        cmocka_unit_test(test_device_refuses_at_update_done),
        cmocka_unit_test(test_bad_crc_refused),
        cmocka_unit_test(test_bootloader_refuses_copy),
        cmocka_unit_test(test_v15_dependency_safe_mode),
        cmocka_unit_test(test_no_verdict_nothing_applied),
        cmocka_unit_test(test_refused_and_bad_binaries),
        cmocka_unit_test(test_disconnect_and_timeout_mid_ota),
        cmocka_unit_test(test_device_never_returns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
