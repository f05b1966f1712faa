/* Scenario steps that inject faults (faults.h): the power fails at the nth
 * flash operation or after a while, leaving the flash torn as a real chip
 * would, and comes back at once (a power-on reset, as after unplugging a
 * Photon; the timeline shows "reset (power-on)"); a flash operation that
 * never completes. Both arm and return: the steps after them (a dfu
 * download, waiting for the LED) run into the fault. The IWDG starved:
 * its count runs out now, or when the firmware next starts it. */
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

static bool parse_iwdg_expire(scn_args *a, scn_step *st)
{
    uint64_t *times = scn_alloc(a, sizeof(*times));
    *times = 1;
    st->data = times;
    return scn_arg_u64(a, "times", false, 1, 1000, times);
}

static scn_status run_iwdg_expire(scn *s, scn_step *st)
{
    uint64_t times = *(uint64_t *)st->data;
    scn_event(s, "%s", fault_now(scn_session(s), FAULT_IWDG_EXPIRE, (uint32_t)times));
    return SCN_PASS;
}

const scn_step_type scn_step_iwdg_expire = {
    .name = "iwdg-expire",
    .keys = "times",
    .main_key = "times",
    .summary = "starve the independent watchdog: its count runs out now if it runs "
               "(a watchdog reset, RCC_CSR IWDGRSTF), else the moment the firmware starts "
               "it (the Photon's bootloader does for 5 s after an update); `times` (default "
               "1): so many expiries, each further one at the firmware's next start of it",
    .parse = parse_iwdg_expire,
    .run = run_iwdg_expire,
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
