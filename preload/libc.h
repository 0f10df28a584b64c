/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_LIBC_H
#define TS_LIBC_H

/*
 * The real libc functions behind every interposed name.  Each is looked up
 * once with dlsym(RTLD_NEXT) (eagerly from the constructor, lazily if a call
 * comes first) and cached in an atomic slot, so after the constructor the
 * pass-through is a load and an indirect call: async-signal-safe.  A name libc
 * lacks (stat64 before glibc 2.33, statx before 2.28) falls back to the system
 * call, so every exported function works for every path and never answers
 * ENOSYS.  errno is left as the real call sets it.
 */

#include <stdio.h>
#include <sys/types.h>

#include "sym.h"

/* Resolves every slot now (called from the constructor). */
void ts_libc_init(void);

/* open, open64, openat, openat64 and the __open*_2 forms; dirfd is AT_FDCWD for the open forms. */
int ts_libc_open(ts_sym id, int dirfd, const char *path, int flags, mode_t mode);
FILE *ts_libc_fopen(ts_sym id, const char *path, const char *mode);
/*
 * The stat family.  ver is the _STAT_VER argument of the __xstat forms;
 * dirfd/flags are what the call means (AT_FDCWD, AT_SYMLINK_NOFOLLOW for the
 * l-forms) and are used when libc lacks the function.
 */
int ts_libc_stat(ts_sym id, int ver, int dirfd, const char *path, void *buf, int flags);
int ts_libc_statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf);
/* access (dirfd AT_FDCWD, flags 0) and faccessat. */
int ts_libc_access(ts_sym id, int dirfd, const char *path, int mode, int flags);

/* rename (dirfds AT_FDCWD, flags 0), renameat (flags 0) and renameat2. */
int ts_libc_rename(ts_sym id, int fromfd, const char *from, int tofd, const char *to,
                   unsigned int flags);

/* For the library's own use: stat calls that need no versioned libc symbol. */
struct stat;
int ts_sys_fstat(int fd, struct stat *st);
int ts_sys_fstatat(int dirfd, const char *path, struct stat *st, int flags);
/* Fills a statx answer (STATX_BASIC_STATS) from a struct stat. */
struct statx;
void ts_stat_to_statx(const struct stat *st, struct statx *stx);
/* memfd_create through syscall() (glibc 2.27 has the wrapper; we must load on older). */
int ts_sys_memfd(const char *name, unsigned int flags);

#endif
