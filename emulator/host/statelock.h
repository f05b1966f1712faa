/* Owning a device state file for a run that will write it.
 *
 * Before anything runs: the path is followed through symlinks to the file
 * it names (a symlinked state file has its target updated), a second run
 * on the same file is refused at once with the other process's id (an
 * exclusive flock on "STATE.lock", held for the whole run), a read-only
 * file is refused, the directory is created and checked for write access
 * and free space, and temporary files that runs killed during a save left
 * behind ("STATE.tmp.PID" of a process that is gone) are removed. So the
 * work of a run is never lost at its end for a reason known at its start. */
#ifndef PHOTON_STATELOCK_H
#define PHOTON_STATELOCK_H

#include <stddef.h>
#include <stdint.h>

typedef struct state_lock {
    int fd;    /* the lock file, when held */
    int held;  /* 0 in a zeroed struct: nothing to release */
    char lock_path[4200];
} state_lock;

/* The file `path` names, symlinks followed (also a dangling one: the file
 * it would create). Returns 0, or -1 with a message. */
int state_resolve(const char *path, char *out, size_t outlen, char *err, size_t errlen);

/* Take the lock for writing the state file at `path` (already resolved),
 * which will need about `bytes` bytes. Returns 0, or -1 with a message
 * naming what is wrong and what to do. */
int state_lock_take(state_lock *lk, const char *path, uint64_t bytes, char *err,
                    size_t errlen);
/* Release (and remove the lock file). Safe on a lock never taken. */
void state_lock_release(state_lock *lk);

/* Refuse a path that exists but is not a regular file (a FIFO, a device, a
 * directory), which would block or never hold a state. Returns 0, or -1
 * with a message. */
int state_check_regular(const char *path, char *err, size_t errlen);

#endif
