/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calls every function libtrustshim.so exports, found as the JDK's libnio
 * finds statx: dlsym(RTLD_DEFAULT) (so the library's definition when it is
 * preloaded, libc's otherwise), and prints what each returned.
 *   probe calls PATH...   one line per function and path
 *   probe read PATH       size and FNV-1a hash of the content open() gives
 *   probe fork PATH       read in the parent, in a forked child, and in an exec'd child
 *   probe offsets PATH    two opens of PATH have their own offsets and cannot write
 *   probe signals PATH LOG  PATH read in a loop while a timer signal's handler opens LOG
 *   probe reread PATH MANIFEST OTHER  PATH, then MANIFEST emptied, then PATH and OTHER again
 *   probe dlopen LIB PATH KS  LIB's own open(PATH) and stat(KS), and AT_SECURE (setuid tests)
 *   probe create DIR      files made by open, open64, openat, openat64 and O_TMPFILE: their modes
 *   probe statfd PATH     size and mtime from stat, lstat, fstatat, statx, and fstat of an open:
 *                         one line each
 *   probe writeback PATH OTHER  PATH read, then every way of writing it (open for writing, fopen
 *                         w/a/r+, rename of OTHER over it): what each returned
 *   probe writemany UNREAD PATH...  every PATH read, then an open for writing of the first PATH,
 *                         the last and UNREAD: one line each, "ok" or the errno's name
 * Each call's errno is checked: " errno changed" marks a success that changed it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*open2_fn)(const char *, int);
typedef int (*openat2_fn)(int, const char *, int);
typedef FILE *(*fopen_fn)(const char *, const char *);
typedef int (*stat_fn)(const char *, struct stat *);
typedef int (*fstatat_fn)(int, const char *, struct stat *, int);
typedef int (*xstat_fn)(int, const char *, struct stat *);
typedef int (*fxstatat_fn)(int, int, const char *, struct stat *, int);
typedef int (*statx_fn)(int, const char *, int, unsigned int, struct statx *);
typedef int (*access_fn)(const char *, int);
typedef int (*faccessat_fn)(int, const char *, int, int);

static void *sym(const char *name)
{
    void *p = dlsym(RTLD_DEFAULT, name);
    if (p == NULL) {
        printf("%s: not found\n", name);
    }
    return p;
}

static void content(int fd, char *out, size_t size)
{
    unsigned char buf[65536];
    uint64_t h = 1469598103934665603ULL;
    size_t total = 0;
    ssize_t n;

    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            h = (h ^ buf[i]) * 1099511628211ULL;
        }
        total += (size_t)n;
    }
    snprintf(out, size, "size %zu hash %016llx", total, (unsigned long long)h);
}

/*
 * errno is set to ERRNO_MARK before every call and read right after it
 * (CALL): a successful call must leave it alone, a failed one must set it.
 * Successful calls that changed it print " errno changed".
 */
#define ERRNO_MARK 1234
static int errno_after;
#define CALL(expr) (errno = ERRNO_MARK, call_result = (expr), errno_after = errno, call_result)
static long call_result;

static const char *errno_note(void)
{
    return (errno_after == ERRNO_MARK) ? "" : " errno changed";
}

static void report_fd(const char *name, int fd)
{
    char c[128];

    if (fd < 0) {
        printf("%s: -1 %s\n", name, strerrorname_np(errno_after));
        return;
    }
    content(fd, c, sizeof(c));
    printf("%s: fd %s%s\n", name, c, errno_note());
    close(fd);
}

static void report_stat(const char *name, int r, const struct stat *st)
{
    if (r != 0) {
        printf("%s: -1 %s\n", name, strerrorname_np(errno_after));
        return;
    }
    printf("%s: 0 mode %o size %lld ino %llu mtime %lld%s\n", name, (unsigned)st->st_mode,
           (long long)st->st_size, (unsigned long long)st->st_ino, (long long)st->st_mtim.tv_sec,
           errno_note());
}

static void calls(const char *path)
{
    struct stat st;
    struct statx stx;
    void *f;

    printf("== %s\n", path);
    if ((f = sym("open")) != NULL)
        report_fd("open", (int)CALL(((open_fn)f)(path, O_RDONLY)));
    if ((f = sym("open64")) != NULL)
        report_fd("open64", (int)CALL(((open_fn)f)(path, O_RDONLY | O_CLOEXEC)));
    if ((f = sym("openat")) != NULL)
        report_fd("openat", (int)CALL(((openat_fn)f)(AT_FDCWD, path, O_RDONLY)));
    if ((f = sym("openat64")) != NULL)
        report_fd("openat64", (int)CALL(((openat_fn)f)(AT_FDCWD, path, O_RDONLY)));
    if ((f = sym("__open_2")) != NULL)
        report_fd("__open_2", (int)CALL(((open2_fn)f)(path, O_RDONLY)));
    if ((f = sym("__open64_2")) != NULL)
        report_fd("__open64_2", (int)CALL(((open2_fn)f)(path, O_RDONLY)));
    if ((f = sym("__openat_2")) != NULL)
        report_fd("__openat_2", (int)CALL(((openat2_fn)f)(AT_FDCWD, path, O_RDONLY)));
    if ((f = sym("__openat64_2")) != NULL)
        report_fd("__openat64_2", (int)CALL(((openat2_fn)f)(AT_FDCWD, path, O_RDONLY)));
    const char *fopens[] = {"fopen", "fopen64"};
    for (int i = 0; i < 2; i++) {
        if ((f = sym(fopens[i])) != NULL) {
            errno = ERRNO_MARK;
            FILE *fp = ((fopen_fn)f)(path, "rb");
            errno_after = errno;
            report_fd(fopens[i], fp != NULL ? dup(fileno(fp)) : -1);
            if (fp != NULL) {
                fclose(fp);
            }
        }
    }
    const char *stats[] = {"stat", "stat64", "lstat", "lstat64"};
    for (int i = 0; i < 4; i++) {
        if ((f = sym(stats[i])) != NULL) {
            memset(&st, 0, sizeof(st));
            report_stat(stats[i], (int)CALL(((stat_fn)f)(path, &st)), &st);
        }
    }
    const char *fstatats[] = {"fstatat", "fstatat64"};
    for (int i = 0; i < 2; i++) {
        if ((f = sym(fstatats[i])) != NULL) {
            memset(&st, 0, sizeof(st));
            report_stat(fstatats[i], (int)CALL(((fstatat_fn)f)(AT_FDCWD, path, &st, 0)), &st);
        }
    }
    const char *xstats[] = {"__xstat", "__xstat64", "__lxstat", "__lxstat64"};
    for (int i = 0; i < 4; i++) {
        if ((f = sym(xstats[i])) != NULL) {
            memset(&st, 0, sizeof(st));
            report_stat(xstats[i], (int)CALL(((xstat_fn)f)(1, path, &st)), &st);
        }
    }
    const char *fxstatats[] = {"__fxstatat", "__fxstatat64"};
    for (int i = 0; i < 2; i++) {
        if ((f = sym(fxstatats[i])) != NULL) {
            memset(&st, 0, sizeof(st));
            report_stat(fxstatats[i], (int)CALL(((fxstatat_fn)f)(1, AT_FDCWD, path, &st, 0)), &st);
        }
    }
    if ((f = sym("statx")) != NULL) {
        memset(&stx, 0, sizeof(stx));
        int r = (int)CALL(((statx_fn)f)(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx));
        if (r != 0) {
            printf("statx: -1 %s\n", strerrorname_np(errno_after));
        } else {
            printf("statx: 0 mode %o size %llu ino %llu mtime %lld%s\n", (unsigned)stx.stx_mode,
                   (unsigned long long)stx.stx_size, (unsigned long long)stx.stx_ino,
                   (long long)stx.stx_mtime.tv_sec, errno_note());
        }
    }
    if ((f = sym("access")) != NULL) {
        int r = (int)CALL(((access_fn)f)(path, R_OK));
        printf("access R_OK: %d %s%s\n", r, r != 0 ? strerrorname_np(errno_after) : "",
               r == 0 ? errno_note() : "");
    }
    if ((f = sym("faccessat")) != NULL) {
        int r = (int)CALL(((faccessat_fn)f)(AT_FDCWD, path, F_OK, 0));
        printf("faccessat F_OK: %d %s%s\n", r, r != 0 ? strerrorname_np(errno_after) : "",
               r == 0 ? errno_note() : "");
    }
    /* errno survives a successful call untouched. */
    if ((f = sym("open")) != NULL) {
        errno = 1234;
        int fd = ((open_fn)f)("/", O_RDONLY | O_DIRECTORY);
        printf("errno kept: %s\n", errno == 1234 ? "yes" : "no");
        if (fd >= 0) {
            close(fd);
        }
    }
}

static void read_path(const char *who, const char *path)
{
    char c[128];
    int fd = open(path, O_RDONLY);

    if (fd < 0) {
        printf("%s: -1 %s\n", who, strerrorname_np(errno));
        return;
    }
    content(fd, c, sizeof(c));
    close(fd);
    printf("%s: %s\n", who, c);
    fflush(stdout);
}

/*
 * The JVM's crash handler opens hs_err_pid*.log from a signal handler: a timer
 * signal opens and writes a log file (a non-target, O_CREAT) thousands of
 * times while the main loop opens and reads path (a target).  Nothing may
 * deadlock, and errno of the interrupted code must survive the handler's opens.
 */
static const char *sig_log;
static volatile sig_atomic_t sig_count, sig_failed;

static void on_alarm(int sig)
{
    int saved = errno;
    (void)sig;
    int fd = open(sig_log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0 || write(fd, "x", 1) != 1) {
        sig_failed = 1;
    }
    if (fd >= 0) {
        close(fd);
    }
    sig_count = sig_count + 1;
    errno = saved;
}

static int signals(const char *path, const char *log)
{
    struct sigaction sa;
    struct itimerval it = {{0, 200}, {0, 200}};
    char first[128], c[128];

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    sig_log = log;
    first[0] = '\0';
    setitimer(ITIMER_REAL, &it, NULL);
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0) {
            bad++;
            continue;
        }
        content(fd, c, sizeof(c));
        close(fd);
        if (first[0] == '\0') {
            snprintf(first, sizeof(first), "%s", c);
        } else if (strcmp(first, c) != 0) {
            bad++;
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("signals: %s, %d bad reads, handler ran %s, handler failures %d\n", first, bad,
           sig_count > 10 ? "often" : "rarely", (int)sig_failed);
    return 0;
}

/* Two opens of path: each has its own offset, and neither can write. */
static int offsets(const char *path)
{
    unsigned char a[100], b[4];
    int fa = open(path, O_RDONLY), fb;

    if (fa < 0 || read(fa, a, sizeof(a)) != (ssize_t)sizeof(a)) {
        printf("offsets: cannot read %s\n", path);
        return 1;
    }
    fb = open(path, O_RDONLY);
    if (fb < 0 || read(fb, b, sizeof(b)) != (ssize_t)sizeof(b)) {
        printf("offsets: second open failed\n");
        return 1;
    }
    long off_a = (long)lseek(fa, 0, SEEK_CUR), off_b = (long)lseek(fb, 0, SEEK_CUR);
    int same_start = memcmp(a, b, sizeof(b)) == 0;
    ssize_t w = write(fb, "x", 1);
    printf("offsets: a %ld b %ld same-start %s write %s\n", off_a, off_b, same_start ? "yes" : "no",
           w < 0 ? "refused" : "allowed");
    close(fa);
    close(fb);
    return 0;
}

/*
 * The content stays the same for the life of the process: read path, replace
 * the manifest by a valid one without certificates, then read path again and
 * other, a target not opened before the change.  Both must be served as the
 * first manifest said: it is read once per process.
 */
static int reread(const char *path, const char *manifest, const char *other)
{
    read_path("before", path);
    FILE *f = fopen(manifest, "w");
    if (f == NULL || fputs("{ \"version\": 1, \"certificates\": [] }\n", f) < 0 || fclose(f) != 0) {
        printf("reread: cannot rewrite %s\n", manifest);
        return 1;
    }
    read_path("after", path);
    read_path("other", other);
    return 0;
}

/*
 * Secure-execution mode: the loader ignores LD_PRELOAD paths in a setuid
 * program, so the library is loaded with dlopen() and its own open() and
 * stat() are called.  Prints AT_SECURE, what open(path) reads, and stat(ks).
 */
static int via_dlopen(const char *lib, const char *path, const char *ks)
{
    char c[128];
    struct stat st;
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

    printf("secure %lu\n", getauxval(AT_SECURE));
    if (h == NULL) {
        printf("dlopen: %s\n", dlerror());
        return 1;
    }
    open_fn f = (open_fn)dlsym(h, "open");
    stat_fn g = (stat_fn)dlsym(h, "stat");
    if (f == NULL || g == NULL) {
        printf("dlsym: no open or stat in %s\n", lib);
        return 1;
    }
    int fd = f(path, O_RDONLY);
    if (fd < 0) {
        printf("open: -1 %s\n", strerrorname_np(errno));
    } else {
        content(fd, c, sizeof(c));
        close(fd);
        printf("open: %s\n", c);
    }
    int r = g(ks, &st);
    printf("stat: %s\n", r == 0 ? "0" : strerrorname_np(errno));
    return 0;
}

/*
 * The mode argument reaches open(2) through every variadic form (the library
 * defines them with a named mode on x86-64 and AArch64): files created under
 * umask 0 with distinct modes, and an O_TMPFILE, print their modes.
 */
static int create(const char *dir)
{
    static const char *const names[] = {"open", "open64", "openat", "openat64"};
    static const unsigned int modes[] = {0640, 0604, 0460, 0406};
    char path[4096];
    struct stat st;

    umask(0);
    for (int i = 0; i < 4; i++) {
        void *f = sym(names[i]);
        if (f == NULL) {
            return 1;
        }
        snprintf(path, sizeof(path), "%s/created-%s", dir, names[i]);
        int fd = (i < 2) ? ((open_fn)f)(path, O_WRONLY | O_CREAT | O_EXCL, modes[i])
                         : ((openat_fn)f)(AT_FDCWD, path, O_WRONLY | O_CREAT | O_EXCL, modes[i]);
        printf("%s: %s\n", names[i], fd < 0 ? strerrorname_np(errno) : "created");
        if (fd >= 0) {
            fstat(fd, &st);
            printf("%s: mode %o\n", names[i], (unsigned)st.st_mode & 07777);
            close(fd);
        }
    }
    int fd = ((open_fn)sym("open64"))(dir, O_TMPFILE | O_RDWR, 0620);
    if (fd >= 0) {
        fstat(fd, &st);
        printf("O_TMPFILE: mode %o\n", (unsigned)st.st_mode & 07777);
        close(fd);
    } else {
        printf("O_TMPFILE: %s\n", strerrorname_np(errno));
    }
    return 0;
}

/* Size and mtime as each stat-like call of PATH sees them, and fstat of a descriptor open() gave.
 */
static int statfd(const char *path)
{
    stat_fn st = (stat_fn)sym("stat"), lst = (stat_fn)sym("lstat");
    fstatat_fn at = (fstatat_fn)sym("fstatat");
    statx_fn sx = (statx_fn)sym("statx");
    open_fn op = (open_fn)sym("open");
    struct stat b;
    struct statx x;

    if (st == NULL || lst == NULL || at == NULL || sx == NULL || op == NULL) {
        return 1;
    }
    if (st(path, &b) == 0) {
        printf("stat %lld %lld.%09ld\n", (long long)b.st_size, (long long)b.st_mtim.tv_sec,
               b.st_mtim.tv_nsec);
    }
    if (lst(path, &b) == 0) {
        printf("lstat %s %lld %lld.%09ld\n", S_ISLNK(b.st_mode) ? "link" : "file",
               (long long)b.st_size, (long long)b.st_mtim.tv_sec, b.st_mtim.tv_nsec);
    }
    if (at(AT_FDCWD, path, &b, 0) == 0) {
        printf("fstatat %lld %lld.%09ld\n", (long long)b.st_size, (long long)b.st_mtim.tv_sec,
               b.st_mtim.tv_nsec);
    }
    if (sx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &x) == 0) {
        printf("statx %llu %lld.%09u\n", (unsigned long long)x.stx_size,
               (long long)x.stx_mtime.tv_sec, x.stx_mtime.tv_nsec);
    }
    int fd = op(path, O_RDONLY);
    if (fd < 0) {
        printf("open failed: %s\n", strerror(errno));
        return 1;
    }
    if (fstat(fd, &b) == 0) {
        printf("fstat %lld %lld.%09ld\n", (long long)b.st_size, (long long)b.st_mtim.tv_sec,
               b.st_mtim.tv_nsec);
    }
    char buf[65536];
    long long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        total += n;
    }
    printf("read %lld\n", total);
    close(fd);
    return 0;
}

/* Every path read once; what a cache per spelling would show: descriptors held, distinct answers.
 */
static int many(int n, char **paths)
{
    open_fn op = (open_fn)sym("open");
    stat_fn st = (stat_fn)sym("stat");
    long long first_size = -1;
    unsigned long long first_ino = 0;
    int sizes = 0, inodes = 0, failed = 0;

    if (op == NULL || st == NULL) {
        return 1;
    }
    for (int i = 0; i < n; i++) {
        struct stat b;
        char buf[65536];
        long long total = 0;
        ssize_t r;
        int fd = op(paths[i], O_RDONLY);
        if (fd < 0 || st(paths[i], &b) != 0) {
            failed++;
            if (fd >= 0) {
                close(fd);
            }
            continue;
        }
        while ((r = read(fd, buf, sizeof(buf))) > 0) {
            total += r;
        }
        close(fd);
        if (first_size < 0) {
            first_size = total;
            first_ino = (unsigned long long)b.st_ino;
        }
        sizes += (total != first_size);
        inodes += ((unsigned long long)b.st_ino != first_ino);
    }
    int fds = 0;
    for (int fd = 0; fd < 65536; fd++) {
        fds += (fcntl(fd, F_GETFD) >= 0);
    }
    printf("failed %d other-sizes %d other-inodes %d fds %d\n", failed, sizes, inodes, fds);
    return 0;
}

static const char *churn_path;
static int churn_stop;
static long churn_reads;

static void *churn_reader(void *arg)
{
    open_fn op = (open_fn)sym("open");
    stat_fn st = (stat_fn)sym("stat");
    char buf[65536];

    (void)arg;
    while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE)) {
        struct stat b;
        int fd = op(churn_path, O_RDONLY);
        (void)st(churn_path, &b);
        if (fd >= 0) {
            while (read(fd, buf, sizeof(buf)) > 0) {
            }
            close(fd);
            __atomic_add_fetch(&churn_reads, 1, __ATOMIC_RELAXED);
        }
    }
    return NULL;
}

static long long read_size(const char *path)
{
    open_fn op = (open_fn)sym("open");
    char buf[65536];
    long long total = 0;
    ssize_t r;
    int fd = op(path, O_RDONLY);

    if (fd < 0) {
        return -1;
    }
    while ((r = read(fd, buf, sizeof(buf))) > 0) {
        total += r;
    }
    close(fd);
    return total;
}

/* Readers race a writer that rewrites the file in place: builds retire while readers run. */
static int churn(const char *path, const char *a, const char *b, int n)
{
    static char content[2][65536];
    ssize_t len[2];
    pthread_t t[4];

    for (int i = 0; i < 2; i++) {
        int fd = open(i == 0 ? a : b, O_RDONLY);
        len[i] = (fd >= 0) ? read(fd, content[i], sizeof(content[i])) : -1;
        if (fd >= 0) {
            close(fd);
        }
        if (len[i] <= 0) {
            printf("cannot read %s\n", i == 0 ? a : b);
            return 1;
        }
    }
    churn_path = path;
    for (int i = 0; i < 4; i++) {
        pthread_create(&t[i], NULL, churn_reader, NULL);
    }
    for (int i = 0; i < n; i++) {
        /* The system call, not open(): the library refuses a process the writes of a file it was
         * served (no write-back); the writer here stands for another process (keytool). */
        int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_TRUNC);
        if (fd < 0 || write(fd, content[i % 2], (size_t)len[i % 2]) != len[i % 2]) {
            printf("cannot write %s\n", path);
            return 1;
        }
        close(fd);
        usleep(2000);
    }
    __atomic_store_n(&churn_stop, 1, __ATOMIC_RELEASE);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
    }
    printf("reads %s final %lld\n", churn_reads > 0 ? "some" : "none", read_size(path));
    return 0;
}

/* After PATH was read (served), each way of writing it, one line each: "name: errno name" or
 * "ok".
 */
static int writeback(const char *path, const char *other)
{
    static const struct {
        const char *name;
        int flags;
    } opens[] = {{"O_WRONLY", O_WRONLY},
                 {"O_RDWR", O_RDWR},
                 {"O_RDONLY|O_TRUNC", O_RDONLY | O_TRUNC},
                 {"O_WRONLY|O_CREAT|O_TRUNC", O_WRONLY | O_CREAT | O_TRUNC}};
    static const char *const fmodes[] = {"w", "a", "r+", "wbe"};
    char c;

    int fd = ((open_fn)sym("open"))(path, O_RDONLY);
    if (fd < 0 || read(fd, &c, 1) != 1) {
        printf("read: failed\n");
        return 1;
    }
    close(fd);
    for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
        const char *names[] = {"open", "open64", "openat", "openat64"};
        for (int k = 0; k < 4; k++) {
            void *f = sym(names[k]);
            errno = 0;
            fd = (k < 2) ? ((open_fn)f)(path, opens[i].flags, 0600)
                         : ((openat_fn)f)(AT_FDCWD, path, opens[i].flags, 0600);
            printf("%s %s: %s\n", names[k], opens[i].name, fd < 0 ? strerrorname_np(errno) : "ok");
            if (fd >= 0) {
                close(fd);
            }
        }
    }
    for (size_t i = 0; i < sizeof(fmodes) / sizeof(fmodes[0]); i++) {
        FILE *f = ((fopen_fn)sym("fopen"))(path, fmodes[i]);
        printf("fopen %s: %s\n", fmodes[i], f == NULL ? strerrorname_np(errno) : "ok");
        if (f != NULL) {
            fclose(f);
        }
    }
    typedef int (*rename_fn)(const char *, const char *);
    typedef int (*renameat_fn)(int, const char *, int, const char *);
    typedef int (*renameat2_fn)(int, const char *, int, const char *, unsigned int);
    int r = ((rename_fn)sym("rename"))(other, path);
    printf("rename: %s\n", r != 0 ? strerrorname_np(errno) : "ok");
    r = ((renameat_fn)sym("renameat"))(AT_FDCWD, other, AT_FDCWD, path);
    printf("renameat: %s\n", r != 0 ? strerrorname_np(errno) : "ok");
    r = ((renameat2_fn)sym("renameat2"))(AT_FDCWD, other, AT_FDCWD, path, 0);
    printf("renameat2: %s\n", r != 0 ? strerrorname_np(errno) : "ok");
    /* Read-only opens are still served, and O_RDONLY|O_CREAT of the existing file still opens
     * it.
     */
    fd = ((open_fn)sym("open"))(path, O_RDONLY | O_CREAT, 0600);
    printf("O_RDONLY|O_CREAT: %s\n", fd < 0 ? strerrorname_np(errno) : "ok");
    if (fd >= 0) {
        close(fd);
    }
    return 0;
}

static int writemany(const char *unread, int n, char **paths)
{
    open_fn op = (open_fn)sym("open");
    const char *which[] = {"first", "last", "unread"};
    const char *path[] = {paths[0], paths[n - 1], unread};
    char c;

    for (int i = 0; i < n; i++) {
        int fd = op(paths[i], O_RDONLY);
        if (fd < 0 || read(fd, &c, 1) != 1) {
            printf("read %s: failed\n", paths[i]);
            return 1;
        }
        close(fd);
    }
    for (int k = 0; k < 3; k++) {
        int fd = op(path[k], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        printf("write %s: %s\n", which[k], fd < 0 ? strerrorname_np(errno) : "ok");
        if (fd >= 0) {
            close(fd);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "writemany") == 0) {
        return writemany(argv[2], argc - 3, argv + 3);
    }
    if (argc == 4 && strcmp(argv[1], "writeback") == 0) {
        return writeback(argv[2], argv[3]);
    }
    if (argc == 6 && strcmp(argv[1], "churn") == 0) {
        return churn(argv[2], argv[3], argv[4], atoi(argv[5]));
    }
    if (argc >= 3 && strcmp(argv[1], "many") == 0) {
        return many(argc - 2, argv + 2);
    }
    if (argc == 3 && strcmp(argv[1], "statfd") == 0) {
        return statfd(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "create") == 0) {
        return create(argv[2]);
    }
    if (argc == 5 && strcmp(argv[1], "dlopen") == 0) {
        return via_dlopen(argv[2], argv[3], argv[4]);
    }
    if (argc == 5 && strcmp(argv[1], "reread") == 0) {
        return reread(argv[2], argv[3], argv[4]);
    }
    if (argc == 4 && strcmp(argv[1], "signals") == 0) {
        return signals(argv[2], argv[3]);
    }
    if (argc == 3 && strcmp(argv[1], "offsets") == 0) {
        return offsets(argv[2]);
    }
    if (argc >= 3 && strcmp(argv[1], "calls") == 0) {
        for (int i = 2; i < argc; i++) {
            calls(argv[i]);
        }
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "read") == 0) {
        read_path("read", argv[2]);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "fork") == 0) {
        read_path("parent", argv[2]);
        pid_t pid = fork();
        if (pid == 0) {
            read_path("child", argv[2]);
            fflush(stdout);
            execl("/proc/self/exe", argv[0], "read", argv[2], (char *)NULL);
            _exit(127);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        read_path("parent-again", argv[2]);
        return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : 1;
    }
    fprintf(stderr,
            "usage: probe calls PATH... | read PATH | fork PATH | offsets PATH | signals PATH LOG "
            "| reread PATH MANIFEST OTHER | dlopen LIB PATH KS | create DIR\n");
    return 2;
}
