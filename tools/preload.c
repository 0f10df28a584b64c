/* SPDX-License-Identifier: Apache-2.0 */
/* Finding libtrustshim.so and composing LD_PRELOAD (exec and env). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"

int ts_library_candidate(const char *exe_dir, int which, char *out, size_t size)
{
    /* build tree: build/bin/trustshim -> build/lib/; install: bin/ -> lib/trustshim/ */
    static const char *const rel[] = {"../lib/libtrustshim.so", "../lib/trustshim/libtrustshim.so",
                                      "../lib64/trustshim/libtrustshim.so"};
    char joined[PATH_MAX];
    if ((which < 0) || ((size_t)which >= sizeof(rel) / sizeof(rel[0]))) {
        return -1;
    }
    if (snprintf(joined, sizeof(joined), "%s/%s", exe_dir, rel[which]) >= (int)sizeof(joined)) {
        return -1;
    }
    char real[PATH_MAX];
    if (!realpath(joined, real)) {
        return -1;
    }
    return (snprintf(out, size, "%s", real) < (int)size) ? 0 : -1;
}

/*
 * The dynamic loader skips, with a mere message, an LD_PRELOAD entry it cannot
 * load, and splits the variable at spaces and colons: CMD would then run
 * without the library.  Catch that here, before anything is started.
 */
static int check_library(const char *path, const char *origin, char *out, size_t size,
                         ts_error *err)
{
    unsigned char magic[4] = {0};
    struct stat st;
    ssize_t n = -1;
    int fd;
    ts_error_set_file(err, path);
    if (strpbrk(path, ": \t\n") != NULL) {
        return ts_error_set(err, NULL,
                            "%sLD_PRELOAD cannot hold a path with a space or ':'; put the "
                            "library in a directory without them",
                            origin);
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return ts_error_set(err, NULL, "%scannot read the library: %s", origin, strerror(errno));
    }
    if ((fstat(fd, &st) == 0) && S_ISREG(st.st_mode)) {
        n = read(fd, magic, sizeof(magic));
    }
    close(fd);
    if ((n != (ssize_t)sizeof(magic)) || (memcmp(magic, "\177ELF", 4) != 0)) {
        return ts_error_set(err, NULL, "%snot a shared library (no ELF header)", origin);
    }
    if (snprintf(out, size, "%s", path) >= (int)size) {
        return ts_error_set(err, NULL, "path too long");
    }
    ts_error_clear(err);
    return 0;
}

int ts_find_library(char *out, size_t size, ts_error *err)
{
    const char *env = getenv("TRUSTSHIM_LIBRARY");
    char exe[PATH_MAX];
    char dir[PATH_MAX];
    char real[PATH_MAX];
    ssize_t n;
    if (env && env[0]) {
        if (!realpath(env, real)) {
            ts_error_set_file(err, env);
            return ts_error_set(err, NULL, "TRUSTSHIM_LIBRARY: %s", strerror(errno));
        }
        return check_library(real, "TRUSTSHIM_LIBRARY: ", out, size, err);
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        return ts_error_set(err, NULL, "cannot read /proc/self/exe: %s", strerror(errno));
    }
    exe[n] = '\0';
    ts_dirname(exe, dir, sizeof(dir));
    for (int i = 0; i < 3; i++) {
        if ((ts_library_candidate(dir, i, real, sizeof(real)) == 0) && (access(real, R_OK) == 0)) {
            return check_library(real, "", out, size, err);
        }
    }
    ts_error_set_file(err, dir);
    return ts_error_set(
        err, NULL,
        "libtrustshim.so not found in ../lib/ or ../lib/trustshim/ (set TRUSTSHIM_LIBRARY)");
}

static bool is_sanitizer_runtime(const char *s, size_t len)
{
    static const char *const names[] = {"libasan", "libubsan", "libtsan", "libclang_rt.asan"};
    const char *base = s;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '/') {
            base = s + i + 1;
        }
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t k = strlen(names[i]);
        if (((size_t)(s + len - base) >= k) && (strncmp(base, names[i], k) == 0)) {
            return true;
        }
    }
    return false;
}

/* Appends the entries of old (separated by ':' or ' ') that are / are not sanitizer runtimes. */
static void append_entries(char *out, const char *old, const char *lib, bool sanitizers)
{
    const char *p = old;
    while (p && *p) {
        size_t len = strcspn(p, ": ");
        if ((len > 0) && (is_sanitizer_runtime(p, len) == sanitizers) &&
            !((strlen(lib) == len) && (strncmp(p, lib, len) == 0))) {
            if (out[0]) {
                strcat(out, ":");
            }
            strncat(out, p, len);
        }
        p += len;
        if (*p) {
            p++;
        }
    }
}

char *ts_preload_value(const char *old, const char *lib)
{
    size_t cap = (old ? strlen(old) : 0) + strlen(lib) + 3;
    char *out = calloc(1, cap);
    if (!out) {
        return NULL;
    }
    append_entries(out, old, lib, true);
    if (out[0]) {
        strcat(out, ":");
    }
    strcat(out, lib);
    append_entries(out, old, lib, false);
    return out;
}
