#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

/* File: "PHOTON-SIM STATE" (16 bytes), u32 version, u32 sections,
 * then per section: name[16], u32 length, data; then u32 CRC-32 of all
 * that precedes it. Little-endian. */
static const char MAGIC[16] = "PHOTON-SIM STATE";
#define VERSION 1

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int state_make_dir(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = 0;
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    if (mkdir(buf, 0755) && errno != EEXIST)
        return -1;
    return 0;
}

int state_save(const char *path, const state_section *s, int n, char *err,
               size_t errlen)
{
    size_t total = 16 + 8 + 4;
    for (int i = 0; i < n; i++)
        total += 20 + s[i].len;
    uint8_t *buf = malloc(total);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint8_t *p = buf;
    memcpy(p, MAGIC, 16);
    put32(p + 16, VERSION);
    put32(p + 20, (uint32_t)n);
    p += 24;
    for (int i = 0; i < n; i++) {
        memset(p, 0, 16);
        memcpy(p, s[i].name, strnlen(s[i].name, 15));
        put32(p + 16, s[i].len);
        memcpy(p + 20, s[i].data, s[i].len);
        p += 20 + s[i].len;
    }
    put32(p, (uint32_t)crc32_z(0, buf, (size_t)(p - buf)));

    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        free(buf);
        return -1;
    }
    size_t done = 0;
    while (done < total) {
        ssize_t w = write(fd, buf + done, total - done);
        if (w <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            free(buf);
            return -1;
        }
        done += (size_t)w;
    }
    free(buf);
    if (fsync(fd) || close(fd)) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path)) {
        snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* make the rename itself durable */
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof(dir), ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int state_load(const char *path, const state_section *s, int n, char *err,
               size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (size < 28 || size > (64 << 20)) {
        fclose(f);
        snprintf(err, errlen, "%s is not a photon-sim state file (size %ld)", path, size);
        return -1;
    }
    uint8_t *buf = malloc((size_t)size);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fclose(f);
        free(buf);
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    fclose(f);
    int rc = -1;
    if (memcmp(buf, MAGIC, 16)) {
        snprintf(err, errlen, "%s is not a photon-sim state file (bad magic)", path);
        goto out;
    }
    if (get32(buf + 16) != VERSION) {
        snprintf(err, errlen, "%s has state format version %u; this photon-sim reads %u",
                 path, get32(buf + 16), VERSION);
        goto out;
    }
    if ((uint32_t)crc32_z(0, buf, (size_t)size - 4) != get32(buf + size - 4)) {
        snprintf(err, errlen, "%s is damaged (checksum mismatch)", path);
        goto out;
    }
    /* first pass: check every section, then copy */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t count = get32(buf + 20);
        const uint8_t *p = buf + 24, *end = buf + size - 4;
        bool found[STATE_MAX_SECTIONS] = {false};
        for (uint32_t i = 0; i < count; i++) {
            if (end - p < 20 || (uint64_t)(end - p - 20) < get32(p + 16)) {
                snprintf(err, errlen, "%s is damaged (section %u overruns the file)", path, i);
                goto out;
            }
            char name[17] = {0};
            memcpy(name, p, 16);
            uint32_t len = get32(p + 16);
            for (int k = 0; k < n && k < STATE_MAX_SECTIONS; k++) {
                if (strcmp(name, s[k].name))
                    continue;
                if (len != s[k].len) {
                    snprintf(err, errlen, "%s: section %s has %u bytes, expected %u",
                             path, name, len, s[k].len);
                    goto out;
                }
                found[k] = true;
                if (pass == 1)
                    memcpy(s[k].data, p + 20, len);
            }
            p += 20 + len;
        }
        for (int k = 0; k < n && k < STATE_MAX_SECTIONS; k++) {
            if (s[k].required && !found[k]) {
                snprintf(err, errlen, "%s lacks the %s section", path, s[k].name);
                goto out;
            }
        }
    }
    rc = 0;
out:
    free(buf);
    return rc;
}

const char *state_default_path(void)
{
    static char path[4096];
    const char *e = getenv("PHOTON_SIM_STATE");
    if (e && *e)
        return e;
    const char *x = getenv("XDG_STATE_HOME");
    if (x && *x) {
        snprintf(path, sizeof(path), "%s/photon-sim/photon.state", x);
        return path;
    }
    const char *h = getenv("HOME");
    snprintf(path, sizeof(path), "%s/.local/state/photon-sim/photon.state", h ? h : ".");
    return path;
}
