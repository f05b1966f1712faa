/* libFuzzer target for the module-header parser (boards/module.c): any
 * bytes as an image file, and the same bytes as flash with the module
 * looked for at an offset the input chooses. Checks that what it reports
 * lies inside the input; ASan/UBSan catch memory errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    module_info mi;
    char err[256];
    if (module_parse(data, size, &mi, err, sizeof(err)) == 0) {
        char dep[64];
        module_dep_str(&mi.dep1, dep, sizeof(dep));
        module_dep_str(&mi.dep2, dep, sizeof(dep));
        (void)module_func_name(mi.func);
        (void)platform_name(mi.platform);
        if (mi.header_offset >= size)
            abort();
    } else if (!memchr(err, 0, sizeof(err)) || !err[0]) {
        abort(); /* a refusal says why */
    }
    if (size >= 4) {
        /* as flash at 0x08000000, the module at the offset in its first bytes */
        uint32_t off = (uint32_t)(data[0] | data[1] << 8) % (uint32_t)size;
        module_parse_flash(data, (uint32_t)size, 0x08000000u, 0x08000000u + off, &mi);
    }
    return 0;
}
