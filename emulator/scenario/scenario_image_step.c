/* The image-set scenario step: `photon-sim image set` inside a scenario.
 * It makes a copy of a module image with its header changed (and its
 * CRC-32 and SHA-256 made right, or the CRC wrong on purpose) under a
 * name that later steps (ymodem-send, dfu, write-flash, ...) take like any
 * image: test images are made when the scenario runs, never committed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "images.h"
#include "module.h"
#include "scenario.h"

#define IMAGE_MAX (4u << 20)

typedef struct image_set_args {
    const char *from, *from_name, *as, *path;
    module_edit edit;
} image_set_args;

static bool parse_image_set(scn_args *a, scn_step *st)
{
    image_set_args *x = scn_alloc(a, sizeof(*x));
    st->data = x;
    bool ok = scn_arg_image(a, "image", true, &x->from);
    ok &= scn_arg_str(a, "image", true, &x->from_name);
    for (int i = 0; module_edit_keys[i]; i++) {
        const char *v = NULL;
        char err[256];
        if (!scn_arg_str(a, module_edit_keys[i], false, &v)) {
            ok = false;
        } else if (v && module_edit_set(&x->edit, module_edit_keys[i], v, err, sizeof(err))) {
            ok = scn_arg_error(a, scn_arg_line(a, module_edit_keys[i]), "%s", err);
        }
    }
    if (ok) {
        char err[512];
        size_t len;
        uint8_t *buf = read_file(x->from, &len, IMAGE_MAX, err, sizeof(err));
        module_info mi;
        if (!buf)
            ok = scn_arg_error(a, scn_arg_line(a, "image"), "image: %s", err);
        else if (module_parse(buf, len, &mi, err, sizeof(err)))
            ok = scn_arg_error(a, scn_arg_line(a, "image"), "image: %s: %s", x->from_name, err);
        free(buf);
    }
    /* last, so that a later step finds the name only if this one is good */
    return ok && scn_arg_str(a, "as", true, &x->as) && scn_arg_new_image(a, "as", &x->path);
}

static scn_status run_image_set(scn *s, scn_step *st)
{
    image_set_args *x = st->data;
    char err[512];
    size_t len;
    uint8_t *buf = read_file(x->from, &len, IMAGE_MAX, err, sizeof(err));
    module_info mi;
    scn_status rc = SCN_ERROR;
    if (!buf) {
        scn_note(s, "image-set: %s", err);
    } else if (module_edit_apply(buf, len, &x->edit, &mi, err, sizeof(err))) {
        scn_note(s, "image-set: %s: %s", x->from_name, err);
    } else {
        FILE *f = fopen(x->path, "wb");
        bool ok = f && fwrite(buf, 1, len, f) == len;
        if (f && fclose(f))
            ok = false;
        if (!ok) {
            scn_note(s, "image-set: cannot write %s: %s", x->path, strerror(errno));
        } else {
            char d1[48], d2[48];
            module_dep_str(&mi.dep1, d1, sizeof(d1));
            module_dep_str(&mi.dep2, d2, sizeof(d2));
            scn_event(s, "image-set: %s from %s: %s.%u version %u, platform %u, depends on "
                      "%s%s%s, CRC %s", x->as, x->from_name,
                      module_func_name(mi.func), mi.index, mi.version, mi.platform,
                      d1[0] ? d1 : "nothing", d2[0] ? ", " : "", d2,
                      mi.crc_ok ? "ok" : "wrong");
            rc = SCN_PASS;
        }
    }
    free(buf);
    return rc;
}

const scn_step_type scn_step_image_set = {
    .name = "image-set",
    .keys = "image as platform version function index start flags depends depends2 crc",
    .summary = "make a test image as `photon-sim image set` does: `image` (a short name or a "
               "file) with its header changed (platform, version, function, index, start, "
               "flags, depends and depends2: \"system-part2>=3000\" or none) and its CRC "
               "recomputed (crc: fix, keep or bad), saved as `as` (a file name later steps "
               "take as an image; it lives as long as the scenario)",
    .parse = parse_image_set,
    .run = run_image_set,
};
