/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A library whose constructor reads a keystore (TS_CTOR_PATH): it runs
 * before libtrustshim.so's own constructor (dependencies of the program are
 * initialised first), so the library must work before it is "ready".
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char ts_ctor_result[128] = "constructor did not run";
void ts_ctor_read(const char *path, char *out, size_t size);

void ts_ctor_read(const char *path, char *out, size_t size)
{
    unsigned char buf[65536];
    uint64_t h = 1469598103934665603ULL;
    size_t total = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY);

    if (fd < 0) {
        snprintf(out, size, "open failed");
        return;
    }
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            h = (h ^ buf[i]) * 1099511628211ULL;
        }
        total += (size_t)n;
    }
    close(fd);
    snprintf(out, size, "size %zu hash %016llx", total, (unsigned long long)h);
}

__attribute__((constructor)) static void ctor(void)
{
    const char *p = getenv("TS_CTOR_PATH");
    if (p != NULL) {
        ts_ctor_read(p, ts_ctor_result, sizeof(ts_ctor_result));
    }
}
