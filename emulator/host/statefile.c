#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

static const char MAGIC[16] = "PHOTON-SIM STATE";
#define HEADER_SIZE 48
#define MAX_FILE (64u << 20)

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint32_t crc(const uint8_t *p, size_t n)
{
    return (uint32_t)crc32_z(0, p, n);
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

/* Write `len` bytes to a new file beside `path` and rename it over. */
static int write_atomically(const char *path, const uint8_t *buf, size_t len, char *err,
                            size_t errlen)
{
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    /* the file replaced keeps its permissions and, where allowed, owner */
    struct stat old;
    if (stat(path, &old) == 0) {
        if (fchown(fd, old.st_uid, old.st_gid)) {
            /* not ours to give away: the mode still follows */
        }
        fchmod(fd, old.st_mode & 07777);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w <= 0) {
            snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        done += (size_t)w;
    }
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

int statefile_save(const char *path, const statefile_section *s, int n, char *err,
                   size_t errlen)
{
    uint64_t payload = 0;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(s[i].name);
        if (!nl || nl > STATEFILE_NAME_MAX) {
            snprintf(err, errlen, "%s: bad section name '%s'", path, s[i].name);
            return -1;
        }
        payload += 2 + nl + 4 + s[i].len;
    }
    if (payload + HEADER_SIZE > MAX_FILE) {
        snprintf(err, errlen, "%s: state too large", path);
        return -1;
    }
    uint8_t *buf = malloc(HEADER_SIZE + payload);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint8_t *p = buf + HEADER_SIZE;
    for (int i = 0; i < n; i++) {
        size_t nl = strlen(s[i].name);
        put16(p, (uint32_t)nl);
        memcpy(p + 2, s[i].name, nl);
        put32(p + 2 + nl, s[i].len);
        memcpy(p + 6 + nl, s[i].data, s[i].len);
        p += 6 + nl + s[i].len;
    }
    memcpy(buf, MAGIC, 16);
    put32(buf + 16, STATEFILE_VERSION);
    put32(buf + 20, HEADER_SIZE);
    put32(buf + 24, (uint32_t)payload);
    put32(buf + 28, (uint32_t)(payload >> 32));
    put32(buf + 32, crc(buf + HEADER_SIZE, (size_t)payload));
    put32(buf + 36, (uint32_t)n);
    put32(buf + 40, 0);
    put32(buf + 44, crc(buf, 44));
    int rc = write_atomically(path, buf, HEADER_SIZE + (size_t)payload, err, errlen);
    free(buf);
    return rc;
}

/* The section table for `count` sections with names of up to `name_max`
 * characters (copied, NUL-terminated, into f->names). */
static int alloc_sections(const char *path, statefile *f, uint32_t count, uint64_t most,
                          size_t name_max, char *err, size_t errlen)
{
    if (count > most) {
        snprintf(err, errlen, "%s is damaged (%u sections)", path, count);
        return -1;
    }
    f->s = calloc(count ? count : 1, sizeof(*f->s));
    f->names = malloc(count * (name_max + 1) + 1);
    if (!f->s || !f->names) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Sections of version 2; names are copied (NUL-terminated) into f->names. */
static int parse_v2(const char *path, statefile *f, size_t size, char *err, size_t errlen)
{
    const uint8_t *b = f->buf;
    if (size < HEADER_SIZE || get32(b + 20) != HEADER_SIZE || crc(b, 44) != get32(b + 44)) {
        snprintf(err, errlen, "%s is damaged (bad header)", path);
        return -1;
    }
    uint64_t payload = get32(b + 24) | (uint64_t)get32(b + 28) << 32;
    if (payload != size - HEADER_SIZE) {
        snprintf(err, errlen, "%s is damaged (%zu bytes, the header says %llu)", path, size,
                 (unsigned long long)(payload + HEADER_SIZE));
        return -1;
    }
    if (crc(b + HEADER_SIZE, (size_t)payload) != get32(b + 32)) {
        snprintf(err, errlen, "%s is damaged (checksum mismatch)", path);
        return -1;
    }
    uint32_t count = get32(b + 36);
    if (alloc_sections(path, f, count, payload / 6, STATEFILE_NAME_MAX, err, errlen))
        return -1;
    const uint8_t *p = b + HEADER_SIZE, *end = b + size;
    char *nm = f->names;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t nl = end - p >= 2 ? get16(p) : 0;
        if (!nl || nl > STATEFILE_NAME_MAX || (size_t)(end - p) < 6 + nl ||
            (uint64_t)(end - p) - 6 - nl < get32(p + 2 + nl)) {
            snprintf(err, errlen, "%s is damaged (section %u overruns the file)", path, i);
            return -1;
        }
        memcpy(nm, p + 2, nl);
        nm[nl] = 0;
        f->s[i] = (statefile_section){nm, p + 6 + nl, get32(p + 2 + nl)};
        nm += nl + 1;
        p += 6 + nl + f->s[i].len;
        f->n++;
    }
    if (p != end) {
        snprintf(err, errlen, "%s is damaged (bytes after the last section)", path);
        return -1;
    }
    return 0;
}

static int parse_v1(const char *path, statefile *f, size_t size, char *err, size_t errlen)
{
    const uint8_t *b = f->buf;
    if (size < 28 || crc(b, size - 4) != get32(b + size - 4)) {
        snprintf(err, errlen, "%s is damaged (checksum mismatch)", path);
        return -1;
    }
    uint32_t count = get32(b + 20);
    if (alloc_sections(path, f, count, size / 20, 16, err, errlen))
        return -1;
    const uint8_t *p = b + 24, *end = b + size - 4;
    char *nm = f->names;
    for (uint32_t i = 0; i < count; i++) {
        if (end - p < 20 || (uint64_t)(end - p - 20) < get32(p + 16)) {
            snprintf(err, errlen, "%s is damaged (section %u overruns the file)", path, i);
            return -1;
        }
        memcpy(nm, p, 16);
        nm[16] = 0;
        f->s[i] = (statefile_section){nm, p + 20, get32(p + 16)};
        nm += 17;
        p += 20 + f->s[i].len;
        f->n++;
    }
    return 0;
}

int statefile_load(const char *path, statefile *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    /* O_NONBLOCK: a FIFO is refused below instead of waiting for a writer */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "%s is not a regular file", path);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        close(fd);
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    if (size < 24 || size > (long)MAX_FILE) {
        fclose(fp);
        snprintf(err, errlen, "%s is not a photon-sim state file (size %ld)", path, size);
        return -1;
    }
    f->buf = malloc((size_t)size);
    if (!f->buf || fread(f->buf, 1, (size_t)size, fp) != (size_t)size) {
        fclose(fp);
        statefile_free(f);
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    fclose(fp);
    int rc;
    if (memcmp(f->buf, MAGIC, 16)) {
        snprintf(err, errlen, "%s is not a photon-sim state file (bad magic)", path);
        rc = -1;
    } else {
        f->version = get32(f->buf + 16);
        if (f->version == 2) {
            rc = parse_v2(path, f, (size_t)size, err, errlen);
        } else if (f->version == 1) {
            rc = parse_v1(path, f, (size_t)size, err, errlen);
        } else {
            snprintf(err, errlen,
                     "%s has state format version %u; this photon-sim reads versions 1 and %d",
                     path, f->version, STATEFILE_VERSION);
            rc = -1;
        }
    }
    if (rc)
        statefile_free(f);
    return rc;
}

const statefile_section *statefile_find(const statefile *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->s[i].name, name))
            return &f->s[i];
    return NULL;
}

void statefile_free(statefile *f)
{
    free(f->buf);
    free(f->s);
    free(f->names);
    memset(f, 0, sizeof(*f));
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
