/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hot-path and serving costs of libtrustshim.so; run it with and without
 * LD_PRELOAD (bench/run.sh does).  Prints one line: "<what> <ns per call>".
 *   bench_preload open N PATH     N x open(PATH, O_RDONLY) + close
 *   bench_preload stat N PATH     N x stat(PATH)
 *   bench_preload first PATH      the first open+read (builds the merged blob) and the mean of 200
 * later ones
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
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
        double t0 = now_ns();
        if (open_read_close(argv[2]) != 0) {
            perror(argv[2]);
            return 1;
        }
        double first = now_ns() - t0;
        t0 = now_ns();
        for (int i = 0; i < 200; i++) {
            open_read_close(argv[2]);
        }
        printf("first %.0f later %.0f\n", first, (now_ns() - t0) / 200.0);
        return 0;
    }
    fprintf(stderr, "usage: bench_preload open|stat N PATH | first PATH\n");
    return 2;
}
