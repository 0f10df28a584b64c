/* SPDX-License-Identifier: Apache-2.0 */
/* Reading configuration files and deciding whether they may be trusted. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Thread-safe message for an errno value (GNU strerror_r). */
static const char *errno_text(int e, char *buf, size_t size)
{
    return strerror_r(e, buf, size);
}

static int error_errno(ts_error *err, const char *path, const char *doing, int e)
{
    char msg[128];

    ts_error_set_file(err, path);
    return ts_error_set(err, "", "%s%s%s", doing, doing[0] != '\0' ? ": " : "",
                        errno_text(e, msg, sizeof(msg)));
}

int ts_read_file(const char *path, size_t max, unsigned char **buf, size_t *len, ts_error *err)
{
    struct stat st;
    unsigned char *data = NULL;
    size_t cap, used = 0;
    int fd, ret = -1;

    *buf = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. */
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return error_errno(err, path, "", errno);
    }
    if (fstat(fd, &st) != 0) {
        error_errno(err, path, "fstat", errno);
        goto end;
    }
    if (!S_ISREG(st.st_mode)) {
        ts_error_set_file(err, path);
        ts_error_set(err, "", "not a regular file");
        goto end;
    }
    if (st.st_size > 0 && (unsigned long long)st.st_size > max) {
        ts_error_set_file(err, path);
        ts_error_set(err, "", "larger than %zu bytes", max);
        goto end;
    }
    /* st_size is a hint only (files under /proc report 0): read until EOF. */
    cap = (size_t)st.st_size + 1;
    if (cap < 4096) {
        cap = 4096;
    }
    for (;;) {
        if (used + 1 >= cap) {
            size_t ncap = cap * 2;
            unsigned char *n = realloc(data, ncap);
            if (n == NULL) {
                ts_error_set_file(err, path);
                ts_error_set(err, "", "out of memory");
                goto end;
            }
            data = n;
            cap = ncap;
        } else if (data == NULL) {
            data = malloc(cap);
            if (data == NULL) {
                ts_error_set_file(err, path);
                ts_error_set(err, "", "out of memory");
                goto end;
            }
        }
        ssize_t n = read(fd, data + used, cap - used - 1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_errno(err, path, "read", errno);
            goto end;
        }
        if (n == 0) {
            break;
        }
        used += (size_t)n;
        if (used > max) {
            ts_error_set_file(err, path);
            ts_error_set(err, "", "larger than %zu bytes", max);
            goto end;
        }
    }
    data[used] = '\0';
    *buf = data;
    *len = used;
    data = NULL;
    ret = 0;
end:
    free(data);
    close(fd);
    return ret;
}

void ts_dirname(const char *path, char *out, size_t size)
{
    size_t end = strlen(path);

    if (size == 0) {
        return;
    }
    /* Trailing slashes, then the last component, then the slashes before it. */
    while (end > 1 && path[end - 1] == '/') {
        end--;
    }
    while (end > 0 && path[end - 1] != '/') {
        end--;
    }
    if (end == 0) {
        snprintf(out, size, ".");
        return;
    }
    while (end > 1 && path[end - 1] == '/') {
        end--;
    }
    snprintf(out, size, "%.*s", (int)end, path);
}

/* "/proc/self/fd/N": the private manifest of `trustshim exec --with/--without`. */
static bool parse_self_fd(const char *path, int *fd)
{
    static const char prefix[] = "/proc/self/fd/";
    const char *p = path + sizeof(prefix) - 1;
    long v = 0;

    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || *p == '\0') {
        return false;
    }
    for (; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > INT_MAX / 10) {
            return false;
        }
        v = v * 10 + (*p - '0');
    }
    if (v > INT_MAX) {
        return false;
    }
    *fd = (int)v;
    return true;
}

static int check_sealed_memfd(const char *path, int fd, ts_error *err)
{
    int seals = fcntl(fd, F_GET_SEALS);

    if (seals < 0) {
        ts_error_set_file(err, path);
        return ts_error_set(err, "", "not a sealed memfd (F_GET_SEALS failed: %s)",
                            errno == EBADF ? "no such descriptor" : "not a memfd");
    }
    if ((seals & F_SEAL_WRITE) == 0) {
        ts_error_set_file(err, path);
        return ts_error_set(err, "", "memfd is not sealed against writing (F_SEAL_WRITE missing)");
    }
    return 0;
}

/* One path of the chain: owned by root or uid, and not writable by others. */
static int check_one(const char *path, uid_t uid, ts_error *err)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        return error_errno(err, path, "stat", errno);
    }
    if (st.st_uid != 0 && st.st_uid != uid) {
        ts_error_set_file(err, path);
        return ts_error_set(err, "", "owned by uid %u: expected root or uid %u",
                            (unsigned)st.st_uid, (unsigned)uid);
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        /* /tmp: others may create files but not replace ours. */
        if (S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0) {
            return 0;
        }
        ts_error_set_file(err, path);
        return ts_error_set(err, "", "writable by group or others (mode %04o)",
                            (unsigned)(st.st_mode & 07777));
    }
    return 0;
}

/* resolved: an absolute path without symlinks (modified): it and every directory above it. */
static int check_chain(char *resolved, uid_t uid, ts_error *err)
{
    char *slash;

    if (check_one(resolved, uid, err) != 0) {
        return -1;
    }
    while ((slash = strrchr(resolved, '/')) != NULL) {
        if (slash == resolved) {
            if (resolved[1] == '\0') {
                break;
            }
            resolved[1] = '\0';
        } else {
            *slash = '\0';
        }
        if (check_one(resolved, uid, err) != 0) {
            return -1;
        }
    }
    return 0;
}

int ts_file_check_safe(const char *path, uid_t uid, ts_error *err)
{
    char dir[PATH_MAX];
    char *resolved;
    int fd, rc;

    if (parse_self_fd(path, &fd)) {
        return check_sealed_memfd(path, fd, err);
    }
    resolved = realpath(path, NULL);
    if (resolved == NULL) {
        return error_errno(err, path, "", errno);
    }
    rc = check_chain(resolved, uid, err);
    free(resolved);
    if (rc != 0) {
        return -1;
    }
    /* When path itself is a symlink, whoever can write its directory can
     * point it elsewhere: check that directory's chain as well. */
    ts_dirname(path, dir, sizeof(dir));
    resolved = realpath(dir, NULL);
    if (resolved == NULL) {
        return error_errno(err, dir, "", errno);
    }
    rc = check_chain(resolved, uid, err);
    free(resolved);
    return rc;
}
