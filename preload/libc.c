/* SPDX-License-Identifier: Apache-2.0 */
#include "libc.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/*
 * Built on glibc >= 2.34, dlsym binds to dlsym@GLIBC_2.34, which glibc 2.28
 * (RHEL 8) lacks.  The original version still exists in every glibc.
 */
#if defined(__x86_64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#elif defined(__aarch64__)
__asm__(".symver dlsym,dlsym@GLIBC_2.17");
#endif

/* The wrappers fill struct stat and struct stat64 the same way: on LP64 glibc they are one layout.
 */
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "struct stat and stat64 differ");
_Static_assert(offsetof(struct stat, st_size) == offsetof(struct stat64, st_size), "st_size");
_Static_assert(offsetof(struct stat, st_mtim) == offsetof(struct stat64, st_mtim), "st_mtim");

static const char *const ts_sym_names[TS_ID_COUNT] = {
#define TS_SYMBOL(name, kind) #name,
#include "symbols.def"
#undef TS_SYMBOL
};

/* NULL: not looked up yet; ts_missing: libc has no such function. */
static void *ts_slots[TS_ID_COUNT];
static char ts_missing_marker;
#define ts_missing ((void *)&ts_missing_marker)

/* The first call of a name (normally from the constructor). */
static __attribute__((noinline)) void *ts_resolve(ts_sym id)
{
    int saved = errno;
    void *p = dlsym(RTLD_NEXT, ts_sym_names[id]);

    if (p == NULL) {
        p = ts_missing;
    }
    /* Two threads may race here; both store the same answer. */
    __atomic_store_n(&ts_slots[id], p, __ATOMIC_RELEASE);
    errno = saved;
    return p;
}

static inline void *ts_real(ts_sym id)
{
    void *p = __atomic_load_n(&ts_slots[id], __ATOMIC_ACQUIRE);

    if (__builtin_expect(p == NULL, 0)) {
        p = ts_resolve(id);
    }
    return (p == ts_missing) ? NULL : p;
}

void ts_libc_init(void)
{
    for (int i = 0; i < TS_ID_COUNT; i++) {
        (void)ts_real((ts_sym)i);
    }
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef FILE *(*fopen_fn)(const char *, const char *);
typedef int (*stat_fn)(const char *, void *);
typedef int (*fstatat_fn)(int, const char *, void *, int);
typedef int (*xstat_fn)(int, const char *, void *);
typedef int (*fxstatat_fn)(int, int, const char *, void *, int);
typedef int (*statx_fn)(int, const char *, int, unsigned int, void *);
typedef int (*access_fn)(const char *, int);
typedef int (*faccessat_fn)(int, const char *, int, int);
typedef int (*rename_fn)(const char *, const char *);
typedef int (*renameat_fn)(int, const char *, int, const char *);
typedef int (*renameat2_fn)(int, const char *, int, const char *, unsigned int);

/* Out of line, so that ts_libc_open() saves no registers for it: it is on every open's path. */
static __attribute__((noinline)) int sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static int libc_open_slow(ts_sym id, int dirfd, const char *path, int flags, mode_t mode);

int ts_libc_open(ts_sym id, int dirfd, const char *path, int flags, mode_t mode)
{
    void *f = __atomic_load_n(&ts_slots[id], __ATOMIC_ACQUIRE);

    if (__builtin_expect(f == NULL || f == ts_missing, 0)) {
        return libc_open_slow(id, dirfd, path, flags, mode);
    }
    switch (id) {
    case TS_ID_open:
    case TS_ID_open64:
        return ((open_fn)f)(path, flags, mode);
    case TS_ID_openat:
    case TS_ID_openat64:
        return ((openat_fn)f)(dirfd, path, flags, mode);
    case TS_ID___open_2:
    case TS_ID___open64_2:
        return ((open2_fn)f)(path, flags);
    case TS_ID___openat_2:
    case TS_ID___openat64_2:
        return ((openat2_fn)f)(dirfd, path, flags);
    default:
        return sys_openat(dirfd, path, flags, mode);
    }
}

/* Before the constructor resolved the slot, or libc lacks the function. */
static __attribute__((noinline)) int libc_open_slow(ts_sym id, int dirfd, const char *path,
                                                    int flags, mode_t mode)
{
    if (ts_real(id) == NULL) {
        return sys_openat(dirfd, path, flags, mode);
    }
    return ts_libc_open(id, dirfd, path, flags, mode);
}

FILE *ts_libc_fopen(ts_sym id, const char *path, const char *mode)
{
    void *f = ts_real(id);

    if (f == NULL) {
        /* fopen and fopen64 are the same function on every 64-bit glibc. */
        f = ts_real((id == TS_ID_fopen) ? TS_ID_fopen64 : TS_ID_fopen);
    }
    if (f == NULL) {
        errno = ENOSYS;
        return NULL;
    }
    return ((fopen_fn)f)(path, mode);
}

int ts_sys_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
#if defined(SYS_newfstatat)
    return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
#else
    return (int)syscall(SYS_fstatat, dirfd, path, st, flags);
#endif
}

int ts_sys_fstat(int fd, struct stat *st)
{
    return (int)syscall(SYS_fstat, fd, st);
}

int ts_sys_memfd(const char *name, unsigned int flags)
{
    return (int)syscall(SYS_memfd_create, name, flags);
}

int ts_libc_stat(ts_sym id, int ver, int dirfd, const char *path, void *buf, int flags)
{
    void *f = ts_real(id);

    if (f != NULL) {
        switch (id) {
        case TS_ID_stat:
        case TS_ID_stat64:
        case TS_ID_lstat:
        case TS_ID_lstat64:
            return ((stat_fn)f)(path, buf);
        case TS_ID_fstatat:
        case TS_ID_fstatat64:
            return ((fstatat_fn)f)(dirfd, path, buf, flags);
        case TS_ID___xstat:
        case TS_ID___xstat64:
        case TS_ID___lxstat:
        case TS_ID___lxstat64:
            return ((xstat_fn)f)(ver, path, buf);
        case TS_ID___fxstatat:
        case TS_ID___fxstatat64:
            return ((fxstatat_fn)f)(ver, dirfd, path, buf, flags);
        default:
            break;
        }
    }
    /* Older glibc has no stat64/fstatat64 symbols (only __xstat64): the kernel's struct matches. */
    return ts_sys_fstatat(dirfd, path, (struct stat *)buf, flags);
}

void ts_stat_to_statx(const struct stat *st, struct statx *stx)
{
    memset(stx, 0, sizeof(*stx));
    stx->stx_mask = STATX_BASIC_STATS;
    stx->stx_blksize = (uint32_t)st->st_blksize;
    stx->stx_nlink = (uint32_t)st->st_nlink;
    stx->stx_uid = st->st_uid;
    stx->stx_gid = st->st_gid;
    stx->stx_mode = (uint16_t)st->st_mode;
    stx->stx_ino = st->st_ino;
    stx->stx_size = (uint64_t)st->st_size;
    stx->stx_blocks = (uint64_t)st->st_blocks;
    stx->stx_atime.tv_sec = st->st_atim.tv_sec;
    stx->stx_atime.tv_nsec = (uint32_t)st->st_atim.tv_nsec;
    stx->stx_mtime.tv_sec = st->st_mtim.tv_sec;
    stx->stx_mtime.tv_nsec = (uint32_t)st->st_mtim.tv_nsec;
    stx->stx_ctime.tv_sec = st->st_ctim.tv_sec;
    stx->stx_ctime.tv_nsec = (uint32_t)st->st_ctim.tv_nsec;
    stx->stx_rdev_major = major(st->st_rdev);
    stx->stx_rdev_minor = minor(st->st_rdev);
    stx->stx_dev_major = major(st->st_dev);
    stx->stx_dev_minor = minor(st->st_dev);
}

static int statx_emulated(int dirfd, const char *path, int flags, struct statx *stx)
{
    struct stat st;

    if (ts_sys_fstatat(dirfd, path, &st,
                       flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) != 0) {
        return -1;
    }
    ts_stat_to_statx(&st, stx);
    return 0;
}

int ts_libc_statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)
{
    void *f = ts_real(TS_ID_statx);

    if (f != NULL) {
        return ((statx_fn)f)(dirfd, path, flags, mask, buf);
    }
    /* glibc < 2.28: the system call, and on a kernel without it (< 4.11) fstatat, as glibc does. */
    int saved = errno;
    long r = syscall(SYS_statx, dirfd, path, flags, mask, buf);
    if (r == -1 && errno == ENOSYS) {
        errno = saved;
        return statx_emulated(dirfd, path, flags, (struct statx *)buf);
    }
    return (int)r;
}

int ts_libc_access(ts_sym id, int dirfd, const char *path, int mode, int flags)
{
    void *f = ts_real(id);

    if (f != NULL) {
        if (id == TS_ID_access) {
            return ((access_fn)f)(path, mode);
        }
        return ((faccessat_fn)f)(dirfd, path, mode, flags);
    }
    if (flags == 0) {
        return (int)syscall(SYS_faccessat, dirfd, path, mode);
    }
#if defined(SYS_faccessat2)
    return (int)syscall(SYS_faccessat2, dirfd, path, mode, flags);
#else
    errno = EINVAL;
    return -1;
#endif
}

int ts_libc_rename(ts_sym id, int fromfd, const char *from, int tofd, const char *to,
                   unsigned int flags)
{
    void *f = ts_real(id);

    if (f != NULL) {
        if (id == TS_ID_rename) {
            return ((rename_fn)f)(from, to);
        }
        if (id == TS_ID_renameat) {
            return ((renameat_fn)f)(fromfd, from, tofd, to);
        }
        return ((renameat2_fn)f)(fromfd, from, tofd, to, flags);
    }
    /* renameat2 before glibc 2.28: the system call. */
#if defined(SYS_renameat2)
    return (int)syscall(SYS_renameat2, fromfd, from, tofd, to, flags);
#else
    if (flags != 0) {
        errno = EINVAL;
        return -1;
    }
    return (int)syscall(SYS_renameat, fromfd, from, tofd, to);
#endif
}
