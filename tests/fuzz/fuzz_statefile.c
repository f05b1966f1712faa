/* libFuzzer target for the state-file loader (emulator/host/statefile.c):
 * any bytes as a state file (versions 1 and 2, damaged, truncated). A
 * file it accepts has sections that lie inside it, with names it can
 * find again; ASan/UBSan catch memory errors. The bytes go to a memfd. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "statefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("state", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    statefile f;
    char err[512];
    int rc = statefile_load(path, &f, err, sizeof(err));
    if (rc == 0) {
        for (int i = 0; i < f.n; i++) {
            const uint8_t *p = f.s[i].data;
            if (p < f.buf || p + f.s[i].len > f.buf + size)
                abort();
            if (!statefile_find(&f, f.s[i].name))
                abort();
        }
        statefile_free(&f);
    } else if (rc < 0 && !err[0]) {
        abort(); /* a refusal says why */
    }
    return 0;
}
