/* The scenario steps photon-sim knows. To add a step: write its
 * scn_step_type in a file of its own (see scenario.h, and
 * scenario_device_steps.c / scenario_step_run.c for examples) and add one
 * line here (test_scenario_parse checks that names are unique). */
#include <string.h>

#include "scenario.h"

/* scenario_device_steps.c */
extern const scn_step_type scn_step_reset, scn_step_power_cycle, scn_step_press,
    scn_step_release, scn_step_hold, scn_step_wait, scn_step_wait_led, scn_step_expect_led,
    scn_step_expect_flash, scn_step_expect_module, scn_step_write_flash,
    scn_step_corrupt_flash, scn_step_expect_memory, scn_step_write_memory;
/* scenario_serial_steps.c, scenario_serial_io_steps.c, scenario_ymodem_step.c */
extern const scn_step_type scn_step_wait_serial, scn_step_serial_write, scn_step_serial_line,
    scn_step_expect_serial, scn_step_ymodem_send;
/* scenario_pin_steps.c */
extern const scn_step_type scn_step_set_pin, scn_step_expect_pin, scn_step_wait_pin;
/* scenario_image_step.c */
extern const scn_step_type scn_step_image_set;
/* scenario_step_run.c */
extern const scn_step_type scn_step_run;
/* scenario_usb_steps.c */
extern const scn_step_type scn_step_usb_attached, scn_step_usb_detached, scn_step_dfu;
/* scenario_wifi_steps.c */
extern const scn_step_type scn_step_wifi_ap, scn_step_wifi, scn_step_expect_led_never;
/* scenario_net_steps.c */
extern const scn_step_type scn_step_network;
/* scenario_fault_steps.c */
extern const scn_step_type scn_step_power_loss, scn_step_stuck_flash, scn_step_iwdg_expire;
/* scenario_serial_ports.c */
void scn_attach_serial(scn *s);
void scn_attach_cloud(scn *s);

const scn_step_type *const scenario_step_types[] = {
    /* device */
    &scn_step_reset,
    &scn_step_power_cycle,
    &scn_step_press,
    &scn_step_release,
    &scn_step_hold,
    &scn_step_set_pin,
    &scn_step_power_loss,
    &scn_step_stuck_flash,
    &scn_step_iwdg_expire,
    /* time and the LED */
    &scn_step_wait,
    &scn_step_wait_led,
    &scn_step_expect_led,
    &scn_step_expect_led_never,
    /* pins */
    &scn_step_expect_pin,
    &scn_step_wait_pin,
    /* flash and memory */
    &scn_step_expect_flash,
    &scn_step_expect_module,
    &scn_step_write_flash,
    &scn_step_corrupt_flash,
    &scn_step_expect_memory,
    &scn_step_write_memory,
    &scn_step_image_set,
    /* serial */
    &scn_step_wait_serial,
    &scn_step_serial_write,
    &scn_step_serial_line,
    &scn_step_expect_serial,
    &scn_step_ymodem_send,
    /* the host */
    &scn_step_run,
    /* USB */
    &scn_step_usb_attached,
    &scn_step_usb_detached,
    &scn_step_dfu,
    /* Wi-Fi */
    &scn_step_wifi_ap,
    &scn_step_wifi,
    &scn_step_network,
    /* serial steps: one line each, here */
    NULL,
};

/* Set-up for every scenario (e.g. wiring a serial port to the evidence):
 * one line each, here. */
const scn_attach_fn scenario_attach_hooks[] = {
    scn_attach_serial,
    scn_attach_cloud,
    NULL,
};

const scn_step_type *scenario_find_step(const char *name)
{
    for (int i = 0; scenario_step_types[i]; i++)
        if (!strcmp(scenario_step_types[i]->name, name))
            return scenario_step_types[i];
    return NULL;
}
