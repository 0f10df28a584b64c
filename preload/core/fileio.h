/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_FILEIO_H
#define TS_FILEIO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "ts_error.h"

/* Most symlinks one path may go through, as the kernel allows (ELOOP beyond). */
#define TS_MAX_SYMLINKS 40

/*
 * Reads a whole regular file (at most max bytes, else an error) into a
 * malloc'd buffer with a NUL after the data (not counted in *len).
 * Opens by name (O_CLOEXEC, O_NONBLOCK so a FIFO cannot block) and checks
 * nothing about who may write it: for the CLI's own inputs.  On failure *buf
 * is NULL and err->file is path.
 */
int ts_read_file(const char *path, size_t max, unsigned char **buf, size_t *len, ts_error *err);

/*
 * Reads all of fd, which must be a regular file of at most max bytes: fstat
 * decides before the first read ("not a regular file", "larger than N bytes"),
 * and a file that grows while being read is refused as well.  path names it in
 * errors.  Reads with pread from offset 0: fd's offset does not move.
 */
int ts_read_fd(int fd, const char *path, size_t max, unsigned char **buf, size_t *len,
               ts_error *err);

/*
 * Whether path may be trusted as configuration for a process running as uid
 * (see ts_open_safe); 0 when it may.  Opens nothing for reading.
 */
int ts_file_check_safe(const char *path, uid_t uid, ts_error *err);

/*
 * Opens path for reading when it may be trusted as configuration for a process
 * running as uid; the descriptor returned (O_RDONLY, O_CLOEXEC) is the file that
 * was checked, never a second lookup by name.  The path is walked one
 * component at a time from / (a relative one from the working directory) with
 * openat(O_PATH|O_NOFOLLOW), and symlinks are followed here, at most
 * TS_MAX_SYMLINKS.  Safe means:
 *  - every directory on the way (each one a symlink leads through too) is
 *    owned by root or uid and not writable by group or others, unless it has
 *    the sticky bit (like /tmp): then only owners may replace its entries, and
 *    each entry is checked as below;
 *  - every symlink on the way is owned by root or uid;
 *  - the file is a regular file owned by root or uid, not writable by group or
 *    others.
 * On failure -1 and err->file is the offending path as walked (symlinks
 * resolved) and err->what says why, e.g. "writable by group or others (mode
 * 0777)", "owned by uid 1000: expected root or uid 0", "symlink owned by uid
 * 1000: expected root or uid 0".
 *
 * Special case: "/proc/self/fd/N" and "/proc/PID/fd/N" (digits only), the
 * private manifest of `trustshim exec --with/--without`: accepted when it is a
 * memfd sealed with F_SEAL_WRITE and owned by root or uid; no directory is
 * checked then.  When /proc/PID/fd/N cannot be opened (the process is gone, or
 * runs as another user) and descriptor N of this process is such a memfd, that
 * one is used: it was inherited from the same `trustshim exec`.
 */
int ts_open_safe(const char *path, uid_t uid, ts_error *err);

/*
 * ts_open_safe + ts_read_fd (+ the fstat of what was read into st, unless st
 * is NULL).
 */
int ts_read_file_safe(const char *path, uid_t uid, size_t max, unsigned char **buf, size_t *len,
                      struct stat *st, ts_error *err);

/*
 * Whether directory path may be trusted to hold configuration for uid: the
 * same walk and rules as ts_open_safe, ending on a directory that is not
 * writable by group or others even with the sticky bit (anyone could plant a
 * file of their own name in it).  A directory that does not exist below
 * directories that pass is safe: only their owners can create it.
 */
int ts_dir_check_safe(const char *path, uid_t uid, ts_error *err);

/* Directory part of path into out ("." when there is none). */
void ts_dirname(const char *path, char *out, size_t size);

#endif
