/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_SERVE_H
#define TS_SERVE_H

/*
 * Serving: the manifest read once, one merged blob per target built once
 * (lazily, under ts_lock) and cached for the life of the process, and a fresh
 * sealed memfd for every served open.  Called only after target.c said the
 * path may be a target; every function enters the re-entry guard itself.
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
 * special are known before the application opens them.  Once per process.
 */
void ts_serve_prepare(void);

/*
 * A read-only open of path (relative to dirfd) that the tail says may be a target.
 * Returns a new descriptor of the merged keystore, TS_NOT_SERVED (call libc),
 * or -1 with errno EACCES (TRUSTSHIM_STRICT=1 and the target cannot be served).
 */
int ts_serve_open(int dirfd, const char *path, int flags);

/*
 * path does not exist (stat said ENOENT/ENOTDIR).  When it is a per-host
 * keystore the manifest provides, fills *st as a read-only regular file
 * (size = the blob's, mtime = the manifest's) and returns true.
 */
bool ts_serve_synth_stat(int dirfd, const char *path, ts_tail tail, struct stat *st);

#endif
