/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_SERVE_H
#define TS_SERVE_H

/*
 * Serving: the manifest and the JVM's options read once; one merged blob per
 * target and version of the file on disk, built lazily under ts_lock and
 * rebuilt when the file changes; a fresh sealed memfd for every served open,
 * dated as the file.  Called only after target.c said the path may be a
 * target; every function enters the re-entry guard itself.
 */

#include <stdbool.h>
#include <sys/stat.h>

#include "target.h"

#define TS_NOT_SERVED (-2)

/* Base names of the manifest's targets[] for ts_tail_classify; NULL until the manifest is read. */
extern const ts_names *ts_names_published;
static inline const ts_names *ts_serve_names(void)
{
    return __atomic_load_n(&ts_names_published, __ATOMIC_ACQUIRE);
}

/*
 * A JVM is starting (it opened lib/modules or rt.jar).  If the manifest has
 * targets[], read it now, so that targets whose names look like nothing
 * special are known before the application opens them.  With
 * TRUSTSHIM_STRICT=1 always read it, and a manifest that cannot be used stops
 * the JVM (one error line, _exit(1)).  Once per process.
 */
void ts_serve_prepare(void);

/*
 * A read-only open of path (relative to dirfd) that the tail says may be a target.
 * Returns a new descriptor of the merged keystore, TS_NOT_SERVED (call libc),
 * or -1 with errno EACCES (TRUSTSHIM_STRICT=1 and the target cannot be served).
 */
int ts_serve_open(int dirfd, const char *path, int flags);

/*
 * An open of path (relative to dirfd) for writing (or a rename onto it).  When this process was
 * served that file merged, writing it would store the manifest's certificates on disk: one error
 * line, errno EROFS, -1.  Otherwise 0, errno untouched.
 */
int ts_serve_write_check(int dirfd, const char *path);

/*
 * path does not exist (stat said ENOENT/ENOTDIR).  When it is a per-host
 * keystore the manifest provides, fills *st as a read-only regular file
 * (size = the blob's, mtime = the manifest's) and returns true.
 */
bool ts_serve_synth_stat(int dirfd, const char *path, ts_tail tail, struct stat *st);

/*
 * stat-like call of path succeeded with *st (flags: AT_SYMLINK_NOFOLLOW for
 * the l-forms).  When path is an existing regular file that is served, sets
 * *size to the size of what an open gets now (building it if needed) and
 * returns true; the file's own times stay, and the served descriptor carries
 * them.  errno is left as it was.
 */
bool ts_serve_stat_size(int dirfd, const char *path, int flags, const struct stat *st, off_t *size);

#endif
