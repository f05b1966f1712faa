/* Scenario parsing: valid files, and every kind of bad input refused with
 * FILE:LINE (libyaml underneath). No images or devices are needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"

/* Parse `text`; return the errors joined by newlines ("" if it parsed). */
static char out[16384];
static size_t nsteps;

static const char *parse(const char *text)
{
    scn_error_list e = {0};
    scenario *sc = scenario_parse("t.yaml", text, &e);
    out[0] = 0;
    nsteps = 0;
    if (sc) {
        assert_int_equal(e.n, 0);
        nsteps = scenario_nsteps(sc);
        scenario_free(sc);
    } else {
        assert_true(e.n > 0);
        for (size_t i = 0; i < e.n; i++) {
            strncat(out, e.msgs[i], sizeof(out) - strlen(out) - 2);
            strcat(out, "\n");
        }
    }
    scn_errors_free(&e);
    return out;
}

#define assert_has(hay, needle)                                                       \
    do {                                                                              \
        if (!strstr((hay), (needle)))                                                 \
            fail_msg("missing \"%s\" in:\n%s", (needle), (hay));                      \
    } while (0)

static void test_valid(void **st)
{
    (void)st;
    const char *e = parse("name: ok\n"
                          "step-timeout: 10s\n"
                          "steps:\n"
                          "  - reset\n"
                          "  - reset: software\n"
                          "  - power-cycle: {off: 250ms}\n"
                          "  - press: setup\n"
                          "  - release: SETUP\n"
                          "  - hold: {button: reset, for: 1.5 s}\n"
                          "  - wait: 2min\n"
                          "  - name: labelled\n"
                          "    wait-led: blinking yellow 200ms\n"
                          "  - expect-led: {pattern: \"SOS 1\", for: 3s}\n"
                          "  - corrupt-flash: {address: system-part1+0x184, length: 4}\n"
                          "  - expect-flash: {address: 0x08004000, bytes: \"de ad:be ef\"}\n"
                          "  - expect-flash: {address: user, version: 3}\n"
                          "  - expect-module: {address: system-part2, function: system, index: 2,"
                          " version: \">= 2202\", platform: photon, crc: ok,"
                          " dependencies: [\"system.1 >= 2202\", \"bootloader >= 1003\"]}\n"
                          "  - expect-module: {address: factory, present: false}\n"
                          "  - write-flash: {address: dct1, bytes: 00 01, erase: true}\n"
                          "  - expect-memory: {address: RTC_BKP19R, value: 0x5AFE, mask: 0xFFFF}\n"
                          "  - expect-memory: {address: BKPSRAM, bytes: \"01\"}\n"
                          "  - write-memory: {address: 0x20000000, value: 7, size: 1}\n"
                          "  - run: true\n"
                          "  - run: {command: ls, exit: 0, output: \"^a.*b$\", timeout: 5s,"
                          " device: running}\n");
    assert_string_equal(e, "");
    assert_int_equal(nsteps, 20);
}

static void test_yaml_errors(void **st)
{
    (void)st;
    assert_has(parse(""), "t.yaml: the file is empty");
    assert_has(parse("steps:\n  - wait: {for: 1s\n  - reset\n"),
               "while parsing a flow mapping (from line 2)");
    assert_has(parse("- reset\n"), "t.yaml:1: a scenario is a mapping");
    assert_has(parse("steps: [reset]\n---\nsteps: [reset]\n"),
               "t.yaml:3: a second YAML document");
    assert_has(parse("name: x\n"), "no steps");
    assert_has(parse("steps: []\n"), "t.yaml:1: steps: the list is empty");
    assert_has(parse("steps:\n  - reset\nsteps:\n  - reset\n"),
               "t.yaml:3: 'steps' appears twice (first on line 1)");
    assert_has(parse("steps:\n  - reset\nnmae: x\n"),
               "t.yaml:3: unknown key 'nmae' in the scenario (did you mean 'name'?)");
    assert_has(parse("steps:\n  - reset\n  - [1, 2]\n"), "t.yaml:3: a step must be a name");
    assert_has(parse("steps:\n  - {name: only a label}\n"), "needs a step name");
    assert_has(parse("steps:\n  - wait: 1s\n    reset: pin\n"),
               "t.yaml:3: one step per list item");
}

/* An alias bomb is refused quickly instead of being expanded. */
static void test_alias_bomb(void **st)
{
    (void)st;
    static char doc[4096];
    strcpy(doc, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for (int i = 1; i < 12; i++) {
        char line[200];
        snprintf(line, sizeof(line), "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
                 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        strcat(doc, line);
    }
    strcat(doc, "steps: [reset]\n");
    assert_has(parse(doc), "too large");
}

static void test_steps(void **st)
{
    (void)st;
    const char *e = parse("steps:\n"
                          "  - wiat: 1s\n"
                          "  - wait: 3\n"
                          "  - wait: -2s\n"
                          "  - wait: 2 fortnights\n"
                          "  - wait: [1s]\n"
                          "  - hold: setup\n"
                          "  - hold: {button: setup}\n"
                          "  - hold: {button: mode, for: 1s}\n"
                          "  - wait-led: {pattern: blinking purple}\n"
                          "  - wait-led: {pattern: blinking yellow, timout: 1s}\n"
                          "  - reset: {kind: sideways}\n"
                          "  - power-cycle: {off: 1s, on: 2s}\n"
                          "  - wait\n");
    assert_has(e, "t.yaml:2: unknown step 'wiat' (did you mean 'wait'?)");
    assert_has(e, "t.yaml:3: wait: for: bad duration '3': a duration needs a unit");
    assert_has(e, "t.yaml:4: wait: for: bad duration '-2s': a duration cannot be negative");
    assert_has(e, "t.yaml:5: wait: for: bad duration '2 fortnights': unknown unit");
    assert_has(e, "t.yaml:6: wait: expected a value or a mapping, got a list");
    assert_has(e, "t.yaml:7: hold: takes a mapping of its keys, not a single value");
    assert_has(e, "t.yaml:8: hold: 'for' is required");
    assert_has(e, "t.yaml:9: hold: button: 'mode' is not one of: setup, reset");
    assert_has(e, "t.yaml:10: wait-led: pattern: unknown word 'purple'");
    assert_has(e, "t.yaml:11: wait-led: unknown key 'timout' (did you mean 'timeout'?)");
    assert_has(e, "t.yaml:12: reset: kind: 'sideways' is not one of: pin, software, watchdog");
    assert_has(e, "t.yaml:13: power-cycle: unknown key 'on'");
    assert_has(e, "t.yaml:14: wait: 'for' is required");
    /* in line order */
    assert_true(strstr(e, "t.yaml:2:") < strstr(e, "t.yaml:14:"));
}

static void test_values(void **st)
{
    (void)st;
    const char *e = parse("steps:\n"
                          "  - expect-memory: {address: RTC_BKP20R, value: 1}\n"
                          "  - expect-memory: {address: nowhere+4, value: 1}\n"
                          "  - expect-memory: {address: 0x20000002, value: 1}\n"
                          "  - expect-memory: {address: 0x20000000, value: 0x1FF, size: 1}\n"
                          "  - expect-memory: {address: 0x20000000, size: 3, value: 1}\n"
                          "  - expect-flash: {address: 0x08000000, bytes: \"abc\"}\n"
                          "  - expect-flash: {address: 0x20000000, bytes: \"00\"}\n"
                          "  - expect-flash: {address: 0x08000000}\n"
                          "  - expect-flash: {bytes: \"00\"}\n"
                          "  - corrupt-flash: {address: 0x080FFFFF, length: 2}\n"
                          "  - expect-module: {address: user, version: lots}\n"
                          "  - expect-module: {address: user, dependencies: [\"wifi >= 3\"]}\n"
                          "  - expect-module: {address: user, present: false, version: 3}\n"
                          "  - run: {command: x, output: \"(\"}\n"
                          "  - run: {command: x, exit: 300}\n"
                          "  - write-flash: {file: no-such-image@1.0.0}\n"
                          "  - expect-pin: {pin: D9, level: high}\n"
                          "  - set-pin: {pin: D3, level: up}\n"
                          "  - wait-pin: {pin: PE2, level: low}\n"
                          "  - wait-pin: {pin: pa13, level: low, timeout: 1s}\n"
                          "  - expect-pin: {pin: wkp, level: float, for: 2s}\n"
                          "  - corrupt-flash: {address: ota, at: 2s}\n"
                          "  - corrupt-flash: {address: ota, at: \"erase:2\"}\n");
    assert_has(e, "t.yaml:2: expect-memory: address: bad address 'RTC_BKP20R'");
    assert_has(e, "t.yaml:3: expect-memory: address: bad address 'nowhere+4'");
    assert_has(e, "t.yaml:4: expect-memory: 0x20000002 is not aligned to 4 bytes");
    assert_has(e, "t.yaml:5: expect-memory: value: 0x1FF is out of range (0..255)");
    assert_has(e, "t.yaml:6: expect-memory: size: 1, 2 or 4 bytes");
    assert_has(e, "t.yaml:7: expect-flash: bytes: odd number of hex digits");
    assert_has(e, "t.yaml:8: expect-flash: 0x20000000..+1 is not inside the flash");
    assert_has(e, "t.yaml:9: expect-flash: give one of file, bytes, version");
    assert_has(e, "t.yaml:10: expect-flash: 'address' is required with bytes");
    assert_has(e, "t.yaml:11: corrupt-flash: 0x080fffff..+2 is not inside the flash");
    assert_has(e, "t.yaml:12: expect-module: version: expected a number or a comparison");
    assert_has(e, "t.yaml:13: expect-module: dependencies: expected \"FUNCTION[.INDEX] >= VERSION\"");
    assert_has(e, "t.yaml:14: expect-module: present: false takes no other checks");
    assert_has(e, "t.yaml:15: run: output: bad regular expression '('");
    assert_has(e, "t.yaml:16: run: exit: 300 is out of range (0..255)");
    assert_has(e, "t.yaml:17: write-flash: file: no-such-image@1.0.0: no such file");
    assert_has(e, "t.yaml:18: expect-pin: no pin 'D9' (D0-D7, A0-A7,");
    assert_has(e, "t.yaml:19: set-pin: level: 'up' is not one of: high, low, float");
    assert_has(e, "t.yaml:20: wait-pin: no pin 'PE2'");
    assert_true(!strstr(e, "t.yaml:21:") && !strstr(e, "t.yaml:22:")); /* names in any case */
    assert_has(e, "t.yaml:23: corrupt-flash: '2s' is not program:N, erase:N or op:N");
    assert_true(!strstr(e, "t.yaml:24:"));
}

static void test_device(void **st)
{
    (void)st;
    const char *e = parse("device:\n"
                          "  images: [no-such-image@1.0.0, {file: x.bin}]\n"
                          "  device-id: 12345\n"
                          "  seed: -1\n"
                          "  fast-flash: maybe\n"
                          "  state: /nonexistent/dir/x.state\n"
                          "  colour: red\n"
                          "steps: [reset]\n");
    assert_has(e, "t.yaml:2: device: images: no-such-image@1.0.0: no such file");
    assert_has(e, "t.yaml:2: device: 'address' is required");
    assert_has(e, "t.yaml:3: device: device-id '12345' is not 24 hex digits");
    assert_has(e, "t.yaml:4: device: seed: expected a number, got '-1'");
    assert_has(e, "t.yaml:5: device: fast-flash: expected true or false, got 'maybe'");
    assert_has(e, "t.yaml:6: device: state: /nonexistent/dir/x.state: No such file");
    assert_has(e, "t.yaml:7: unknown key 'colour' in device");
    assert_has(parse("device:\n  save: true\nsteps: [reset]\n"),
               "t.yaml:2: device: save: true needs a state file");
    assert_has(parse("device: [a]\nsteps: [reset]\n"), "t.yaml:1: device: expected a mapping");
}

/* Every prefix of a valid file, and the file with any one byte replaced,
 * parses or is refused with messages: never a crash (run under ASan). */
static void test_mutations(void **st)
{
    (void)st;
    static const char good[] =
        "name: m\n"
        "device:\n  seed: 3\n  fast-flash: true\n"
        "steps:\n"
        "  - hold: {button: setup, for: 1s}\n"
        "  - name: x\n    wait-led: {pattern: blinking yellow 200ms, timeout: 3s}\n"
        "  - expect-module: {address: system-part1+0x0, version: \">= 1\", dependencies: []}\n"
        "  - expect-memory: {address: RTC_BKP4R, value: 0x1ADEACC0, mask: 0xFFFF}\n"
        "  - corrupt-flash: {address: 0x08020184, length: 4, xor: 0x0F}\n"
        "  - run: {command: \"true\", exit: 0, output: \"a|b\"}\n"
        "  - write-flash: {address: dct1, bytes: \"00 11 22\", erase: true}\n";
    static char buf[sizeof(good)];
    size_t n = strlen(good);
    int parsed = 0;
    for (size_t cut = 0; cut <= n; cut++) {
        memcpy(buf, good, cut);
        buf[cut] = 0;
        parse(buf);
        parsed += out[0] == 0;
    }
    static const char subst[] = {'\0', ' ', ':', '-', '{', '}', '[', '"', '\'', '&', '*',
                                 '\n', '\t', '#', '!', '|', '>', '%', '@', '\xff'};
    for (size_t i = 0; i < n; i += 3)
        for (size_t k = 0; k < sizeof(subst); k++) {
            memcpy(buf, good, n + 1);
            buf[i] = subst[k];
            parse(buf); /* a NUL simply ends the text early */
        }
    memcpy(buf, good, n + 1);
    assert_string_equal(parse(buf), "");
    assert_true(parsed >= 1);
}

/* Every registered step is complete and its name is unique. */
static void test_registry(void **st)
{
    (void)st;
    int n = 0;
    for (int i = 0; scenario_step_types[i]; i++, n++) {
        const scn_step_type *t = scenario_step_types[i];
        assert_non_null(t->name);
        assert_non_null(t->run);
        assert_non_null(t->summary);
        assert_ptr_equal(scenario_find_step(t->name), t);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(scenario_step_types[j]->name, t->name);
        if (t->main_key) /* the short form's key is one of the keys */
            assert_non_null(strstr(t->keys, t->main_key));
        if (!t->parse) /* a step without a parser takes no keys */
            assert_true(!t->keys || !*t->keys);
    }
    assert_true(n >= 15);
    assert_null(scenario_find_step("no-such-step"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),       cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_alias_bomb),  cmocka_unit_test(test_steps),
        cmocka_unit_test(test_values),      cmocka_unit_test(test_device),
        cmocka_unit_test(test_registry),    cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
