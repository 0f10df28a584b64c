/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_ERROR_H
#define TS_ERROR_H

#include <stddef.h>

/*
 * What went wrong and where.  The core never prints: it fills one of these and
 * returns -1.  The caller prints it, typically as
 *   trustshim: error: <file>: <where>: <what>
 * Empty members are left out of the formatted line.
 */
typedef struct ts_error {
    char file[1024]; /* the file concerned ("" when the input was a buffer) */
    char where[256]; /* "certificates[3].sha256", "offset 1234", "PEM block 2", or "" */
    char what[512];  /* "expected 64 hexadecimal digits", ... */
} ts_error;

/* Clears all three members.  err may be NULL (every core function accepts a NULL err). */
void ts_error_clear(ts_error *err);

/* Sets where and what (printf-style what); keeps file.  Always returns -1. */
int ts_error_set(ts_error *err, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets file, unless err is NULL or file is NULL. */
void ts_error_set_file(ts_error *err, const char *file);

/* "file: where: what" (empty parts left out) into buf; returns buf. */
const char *ts_error_str(const ts_error *err, char *buf, size_t size);

#endif
