/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the manifest files only (manifest*.c); not part of the core's API. */
#ifndef TS_MANIFEST_INTERNAL_H
#define TS_MANIFEST_INTERNAL_H

#include "manifest.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHERE_MAX 256

#define HOST_EXPECTED                                                                              \
    "expected a host name (letters, digits, '-', '_', dot-separated labels) or an IP address"

static inline char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

/* snprintf that may truncate on purpose (error text, paths checked elsewhere). */
static inline void fmt(char *out, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static inline void fmt(char *out, size_t size, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    vsnprintf(out, size, format, ap);
    va_end(ap);
}

static inline int oom(ts_error *err, const char *where)
{
    return ts_error_set(err, where, "out of memory");
}

/* manifest_scan.c: the strict syntax check run before cJSON sees the text;
 * 0, or -1 with err saying the line, the column and what was expected. */
int ts_manifest_check_syntax(const char *text, size_t len, ts_error *err);

/* Length of the UTF-8 sequence at p (at most n bytes available), 0 if invalid. */
size_t ts_manifest_utf8_seq(const unsigned char *p, size_t n);

/* manifest.c: the validation an edit shares with parsing. */
bool ts_manifest_host_valid(const char *h);
int ts_manifest_check_entry(const char *alias, const char *const *hosts, size_t n_hosts,
                            const char *source, const char *added, ts_error *err);
void ts_manifest_cert_free(ts_manifest_cert *c);

#endif
