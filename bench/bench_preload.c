/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hot-path and serving costs of libtrustshim.so; run it with and without
 * LD_PRELOAD (bench/run.sh does).  Prints one line: "<what> <ns per call>".
 *   bench_preload open N PATH     N x open(PATH, O_RDONLY) + close
 *   bench_preload stat N PATH     N x stat(PATH)
 *   bench_preload pair N PATH     both, through the library and through libc's own functions, in
 *                                 one process: "pair <lib open> <libc open> <lib stat> <libc stat>
 *                                 <open overhead %> <stat overhead %>" (medians over blocks)
 *   bench_preload first PATH      the first open+read (builds the merged blob), the growth of
 *                                 the peak memory (VmHWM) it caused, and the mean of 200
 *                                 later ones
 *   bench_preload tail N          ts_tail_classify alone on typical JVM paths
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "target.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int open_read_close(const char *path)
{
    static char buf[1 << 16];
    int fd = open(path, O_RDONLY);

    if (fd < 0) {
        return -1;
    }
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    close(fd);
    return 0;
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*stat_fn)(const char *, struct stat *);

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) ? -1 : (x > y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_double);
    return (n % 2 == 1) ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Blocks of 1,000 calls through the normal symbols (the library's, as it is
 * preloaded) and through libc's own functions (dlopen("libc.so.6")), side by
 * side in one process, each side first in every other round.  Prints the
 * median ns per call of each side and the median of the per-round overheads:
 * a burst of load on a shared machine spoils a few rounds, not the figure.
 */
static int pair(long n, const char *path)
{
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    open_fn libc_open = libc != NULL ? (open_fn)dlsym(libc, "open") : NULL;
    stat_fn libc_stat = libc != NULL ? (stat_fn)dlsym(libc, "stat") : NULL;
    struct stat st;
    const long block = 1000;
    size_t rounds = (size_t)((n + block - 1) / block);
    double *t[6];

    if (libc_open == NULL || libc_stat == NULL) {
        fprintf(stderr, "cannot find libc's open/stat\n");
        return 1;
    }
    for (int i = 0; i < 6; i++) {
        t[i] = calloc(rounds, sizeof(double));
        if (t[i] == NULL) {
            return 1;
        }
    }
    for (size_t k = 0; k < rounds; k++) {
        for (int side = 0; side < 2; side++) {
            bool lib = ((k + (size_t)side) % 2) == 0;
            double t0 = now_ns();
            for (long i = 0; i < block; i++) {
                close(lib ? open(path, O_RDONLY) : libc_open(path, O_RDONLY));
            }
            double t1 = now_ns();
            for (long i = 0; i < block; i++) {
                if (lib) {
                    stat(path, &st);
                } else {
                    libc_stat(path, &st);
                }
            }
            double t2 = now_ns();
            t[lib ? 0 : 1][k] = (t1 - t0) / (double)block;
            t[lib ? 2 : 3][k] = (t2 - t1) / (double)block;
        }
        t[4][k] = (t[0][k] - t[1][k]) * 100 / t[1][k];
        t[5][k] = (t[2][k] - t[3][k]) * 100 / t[3][k];
    }
    double m[6];
    for (int i = 0; i < 6; i++) {
        m[i] = median(t[i], rounds);
        free(t[i]);
    }
    printf("pair %.1f %.1f %.1f %.1f %.2f %.2f\n", m[0], m[1], m[2], m[3], m[4], m[5]);
    return 0;
}

static int tail(long n)
{
    static const char *const paths[] = {
        "/usr/lib/jvm/java-17-openjdk-amd64/lib/modules",
        "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
        "/proc/self/maps",
        "/opt/tomcat/webapps/ROOT/WEB-INF/lib/allegra-core-8.1.2.jar",
        "/opt/tomcat/webapps/ROOT/WEB-INF/classes/com/aurel/track/Foo.class",
        "/sys/fs/cgroup/cpu.max",
        "/usr/lib/jvm/java-17-openjdk-amd64/conf/security/java.security",
        "/etc/localtime",
    };
    const size_t np = sizeof(paths) / sizeof(paths[0]);
    volatile int sink = 0;
    double t0 = now_ns();

    for (long i = 0; i < n; i++) {
        sink += (int)ts_tail_classify(paths[(size_t)i % np], NULL);
    }
    printf("tail %.2f\n", (now_ns() - t0) / (double)n);
    return sink < 0 ? 1 : 0;
}

/* The process's peak resident memory (VmHWM), KiB; 0 when unknown. */
static long peak_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = 0;

    while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kb = atol(line + 6);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return kb;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "tail") == 0) {
        return tail(atol(argv[2]));
    }
    if (argc == 4 && strcmp(argv[1], "pair") == 0) {
        return pair(atol(argv[2]), argv[3]);
    }
    if (argc == 4 && strcmp(argv[1], "open") == 0) {
        long n = atol(argv[2]);
        double t0 = now_ns();
        for (long i = 0; i < n; i++) {
            int fd = open(argv[3], O_RDONLY);
            if (fd < 0) {
                perror(argv[3]);
                return 1;
            }
            close(fd);
        }
        printf("open+close %.1f\n", (now_ns() - t0) / (double)n);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "stat") == 0) {
        long n = atol(argv[2]);
        struct stat st;
        double t0 = now_ns();
        for (long i = 0; i < n; i++) {
            if (stat(argv[3], &st) != 0) {
                perror(argv[3]);
                return 1;
            }
        }
        printf("stat %.1f\n", (now_ns() - t0) / (double)n);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "first") == 0) {
        long hwm0 = peak_kb();
        double t0 = now_ns();
        if (open_read_close(argv[2]) != 0) {
            perror(argv[2]);
            return 1;
        }
        double first = now_ns() - t0;
        long hwm1 = peak_kb();
        t0 = now_ns();
        for (int i = 0; i < 200; i++) {
            open_read_close(argv[2]);
        }
        printf("first %.0f later %.0f peak_kb %ld\n", first, (now_ns() - t0) / 200.0, hwm1 - hwm0);
        return 0;
    }
    fprintf(stderr, "usage: bench_preload open|stat|pair N PATH | first PATH\n");
    return 2;
}
