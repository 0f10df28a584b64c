/* SPDX-License-Identifier: Apache-2.0 */
#include "ts_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ts_error_clear(ts_error *err)
{
    if (err != NULL) {
        err->file[0] = '\0';
        err->where[0] = '\0';
        err->what[0] = '\0';
    }
}

int ts_error_set(ts_error *err, const char *where, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL) {
        return -1;
    }
    snprintf(err->where, sizeof(err->where), "%s", where != NULL ? where : "");
    va_start(ap, fmt);
    vsnprintf(err->what, sizeof(err->what), fmt, ap);
    va_end(ap);
    return -1;
}

void ts_error_set_file(ts_error *err, const char *file)
{
    if (err != NULL && file != NULL) {
        snprintf(err->file, sizeof(err->file), "%s", file);
    }
}

const char *ts_error_str(const ts_error *err, char *buf, size_t size)
{
    const char *parts[3] = {err->file, err->where, err->what};
    size_t used = 0;

    if (size == 0) {
        return buf;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < 3; i++) {
        if (parts[i][0] == '\0') {
            continue;
        }
        int n = snprintf(buf + used, size - used, "%s%s", used > 0 ? ": " : "", parts[i]);
        if (n < 0 || (size_t)n >= size - used) {
            break;
        }
        used += (size_t)n;
    }
    return buf;
}
