/* Module images (header, suffix, CRC, SHA-256) and the state file. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <zlib.h>

#include "harness.h"
#include "module.h"
#include "state.h"

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

static void state_round_trip_and_damage(void **state)
{
    (void)state;
    char path[] = "/tmp/photon-test-stateXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    static uint8_t a[70000], b[70000];
    uint32_t small = 0x12345678u, small2 = 0;
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = (uint8_t)(i * 7);
    state_section s[2] = {{"big", a, sizeof(a), true}, {"small", &small, 4, true}};
    char err[256];
    assert_int_equal(state_save(path, s, 2, err, sizeof(err)), 0);
    state_section l[2] = {{"big", b, sizeof(b), true}, {"small", &small2, 4, true}};
    assert_int_equal(state_load(path, l, 2, err, sizeof(err)), 0);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(small2, small);
    /* a damaged file is refused and nothing is changed in memory */
    FILE *f = fopen(path, "r+b");
    fseek(f, 5000, SEEK_SET);
    fputc(0x55, f);
    fclose(f);
    memset(b, 0, sizeof(b));
    assert_int_equal(state_load(path, l, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "damaged"));
    assert_int_equal(b[1], 0);
    /* a missing required section */
    state_section one[1] = {{"big", a, sizeof(a), true}};
    assert_int_equal(state_save(path, one, 1, err, sizeof(err)), 0);
    assert_int_equal(state_load(path, l, 2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "small"));
    /* a missing file is not an error */
    unlink(path);
    assert_int_equal(state_load(path, l, 2, err, sizeof(err)), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(module_header_and_checks),
        cmocka_unit_test(state_round_trip_and_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
