/* Scenario steps on the flash: expect-flash, write-flash, corrupt-flash
 * (now, or armed at a later flash operation: faults.h), expect-module. Each step is a scn_step_type (scenario.h); they are
 * listed in scenario_steps.c. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "images.h"
#include "util.h"
#include "module.h"
#include "scenario.h"

/* Append to a comma-separated list in `buf`. */
__attribute__((format(printf, 3, 4))) static void appendf(char *buf, size_t cap,
                                                          const char *fmt, ...)
{
    size_t n = strlen(buf);
    if (n && n + 2 < cap) {
        strcat(buf, ", ");
        n += 2;
    }
    if (n + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, cap - n, fmt, ap);
    va_end(ap);
}

/* ---- flash ---------------------------------------------------------------------- */

static bool in_flash(uint32_t addr, uint64_t len)
{
    return addr >= STM32F205_FLASH_BASE && (uint64_t)addr + len <= (uint64_t)STM32F205_FLASH_BASE + STM32F205_FLASH_SIZE;
}

/* Read a file named by an image key (short name or path) into the arena. */
static bool read_image_arg(scn_args *a, const char *key, uint8_t **data, size_t *len,
                           const char **path)
{
    if (!scn_arg_image(a, key, true, path))
        return false;
    char err[1024];
    uint8_t *buf = read_file(*path, len, STM32F205_FLASH_SIZE, err, sizeof(err));
    if (!buf)
        return scn_arg_error(a, scn_arg_line(a, key), "%s: %s", key, err);
    *data = scn_alloc(a, *len ? *len : 1);
    memcpy(*data, buf, *len);
    free(buf);
    return true;
}

typedef struct flash_args {
    uint32_t addr;
    const uint8_t *data;
    size_t len;
    const char *what; /* the file, for messages */
    bool has_version;
    uint64_t version;
    bool erase;
} flash_args;

/* Common to expect-flash and write-flash: address + (file | bytes). */
static bool parse_flash_data(scn_args *a, flash_args *f, bool allow_version)
{
    bool has_addr = scn_arg_has(a, "address");
    int n = scn_arg_has(a, "file") + scn_arg_has(a, "bytes") +
            (allow_version && scn_arg_has(a, "version"));
    if (n != 1)
        return scn_arg_error(a, 0, "give one of %s", allow_version ? "file, bytes, version"
                                                                   : "file, bytes");
    if (has_addr && !scn_arg_address(a, "address", true, &f->addr))
        return false;
    if (scn_arg_has(a, "file")) {
        uint8_t *d = NULL;
        if (!read_image_arg(a, "file", &d, &f->len, &f->what))
            return false;
        f->data = d;
        if (!has_addr) {
            module_info mi;
            char err[256];
            if (module_parse(d, f->len, &mi, err, sizeof(err)))
                return scn_arg_error(a, scn_arg_line(a, "file"),
                                     "file: %s is not a module (%s): give `address`", f->what,
                                     err);
            f->addr = mi.start;
        }
    } else if (scn_arg_has(a, "bytes")) {
        uint8_t *d;
        if (!scn_arg_bytes(a, "bytes", true, &d, &f->len))
            return false;
        f->data = d;
        f->what = "the bytes";
        if (!has_addr)
            return scn_arg_error(a, 0, "'address' is required with bytes");
    } else {
        if (!scn_arg_u64(a, "version", true, 0, 65535, &f->version))
            return false;
        f->has_version = true;
        if (!has_addr)
            return scn_arg_error(a, 0, "'address' is required with version");
        f->len = 0;
    }
    if (!in_flash(f->addr, f->len ? f->len : 1))
        return scn_arg_error(a, scn_arg_line(a, "address"),
                             "0x%08x..+%zu is not inside the flash (0x%08x-0x%08x)", f->addr,
                             f->len, STM32F205_FLASH_BASE, STM32F205_FLASH_BASE + STM32F205_FLASH_SIZE - 1);
    return true;
}

static bool parse_expect_flash(scn_args *a, scn_step *st)
{
    flash_args *f = scn_alloc(a, sizeof(*f));
    st->data = f;
    return parse_flash_data(a, f, true);
}

static void module_desc(const module_info *mi, char *out, size_t n)
{
    char d1[48], d2[48];
    module_dep_str(&mi->dep1, d1, sizeof(d1));
    module_dep_str(&mi->dep2, d2, sizeof(d2));
    snprintf(out, n, "%s.%u version %u, platform %u, 0x%08x-0x%08x, CRC %s, depends on %s%s%s",
             module_func_name(mi->func), mi->index, mi->version, mi->platform, mi->start,
             mi->end, mi->crc_ok ? "ok" : "MISMATCH", d1[0] ? d1 : "nothing", d2[0] ? ", " : "",
             d2);
}

/* What sits at an address that is not a module (for reports). */
static void no_module_desc(machine *m, uint32_t addr, char *out, size_t n)
{
    size_t off = addr - STM32F205_FLASH_BASE;
    const uint8_t *p = stm32f205_flash(m) + off;
    uint32_t ho, start, end;
    if (module_peek(p, STM32F205_FLASH_SIZE - off, &ho, &start, &end)) {
        snprintf(out, n, "no module header at 0x%08x", addr);
        return;
    }
    if (ho == 0 && start == 0xFFFFFFFFu) /* the first word is the start: erased */
        snprintf(out, n, "no module at 0x%08x: the flash there is erased", addr);
    else
        snprintf(out, n, "no valid module at 0x%08x: the header at +0x%x gives start 0x%08x, "
                 "end 0x%08x", addr, ho, start, end);
}

static scn_status run_expect_flash(scn *s, scn_step *st)
{
    flash_args *f = st->data;
    machine *m = scn_machine(s);
    if (f->has_version) {
        module_info mi;
        char d[256];
        if (module_parse_flash(stm32f205_flash(m), STM32F205_FLASH_SIZE, STM32F205_FLASH_BASE, f->addr, &mi)) {
            no_module_desc(m, f->addr, d, sizeof(d));
            scn_expected(s, "a module of version %" PRIu64 " at 0x%08x", f->version, f->addr);
            scn_seen(s, "%s", d);
            return SCN_FAIL;
        }
        if (mi.version != f->version) {
            module_desc(&mi, d, sizeof(d));
            scn_expected(s, "a module of version %" PRIu64 " at 0x%08x", f->version, f->addr);
            scn_seen(s, "version %u (%s)", mi.version, d);
            return SCN_FAIL;
        }
        return SCN_PASS;
    }
    const uint8_t *have = stm32f205_flash(m) + (f->addr - STM32F205_FLASH_BASE);
    size_t ndiff = 0, first = 0;
    for (size_t i = 0; i < f->len; i++)
        if (have[i] != f->data[i]) {
            if (!ndiff)
                first = i;
            ndiff++;
        }
    if (!ndiff)
        return SCN_PASS;
    scn_expected(s, "0x%08x..0x%08zx to hold %s (%zu bytes)", f->addr,
                 (size_t)f->addr + f->len - 1, f->what, f->len);
    scn_seen(s, "%zu byte%s differ%s; the first at 0x%08zx holds 0x%02x, not 0x%02x", ndiff,
             ndiff == 1 ? "" : "s", ndiff == 1 ? "s" : "", (size_t)f->addr + first,
             have[first], f->data[first]);
    return SCN_FAIL;
}

const scn_step_type scn_step_expect_flash = {
    .name = "expect-flash",
    .keys = "address file bytes version",
    .summary = "flash holds the bytes of a file or image (at `address`, default the "
               "module's start), or hex `bytes`, or a module of `version` at `address`",
    .parse = parse_expect_flash,
    .run = run_expect_flash,
};

static bool parse_write_flash(scn_args *a, scn_step *st)
{
    flash_args *f = scn_alloc(a, sizeof(*f));
    st->data = f;
    if (!parse_flash_data(a, f, false))
        return false;
    return scn_arg_bool(a, "erase", false, &f->erase);
}

static scn_status run_write_flash(scn *s, scn_step *st)
{
    flash_args *f = st->data;
    machine *m = scn_machine(s);
    uint32_t lo = f->addr, hi = f->addr + (uint32_t)f->len;
    if (f->erase)
        machine_erase_sectors(m, lo, hi); /* the range was checked when parsed */
    memcpy(stm32f205_flash(m) + (f->addr - STM32F205_FLASH_BASE), f->data, f->len);
    machine_code_changed(m, lo, hi);
    scn_event(s, "flash: wrote %zu bytes at 0x%08x%s", f->len, f->addr,
              f->erase ? " (sectors erased first)" : "");
    return SCN_PASS;
}

const scn_step_type scn_step_write_flash = {
    .name = "write-flash",
    .keys = "address file bytes erase",
    .summary = "write a file or image (at `address`, default the module's start) or hex "
               "`bytes` straight into flash; `erase: true` erases the sectors it covers first",
    .parse = parse_write_flash,
    .run = run_write_flash,
};

typedef struct corrupt_args {
    uint32_t addr;
    uint64_t len, xor;
    const char *at;    /* later: as this flash operation starts */
    fault_spec when;
} corrupt_args;

static bool parse_corrupt_flash(scn_args *a, scn_step *st)
{
    corrupt_args *c = scn_alloc(a, sizeof(*c));
    st->data = c;
    c->len = 1;
    c->xor = 0xFF;
    if (!scn_arg_address(a, "address", true, &c->addr) ||
        !scn_arg_u64(a, "length", false, 1, STM32F205_FLASH_SIZE, &c->len) ||
        !scn_arg_u64(a, "xor", false, 1, 255, &c->xor) || !scn_arg_str(a, "at", false, &c->at))
        return false;
    if (!in_flash(c->addr, c->len))
        return scn_arg_error(a, scn_arg_line(a, "address"),
                             "0x%08x..+%" PRIu64 " is not inside the flash", c->addr, c->len);
    char err[256];
    if (c->at && fault_parse(c->at, FLASH_FAULT_DISTURB, &c->when, err, sizeof(err)))
        return scn_arg_error(a, scn_arg_line(a, "at"), "%s", err);
    c->when.addr = c->addr;
    c->when.len = (uint32_t)c->len;
    c->when.xor = (uint8_t)c->xor;
    return true;
}

static scn_status run_corrupt_flash(scn *s, scn_step *st)
{
    corrupt_args *c = st->data;
    machine *m = scn_machine(s);
    if (c->at) { /* armed: the steps after it run into it */
        fault_arm(scn_session(s), &c->when);
        scn_event(s, "flash: %" PRIu64 " byte%s at 0x%08x will flip at the %s", c->len,
                  c->len == 1 ? "" : "s", c->addr, c->at);
        return SCN_PASS;
    }
    for (uint64_t i = 0; i < c->len; i++)
        stm32f205_flash(m)[c->addr - STM32F205_FLASH_BASE + i] ^= (uint8_t)c->xor;
    machine_code_changed(m, c->addr, c->addr + (uint32_t)c->len);
    scn_event(s, "flash: %" PRIu64 " byte%s at 0x%08x flipped (xor 0x%02" PRIx64 ")", c->len,
              c->len == 1 ? "" : "s", c->addr, c->xor);
    return SCN_PASS;
}

const scn_step_type scn_step_corrupt_flash = {
    .name = "corrupt-flash",
    .keys = "address length xor at",
    .summary = "flip bits in flash: `length` bytes (default 1) at `address` XORed with "
               "`xor` (default 0xFF), e.g. address: system-part1+0x184; now, or with `at` "
               "as the program:N, erase:N or op:N from now starts (a disturb)",
    .parse = parse_corrupt_flash,
    .run = run_corrupt_flash,
};

/* ---- expect-module ----------------------------------------------------------------- */

typedef enum { CMP_EQ, CMP_NE, CMP_GE, CMP_GT, CMP_LE, CMP_LT } cmp_op;

typedef struct cmp_val {
    bool set;
    cmp_op op;
    uint64_t v;
} cmp_val;

static const char *const cmp_names[] = {"", "!= ", ">= ", "> ", "<= ", "< "};

static bool cmp_ok(const cmp_val *c, uint64_t x)
{
    switch (c->op) {
    case CMP_EQ: return x == c->v;
    case CMP_NE: return x != c->v;
    case CMP_GE: return x >= c->v;
    case CMP_GT: return x > c->v;
    case CMP_LE: return x <= c->v;
    case CMP_LT: return x < c->v;
    }
    return false;
}

/* "2202", ">= 2202", "<1000" */
static bool parse_cmp(const char *s, cmp_val *c)
{
    while (*s == ' ')
        s++;
    static const struct { const char *t; cmp_op op; } ops[] = {
        {">=", CMP_GE}, {"<=", CMP_LE}, {"!=", CMP_NE}, {"==", CMP_EQ},
        {">", CMP_GT},  {"<", CMP_LT},  {"=", CMP_EQ},
    };
    c->op = CMP_EQ;
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
        if (!strncmp(s, ops[i].t, strlen(ops[i].t))) {
            c->op = ops[i].op;
            s += strlen(ops[i].t);
            break;
        }
    while (*s == ' ')
        s++;
    char *end;
    if (!*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 0);
    while (*end == ' ')
        end++;
    if (*end)
        return false;
    c->v = v;
    c->set = true;
    return true;
}

static bool arg_cmp(scn_args *a, const char *key, cmp_val *c)
{
    const char *str;
    if (!scn_arg_has(a, key))
        return true;
    if (!scn_arg_str(a, key, true, &str))
        return false;
    if (!parse_cmp(str, c))
        return scn_arg_error(a, scn_arg_line(a, key),
                             "%s: expected a number or a comparison such as \">= 2202\", got "
                             "'%s'", key, str);
    return true;
}

static const struct { const char *name; int func; } func_names[] = {
    {"none", 0},     {"resource", 1}, {"bootloader", 2}, {"monolithic", 3}, {"mono", 3},
    {"system", 4},   {"system-part", 4}, {"user", 5},    {"user-part", 5},
};

static int func_by_name(const char *s, size_t n)
{
    for (size_t i = 0; i < ARRAY_SIZE(func_names); i++)
        if (strlen(func_names[i].name) == n && !strncasecmp(s, func_names[i].name, n))
            return func_names[i].func;
    return -1;
}

typedef struct module_args {
    uint32_t addr;
    bool present;
    int func; /* -1: any */
    cmp_val index, version, platform, start, end;
    int crc; /* -1 any, 0 bad, 1 ok */
    bool has_deps;
    module_dep deps[2];
    size_t ndeps;
} module_args;

/* "system.2 >= 207", "bootloader >= 1003", "system.1" (any version) */
static bool parse_dep(const char *s, module_dep *d)
{
    while (*s == ' ')
        s++;
    size_t n = strcspn(s, ". >=");
    int f = func_by_name(s, n);
    if (f < 0)
        return false;
    d->func = (uint8_t)f;
    d->index = 0;
    d->version = 0;
    s += n;
    if (*s == '.') {
        char *end;
        unsigned long i = strtoul(s + 1, &end, 10);
        if (end == s + 1 || i > 255)
            return false;
        d->index = (uint8_t)i;
        s = end;
    }
    while (*s == ' ')
        s++;
    if (!*s)
        return true;
    if (strncmp(s, ">=", 2))
        return false;
    s += 2;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    while (*end == ' ')
        end++;
    if (end == s || *end || v > 65535)
        return false;
    d->version = (uint16_t)v;
    return true;
}

static bool parse_expect_module(scn_args *a, scn_step *st)
{
    module_args *m = scn_alloc(a, sizeof(*m));
    st->data = m;
    m->present = true;
    m->func = -1;
    m->crc = -1;
    bool ok = scn_arg_address(a, "address", true, &m->addr);
    ok &= scn_arg_bool(a, "present", false, &m->present);
    if (ok && !in_flash(m->addr, 1))
        ok = scn_arg_error(a, scn_arg_line(a, "address"), "0x%08x is not in the flash",
                           m->addr);
    const char *fn;
    if (scn_arg_has(a, "function") && scn_arg_str(a, "function", true, &fn)) {
        uint64_t num;
        char *end;
        num = strtoul(fn, &end, 0);
        m->func = func_by_name(fn, strlen(fn));
        if (m->func < 0 && !*end && end != fn && num < 256)
            m->func = (int)num;
        if (m->func < 0)
            ok = scn_arg_error(a, scn_arg_line(a, "function"),
                               "function: '%s' is not one of bootloader, system, user, "
                               "monolithic, resource, none (or a number)", fn);
    } else if (scn_arg_has(a, "function")) {
        ok = false;
    }
    ok &= arg_cmp(a, "index", &m->index);
    ok &= arg_cmp(a, "version", &m->version);
    ok &= arg_cmp(a, "start", &m->start);
    ok &= arg_cmp(a, "end", &m->end);
    const char *pl;
    if (scn_arg_has(a, "platform") && scn_arg_str(a, "platform", true, &pl)) {
        static const struct { const char *n; unsigned id; } plats[] = {
            {"photon", 6}, {"p1", 8}, {"electron", 10}, {"core", 0}};
        bool found = false;
        for (size_t i = 0; i < ARRAY_SIZE(plats); i++)
            if (!strcasecmp(pl, plats[i].n)) {
                m->platform = (cmp_val){true, CMP_EQ, plats[i].id};
                found = true;
            }
        if (!found && !parse_cmp(pl, &m->platform))
            ok = scn_arg_error(a, scn_arg_line(a, "platform"),
                               "platform: expected a number or photon, p1, electron, got '%s'",
                               pl);
    }
    static const char *const crc_names[] = {"bad", "ok", NULL};
    ok &= scn_arg_enum(a, "crc", false, crc_names, &m->crc);
    const scn_val *deps = scn_arg_val(a, "dependencies");
    if (deps) {
        m->has_deps = true;
        if (deps->kind == SV_SCALAR && !strcmp(deps->str, "none")) {
            m->ndeps = 0;
        } else if (deps->kind != SV_SEQ) {
            ok = scn_arg_error(a, deps->line,
                               "dependencies: expected a list such as [\"system.2 >= 207\"] "
                               "(or [] / none), got %s",
                               deps->kind == SV_MAP ? "a mapping" : "a single value");
        } else if (deps->n > 2) {
            ok = scn_arg_error(a, deps->line, "dependencies: a module has at most two");
        } else {
            for (size_t i = 0; i < deps->n; i++) {
                const scn_val *d = &deps->items[i];
                if (d->kind != SV_SCALAR || !parse_dep(d->str, &m->deps[i]))
                    ok = scn_arg_error(a, d->line,
                                       "dependencies: expected \"FUNCTION[.INDEX] >= VERSION\" "
                                       "such as \"system.2 >= 207\" or \"bootloader >= 1003\"");
            }
            m->ndeps = deps->n;
        }
    }
    if (!m->present && (m->func >= 0 || m->index.set || m->version.set || m->platform.set ||
                        m->crc >= 0 || m->has_deps || m->start.set || m->end.set))
        ok = scn_arg_error(a, 0, "present: false takes no other checks");
    return ok;
}

static bool dep_eq(const module_dep *a, const module_dep *b)
{
    return a->func == b->func && a->index == b->index && a->version == b->version;
}

static scn_status run_expect_module(scn *s, scn_step *st)
{
    module_args *w = st->data;
    machine *m = scn_machine(s);
    module_info mi;
    char d[320];
    bool present = !module_parse_flash(stm32f205_flash(m), STM32F205_FLASH_SIZE, STM32F205_FLASH_BASE, w->addr, &mi);
    if (!present) {
        if (!w->present)
            return SCN_PASS;
        no_module_desc(m, w->addr, d, sizeof(d));
        scn_expected(s, "a module at 0x%08x", w->addr);
        scn_seen(s, "%s", d);
        return SCN_FAIL;
    }
    module_desc(&mi, d, sizeof(d));
    if (!w->present) {
        scn_expected(s, "no valid module at 0x%08x", w->addr);
        scn_seen(s, "%s", d);
        return SCN_FAIL;
    }
    char want[512] = "", got[512] = "";
    if (w->func >= 0 && mi.func != w->func) {
        appendf(want, sizeof(want), "function %s", module_func_name((uint8_t)w->func));
        appendf(got, sizeof(got), "function %s", module_func_name(mi.func));
    }
    const struct { const char *n; const cmp_val *c; uint64_t v; bool hex; } nums[] = {
        {"index", &w->index, mi.index, false},    {"version", &w->version, mi.version, false},
        {"platform", &w->platform, mi.platform, false}, {"start", &w->start, mi.start, true},
        {"end", &w->end, mi.end, true},
    };
    for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
        if (!nums[i].c->set || cmp_ok(nums[i].c, nums[i].v))
            continue;
        if (nums[i].hex) {
            appendf(want, sizeof(want), "%s %s0x%08" PRIx64, nums[i].n,
                    cmp_names[nums[i].c->op], nums[i].c->v);
            appendf(got, sizeof(got), "%s 0x%08" PRIx64, nums[i].n, nums[i].v);
        } else {
            appendf(want, sizeof(want), "%s %s%" PRIu64, nums[i].n, cmp_names[nums[i].c->op],
                    nums[i].c->v);
            appendf(got, sizeof(got), "%s %" PRIu64, nums[i].n, nums[i].v);
        }
    }
    if (w->crc >= 0 && mi.crc_ok != (w->crc == 1)) {
        appendf(want, sizeof(want), "CRC %s", w->crc ? "ok" : "bad");
        appendf(got, sizeof(got), "CRC %s (stored %08x, computed %08x)",
                mi.crc_ok ? "ok" : "MISMATCH", mi.crc_stored, mi.crc_computed);
    }
    if (w->has_deps) {
        module_dep have[2];
        size_t nh = 0;
        if (mi.dep1.func != MODULE_FUNC_NONE)
            have[nh++] = mi.dep1;
        if (mi.dep2.func != MODULE_FUNC_NONE)
            have[nh++] = mi.dep2;
        bool same = nh == w->ndeps;
        for (size_t i = 0; i < w->ndeps && same; i++) {
            bool f = false;
            for (size_t j = 0; j < nh; j++)
                f |= dep_eq(&w->deps[i], &have[j]);
            same = f;
        }
        if (!same) {
            char b[2][48];
            appendf(want, sizeof(want), "dependencies [%s%s%s]",
                    w->ndeps > 0 ? module_dep_str(&w->deps[0], b[0], sizeof(b[0])) : "",
                    w->ndeps > 1 ? ", " : "",
                    w->ndeps > 1 ? module_dep_str(&w->deps[1], b[1], sizeof(b[1])) : "");
            appendf(got, sizeof(got), "dependencies [%s%s%s]",
                    nh > 0 ? module_dep_str(&have[0], b[0], sizeof(b[0])) : "",
                    nh > 1 ? ", " : "", nh > 1 ? module_dep_str(&have[1], b[1], sizeof(b[1])) : "");
        }
    }
    if (!want[0])
        return SCN_PASS;
    scn_expected(s, "%s (module at 0x%08x)", want, w->addr);
    scn_seen(s, "%s", got);
    scn_note(s, "module: %s", d);
    return SCN_FAIL;
}

const scn_step_type scn_step_expect_module = {
    .name = "expect-module",
    .keys = "address present function index version platform crc dependencies start end",
    .summary = "check the module header at `address` like `inspect`: function, index, "
               "version (\">= 2202\" works), platform, crc ok|bad, dependencies "
               "[\"system.2 >= 207\"], start, end; present: false = no valid module",
    .parse = parse_expect_module,
    .run = run_expect_module,
};

