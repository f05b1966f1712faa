/* The world: two Photons from the same board table in one process, side by
 * side on one virtual time line for a few seconds. Each has its own device
 * ID and its own LED: the one whose SETUP button is held from power-on
 * ends in DFU mode (blinking yellow), the other boots Device OS. Both are
 * in the world's one radio environment. */
#include "harness.h"
#include "images.h"
#include "world.h"

static bool have_images(void)
{
    char path[4096], err[256];
    for (int i = 0; session_default_images[i]; i++)
        if (images_resolve(session_default_images[i], path, sizeof(path), err, sizeof(err)))
            return false;
    return true;
}

static world_device *add(world *w, const char *name, uint64_t seed)
{
    char err[512];
    session_opts o = {.fresh = true, .no_save = true, .seed = seed};
    world_device *d = world_add(w, name, &o, err, sizeof(err));
    assert_non_null(d);
    d->s.p->m->log.mask = 0;
    for (int i = 0; session_default_images[i]; i++)
        assert_int_equal(session_load_module(&d->s, session_default_images[i], false, err,
                                             sizeof(err)),
                         0);
    return d;
}

static void two_photons_side_by_side(void **state)
{
    (void)state;
    if (!have_images()) {
        skip();
        return;
    }
    static world w;
    world_init(&w);
    world_device *a = add(&w, "photon1", 1), *b = add(&w, "photon2", 2);
    char err[256];
    assert_null(world_add(&w, "photon1", &(session_opts){.fresh = true, .no_save = true}, err,
                          sizeof(err)));
    assert_non_null(strstr(err, "already"));
    assert_ptr_equal(world_find(&w, "photon2"), b);
    assert_ptr_equal(world_find(&w, NULL), a);
    world_device *which;
    assert_string_equal(world_service_arg(&w, "photon2=3334", &which, err, sizeof(err)), "3334");
    assert_ptr_equal(which, b);
    assert_string_equal(world_service_arg(&w, "3333", &which, err, sizeof(err)), "3333");
    assert_ptr_equal(which, a);
    assert_null(world_service_arg(&w, "photon9=1", &which, err, sizeof(err)));

    /* one air around both Wi-Fi chips, with the default access point */
    assert_ptr_equal(a->s.p->wifi.air, &w.air);
    assert_ptr_equal(b->s.p->wifi.air, &w.air);
    assert_int_equal(w.air.n, 1);
    assert_string_equal(w.air.ap[0].ssid, RADIO_DEFAULT_SSID);
    char ida[25], idb[25];
    assert_string_not_equal(photon_device_id(a->s.p, ida), photon_device_id(b->s.p, idb));

    photon_setup_button(b->s.p, true); /* held from power-on: DFU after 3 s */
    world_power_on(&w);
    assert_int_equal(world_run(&w, 4500 * PS_PER_MS), STOP_DEADLINE);
    machine *ma = a->s.p->m, *mb = b->s.p->m;
    /* one time line: each machine stops at the first block boundary at
     * or after the end of a slice */
    assert_in_range(machine_now(ma), 4500 * PS_PER_MS, 4500 * PS_PER_MS + PS_PER_MS);
    assert_in_range(machine_now(mb), 4500 * PS_PER_MS, 4500 * PS_PER_MS + PS_PER_MS);

    led_pattern dfu;
    assert_true(led_pattern_parse("blinking yellow", &dfu, err, sizeof(err)));
    char pa[96], pb[96];
    print_message("photon1: %s, photon2: %s\n", led_pattern_str(&a->s.pattern.cur, pa, sizeof(pa)),
                  led_pattern_str(&b->s.pattern.cur, pb, sizeof(pb)));
    assert_true(led_pattern_match(&dfu, &b->s.pattern.cur));
    /* photon1 runs Device OS: blinking white while it makes its keys */
    led_pattern white;
    assert_true(led_pattern_parse("blinking white", &white, err, sizeof(err)));
    assert_true(led_pattern_match(&white, &a->s.pattern.cur));
    assert_true(a->s.p->led.n > 0 && b->s.p->led.n > 0);
    assert_true(a->s.p->led.n != b->s.p->led.n); /* two LEDs, two timelines */
    assert_true(b->s.p->m->cpu.idle_ps > ma->cpu.idle_ps); /* DFU waits, Device OS works */
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_photons_side_by_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
