/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_HOOK_H
#define TS_HOOK_H

/*
 * What the exported wrappers (interpose.c) call.  This header names no libc
 * type: interpose.c includes no libc header, so that its definitions of open,
 * stat, ... cannot clash with glibc's declarations (redirects, fortify
 * wrappers, nonnull attributes).
 */

#include <stdarg.h>

#include "sym.h"

#define TS_AT_FDCWD (-100)
#define TS_AT_SYMLINK_NOFOLLOW 0x100

/* mode may be garbage unless flags ask for one (O_CREAT, O_TMPFILE): see interpose.c. */
int ts_hook_open(ts_sym id, int dirfd, const char *path, int flags, unsigned int mode);
/* The mode argument of open(2), read only when flags say it was passed (O_CREAT, O_TMPFILE). */
unsigned int ts_hook_open_mode(int flags, va_list ap);
struct _IO_FILE *ts_hook_fopen(ts_sym id, const char *path, const char *mode);
int ts_hook_stat(ts_sym id, int ver, int dirfd, const char *path, void *buf, int flags);
int ts_hook_statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf);
int ts_hook_access(ts_sym id, int dirfd, const char *path, int mode, int flags);
/* rename (fromfd, tofd AT_FDCWD, flags 0), renameat (flags 0) and renameat2. */
int ts_hook_rename(ts_sym id, int fromfd, const char *from, int tofd, const char *to,
                   unsigned int flags);

#endif
