/* Module images (header, suffix, CRC, SHA-256). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <zlib.h>

#include "harness.h"
#include "module.h"

/* A user module like Tinker: header at +0, suffix, big-endian CRC. */
static size_t make_module(uint8_t *buf, uint16_t platform, uint32_t body)
{
    memset(buf, 0xA5, body + 4);
    uint32_t start = 0x080A0000u, end = start + body;
    memcpy(buf, &start, 4);
    memcpy(buf + 4, &end, 4);
    buf[8] = 0;
    buf[9] = 0;
    buf[10] = 3; buf[11] = 0;                      /* version 3 */
    buf[12] = (uint8_t)platform; buf[13] = 0;
    buf[14] = 5; buf[15] = 1;                      /* user.1 */
    buf[16] = 4; buf[17] = 2; buf[18] = 6; buf[19] = 0; /* system.2 >= 6 */
    memset(buf + 20, 0, 4);
    buf[body - 2] = 36; buf[body - 1] = 0;         /* suffix size */
    SHA256(buf, body - 34, buf + body - 34);
    uint32_t crc = (uint32_t)crc32_z(0, buf, body);
    buf[body] = (uint8_t)(crc >> 24);
    buf[body + 1] = (uint8_t)(crc >> 16);
    buf[body + 2] = (uint8_t)(crc >> 8);
    buf[body + 3] = (uint8_t)crc;
    return body + 4;
}

static void module_header_and_checks(void **state)
{
    (void)state;
    static uint8_t buf[4096];
    char err[256];
    size_t len = make_module(buf, 6, 1024);
    module_info mi;
    assert_int_equal(module_parse(buf, len, &mi, err, sizeof(err)), 0);
    assert_int_equal(mi.header_offset, 0);
    assert_int_equal(mi.func, MODULE_FUNC_USER);
    assert_int_equal(mi.index, 1);
    assert_int_equal(mi.version, 3);
    assert_int_equal(mi.platform, 6);
    assert_int_equal(mi.dep1.func, MODULE_FUNC_SYSTEM);
    assert_int_equal(mi.dep1.version, 6);
    assert_true(mi.crc_ok);
    assert_true(mi.sha_present && mi.sha_ok);
    buf[100] ^= 1; /* damage the body */
    assert_int_equal(module_parse(buf, len, &mi, err, sizeof(err)), 0);
    assert_false(mi.crc_ok);
    assert_false(mi.sha_ok);
    assert_int_equal(module_parse(buf, 500, &mi, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "truncated"));
    assert_int_equal(module_parse(buf, 4, &mi, err, sizeof(err)), -1);
    /* a vector table moves the header to +0x184 */
    uint32_t sp = 0x20020000u;
    memset(buf, 0, sizeof(buf));
    memcpy(buf, &sp, 4);
    assert_int_equal(module_parse(buf, 0x400, &mi, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "+0x184"));
}

/* image set: the header changed, the SHA-256 and CRC-32 made right (or
 * the CRC wrong on purpose), nothing else touched. */
static void edit_header_and_checks(void **state)
{
    (void)state;
    static uint8_t buf[4096], orig[4096];
    char err[256];
    size_t len = make_module(buf, 6, 1024);
    memcpy(orig, buf, len);
    module_edit e = {0};
    assert_int_equal(module_edit_set(&e, "depends", "system-part2>=3000", err, sizeof(err)), 0);
    assert_int_equal(module_edit_set(&e, "depends2", "bootloader >= 1003", err, sizeof(err)), 0);
    assert_int_equal(module_edit_set(&e, "version", "0x10", err, sizeof(err)), 0);
    assert_int_equal(module_edit_set(&e, "platform", "p1", err, sizeof(err)), 0);
    assert_int_equal(module_edit_set(&e, "start", "0x08020000", err, sizeof(err)), 0);
    module_info mi;
    assert_int_equal(module_edit_apply(buf, len, &e, &mi, err, sizeof(err)), 0);
    assert_int_equal(mi.version, 16);
    assert_int_equal(mi.platform, 8);
    assert_int_equal(mi.start, 0x08020000u);
    assert_int_equal(mi.end, 0x08020000u + 1024);
    assert_int_equal(mi.dep1.func, MODULE_FUNC_SYSTEM);
    assert_int_equal(mi.dep1.index, 2);
    assert_int_equal(mi.dep1.version, 3000);
    assert_int_equal(mi.dep2.func, MODULE_FUNC_BOOTLOADER);
    assert_int_equal(mi.dep2.version, 1003);
    assert_int_equal(mi.func, MODULE_FUNC_USER); /* untouched */
    assert_true(mi.crc_ok && mi.sha_ok);
    assert_memory_equal(buf + 24, orig + 24, 1024 - 24 - 34); /* the body is the same */
    /* crc: bad stores a wrong CRC over a right SHA-256; keep leaves both */
    module_edit bad = {0};
    assert_int_equal(module_edit_set(&bad, "crc", "bad", err, sizeof(err)), 0);
    assert_int_equal(module_edit_apply(buf, len, &bad, &mi, err, sizeof(err)), 0);
    assert_false(mi.crc_ok);
    assert_true(mi.sha_ok);
    assert_int_equal(mi.crc_stored, ~mi.crc_computed);
    module_edit keep = {0};
    assert_int_equal(module_edit_set(&keep, "crc", "keep", err, sizeof(err)), 0);
    assert_int_equal(module_edit_set(&keep, "depends", "none", err, sizeof(err)), 0);
    assert_int_equal(module_edit_apply(buf, len, &keep, &mi, err, sizeof(err)), 0);
    assert_int_equal(mi.dep1.func, MODULE_FUNC_NONE);
    assert_false(mi.crc_ok);
    assert_false(mi.sha_ok);
    /* not a module: nothing applied */
    memset(orig, 0xFF, 64);
    assert_int_equal(module_edit_apply(orig, 64, &e, NULL, err, sizeof(err)), -1);
}

static void edit_values(void **state)
{
    (void)state;
    char err[256];
    module_dep d;
    static const struct {
        const char *text;
        int ok;
        uint8_t func, index;
        uint16_t version;
    } deps[] = {
        {"system-part2>=3000", 1, 4, 2, 3000}, {"system.1 >= 2202", 1, 4, 1, 2202},
        {"4.2>=7", 1, 4, 2, 7},                {"bootloader>=0x3eb", 1, 2, 0, 1003},
        {"user>=3", 1, 5, 1, 3},               {"none", 1, 0, 0, 0},
        {"system-part2", 0, 0, 0, 0},          {"system-part2>=70000", 0, 0, 0, 0},
        {"radio.x>=1", 0, 0, 0, 0},            {">=3", 0, 0, 0, 0},
        {"none.1>=3", 0, 0, 0, 0},             {"system.256>=1", 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(deps) / sizeof(deps[0]); i++) {
        int rc = module_dep_parse(deps[i].text, &d, err, sizeof(err));
        assert_int_equal(rc, deps[i].ok ? 0 : -1);
        if (deps[i].ok) {
            assert_int_equal(d.func, deps[i].func);
            assert_int_equal(d.index, deps[i].index);
            assert_int_equal(d.version, deps[i].version);
        }
    }
    module_edit e = {0};
    assert_int_equal(module_edit_set(&e, "colour", "red", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "colour"));
    assert_int_equal(module_edit_set(&e, "version", "-1", err, sizeof(err)), -1);
    assert_int_equal(module_edit_set(&e, "version", "65536", err, sizeof(err)), -1);
    assert_int_equal(module_edit_set(&e, "index", "12x", err, sizeof(err)), -1);
    assert_int_equal(module_edit_set(&e, "platform", "mars", err, sizeof(err)), -1);
    assert_int_equal(module_edit_set(&e, "crc", "maybe", err, sizeof(err)), -1);
    assert_int_equal(module_edit_set(&e, "function", "system", err, sizeof(err)), 0);
    assert_int_equal(e.func, MODULE_FUNC_SYSTEM);
    assert_int_equal(module_edit_set(&e, "function", "user", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "twice"));
    assert_int_equal(module_edit_set(&e, "version", "65535", err, sizeof(err)), 0);
    assert_int_equal(e.version, 65535);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(module_header_and_checks),
        cmocka_unit_test(edit_header_and_checks),
        cmocka_unit_test(edit_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
