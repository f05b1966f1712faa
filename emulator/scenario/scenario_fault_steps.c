/* Scenario steps that inject faults (faults.h): the power fails at the nth
 * flash operation or after a while, leaving the flash torn as a real chip
 * would, and comes back at once (a power-on reset, as after unplugging a
 * Photon; the timeline shows "reset (power-on)"); a flash operation that
 * never completes. Both arm and return: the steps after them (a dfu
 * download, waiting for the LED) run into the fault. */
#include <stdio.h>
#include <string.h>

#include "faults.h"
#include "scenario.h"

static bool parse_fault(scn_args *a, scn_step *st, flash_fault_effect effect)
{
    const char *when;
    if (!scn_arg_str(a, "at", true, &when))
        return false;
    fault_spec *f = scn_alloc(a, sizeof(*f));
    st->data = f;
    char err[256];
    if (fault_parse(when, effect, f, err, sizeof(err)))
        return scn_arg_error(a, scn_arg_line(a, "at"), "%s", err);
    return true;
}

static bool parse_power_loss(scn_args *a, scn_step *st)
{
    return parse_fault(a, st, FLASH_FAULT_POWER);
}

static bool parse_stuck_flash(scn_args *a, scn_step *st)
{
    return parse_fault(a, st, FLASH_FAULT_STUCK);
}

static scn_status run_fault(scn *s, scn_step *st)
{
    fault_arm(scn_session(s), st->data);
    return SCN_PASS;
}

const scn_step_type scn_step_power_loss = {
    .name = "power-loss",
    .keys = "at",
    .main_key = "at",
    .summary = "arm a power failure: at program:N (the Nth flash word programmed from now "
               "does not land, all before it did), erase:N (the Nth sector erase stops "
               "halfway), op:N (either), or a time from now (2s: an erase in flight is torn "
               "where it got to); the power comes back at once (power-on reset, the backup "
               "domain lost)",
    .parse = parse_power_loss,
    .run = run_fault,
};

const scn_step_type scn_step_stuck_flash = {
    .name = "stuck-flash",
    .keys = "at",
    .main_key = "at",
    .summary = "arm a flash fault: the program:N, erase:N or op:N from now never completes "
               "(BSY stays set until a reset)",
    .parse = parse_stuck_flash,
    .run = run_fault,
};
