/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for SOURCE_DATE_EPOCH parsing (ts_timestamp_from_epoch_string).
 * Invariant, against a plain reference: accepted exactly when the value is
 * empty or ASCII digits worth at most INT64_MAX / 1000 seconds, and then the
 * milliseconds are that many seconds; refused values give the default.
 * See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keystore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference: 0 and *secs, or -1. */
static int reference(const char *s, int64_t *secs)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    int64_t ms = 0, secs = 0;
    ts_error err;
    int got, want;

    if (s == NULL) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    got = ts_timestamp_from_epoch_string(s, &ms, &err);
    want = reference(s, &secs);
    if (s[0] == '\0') {
        secs = TS_DEFAULT_TIMESTAMP_MS / 1000;
    }
    if (got != want || (got == 0 && ms != secs * 1000) ||
        (got != 0 && ms != TS_DEFAULT_TIMESTAMP_MS)) {
        abort();
    }
    free(s);
    return 0;
}
