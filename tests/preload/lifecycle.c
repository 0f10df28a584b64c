/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process-lifecycle checks of libtrustshim.so (run under LD_PRELOAD by
 * tests/preload/lifecycle.sh, except dlclose).  Each prints one line and
 * exits 0 when the property holds, 1 when it does not; none can hang: every
 * wait is bounded, and the script runs each under timeout(1) too.
 *   lifecycle fork CACERTS KSDIR HOSTS RUNS CHILDREN
 *       RUNS times, in a fresh process: threads open KSDIR/h<i>.test.ks (each a new
 *       build, the first ones also reading the manifest and starting OpenSSL) while
 *       the main thread forks CHILDREN times; each child opens CACERTS (a first
 *       build) and must finish within 20 s
 *   lifecycle signal CACERTS
 *       CACERTS opened once, then opened again from a timer signal's handler while
 *       the main thread allocates and frees in a loop: every handler open is served,
 *       and nothing is allocated in the handler (the library's guarantee)
 *   lifecycle fifo CACERTS FIFO
 *       CACERTS opened; the library's master memfd closed behind its back and a
 *       FIFO put at its number; CACERTS opened again must not block
 *   lifecycle dlclose LIB CACERTS ROUNDS
 *       LIB dlopen'ed, its open() of CACERTS called, dlclose'd, ROUNDS times: the
 *       number of open descriptors must not grow
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Whether fd is one of the library's memfds (a served open). */
static int is_served(int fd)
{
    char link[64], target[256];

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0) {
        return 0;
    }
    target[n] = '\0';
    return strncmp(target, "/memfd:trustshim", 16) == 0;
}

/* Opens path, reads it to the end; 1 if it was served (a memfd) with content. */
static int open_served(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long total = 0;

    if (fd < 0) {
        return 0;
    }
    int served = is_served(fd);
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            break;
        }
        total += n;
    }
    close(fd);
    return served && total > 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------------ fork */

typedef struct builder {
    pthread_t thread;
    const char *dir;
    int first, step, hosts;
} builder;

static int stop_building, started;

static void *build_hosts(void *arg)
{
    builder *b = arg;
    char path[4096];

    /* Every builder starts before the first fork and ends after the last: a thread's start and
     * end allocate outside the library, and GCC 12's AddressSanitizer takes no lock of its
     * allocator at fork, so a child could hang in it. */
    __atomic_add_fetch(&started, 1, __ATOMIC_ACQ_REL);
    for (int i = b->first; i < b->hosts && !__atomic_load_n(&stop_building, __ATOMIC_ACQUIRE);
         i += b->step) {
        snprintf(path, sizeof(path), "%s/h%d.test.ks", b->dir, i);
        (void)open_served(path);
    }
    while (!__atomic_load_n(&stop_building, __ATOMIC_ACQUIRE)) {
        sleep_ms(1);
    }
    return NULL;
}

/* Waits at most limit_ms for pid; 0 exited (status in *status), -1 still running. */
static int wait_bounded(pid_t pid, long limit_ms, int *status)
{
    for (long t = 0; t <= limit_ms; t += 5) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            return 0;
        }
        sleep_ms(5);
    }
    return -1;
}

static int fork_while_building(const char *cacerts, const char *dir, int hosts, int children,
                               int *hung_out)
{
    enum { THREADS = 3 };
    builder b[THREADS];
    int hung = 0, failed = 0;

    for (int t = 0; t < THREADS; t++) {
        b[t] = (builder){.dir = dir, .first = t, .step = THREADS, .hosts = hosts};
        pthread_create(&b[t].thread, NULL, build_hosts, &b[t]);
    }
    while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < THREADS) {
        sleep_ms(1);
    }
    for (int c = 0; c < children; c++) {
        pid_t pid = fork();
        if (pid == 0) {
            alarm(30); /* a hung child dies on its own even if the parent is gone */
            _exit(open_served(cacerts) ? 0 : 3);
        }
        if (pid < 0) {
            failed++;
            continue;
        }
        int status = 0;
        if (wait_bounded(pid, 20000, &status) != 0) {
            hung++;
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            failed++;
        }
        sleep_ms(1);
    }
    __atomic_store_n(&stop_building, 1, __ATOMIC_RELEASE);
    for (int t = 0; t < THREADS; t++) {
        pthread_join(b[t].thread, NULL);
    }
    *hung_out = hung;
    return failed;
}

/* Each run in a new process that has not used the library yet: the first builds start there. */
static int fork_runs(const char *cacerts, const char *dir, int hosts, int runs, int children)
{
    int fds[2], hung = 0, failed = 0;

    for (int r = 0; r < runs; r++) {
        if (pipe(fds) != 0) {
            return 1;
        }
        pid_t pid = fork();
        if (pid == 0) {
            int result[2] = {0, 0};
            close(fds[0]);
            alarm(100);
            result[1] = fork_while_building(cacerts, dir, hosts, children, &result[0]);
            (void)write(fds[1], result, sizeof(result));
            _exit(0);
        }
        close(fds[1]);
        int result[2] = {0, children}, status = 0;
        if (pid < 0 || wait_bounded(pid, 110000, &status) != 0 ||
            read(fds[0], result, sizeof(result)) != (ssize_t)sizeof(result)) {
            result[1] = children;
            if (pid > 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
            }
        }
        close(fds[0]);
        hung += result[0];
        failed += result[1];
    }
    printf("fork: %d runs of %d children, %d hung, %d not served\n", runs, children, hung, failed);
    return (hung == 0 && failed == 0) ? 0 : 1;
}

/* ---------------------------------------------------------------- signal */

static const char *sig_path;
static volatile sig_atomic_t sig_opens, sig_bad;

/*
 * This program's own malloc family (the executable's definitions come first
 * for every library, libtrustshim.so included): they count the calls made
 * while the signal handler runs.  The guarantee is none at all.  Not under
 * AddressSanitizer, whose allocator the program's must not bypass.
 */
static volatile sig_atomic_t in_handler, handler_allocs;
/* GCC says __SANITIZE_ADDRESS__; clang before 16 only answers __has_feature. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_LIFECYCLE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(TS_LIFECYCLE_ASAN)
#define ALLOCS_COUNTED 0
#else
#define ALLOCS_COUNTED 1
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

void *malloc(size_t size)
{
    handler_allocs += in_handler;
    return __libc_malloc(size);
}
void *calloc(size_t n, size_t size)
{
    handler_allocs += in_handler;
    return __libc_calloc(n, size);
}
void *realloc(void *p, size_t size)
{
    handler_allocs += in_handler;
    return __libc_realloc(p, size);
}
void free(void *p)
{
    handler_allocs += in_handler;
    __libc_free(p);
}
#endif

static void on_timer(int sig)
{
    (void)sig;
    int saved = errno;
    in_handler = 1;
    int fd = open(sig_path, O_RDONLY | O_CLOEXEC);
    unsigned char magic[4];

    if (fd < 0 || !is_served(fd) || read(fd, magic, 4) != 4) {
        sig_bad++;
    }
    if (fd >= 0) {
        close(fd);
    }
    sig_opens++;
    in_handler = 0;
    errno = saved;
}

static int signal_opens(const char *cacerts)
{
    struct sigaction sa;
    struct itimerval it = {{0, 500}, {0, 500}};
    void *blocks[64] = {0};

    if (!open_served(cacerts)) {
        printf("signal: %s not served at the first open\n", cacerts);
        return 1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_timer;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    sig_path = cacerts;
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    unsigned seed = 1;
    do {
        for (int i = 0; i < 100000; i++) {
            seed = seed * 1103515245u + 12345u;
            int k = (int)((seed >> 16) % 64);
            free(blocks[k]);
            blocks[k] = malloc(16 + (seed >> 8) % 8192);
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec - start.tv_sec < 2);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    for (int k = 0; k < 64; k++) {
        free(blocks[k]);
    }
    if (ALLOCS_COUNTED) {
        printf("signal: %d opens in the handler, %d not served, %d allocations there\n",
               (int)sig_opens, (int)sig_bad, (int)handler_allocs);
    } else {
        printf("signal: %d opens in the handler, %d not served (allocations not counted under "
               "AddressSanitizer)\n",
               (int)sig_opens, (int)sig_bad);
    }
    return (sig_opens > 10 && sig_bad == 0 && handler_allocs == 0) ? 0 : 1;
}

/* ------------------------------------------------------------------ fifo */

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "fifo: the open blocked (a FIFO at the master's number)\n";
    (void)write(1, msg, sizeof(msg) - 1);
    _exit(1);
}

static int fifo_at_master(const char *cacerts, const char *fifo)
{
    if (!open_served(cacerts)) {
        printf("fifo: %s not served\n", cacerts);
        return 1;
    }
    /* The library's master: the memfd this program does not know of. */
    int master = -1;
    for (int fd = 3; fd < 1024; fd++) {
        if (is_served(fd)) {
            master = fd;
            break;
        }
    }
    if (master < 0) {
        printf("fifo: no master memfd found\n");
        return 1;
    }
    /* As a program that closes every descriptor it does not know, then opens a FIFO. */
    close(master);
    if (mkfifo(fifo, 0600) != 0) {
        printf("fifo: mkfifo %s: %s\n", fifo, strerror(errno));
        return 1;
    }
    int f = open(fifo, O_RDONLY | O_NONBLOCK);
    if (f < 0 || (f != master && dup2(f, master) != master)) {
        printf("fifo: cannot put the FIFO at %d\n", master);
        return 1;
    }
    if (f != master) {
        close(f);
    }
    signal(SIGALRM, on_alarm);
    alarm(10);
    int ok = open_served(cacerts);
    alarm(0);
    printf("fifo: open with a FIFO at the master's number %d: %s\n", master,
           ok ? "served" : "not served");
    return ok ? 0 : 1;
}

/* --------------------------------------------------------------- dlclose */

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    if (d == NULL) {
        return -1;
    }
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n;
}

typedef int (*open_fn)(const char *, int, ...);

static int dlclose_rounds(const char *lib, const char *cacerts, int rounds)
{
    int before = -1, served = 0;

    for (int r = 0; r < rounds; r++) {
        void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
        if (h == NULL) {
            printf("dlclose: dlopen: %s\n", dlerror());
            return 1;
        }
        open_fn lib_open = (open_fn)dlsym(h, "open");
        int fd = (lib_open != NULL) ? lib_open(cacerts, O_RDONLY | O_CLOEXEC) : -1;
        if (fd >= 0) {
            served += is_served(fd);
            close(fd);
        }
        dlclose(h);
        if (r == 0) {
            before = count_fds(); /* after one round: what stays loaded (libcrypto ...) */
        }
    }
    int after = count_fds();
    printf("dlclose: %d rounds, %d served, descriptors %d after the first round, %d after the "
           "last\n",
           rounds, served, before, after);
    return (served == rounds && after == before) ? 0 : 1;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 7 && strcmp(argv[1], "fork") == 0) {
        return fork_runs(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
    }
    if (argc == 3 && strcmp(argv[1], "signal") == 0) {
        return signal_opens(argv[2]);
    }
    if (argc == 4 && strcmp(argv[1], "fifo") == 0) {
        return fifo_at_master(argv[2], argv[3]);
    }
    if (argc == 5 && strcmp(argv[1], "dlclose") == 0) {
        return dlclose_rounds(argv[2], argv[3], atoi(argv[4]));
    }
    fprintf(stderr, "usage: lifecycle fork|signal|fifo|dlclose ...\n");
    return 2;
}
