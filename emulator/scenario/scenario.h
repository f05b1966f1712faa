/* Scenario files: YAML that sets up a device, drives it (buttons, resets,
 * virtual time, host commands) and checks what it does (LED patterns,
 * serial output, flash, memory). `photon-sim scenario FILE...` runs them.
 *
 * This header is also the extension API. A new step is a `scn_step_type`
 * (name, keys, short-form key, summary, parser, runner) in a file of its
 * own, listed with one line in scenario_steps.c:
 *  - its parser reads arguments with the scn_arg_* helpers (errors name
 *    file:line by themselves) and keeps them in st->data (scn_alloc);
 *  - its runner drives the device with scn_run_until() and per-step hooks
 *    (scn_on_led, scn_on_serial, scn_on_reset, scn_set_poller for host
 *    I/O) that are removed when the step ends, and reports a failure with
 *    scn_expected()/scn_seen()/scn_note(); the core adds the evidence (LED
 *    timeline, last serial lines) to every failure;
 *  - set-up for every scenario (e.g. feeding a serial port into
 *    scn_serial_feed) is an attach hook, also listed in scenario_steps.c;
 *    state that lives as long as a scenario goes in scn_set_ext() and is
 *    released by scn_at_end(). */
#ifndef PHOTON_SCENARIO_H
#define PHOTON_SCENARIO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ledpattern.h"
#include "runner.h"
#include "session.h"
#include "world.h"

/* ---- parsed YAML ---------------------------------------------------------- */

typedef enum { SV_NULL, SV_SCALAR, SV_SEQ, SV_MAP } scn_val_kind;

/* A YAML value with the line it is on (1-based). Mappings keep their keys
 * in order; a scalar keeps its text (and whether it was quoted). */
typedef struct scn_val {
    scn_val_kind kind;
    int line;
    char *str;     /* SV_SCALAR */
    bool quoted;
    size_t n;      /* SV_SEQ, SV_MAP: number of items */
    struct scn_val *items;
    char **keys;   /* SV_MAP */
    int *key_lines;
} scn_val;

/* ---- steps ---------------------------------------------------------------- */

typedef struct scn scn;           /* a running scenario */
typedef struct scenario scenario; /* a parsed file */
typedef struct scn_args scn_args; /* one step's arguments while parsing */

typedef enum { SCN_PASS = 0, SCN_FAIL = 1, SCN_ERROR = 2 } scn_status;

typedef struct scn_step {
    const struct scn_step_type *type;
    const char *file;
    int line;
    char *label;  /* the optional `name:` */
    char *text;   /* "wait-led blinking yellow": for reports */
    void *data;   /* the step type's parsed arguments (scn_alloc) */
} scn_step;

typedef struct scn_step_type {
    const char *name;    /* "wait-led" */
    const char *keys;    /* accepted keys, space separated: "pattern timeout" */
    const char *main_key; /* `- wait-led: blinking yellow` means {pattern: ...};
                            NULL: the step takes no scalar form */
    const char *summary; /* one line for --list-steps */
    /* Read the arguments (scn_arg_*), store them in st->data. Return false
     * after an scn_arg_* error or scn_arg_error(). Unknown keys are caught
     * before this is called. NULL: the step takes no arguments. */
    bool (*parse)(scn_args *a, scn_step *st);
    /* Do it. SCN_FAIL with scn_expected()/scn_seen(); SCN_ERROR when the
     * emulator or the host failed (not the device's behaviour). */
    scn_status (*run)(scn *s, scn_step *st);
} scn_step_type;

/* The registry (scenario_steps.c): NULL-terminated. */
extern const scn_step_type *const scenario_step_types[];
const scn_step_type *scenario_find_step(const char *name);

/* Called for every scenario once its device is set up (images loaded),
 * before it is powered on: e.g. to wire a serial port to scn_serial_feed()
 * or start a server (stop it with scn_at_end). NULL-terminated list in
 * scenario_steps.c. */
typedef void (*scn_attach_fn)(scn *s);
extern const scn_attach_fn scenario_attach_hooks[];

/* ---- reading arguments (parsers) ------------------------------------------ */
/* Each returns false after recording an error that names file:line. When
 * `required` is false and the key is absent, they return true and leave
 * *out unchanged (set the default first). Every key read is "used". */

bool scn_arg_has(scn_args *a, const char *key);
int scn_arg_line(scn_args *a, const char *key); /* the step's line if absent */
const scn_val *scn_arg_val(scn_args *a, const char *key);
bool scn_arg_str(scn_args *a, const char *key, bool required, const char **out);
bool scn_arg_bool(scn_args *a, const char *key, bool required, bool *out);
bool scn_arg_u64(scn_args *a, const char *key, bool required, uint64_t min, uint64_t max,
                 uint64_t *out);
bool scn_arg_int(scn_args *a, const char *key, bool required, long min, long max, long *out);
/* "3s", "500ms", "1.5 s", "250us", "2min": virtual picoseconds. */
bool scn_arg_duration(scn_args *a, const char *key, bool required, uint64_t *ps);
/* One of `names` (NULL-terminated); *out is its index. */
bool scn_arg_enum(scn_args *a, const char *key, bool required, const char *const *names,
                  int *out);
/* 0x08020000, or a region name with an optional offset: bootloader,
 * system-part1, system-part2, user, factory, ota, dct1, dct2, eeprom,
 * RTC_BKP0R..RTC_BKP19R, BKPSRAM ("system-part1+0x184"). */
bool scn_arg_address(scn_args *a, const char *key, bool required, uint32_t *out);
bool scn_arg_led_pattern(scn_args *a, const char *key, bool required, led_pattern *out);
/* A file relative to the scenario's directory; it must exist. */
bool scn_arg_path(scn_args *a, const char *key, bool required, const char **out);
/* An image: a short name from the manifest (bootloader@2.2.0) or a file. */
bool scn_arg_image(scn_args *a, const char *key, bool required, const char **out);
/* Hex bytes "de ad be ef" (spaces, colons optional). */
bool scn_arg_bytes(scn_args *a, const char *key, bool required, uint8_t **out, size_t *len);
/* A custom error at `line` (0: the step's line). Returns false. */
bool scn_arg_error(scn_args *a, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Memory that lives as long as the parsed scenario. */
void *scn_alloc(scn_args *a, size_t n);
char *scn_strdup(scn_args *a, const char *s);
/* The scenario file's directory (for paths the step resolves itself). */
const char *scn_args_dir(scn_args *a);

/* ---- running steps ---------------------------------------------------------- */

photon *scn_photon(scn *s);
machine *scn_machine(scn *s);
session *scn_session(scn *s);
runner *scn_runner(scn *s);
uint64_t scn_now(scn *s);
const char *scn_dir(scn *s);       /* the scenario file's directory */
uint64_t scn_step_timeout(scn *s); /* the scenario's default for waits (ps) */
bool scn_verbose(scn *s);

/* Run the device until scn_done() (from a hook, a poller or an event) or
 * virtual time `deadline` (UINT64_MAX: no limit; then something must call
 * scn_done). On SCN_WAIT_ERROR (the emulator failed, or Ctrl-C) the step
 * should return SCN_ERROR; the reason is already in the report. */
typedef enum { SCN_WAIT_DONE, SCN_WAIT_TIMEOUT, SCN_WAIT_ERROR } scn_wait;
scn_wait scn_run_until(scn *s, uint64_t deadline);
void scn_done(scn *s);

/* Hooks for the current step only (cleared when it ends). */
void scn_on_led(scn *s, pattern_listener fn, void *ctx);
/* New serial output arrived on `port` (see scn_serial_output). */
void scn_on_serial(scn *s, void (*fn)(void *ctx, const char *port), void *ctx);
void scn_on_reset(scn *s, void (*fn)(void *ctx, reset_kind kind), void *ctx);
void scn_set_poller(scn *s, bool (*poll)(void *ctx, runner *r, int wait_ms), void *ctx);
/* Called once when the scenario ends (pass or fail), e.g. to stop a server. */
void scn_at_end(scn *s, void (*fn)(void *ctx), void *ctx);
/* Per-scenario state of an extension, found by a key of its own (the
 * address of a static variable): NULL until set. Free it with scn_at_end. */
void *scn_get_ext(scn *s, const void *key);
void scn_set_ext(scn *s, const void *key, void *value);

/* Serial output from any port ("usart1", "usb"): kept for the evidence
 * (the last lines) and for waits (scn_serial_output), then scn_on_serial. */
void scn_serial_feed(scn *s, const char *port, const uint8_t *buf, size_t n);
/* The ports that have had output: names by index, NULL past the last. */
const char *scn_serial_port(scn *s, int i);
/* A port's output not yet consumed, as text: '\n' ends lines, '\r' is
 * dropped, other control bytes are '.'. Offsets count from the start of
 * the scenario: the text returned starts at *base (older output beyond
 * 1 MB is dropped) and is *len bytes long (not NUL-terminated). */
const char *scn_serial_output(scn *s, const char *port, uint64_t *base, size_t *len);
/* Mark a port's output before absolute offset `upto` as consumed. */
void scn_serial_consume(scn *s, const char *port, uint64_t upto);

/* The LED pattern recognised since the last reset (kind LP_NONE if none
 * yet), and when it started. */
led_pattern scn_led_now(scn *s, uint64_t *since);
/* Whether the LED showed a pattern matching `want` at any time since the
 * scenario started (resets included); *when is the first time. */
bool scn_led_ever(scn *s, const led_pattern *want, uint64_t *when);
/* The access points around the device (the device: section's wifi-ap
 * list, or the default one). */
radio *scn_radio(scn *s);

/* The networks behind the access points and the device's soft AP (its
 * forwards, DNS overrides, faults). */
netenv *scn_net(scn *s);
/* The scenario being run (its device: keys). */
const scenario *scn_scenario(scn *s);

/* A failure report: what the step expected and what it saw. */
void scn_expected(scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void scn_seen(scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Extra report lines (e.g. a command's output). */
void scn_note(scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A line in the timeline (and on stdout with -v). */
void scn_event(scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "1.481 s" */
const char *scn_fmt_time(uint64_t ps, char *buf, size_t n);

/* ---- files and runs (the CLI) ---------------------------------------------- */

typedef struct scn_error_list {
    char **msgs; /* "file:line: message" */
    size_t n;
} scn_error_list;

/* Parse a file (or text, for tests: `text` non-NULL). Returns NULL with
 * the errors appended to `errs`. */
scenario *scenario_parse(const char *path, const char *text, scn_error_list *errs);
void scenario_free(scenario *sc);
const char *scenario_name(const scenario *sc);
size_t scenario_nsteps(const scenario *sc);
void scn_errors_free(scn_error_list *e);

typedef struct scn_run_opts {
    bool have_seed;
    uint64_t seed;  /* overrides the file's */
    bool realtime;
    double speed;
    bool verbose;
    unsigned logmask;
    FILE *log_out;
    FILE *led_trace;
} scn_run_opts;

typedef struct scn_result {
    scn_status status;
    const char *fail_file;
    int fail_line;
    char *fail_step;    /* "wait-led blinking yellow" */
    char *report;       /* the whole failure report (multi-line) */
    char *log;          /* what happened, step by step (for JUnit system-out) */
    size_t steps_run;
    uint64_t virtual_ps;
    double wall_s;
    uint8_t led_trace_sha[32]; /* of every LED change (t, r, g, b) */
    char device_id[25];
} scn_result;

void scenario_run(scenario *sc, const scn_run_opts *o, scn_result *res);
void scn_result_free(scn_result *r);

#endif
