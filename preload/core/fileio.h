/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_FILEIO_H
#define TS_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "ts_error.h"

/*
 * Reads a whole regular file (at most max bytes, else an error) into a
 * malloc'd buffer with a NUL after the data (not counted in *len).
 * Uses open/read/close, retrying EINTR.
 */
int ts_read_file(const char *path, size_t max, unsigned char **buf, size_t *len, ts_error *err);

/*
 * Whether path may be trusted as configuration for a process running as uid:
 * the file and every directory above it must be owned by root or uid and not
 * writable by group or others (a directory with the sticky bit, like /tmp, may
 * be world-writable).  Symlinks are followed.  On failure err says which path
 * and why, e.g. "/etc/trustshim: writable by group or others (mode 0777)".
 */
int ts_file_check_safe(const char *path, uid_t uid, ts_error *err);

/* Directory part of path into out ("." when there is none). */
void ts_dirname(const char *path, char *out, size_t size);

#endif
