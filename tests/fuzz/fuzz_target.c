/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the preload's path and command-line parsing
 * (preload/target.c), which runs in every preloaded process: the first byte
 * picks ts_path_normalize, ts_ks_split, ts_jvm_props_read over a
 * /proc/self/cmdline-like buffer (with JAVA_TOOL_OPTIONS & co. and
 * @argfiles), the TRUSTSHIM_LOG level parser, or (selector 3 with bit 7 set)
 * SOURCE_DATE_EPOCH's (ts_timestamp_from_epoch_string): what a process reads
 * from its command line and environment.
 * Invariants: a normalized path is absolute, has no empty, "." or ".."
 * component and normalizes to itself; ts_ks_split gives back the path's own
 * directory and "<host>.ks"; without @argfiles a property's value is no
 * longer than the input; recursive @argfiles end; SOURCE_DATE_EPOCH is
 * accepted exactly when empty or ASCII digits worth at most INT64_MAX / 1000
 * seconds (a plain reference parser), and then gives that many seconds,
 * else the default.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keystore.h"
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

/* SOURCE_DATE_EPOCH's reference: 0 and *secs, or -1. */
static int epoch_reference(const char *s, int64_t *secs)
{
    int64_t v = 0;

    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX / 1000 - (*p - '0')) / 10) {
            return -1;
        }
        v = v * 10 + (*p - '0');
    }
    *secs = v;
    return 0;
}

static void check_epoch(const char *s)
{
    int64_t ms = 0, secs = 0;
    ts_error err;
    int got = ts_timestamp_from_epoch_string(s, &ms, &err), want = epoch_reference(s, &secs);

    if (s[0] == '\0') {
        secs = TS_DEFAULT_TIMESTAMP_MS / 1000;
    }
    if (got != want || (got == 0 && ms != secs * 1000) ||
        (got != 0 && ms != TS_DEFAULT_TIMESTAMP_MS)) {
        abort();
    }
}

/* An @argfile: one option, then the same file again. */
static char *read_argfile(const char *path, void *ctx)
{
    char *out = NULL;

    (void)ctx;
    if (asprintf(&out, "-DALLEGRA_HOME=/from/%s @%s", path, path) < 0) {
        return NULL;
    }
    return out;
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
        /* The input is the command line; the first byte's bits say which launcher and which
         * environment variables hold the buffer's first string too; every @argfile holds one
         * option and names itself again (a loop the reader must not follow forever). */
        ts_jvm_props props;
        ts_jvm_sources src = {0};

        src.cmdline = s;
        src.cmdline_len = size - 1;
        src.java_launcher = (data[0] & 4) != 0;
        src.java_tool_options = (data[0] & 8) != 0 ? s : NULL;
        src.jdk_java_options = (data[0] & 16) != 0 ? s : NULL;
        src.java_options = (data[0] & 32) != 0 ? s : NULL;
        src.read_argfile = (data[0] & 64) != 0 ? read_argfile : NULL;
        (void)ts_jvm_props_read(&src, &props);
        for (size_t i = 0; i < 4; i++) {
            const char *v = (&props.trust_store)[i];

            if (v != NULL && src.read_argfile == NULL && strlen(v) > size) {
                abort(); /* a value longer than everything it could come from */
            }
        }
        ts_jvm_props_free(&props);
        break;
    }
    default: {
        int level;

        if ((data[0] & 0x80) != 0) {
            check_epoch(s);
            break;
        }
        level = ts_log_level_parse(s);

        if (level < 0 || level > 3 || (!ts_log_level_valid(s) && level != 1)) {
            abort(); /* a name that means nothing is the default, warn */
        }
        break;
    }
    }
    free(s);
    return 0;
}
