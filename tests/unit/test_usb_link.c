/* The USB link API that scenario steps use (emulator/usbip.h): a session
 * with bootloader 2.2.0 in DFU mode, the cable plugged and the USB/IP
 * server on a free port; wait for the device, run the real dfu-util as a
 * host command through the shim, unplug and wait for the detach.
 * Skipped when the images or dfu-util are missing. */
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "images.h"
#include "runner.h"
#include "session.h"
#include "usbip.h"

static bool have_dfu_util(void)
{
    return system("command -v dfu-util >/dev/null 2>&1") == 0;
}

static void dfu_util_through_the_link(void **state)
{
    (void)state;
    char path[4096], err[512];
    if (images_resolve("bootloader@2.2.0", path, sizeof(path), err, sizeof(err)) ||
        !have_dfu_util() || !usb_shim_path()) {
        skip();
        return;
    }
    static session s;
    session_opts so = {.fresh = true, .no_save = true, .device_id = "3a001d000d47343432313031"};
    assert_int_equal(session_open(&s, &so, err, sizeof(err)), 0);
    s.p->m->log.mask = 0;
    assert_int_equal(session_load_module(&s, "bootloader@2.2.0", false, err, sizeof(err)), 0);
    session_power_on(&s);
    static runner r;
    runner_init(&r);
    runner_add_machine(&r, s.p->m);
    usb_link_opts o = {.port = 0};
    usb_link *l = usb_link_start(&r, s.p->m, &s.p->soc.otg.port, &o, err, sizeof(err));
    assert_non_null(l);
    assert_true(usb_link_port(l) > 0);
    assert_false(usb_link_attached(l));

    /* `usb-attached`: the bootloader reaches DFU mode and enumerates */
    assert_true(usb_link_wait_attached(l, true, 5 * PS_PER_S));
    assert_true(machine_now(s.p->m) < 2 * PS_PER_S);

    /* `dfu`: the real dfu-util, its exit status and output */
    char *argv[] = {"dfu-util", "-l", NULL};
    usb_command *c = usb_command_start(l, argv, NULL, false, err, sizeof(err));
    assert_non_null(c);
    assert_true(usb_command_wait(c, machine_now(s.p->m) + 600 * PS_PER_S));
    assert_int_equal(c->status, 0);
    assert_non_null(strstr(c->output, "Found DFU: [2b04:d006]"));
    assert_non_null(strstr(c->output, "serial=\"3a001d000d47343432313031\""));
    usb_command_free(c);

    /* a command that does not exist: status 127, no crash */
    char *bad[] = {"/nonexistent/tool", NULL};
    c = usb_command_start(l, bad, NULL, false, err, sizeof(err));
    assert_non_null(c);
    assert_true(usb_command_wait(c, machine_now(s.p->m) + 60 * PS_PER_S));
    assert_int_equal(c->status, 127);
    usb_command_free(c);

    /* `usb-detached`: pull the cable */
    usb_link_plug(l, false);
    assert_true(usb_link_wait_attached(l, false, machine_now(s.p->m) + PS_PER_S));
    assert_false(usb_link_attached(l));
    usb_link_plug(l, true);
    assert_true(usb_link_wait_attached(l, true, machine_now(s.p->m) + 5 * PS_PER_S));

    usb_link_free(l);
    session_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dfu_util_through_the_link),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
