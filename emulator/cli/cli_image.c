/* photon-sim image set IN OUT ... : a copy of a module image with changes
 * to its header (platform, version, dependencies, ...) and its CRC-32 and
 * SHA-256 made right again (or wrong on purpose), for test cases such as
 * "an app built for a newer Device OS". `image inspect` is `inspect`.
 * The format itself is boards/module.c's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "images.h"
#include "module.h"

#define IMAGE_MAX (4u << 20)

static void usage(FILE *f)
{
    fprintf(f,
            "usage: photon-sim image set IN OUT [CHANGES]\n"
            "       photon-sim image inspect [--json] IMAGE...\n"
            "\n"
            "set: copy the module image IN (a file or a short name such as\n"
            "tinker@0.4.5) to OUT with its module header changed, the SHA-256 in its\n"
            "suffix and its CRC-32 recomputed. For test cases, e.g. an app that\n"
            "needs a newer system than a device has:\n"
            "  photon-sim image set tinker@0.4.5 newer.bin --depends system-part2>=3000\n"
            "inspect: the same as `photon-sim inspect`.\n"
            "\n"
            "changes (each at most once):\n");
    for (int i = 0; module_edit_keys[i]; i++)
        fprintf(f, "  --%-9s %s\n", module_edit_keys[i], module_edit_help[i]);
    fprintf(f,
            "  -h, --help  this text\n"
            "Exit status: 0 written, 2 bad input (nothing written).\n");
}

/* What changed, one line per header field. */
static void report(const char *out, const module_info *a, const module_info *b)
{
    char x[64], y[64];
    printf("%s: %s.%u version %u, platform %u (%s)\n", out, module_func_name(b->func),
           b->index, b->version, b->platform, platform_name(b->platform));
#define CHANGED(what, fmt, old, new)                                         \
    if ((old) != (new))                                                      \
        printf("  %-12s " fmt " -> " fmt "\n", what, old, new)
    CHANGED("function", "%s", module_func_name(a->func), module_func_name(b->func));
    CHANGED("index", "%u", a->index, b->index);
    CHANGED("version", "%u", a->version, b->version);
    CHANGED("platform", "%u", a->platform, b->platform);
    CHANGED("start", "0x%08x", a->start, b->start);
    CHANGED("flags", "0x%02x", a->flags, b->flags);
#undef CHANGED
    const module_dep *da[2] = {&a->dep1, &a->dep2}, *db[2] = {&b->dep1, &b->dep2};
    for (int i = 0; i < 2; i++)
        if (memcmp(da[i], db[i], sizeof(module_dep))) {
            module_dep_str(da[i], x, sizeof(x));
            module_dep_str(db[i], y, sizeof(y));
            printf("  %-12s %s -> %s\n", i ? "dependency 2" : "dependency 1", x[0] ? x : "none",
                   y[0] ? y : "none");
        }
    printf("  CRC-32       %08x, %s\n", b->crc_stored, b->crc_ok ? "ok" : "WRONG");
    if (b->sha_present)
        printf("  SHA-256      %s\n", b->sha_ok ? "ok" : "WRONG");
}

static int write_out(const char *path, const uint8_t *buf, size_t len, char *err, size_t n)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    bool ok = fwrite(buf, 1, len, f) == len;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path)) {
        snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int image_set(int argc, char **argv)
{
    struct option opts[16];
    int n = 0;
    for (; module_edit_keys[n]; n++)
        opts[n] = (struct option){module_edit_keys[n], required_argument, 0, 1000 + n};
    opts[n++] = (struct option){"help", no_argument, 0, 'h'};
    opts[n] = (struct option){0, 0, 0, 0};
    module_edit e = {0};
    char err[512];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return EXIT_OK;
        }
        if (c < 1000) {
            usage(stderr);
            return EXIT_USAGE;
        }
        if (module_edit_set(&e, module_edit_keys[c - 1000], optarg, err, sizeof(err))) {
            fprintf(stderr, "photon-sim image set: --%s\n", err);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "photon-sim image set: expected IN and OUT, got %d argument%s\n",
                argc - optind, argc - optind == 1 ? "" : "s");
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *in = argv[optind], *out = argv[optind + 1];
    char path[4096];
    size_t len;
    if (images_resolve(in, path, sizeof(path), err, sizeof(err))) {
        fprintf(stderr, "photon-sim image set: %s\n", err);
        return EXIT_USAGE;
    }
    uint8_t *buf = read_file(path, &len, IMAGE_MAX, err, sizeof(err));
    if (!buf) {
        fprintf(stderr, "photon-sim image set: %s\n", err);
        return EXIT_USAGE;
    }
    module_info before, after;
    int rc = EXIT_USAGE;
    if (module_parse(buf, len, &before, err, sizeof(err)) ||
        module_edit_apply(buf, len, &e, &after, err, sizeof(err)))
        fprintf(stderr, "photon-sim image set: %s: %s\n", in, err);
    else if (write_out(out, buf, len, err, sizeof(err)))
        fprintf(stderr, "photon-sim image set: %s\n", err);
    else {
        report(out, &before, &after);
        rc = EXIT_OK;
    }
    free(buf);
    return rc;
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "set"))
        return image_set(argc - 1, argv + 1);
    if (!strcmp(argv[1], "inspect"))
        return cmd_inspect(argc - 1, argv + 1);
    fprintf(stderr, "photon-sim image: unknown command '%s' (set, inspect)\n\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
