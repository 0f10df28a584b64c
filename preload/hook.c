/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decision behind every wrapper.  Hot path, for the thousands of paths a
 * JVM opens and stats that are not trust stores: an atomic load, the tail
 * comparison of target.h, and the real function, with errno untouched.  No
 * allocation, lock, getenv, log or extra system call before that answer, so
 * it is async-signal-safe (the JVM opens hs_err_pid*.log from a signal handler).
 */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libc.h"
#include "serve.h"
#include "shim.h"
#include "target.h"

_Static_assert(TS_AT_FDCWD == AT_FDCWD, "AT_FDCWD");
_Static_assert(TS_AT_SYMLINK_NOFOLLOW == AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW");

/* The tail of path may name a target, and we are not inside the library already. */
static inline __attribute__((always_inline)) ts_tail candidate(const char *path)
{
    if (ts_is_off()) {
        return TS_TAIL_NONE;
    }
    ts_tail tail = ts_tail_classify(path, ts_serve_names());
    if (tail == TS_TAIL_NONE || ts_guard != 0) {
        return TS_TAIL_NONE;
    }
    return tail;
}

/* Whether open(2) reads its mode argument: the flags create a file. */
static inline bool needs_mode(int flags)
{
#if defined(__O_TMPFILE)
    return (flags & O_CREAT) != 0 || (flags & __O_TMPFILE) == __O_TMPFILE;
#else
    return (flags & O_CREAT) != 0;
#endif
}

/* Whether an open with these flags may change the file (a read-only O_TRUNC truncates it). */
static bool open_writes(int flags)
{
    return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) != 0;
}

/* Whether an fopen mode writes: "w", "a", or "+". */
static bool fopen_writes(const char *mode)
{
    return mode != NULL && (mode[0] == 'w' || mode[0] == 'a' || strchr(mode, '+') != NULL);
}

unsigned int ts_hook_open_mode(int flags, va_list ap)
{
    return needs_mode(flags) ? va_arg(ap, unsigned int) : 0;
}

/* A candidate: rare, so kept out of line to leave the hot path lean. */
static __attribute__((noinline)) int open_candidate(ts_sym id, int dirfd, const char *path,
                                                    int flags, unsigned int mode, ts_tail tail)
{
    int saved = errno;

    if (tail == TS_TAIL_JVM_START) {
        ts_serve_prepare();
    } else if (ts_open_flags_servable(flags)) {
        int fd = ts_serve_open(dirfd, path, flags);
        if (fd != TS_NOT_SERVED) {
            if (fd >= 0) {
                errno = saved;
            }
            return fd;
        }
    } else if (open_writes(flags) && ts_serve_write_check(dirfd, path) != 0) {
        return -1;
    }
    errno = saved;
    return ts_libc_open(id, dirfd, path, flags, (mode_t)mode);
}

int ts_hook_open(ts_sym id, int dirfd, const char *path, int flags, unsigned int mode)
{
    /* The non-variadic wrappers pass whatever the mode register held: pass on only a real mode. */
    mode = needs_mode(flags) ? mode : 0;
    ts_tail tail = candidate(path);

    if (__builtin_expect(tail != TS_TAIL_NONE, 0)) {
        return open_candidate(id, dirfd, path, flags, mode, tail);
    }
    return ts_libc_open(id, dirfd, path, flags, (mode_t)mode);
}

FILE *ts_hook_fopen(ts_sym id, const char *path, const char *mode)
{
    ts_tail tail = candidate(path);

    if (tail != TS_TAIL_NONE && tail != TS_TAIL_JVM_START && ts_fopen_mode_servable(mode)) {
        int saved = errno;
        int cloexec = (strchr(mode, 'e') != NULL) ? O_CLOEXEC : 0;
        int fd = ts_serve_open(TS_AT_FDCWD, path, O_RDONLY | cloexec);
        if (fd >= 0) {
            FILE *f = fdopen(fd, "r");
            if (f == NULL) {
                int e = errno;
                close(fd);
                errno = e;
                return NULL;
            }
            errno = saved;
            return f;
        }
        if (fd == -1) {
            return NULL;
        }
        errno = saved;
    } else if (tail != TS_TAIL_NONE && tail != TS_TAIL_JVM_START && fopen_writes(mode) &&
               ts_serve_write_check(TS_AT_FDCWD, path) != 0) {
        return NULL;
    }
    return ts_libc_fopen(id, path, mode);
}

/* After a real stat-like call failed: is path a synthesized per-host keystore? */
static bool synthesized(int dirfd, const char *path, struct stat *st)
{
    if (errno != ENOENT && errno != ENOTDIR) {
        return false;
    }
    int saved = errno;
    bool r = ts_serve_synth_stat(dirfd, path, TS_TAIL_HOST_KS, st);
    errno = saved;
    return r;
}

/*
 * The stat family.  Only a path whose tail may name a served file is looked
 * at; every other call is the real function, as a tail call.  For such a path
 * the real call comes first (a file on disk is never hidden).  When it
 * succeeded on a served file, the size is the served blob's (the times are
 * the file's, and a served descriptor carries them): stat and fstat agree.
 * When it failed, path may be a synthesized <host>.ks; that answer is a
 * success, so errno is put back as it was before the failed real call (saved
 * only here: reading errno on every stat costs more than the tail test).
 */
static __attribute__((noinline)) int stat_candidate(ts_sym id, int ver, int dirfd, const char *path,
                                                    void *buf, int flags, ts_tail tail)
{
    int saved = errno;
    int r = ts_libc_stat(id, ver, dirfd, path, buf, flags);
    struct stat *st = (struct stat *)buf;
    off_t size;

    if (r == 0) {
        if (tail != TS_TAIL_JVM_START && ts_serve_stat_size(dirfd, path, flags, st, &size)) {
            st->st_size = size;
            st->st_blocks = (blkcnt_t)((size + 511) / 512);
        }
        return 0;
    }
    if (tail == TS_TAIL_HOST_KS && synthesized(dirfd, path, st)) {
        errno = saved;
        return 0;
    }
    return r;
}

int ts_hook_stat(ts_sym id, int ver, int dirfd, const char *path, void *buf, int flags)
{
    ts_tail tail = candidate(path);

    if (__builtin_expect(tail != TS_TAIL_NONE, 0)) {
        return stat_candidate(id, ver, dirfd, path, buf, flags, tail);
    }
    return ts_libc_stat(id, ver, dirfd, path, buf, flags);
}

static __attribute__((noinline)) int statx_candidate(int dirfd, const char *path, int flags,
                                                     unsigned int mask, void *buf, ts_tail tail)
{
    int saved = errno;
    int r = ts_libc_statx(dirfd, path, flags, mask, buf);
    struct statx *stx = (struct statx *)buf;
    struct stat st;
    off_t size;

    if (r == 0) {
        /* The version to compare comes from a stat of our own: statx may lack fields. */
        if (tail != TS_TAIL_JVM_START && (stx->stx_mask & STATX_SIZE) != 0 &&
            ts_sys_fstatat(dirfd, path, &st, flags & AT_SYMLINK_NOFOLLOW) == 0 &&
            ts_serve_stat_size(dirfd, path, flags, &st, &size)) {
            stx->stx_size = (uint64_t)size;
            stx->stx_blocks = (uint64_t)((size + 511) / 512);
        }
        errno = saved;
        return 0;
    }
    if (tail == TS_TAIL_HOST_KS && synthesized(dirfd, path, &st)) {
        ts_stat_to_statx(&st, stx);
        errno = saved;
        return 0;
    }
    return r;
}

int ts_hook_statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)
{
    ts_tail tail = candidate(path);

    if (__builtin_expect(tail != TS_TAIL_NONE, 0)) {
        return statx_candidate(dirfd, path, flags, mask, buf, tail);
    }
    return ts_libc_statx(dirfd, path, flags, mask, buf);
}

static __attribute__((noinline)) int access_host_ks(ts_sym id, int dirfd, const char *path,
                                                    int mode, int flags)
{
    int saved = errno;
    int r = ts_libc_access(id, dirfd, path, mode, flags);
    struct stat st;

    if (r != 0 && synthesized(dirfd, path, &st)) {
        /* A read-only file: readable, not writable or executable. */
        if ((mode & (W_OK | X_OK)) != 0) {
            errno = EACCES;
            return -1;
        }
        errno = saved;
        return 0;
    }
    return r;
}

int ts_hook_access(ts_sym id, int dirfd, const char *path, int mode, int flags)
{
    if (__builtin_expect(candidate(path) == TS_TAIL_HOST_KS, 0)) {
        return access_host_ks(id, dirfd, path, mode, flags);
    }
    return ts_libc_access(id, dirfd, path, mode, flags);
}

/* Renaming a file over one this process was served would store what was written to the new one. */
static __attribute__((noinline)) int rename_candidate(ts_sym id, int fromfd, const char *from,
                                                      int tofd, const char *to, unsigned int flags)
{
    if (ts_serve_write_check(tofd, to) != 0) {
        return -1;
    }
    return ts_libc_rename(id, fromfd, from, tofd, to, flags);
}

int ts_hook_rename(ts_sym id, int fromfd, const char *from, int tofd, const char *to,
                   unsigned int flags)
{
    ts_tail tail = candidate(to);

    if (__builtin_expect(tail != TS_TAIL_NONE && tail != TS_TAIL_JVM_START, 0)) {
        return rename_candidate(id, fromfd, from, tofd, to, flags);
    }
    return ts_libc_rename(id, fromfd, from, tofd, to, flags);
}
