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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(module_header_and_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
