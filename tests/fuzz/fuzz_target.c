/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the preload's path and command-line parsing
 * (preload/target.c), which runs in every preloaded process: the first byte
 * picks ts_path_normalize, ts_ks_split, ts_cmdline_property over a
 * /proc/self/cmdline-like buffer, or the TRUSTSHIM_LOG level parser.
 * Invariants: a normalized path is absolute, has no empty, "." or ".."
 * component and normalizes to itself; ts_ks_split gives back the path's own
 * directory and "<host>.ks"; a property's value lies inside the buffer and
 * ends with its NUL.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normalize(const char *path)
{
    char out[512], again[512];

    if (!ts_path_normalize(path, out, sizeof(out))) {
        return;
    }
    if (out[0] != '/' || strstr(out, "//") != NULL || strstr(out, "/./") != NULL ||
        strstr(out, "/../") != NULL || (strlen(out) > 1 && out[strlen(out) - 1] == '/')) {
        abort();
    }
    if (!ts_path_normalize(out, again, sizeof(again)) || strcmp(out, again) != 0) {
        abort();
    }
}

static void check_ks_split(const char *path)
{
    char dir[256], host[128];
    size_t len = strlen(path);

    if (!ts_ks_split(path, dir, sizeof(dir), host, sizeof(host))) {
        return;
    }
    size_t hn = strlen(host);
    if (hn == 0 || hn + 3 > len || memcmp(path + len - hn - 3, host, hn) != 0 ||
        strcmp(path + len - 3, ".ks") != 0) {
        abort();
    }
    if (strcmp(dir, ".") != 0 && strcmp(dir, "/") != 0 &&
        (strncmp(path, dir, strlen(dir)) != 0 || path[strlen(dir)] != '/')) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;

    if (size < 1) {
        return 0;
    }
    s = malloc(size);
    if (s == NULL) {
        return 0;
    }
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    switch (data[0] % 4) {
    case 0:
        check_normalize(s);
        break;
    case 1:
        check_ks_split(s);
        break;
    case 2: {
        /* The property name is the buffer's first argument; the command line all of it. */
        const char *found[2] = {ts_cmdline_property(s, size - 1, "ALLEGRA_HOME"),
                                ts_cmdline_property(s, size - 1, s)};

        for (size_t i = 0; i < 2; i++) {
            const char *r = found[i];

            if (r != NULL &&
                (r < s || r > s + size - 1 || memchr(r, '\0', (size_t)(s + size - r)) == NULL)) {
                abort();
            }
        }
        break;
    }
    default: {
        int level = ts_log_level_parse(s);

        if (level < 0 || level > 3 || (!ts_log_level_valid(s) && level != 1)) {
            abort(); /* a name that means nothing is the default, warn */
        }
        break;
    }
    }
    free(s);
    return 0;
}
