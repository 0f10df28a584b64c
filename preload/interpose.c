/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exported functions: one thin wrapper per name in symbols.def, generated
 * by kind.  No libc header is included (see hook.h): the prototypes below are
 * ours, matching glibc's ABI; struct stat and struct stat64 are one layout on
 * the 64-bit targets we build for (checked in libc.c).
 */
#include <stdarg.h>

#include "hook.h"

#define TS_EXPORT __attribute__((visibility("default")))

struct stat;
struct statx;

/*
 * open(path, flags, ...) and openat(dirfd, path, flags, ...).  glibc declares
 * them variadic, but on the Linux ABIs this library is built for (x86-64
 * System V, AArch64 AAPCS64) a variadic caller passes every integer argument
 * in the same register a non-variadic callee reads it from (x86-64's %al
 * vector count is only read by variadic callees).  Naming the mode as a
 * parameter lets the wrapper end in a jump instead of keeping a frame for
 * va_start, so the real open() returns straight to the caller: about one
 * percent of an open+close on a VM (docs/performance.md).  The register holds
 * garbage when the caller passed no mode; ts_hook_open() only uses it when
 * the flags say a mode was passed, as open(2) does.  Elsewhere (AArch64 on
 * Apple passes variadic arguments on the stack) the portable definition.
 */
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#define TS_WRAP_OPEN(name)                                                                         \
    TS_EXPORT int name(const char *path, int flags, unsigned int mode);                            \
    int name(const char *path, int flags, unsigned int mode)                                       \
    {                                                                                              \
        return ts_hook_open(TS_ID_##name, TS_AT_FDCWD, path, flags, mode);                         \
    }
#define TS_WRAP_OPENAT(name)                                                                       \
    TS_EXPORT int name(int dirfd, const char *path, int flags, unsigned int mode);                 \
    int name(int dirfd, const char *path, int flags, unsigned int mode)                            \
    {                                                                                              \
        return ts_hook_open(TS_ID_##name, dirfd, path, flags, mode);                               \
    }
#else
#define TS_WRAP_OPEN(name)                                                                         \
    TS_EXPORT int name(const char *path, int flags, ...);                                          \
    int name(const char *path, int flags, ...)                                                     \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, flags);                                                                       \
        unsigned int mode = ts_hook_open_mode(flags, ap);                                          \
        va_end(ap);                                                                                \
        return ts_hook_open(TS_ID_##name, TS_AT_FDCWD, path, flags, mode);                         \
    }
#define TS_WRAP_OPENAT(name)                                                                       \
    TS_EXPORT int name(int dirfd, const char *path, int flags, ...);                               \
    int name(int dirfd, const char *path, int flags, ...)                                          \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, flags);                                                                       \
        unsigned int mode = ts_hook_open_mode(flags, ap);                                          \
        va_end(ap);                                                                                \
        return ts_hook_open(TS_ID_##name, dirfd, path, flags, mode);                               \
    }
#endif
/* The _FORTIFY_SOURCE entry points: no mode. */
#define TS_WRAP_OPEN2(name)                                                                        \
    TS_EXPORT int name(const char *path, int flags);                                               \
    int name(const char *path, int flags)                                                          \
    {                                                                                              \
        return ts_hook_open(TS_ID_##name, TS_AT_FDCWD, path, flags, 0);                            \
    }
#define TS_WRAP_OPENAT2(name)                                                                      \
    TS_EXPORT int name(int dirfd, const char *path, int flags);                                    \
    int name(int dirfd, const char *path, int flags)                                               \
    {                                                                                              \
        return ts_hook_open(TS_ID_##name, dirfd, path, flags, 0);                                  \
    }
#define TS_WRAP_FOPEN(name)                                                                        \
    TS_EXPORT struct _IO_FILE *name(const char *path, const char *mode);                           \
    struct _IO_FILE *name(const char *path, const char *mode)                                      \
    {                                                                                              \
        return ts_hook_fopen(TS_ID_##name, path, mode);                                            \
    }
#define TS_WRAP_STAT(name)                                                                         \
    TS_EXPORT int name(const char *path, struct stat *buf);                                        \
    int name(const char *path, struct stat *buf)                                                   \
    {                                                                                              \
        return ts_hook_stat(TS_ID_##name, 0, TS_AT_FDCWD, path, buf, 0);                           \
    }
#define TS_WRAP_LSTAT(name)                                                                        \
    TS_EXPORT int name(const char *path, struct stat *buf);                                        \
    int name(const char *path, struct stat *buf)                                                   \
    {                                                                                              \
        return ts_hook_stat(TS_ID_##name, 0, TS_AT_FDCWD, path, buf, TS_AT_SYMLINK_NOFOLLOW);      \
    }
#define TS_WRAP_FSTATAT(name)                                                                      \
    TS_EXPORT int name(int dirfd, const char *path, struct stat *buf, int flags);                  \
    int name(int dirfd, const char *path, struct stat *buf, int flags)                             \
    {                                                                                              \
        return ts_hook_stat(TS_ID_##name, 0, dirfd, path, buf, flags);                             \
    }
#define TS_WRAP_XSTAT(name)                                                                        \
    TS_EXPORT int name(int ver, const char *path, struct stat *buf);                               \
    int name(int ver, const char *path, struct stat *buf)                                          \
    {                                                                                              \
        return ts_hook_stat(TS_ID_##name, ver, TS_AT_FDCWD, path, buf, 0);                         \
    }
#define TS_WRAP_LXSTAT(name)                                                                       \
    TS_EXPORT int name(int ver, const char *path, struct stat *buf);                               \
    int name(int ver, const char *path, struct stat *buf)                                          \
    {                                                                                              \
        return ts_hook_stat(TS_ID_##name, ver, TS_AT_FDCWD, path, buf, TS_AT_SYMLINK_NOFOLLOW);    \
    }
#define TS_WRAP_FXSTATAT(name)                                                                     \
    TS_EXPORT int name(int ver, int dirfd, const char *path, struct stat *buf, int flags);         \
    int name(int ver, int dirfd, const char *path, struct stat *buf, int flags)                    \
    {                                                                                              \
        return ts_hook_stat(TS_ID_##name, ver, dirfd, path, buf, flags);                           \
    }
#define TS_WRAP_STATX(name)                                                                        \
    TS_EXPORT int name(int dirfd, const char *path, int flags, unsigned int mask,                  \
                       struct statx *buf);                                                         \
    int name(int dirfd, const char *path, int flags, unsigned int mask, struct statx *buf)         \
    {                                                                                              \
        return ts_hook_statx(dirfd, path, flags, mask, buf);                                       \
    }
#define TS_WRAP_ACCESS(name)                                                                       \
    TS_EXPORT int name(const char *path, int mode);                                                \
    int name(const char *path, int mode)                                                           \
    {                                                                                              \
        return ts_hook_access(TS_ID_##name, TS_AT_FDCWD, path, mode, 0);                           \
    }
#define TS_WRAP_FACCESSAT(name)                                                                    \
    TS_EXPORT int name(int dirfd, const char *path, int mode, int flags);                          \
    int name(int dirfd, const char *path, int mode, int flags)                                     \
    {                                                                                              \
        return ts_hook_access(TS_ID_##name, dirfd, path, mode, flags);                             \
    }

/* rename and the like: only the destination is looked at (a served file must not be replaced). */
#define TS_WRAP_RENAME(name)                                                                       \
    TS_EXPORT int name(const char *from, const char *to);                                          \
    int name(const char *from, const char *to)                                                     \
    {                                                                                              \
        return ts_hook_rename(TS_ID_##name, TS_AT_FDCWD, from, TS_AT_FDCWD, to, 0);                \
    }
#define TS_WRAP_RENAMEAT(name)                                                                     \
    TS_EXPORT int name(int fromfd, const char *from, int tofd, const char *to);                    \
    int name(int fromfd, const char *from, int tofd, const char *to)                               \
    {                                                                                              \
        return ts_hook_rename(TS_ID_##name, fromfd, from, tofd, to, 0);                            \
    }
#define TS_WRAP_RENAMEAT2(name)                                                                    \
    TS_EXPORT int name(int fromfd, const char *from, int tofd, const char *to,                     \
                       unsigned int flags);                                                        \
    int name(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)           \
    {                                                                                              \
        return ts_hook_rename(TS_ID_##name, fromfd, from, tofd, to, flags);                        \
    }

/* clang wants <stdio.h> for a function named fopen; this file includes no libc header on purpose
 * (see hook.h) and gives fopen its exact prototype. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wbuiltin-requires-header"
#endif
#define TS_SYMBOL(name, kind) TS_WRAP_##kind(name)
#include "symbols.def"
#undef TS_SYMBOL

/*
 * Not exported: the core calls fstat(), which glibc >= 2.33 versions
 * fstat@GLIBC_2.33; binding it here keeps libtrustshim.so loadable on
 * glibc 2.28 (the core's stat/lstat calls bind to the wrappers above).
 */
int ts_sys_fstat(int fd, struct stat *st);
__attribute__((visibility("hidden"))) int fstat(int fd, struct stat *st);
__attribute__((visibility("hidden"))) int fstat64(int fd, struct stat *st);
int fstat(int fd, struct stat *st)
{
    return ts_sys_fstat(fd, st);
}
int fstat64(int fd, struct stat *st)
{
    return ts_sys_fstat(fd, st);
}
