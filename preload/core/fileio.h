/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_FILEIO_H
#define TS_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "ts_error.h"

/*
 * Reads a whole regular file (at most max bytes, else an error) into a
 * malloc'd buffer with a NUL after the data (not counted in *len).
 * Uses open (O_CLOEXEC, O_NONBLOCK so a FIFO cannot block)/read/close,
 * retrying EINTR; anything but a regular file is refused.  On failure *buf is
 * NULL and err->file is path.
 */
int ts_read_file(const char *path, size_t max, unsigned char **buf, size_t *len, ts_error *err);

/*
 * Whether path may be trusted as configuration for a process running as uid:
 * the file and every directory above it must be owned by root or uid and not
 * writable by group or others (a directory with the sticky bit, like /tmp, may
 * be world-writable).  Symlinks are followed (realpath); when path itself is a
 * symlink, the directories holding it are checked too.  On failure err->file
 * is the offending path and err->what says why, e.g.
 * "/etc/trustshim: writable by group or others (mode 0777)" or
 * "/etc/trustshim/manifest.json: owned by uid 1000: expected root or uid 0".
 *
 * Special case: "/proc/self/fd/N" (N digits only) is accepted when descriptor N
 * of this process is a memfd sealed with F_SEAL_WRITE (fcntl F_GET_SEALS);
 * no directory is checked then.  `trustshim exec --with/--without` passes its
 * private, read-only manifest this way.  An unsealed memfd, or any other kind
 * of descriptor, is refused.
 */
int ts_file_check_safe(const char *path, uid_t uid, ts_error *err);

/* Directory part of path into out ("." when there is none). */
void ts_dirname(const char *path, char *out, size_t size);

#endif
