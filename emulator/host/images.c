#include "images.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PHOTON_SIM_IMAGES_DIR
#define PHOTON_SIM_IMAGES_DIR "images/cache"
#endif

const char *images_dir(void)
{
    const char *e = getenv("PHOTON_SIM_IMAGES");
    return e && *e ? e : PHOTON_SIM_IMAGES_DIR;
}

const char *images_known(void)
{
    static char buf[1024];
    char path[4096];
    snprintf(path, sizeof(path), "%s/../manifest", PHOTON_SIM_IMAGES_DIR);
    FILE *f = fopen(path, "r");
    buf[0] = 0;
    if (!f)
        return buf;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        char name[128];
        if (sscanf(line, "image %127s", name) == 1 &&
            strlen(buf) + strlen(name) + 2 < sizeof(buf)) {
            if (buf[0])
                strcat(buf, " ");
            strcat(buf, name);
        }
    }
    fclose(f);
    return buf;
}

int images_resolve(const char *name, char *path, size_t n, char *err, size_t errlen)
{
    struct stat st;
    if (strchr(name, '/') || (stat(name, &st) == 0 && S_ISREG(st.st_mode))) {
        if (stat(name, &st) != 0) {
            snprintf(err, errlen, "%s: %s", name, strerror(errno));
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            snprintf(err, errlen, "%s is not a file", name);
            return -1;
        }
        snprintf(path, n, "%s", name);
        return 0;
    }
    snprintf(path, n, "%s/%s.bin", images_dir(), name);
    if (stat(path, &st) == 0)
        return 0;
    const char *known = images_known();
    if (known[0] && strstr(known, name))
        snprintf(err, errlen,
                 "image %s is not in %s yet: run `make images` (or images/fetch)",
                 name, images_dir());
    else
        snprintf(err, errlen, "%s: no such file, and not a known image name (known: %s)",
                 name, known[0] ? known : "none: the manifest was not found");
    return -1;
}

uint8_t *read_file(const char *path, size_t *len, size_t max, char *err, size_t errlen)
{
    /* O_NONBLOCK: a FIFO or device is refused instead of waiting on it */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    uint8_t *buf = malloc(max + 1);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t n = fread(buf, 1, max + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: read error", path);
        free(buf);
        return NULL;
    }
    if (n > max) {
        snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
