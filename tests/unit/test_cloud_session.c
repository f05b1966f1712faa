/* The cloud's device sessions against the test double of a device: the
 * handshake, Hello, time, describe (posted by 2.2.0, asked of 1.5.0),
 * functions, variables, events both ways, signal, pings, offline and
 * timeouts. */
#include "harness.h"

#include "cloud_fixture.h"

#define ID1 "0123456789abcdef01234567"
#define ID2 "fedcba9876543210fedcba98"

static bool has_functions(fx *f, void *dev)
{
    (void)dev;
    json_t *b = NULL;
    int st = cloud_device_json(f->c, ID1, &b);
    bool ok = st == 200 && json_array_size(json_object_get(b, "functions")) == 4;
    json_decref(b);
    return ok;
}

static void test_hello_time_describe(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &d));
    assert_int_equal(d.time_reply, 1700000000);
    assert_true(fx_pump(&f, devs, has_functions, &d));
    /* the store learned the device and its key on first use */
    store_device sd;
    assert_int_equal(store_get(f.c->st, ID1, &sd), 1);
    assert_int_equal(sd.key_len, 162);
    assert_string_equal(sd.name, "photon-234567");
    assert_non_null(sd.system_describe);
    store_device_free(&sd);
    json_t *b = NULL;
    assert_int_equal(cloud_device_json(f.c, "photon-234567", &b), 200);
    assert_true(json_is_true(json_object_get(b, "connected")));
    assert_string_equal(json_string_value(json_object_get(b, "system_firmware_version")), "2.2.0");
    assert_string_equal(json_string_value(json_object_get(json_object_get(b, "variables"), "temp")),
                        "double");
    json_decref(b);
    assert_true(fx_find_event(&f, "spark/status") >= 0);
    assert_string_equal(f.ev_data[fx_find_event(&f, "spark/status")], "online");
    assert_int_equal(d.describes_asked, 0); /* 2.2.0 posts its own */
    fx_end(&f, &d);
}

static void test_v15_describe_asked(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    d.v15 = true;
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &d));
    assert_true(fx_pump(&f, devs, has_functions, &d));
    assert_int_equal(d.describes_asked, 1);
    fx_end(&f, &d);
}

static void call(fx *f, mock_device **devs, const char *fn, const char *arg)
{
    f->replies = 0;
    cloud_call(f->c, ID1, fn, arg, fx_reply, f);
    assert_true(fx_pump(f, devs, fx_replied, NULL));
}

static void get(fx *f, mock_device **devs, const char *var)
{
    f->replies = 0;
    cloud_get_variable(f->c, "photon-234567", var, fx_reply, f);
    assert_true(fx_pump(f, devs, fx_replied, NULL));
}

static void test_functions_and_variables(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, has_functions, &d));
    call(&f, devs, "digitalwrite", "D7,HIGH");
    assert_int_equal(f.status, 200);
    assert_int_equal(json_integer_value(json_object_get(f.body, "return_value")), 1);
    assert_int_equal(d.pins[7], 1);
    call(&f, devs, "digitalread", "D7");
    assert_int_equal(json_integer_value(json_object_get(f.body, "return_value")), 1);
    call(&f, devs, "digitalwrite", "D7,LOW");
    call(&f, devs, "digitalread", "D7");
    assert_int_equal(json_integer_value(json_object_get(f.body, "return_value")), 0);
    call(&f, devs, "digitalread", ""); /* an empty argument is still sent */
    assert_int_equal(json_integer_value(json_object_get(f.body, "return_value")), -1);
    /* a function the device does not list: 404 from the cloud */
    call(&f, devs, "nope", "x");
    assert_int_equal(f.status, 404);
    get(&f, devs, "version");
    assert_int_equal(f.status, 200);
    assert_int_equal(json_integer_value(json_object_get(f.body, "result")), 42);
    assert_string_equal(json_string_value(json_object_get(json_object_get(f.body, "coreInfo"), "deviceID")), ID1);
    get(&f, devs, "temp");
    assert_true(json_real_value(json_object_get(f.body, "result")) == 21.5);
    get(&f, devs, "name");
    assert_string_equal(json_string_value(json_object_get(f.body, "result")), "stroby");
    get(&f, devs, "on");
    assert_true(json_is_true(json_object_get(f.body, "result")));
    get(&f, devs, "missing");
    assert_int_equal(f.status, 404);
    /* unknown device */
    f.replies = 0;
    cloud_call(f.c, "nobody", "digitalread", "D7", fx_reply, &f);
    assert_int_equal(f.status, 404);
    fx_end(&f, &d);
}

static bool mock_has_event(fx *f, void *dev)
{
    (void)f;
    return mock_event_named(dev, "test/hello") != NULL;
}

static bool mock_has_api_event(fx *f, void *dev)
{
    (void)f;
    const mock_event *e = mock_event_named(dev, "test/hello");
    return e && !strcmp(e->data, "from the api");
}

static void test_events_both_ways(void **state)
{
    (void)state;
    fx f = {0};
    fx_open(&f);
    mock_device a, b;
    fx_device(&f, &a, ID1);
    fx_device(&f, &b, ID2);
    snprintf(b.extra_sub, sizeof(b.extra_sub), "test");
    mock_device *devs[] = {&a, &b, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &a));
    assert_true(fx_pump(&f, devs, fx_online, &b));
    /* device → cloud listeners, and → the other device (same account) */
    assert_int_equal(mock_publish(&a, "test/hello", "from a", true), 0);
    assert_true(fx_pump(&f, devs, fx_event, "test/hello"));
    int i = fx_find_event(&f, "test/hello");
    assert_string_equal(f.ev_data[i], "from a");
    assert_string_equal(f.ev_core[i], ID1);
    assert_true(fx_pump(&f, devs, mock_has_event, &b));
    assert_string_equal(mock_event_named(&b, "test/hello")->data, "from a");
    assert_null(mock_event_named(&a, "test/hello")); /* not to itself */
    /* the API → devices */
    json_t *body = NULL;
    assert_int_equal(cloud_publish(f.c, "test/hello", "from the api", 60, true, &body), 200);
    json_decref(body);
    assert_true(fx_pump(&f, devs, mock_has_api_event, &b));
    assert_null(mock_event_named(&a, "test/hello")); /* a has no such subscription */
    /* reserved names and bad input */
    assert_int_equal(cloud_publish(f.c, "spark/device/key/restore", "", 60, true, &body), 400);
    json_decref(body);
    assert_int_equal(cloud_publish(f.c, "", "x", 60, true, &body), 400);
    json_decref(body);
    /* a device's spark/ events never reach other devices */
    mock_publish(&a, "spark/device/reset", "dfu", false);
    assert_true(fx_pump(&f, devs, fx_event, "spark/device/reset"));
    assert_null(mock_event_named(&b, "spark/device/reset"));
    mock_free(&a);
    mock_free(&b);
    fx_close(&f);
}

static bool acked(fx *f, void *dev)
{
    (void)f;
    return ((mock_device *)dev)->acks >= 3;
}

static void test_signal_ping_offline(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, has_functions, &d));
    f.replies = 0;
    cloud_signal(f.c, ID1, true, fx_reply, &f);
    assert_true(fx_pump(&f, devs, fx_replied, NULL));
    assert_int_equal(f.status, 200);
    assert_true(json_is_true(json_object_get(f.body, "signaling")));
    assert_int_equal(d.signals, 1);
    d.acks = 0;
    mock_ping(&d);
    mock_ping(&d);
    mock_ping(&d);
    assert_true(fx_pump(&f, devs, acked, &d));
    mock_disconnect(&d);
    assert_true(fx_pump(&f, devs, fx_event, "spark/status"));
    assert_true(fx_pump(&f, devs, fx_event, "spark/status"));
    f.replies = 0;
    for (int i = 0; i < 50 && !f.replies; i++) {
        cloud_process(f.c);
        if (fx_find_event(&f, "spark/status") >= 0 &&
            !strcmp(f.ev_data[fx_find_event(&f, "spark/status")], "offline"))
            break;
    }
    assert_string_equal(f.ev_data[fx_find_event(&f, "spark/status")], "offline");
    cloud_call(f.c, ID1, "digitalread", "D7", fx_reply, &f);
    assert_int_equal(f.status, 400);
    json_t *b = NULL;
    assert_int_equal(cloud_device_json(f.c, ID1, &b), 200);
    assert_true(json_is_false(json_object_get(b, "connected")));
    json_decref(b);
    fx_end(&f, &d);
}

static void test_request_timeout(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, has_functions, &d));
    d.mute_functions = true;
    f.replies = 0;
    cloud_call(f.c, ID1, "digitalread", "D7", fx_reply, &f);
    fx_pump(&f, devs, fx_replied, NULL); /* nothing comes */
    assert_int_equal(f.replies, 0);
    fx_advance(&f, 31000);
    assert_true(fx_pump(&f, devs, fx_replied, NULL));
    assert_int_equal(f.status, 408);
    assert_string_equal(json_string_value(json_object_get(f.body, "error")), "Timed out.");
    /* a cancelled request gets no reply */
    f.replies = 0;
    cloud_call(f.c, ID1, "digitalread", "D7", fx_reply, &f);
    cloud_cancel(f.c, &f);
    fx_advance(&f, 31000);
    fx_pump(&f, devs, fx_replied, NULL);
    assert_int_equal(f.replies, 0);
    fx_end(&f, &d);
}

static bool two_connects(fx *f, void *dev)
{
    return ((mock_device *)dev)->connects == 2 && fx_online(f, dev);
}

static void test_reconnect_replaces_session(void **state)
{
    (void)state;
    fx f = {0};
    mock_device d;
    fx_with_device(&f, &d, ID1);
    mock_device *devs[] = {&d, NULL};
    assert_true(fx_pump(&f, devs, fx_online, &d));
    /* same device, same key, a new connection while the old one is open */
    int old = d.fd;
    d.fd = -1;
    d.hellos = 0;
    d.time_reply = 0;
    assert_int_equal(mock_connect(&d), 0);
    assert_true(fx_pump(&f, devs, two_connects, &d));
    close(old);
    call(&f, devs, "digitalwrite", "D1,HIGH");
    assert_int_equal(f.status, 200);
    assert_int_equal(d.pins[1], 1);
    fx_end(&f, &d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello_time_describe),
        cmocka_unit_test(test_v15_describe_asked),
        cmocka_unit_test(test_functions_and_variables),
        cmocka_unit_test(test_events_both_ways),
        cmocka_unit_test(test_signal_ping_offline),
        cmocka_unit_test(test_request_timeout),
        cmocka_unit_test(test_reconnect_replaces_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
