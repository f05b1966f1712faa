/* photon-sim inspect IMAGE... : module headers and checks, like
 * `particle binary inspect`; with --state, the modules in a device's flash. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "images.h"
#include "module.h"
#include "session.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: photon-sim inspect [--json] IMAGE...\n"
            "       photon-sim inspect [--json] --state FILE\n"
            "\n"
            "Print the module header of each image (function, index, version,\n"
            "platform, addresses, dependencies) and whether its CRC-32 and SHA-256\n"
            "are correct. IMAGE is a file or a short name from images/manifest\n"
            "(e.g. bootloader@2.2.0). With --state, list the modules found in a\n"
            "device's flash (bootloader, system parts, user app, factory app).\n"
            "\n"
            "  --json         machine-readable output\n"
            "  --state FILE   inspect the flash of a device state file\n"
            "  -h, --help     this text\n"
            "Exit status: 0 all valid, 1 some module failed a check, 2 bad input.\n");
}

static void hex(const uint8_t *b, int n, char *out)
{
    for (int i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static bool valid(const module_info *mi)
{
    return mi->crc_ok && (!mi->sha_present || mi->sha_ok) && mi->platform == 6;
}

static void print_text(const char *name, const module_info *mi)
{
    char d1[64], d2[64], sha[65];
    printf("%s\n", name);
    printf("  module       %s.%u version %u (flags 0x%02x)\n", module_func_name(mi->func),
           mi->index, mi->version, mi->flags);
    printf("  platform     %u (%s)\n", mi->platform, platform_name(mi->platform));
    printf("  address      0x%08x-0x%08x, header at +0x%x\n", mi->start, mi->end,
           mi->header_offset);
    if (mi->header_offset)
        printf("  vectors      sp 0x%08x, reset 0x%08x\n", mi->vector_sp, mi->vector_reset);
    module_dep_str(&mi->dep1, d1, sizeof(d1));
    module_dep_str(&mi->dep2, d2, sizeof(d2));
    printf("  depends on   %s%s%s\n", d1[0] ? d1 : "nothing", d2[0] ? ", " : "", d2);
    printf("  CRC-32       %s (stored %08x, computed %08x)\n", mi->crc_ok ? "ok" : "MISMATCH",
           mi->crc_stored, mi->crc_computed);
    if (mi->sha_present) {
        hex(mi->sha_computed, 32, sha);
        printf("  SHA-256      %s (%s)\n", mi->sha_ok ? "ok" : "MISMATCH", sha);
    } else {
        printf("  SHA-256      none in the suffix\n");
    }
    if (!mi->length_ok)
        printf("  length       the file is longer than the module\n");
}

static void print_json(const char *name, const module_info *mi, bool first)
{
    char sha[65];
    hex(mi->sha_computed, 32, sha);
    printf("%s  {\"file\": \"%s\", \"function\": \"%s\", \"index\": %u, \"version\": %u, "
           "\"platform\": %u, \"platform_name\": \"%s\", \"start\": \"0x%08x\", "
           "\"end\": \"0x%08x\", \"header_offset\": %u, \"flags\": %u, "
           "\"dependencies\": [",
           first ? "" : ",\n", name, module_func_name(mi->func), mi->index, mi->version,
           mi->platform, platform_name(mi->platform), mi->start, mi->end, mi->header_offset,
           mi->flags);
    const module_dep *deps[2] = {&mi->dep1, &mi->dep2};
    bool any = false;
    for (int i = 0; i < 2; i++) {
        if (deps[i]->func == MODULE_FUNC_NONE)
            continue;
        printf("%s{\"function\": \"%s\", \"index\": %u, \"version\": %u}", any ? ", " : "",
               module_func_name(deps[i]->func), deps[i]->index, deps[i]->version);
        any = true;
    }
    printf("], \"crc_ok\": %s, \"crc\": \"%08x\", \"sha256_ok\": %s, \"sha256\": \"%s\"}",
           mi->crc_ok ? "true" : "false", mi->crc_computed,
           mi->sha_present ? (mi->sha_ok ? "true" : "false") : "null",
           mi->sha_present ? sha : "");
}

/* Where modules can be found in a Photon's flash. */
static int inspect_state(const char *path, bool json)
{
    char err[512];
    session s;
    session_opts o = {.state_path = path, .no_save = true};
    if (session_open(&s, &o, err, sizeof(err))) {
        fprintf(stderr, "photon-sim inspect: %s\n", err);
        return EXIT_USAGE;
    }
    if (!s.existed) {
        fprintf(stderr, "photon-sim inspect: %s does not exist\n", path);
        session_close(&s);
        return EXIT_USAGE;
    }
    char id[25];
    if (json)
        printf("{\"device_id\": \"%s\", \"modules\": [\n", photon_device_id(s.p, id));
    else
        printf("device %s (%s)\n\n", photon_device_id(s.p, id), path);
    int found = 0, bad = 0;
    for (int i = 0; i < photon_nlayout; i++) {
        const photon_area *a = &photon_layout[i];
        module_info mi;
        if (!(a->flags & AREA_MODULE) ||
            module_parse_flash(photon_flash(s.p), STM32F205_FLASH_SIZE, STM32F205_FLASH_BASE,
                               a->lo, &mi))
            continue;
        if (!valid(&mi))
            bad++;
        if (json) {
            print_json(a->name, &mi, found == 0);
        } else {
            print_text(a->name, &mi);
            if (mi.start != a->lo)
                printf("  stored at    0x%08x (a copy for 0x%08x)\n", a->lo, mi.start);
        }
        found++;
    }
    if (json)
        printf("\n]}\n");
    else if (!found)
        printf("no modules in flash\n");
    session_close(&s);
    return bad ? EXIT_NOT_SEEN : EXIT_OK;
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'},
        {"state", required_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    bool json = false;
    const char *state = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 's': state = optarg; break;
        case 'h': usage(stdout); return EXIT_OK;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (state) {
        if (optind < argc) {
            fprintf(stderr, "photon-sim inspect: give images or --state, not both\n");
            return EXIT_USAGE;
        }
        return inspect_state(state, json);
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    int rc = EXIT_OK;
    if (json)
        printf("[\n");
    for (int i = optind; i < argc; i++) {
        char path[4096], err[512];
        size_t len;
        if (images_resolve(argv[i], path, sizeof(path), err, sizeof(err))) {
            fprintf(stderr, "photon-sim inspect: %s\n", err);
            rc = EXIT_USAGE;
            continue;
        }
        uint8_t *buf = read_file(path, &len, 4u << 20, err, sizeof(err));
        if (!buf) {
            fprintf(stderr, "photon-sim inspect: %s\n", err);
            rc = EXIT_USAGE;
            continue;
        }
        module_info mi;
        if (module_parse(buf, len, &mi, err, sizeof(err))) {
            fprintf(stderr, "photon-sim inspect: %s: %s\n", argv[i], err);
            rc = EXIT_USAGE;
        } else {
            if (json)
                print_json(argv[i], &mi, i == optind);
            else
                print_text(argv[i], &mi);
            if (!valid(&mi) && rc == EXIT_OK)
                rc = EXIT_NOT_SEEN;
            if (!json && i + 1 < argc)
                printf("\n");
        }
        free(buf);
    }
    if (json)
        printf("\n]\n");
    return rc;
}
