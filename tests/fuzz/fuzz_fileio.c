/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for ts_file_check_safe and ts_dir_check_safe
 * (preload/core/fileio.c) and the /proc/self/fd/N and /proc/PID/fd/N parser.
 * The first byte picks the function and the prefix the rest follows:
 * "/proc/self/fd/" or "/proc/<our pid>/fd/" (this process has one sealed and
 * one unsealed memfd open), or a fixed directory tree made at start (safe and
 * unsafe modes, symlinks).
 * Invariant: /proc/self/fd/<digits> is accepted only when it names the
 * sealed memfd (other suffixes are ordinary paths: /proc/self/fd/ itself is
 * root's and safe for root).  See docs/fuzzing.md.
 */
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sealed = -1;
static char tree[64];

static void setup(void)
{
    int open_fd = memfd_create("fuzz-unsealed", MFD_ALLOW_SEALING);
    char p[128];

    sealed = memfd_create("fuzz-sealed", MFD_ALLOW_SEALING);
    if (sealed < 0 || open_fd < 0 || write(sealed, "{}", 2) != 2 ||
        fcntl(sealed, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW) != 0) {
        abort();
    }
    /* tree/safe/m.json (0644), tree/open/m.json in a 0777 directory, tree/link -> safe/m.json */
    fuzz_temp_dir("ts-fuzz-fileio", tree, sizeof(tree));
    snprintf(p, sizeof(p), "%s/safe", tree);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/open", tree);
    mkdir(p, 0755);
    chmod(p, 0777);
    snprintf(p, sizeof(p), "%s/safe/m.json", tree);
    close(open(p, O_CREAT | O_WRONLY, 0644));
    snprintf(p, sizeof(p), "%s/open/m.json", tree);
    close(open(p, O_CREAT | O_WRONLY, 0666));
    snprintf(p, sizeof(p), "%s/link", tree);
    if (symlink("safe/m.json", p) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[PATH_MAX];
    ts_error err;
    int n;

    if (sealed < 0) {
        setup();
    }
    if (size < 1 || size > 200 || memchr(data + 1, '\0', size - 1) != NULL) {
        return 0;
    }
    if (data[0] & 1) {
        /* /proc/self/fd/ or this process's /proc/PID/fd/: the same descriptors */
        char proc[32];

        snprintf(proc, sizeof(proc), (data[0] & 2) ? "/proc/%d/fd/" : "/proc/self/fd/",
                 (int)getpid());
        n = snprintf(path, sizeof(path), "%s%.*s", proc, (int)(size - 1), (const char *)data + 1);
    } else {
        n = snprintf(path, sizeof(path), "%s/%.*s", tree, (int)(size - 1), (const char *)data + 1);
    }
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return 0;
    }
    if ((data[0] & 4) != 0) {
        (void)ts_dir_check_safe(path, getuid(), &err);
        return 0;
    }
    if (ts_file_check_safe(path, getuid(), &err) == 0 && (data[0] & 1) && size > 1 &&
        strspn(path + (size_t)n - (size - 1), "0123456789") == size - 1) {
        char want[32];
        const char *digits = path + (size_t)n - (size - 1);

        while (digits[0] == '0' && digits[1] != '\0') {
            digits++; /* the parser reads leading zeros as the kernel would not: harmless */
        }
        snprintf(want, sizeof(want), "%d", sealed);
        if (strcmp(digits, want) != 0) {
            abort();
        }
    }
    return 0;
}
