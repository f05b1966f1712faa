#include "statelock.h"
#include "statefile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* The directory part of `path` ("." for none) and its base name. */
static void split(const char *path, char *dir, size_t dlen, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dlen, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dlen, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

int state_resolve(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
    char cur[4096], link[4096];
    if (!*path) {
        snprintf(err, errlen, "the state file path is empty");
        return -1;
    }
    snprintf(cur, sizeof(cur), "%s", path);
    for (int hops = 0;; hops++) {
        struct stat st;
        if (lstat(cur, &st) || !S_ISLNK(st.st_mode))
            break;
        if (hops == 40) {
            snprintf(err, errlen, "%s: too many levels of symbolic links", path);
            return -1;
        }
        ssize_t n = readlink(cur, link, sizeof(link) - 1);
        if (n < 0) {
            snprintf(err, errlen, "%s: %s", cur, strerror(errno));
            return -1;
        }
        link[n] = 0;
        if (link[0] == '/') {
            snprintf(cur, sizeof(cur), "%s", link);
        } else {
            char dir[4096];
            const char *base;
            split(cur, dir, sizeof(dir), &base);
            if ((size_t)snprintf(cur, sizeof(cur), "%s/%s", dir, link) >= sizeof(cur)) {
                snprintf(err, errlen, "%s: the link's target is too long", path);
                return -1;
            }
        }
    }
    if ((size_t)snprintf(out, outlen, "%s", cur) >= outlen) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    return 0;
}

int state_check_regular(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file (%s)", path,
                 S_ISDIR(st.st_mode)    ? "a directory"
                 : S_ISFIFO(st.st_mode) ? "a FIFO"
                 : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                 : S_ISSOCK(st.st_mode) ? "a socket"
                                        : "not a file");
        return -1;
    }
    return 0;
}

/* Remove "BASE.tmp.PID" files in `dir` whose process is gone. */
static void remove_stale_temps(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t bl = strlen(base);
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        if (strncmp(nm, base, bl) || strncmp(nm + bl, ".tmp.", 5))
            continue;
        char *end;
        errno = 0;
        long pid = strtol(nm + bl + 5, &end, 10);
        if (*end || end == nm + bl + 5 || errno || pid <= 0 || pid > INT_MAX)
            continue;
        if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        unlinkat(dirfd(d), nm, 0);
    }
    closedir(d);
}

/* Who holds the lock, as its file says. */
static long holder(int fd)
{
    char buf[32] = {0};
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    return n > 0 ? strtol(buf, NULL, 10) : 0;
}

/* Open and flock the lock file; a file unlinked by the previous holder
 * between our open and flock is retried. */
static int lock_file(state_lock *lk, const char *path, char *err, size_t errlen)
{
    for (int tries = 0; tries < 100; tries++) {
        int fd = open(lk->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "cannot create %s: %s (the state file's directory must be "
                     "writable; --no-save runs without writing)", lk->lock_path, strerror(errno));
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB)) {
            long pid = holder(fd);
            close(fd);
            if (pid > 0)
                snprintf(err, errlen, "%s is in use by another photon-sim (process %ld); "
                         "--no-save runs from it without writing", path, pid);
            else
                snprintf(err, errlen, "%s is in use by another photon-sim; "
                         "--no-save runs from it without writing", path);
            return -1;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(lk->lock_path, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev) {
            char pid[32];
            int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
                /* the lock holds all the same; only the message would lack the id */
            }
            lk->fd = fd;
            lk->held = 1;
            return 0;
        }
        close(fd);
    }
    snprintf(err, errlen, "cannot lock %s", lk->lock_path);
    return -1;
}

/* Can a file of `bytes` bytes be written beside `path`? */
static int check_space(const char *path, const char *dir, uint64_t bytes, char *err,
                       size_t errlen)
{
    char probe[4200];
    snprintf(probe, sizeof(probe), "%s.tmp.%ld", path, (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write in %s: %s (the state file could not be saved; "
                 "--no-save runs without writing)", dir, strerror(errno));
        return -1;
    }
    close(fd);
    unlink(probe);
    struct statvfs vs;
    if (statvfs(dir, &vs) == 0 && (uint64_t)vs.f_bavail * vs.f_frsize < bytes) {
        snprintf(err, errlen, "%s has %llu bytes free, the state file needs %llu "
                 "(--no-save runs without writing)", dir,
                 (unsigned long long)vs.f_bavail * vs.f_frsize, (unsigned long long)bytes);
        return -1;
    }
    return 0;
}

int state_lock_take(state_lock *lk, const char *path, uint64_t bytes, char *err,
                    size_t errlen)
{
    lk->held = 0;
    if ((size_t)snprintf(lk->lock_path, sizeof(lk->lock_path), "%s.lock", path) >=
        sizeof(lk->lock_path)) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    if (state_check_regular(path, err, errlen))
        return -1;
    struct stat st;
    if (stat(path, &st) == 0 && (access(path, W_OK) || !(st.st_mode & 0222))) {
        snprintf(err, errlen, "%s is read-only; --no-save runs from it without writing",
                 path);
        return -1;
    }
    if (state_make_dir(path)) {
        snprintf(err, errlen, "cannot create the directory for %s: %s", path, strerror(errno));
        return -1;
    }
    char dir[4096];
    const char *base;
    split(path, dir, sizeof(dir), &base);
    if (lock_file(lk, path, err, errlen))
        return -1;
    remove_stale_temps(dir, base);
    if (check_space(path, dir, bytes, err, errlen)) {
        state_lock_release(lk);
        return -1;
    }
    return 0;
}

void state_lock_release(state_lock *lk)
{
    if (!lk->held)
        return;
    unlink(lk->lock_path);
    close(lk->fd);
    lk->held = 0;
}
