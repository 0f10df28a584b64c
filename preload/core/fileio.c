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

static int error_at(ts_error *err, const char *path, const char *what)
{
    ts_error_set_file(err, path);
    return ts_error_set(err, "", "%s", what);
}

int ts_read_fd(int fd, const char *path, size_t max, unsigned char **buf, size_t *len,
               ts_error *err)
{
    struct stat st;
    unsigned char *data;
    size_t cap, used = 0;

    *buf = NULL;
    *len = 0;
    /* Type and size before any read: /dev/zero or a huge file costs nothing. */
    if (fstat(fd, &st) != 0) {
        return error_errno(err, path, "fstat", errno);
    }
    if (!S_ISREG(st.st_mode)) {
        return error_at(err, path, "not a regular file");
    }
    if (st.st_size > 0 && (unsigned long long)st.st_size > max) {
        ts_error_set_file(err, path);
        return ts_error_set(err, "", "larger than %zu bytes", max);
    }
    /* st_size is a hint only (files under /proc report 0): read until EOF, one byte past max
     * at most, to see a file that grew. */
    cap = (size_t)st.st_size + 1;
    if (cap < 4096) {
        cap = 4096;
    }
    data = malloc(cap);
    if (data == NULL) {
        return error_at(err, path, "out of memory");
    }
    for (;;) {
        if (used + 1 >= cap) {
            size_t ncap = cap * 2;
            unsigned char *n = realloc(data, ncap);
            if (n == NULL) {
                free(data);
                return error_at(err, path, "out of memory");
            }
            data = n;
            cap = ncap;
        }
        ssize_t n = pread(fd, data + used, cap - used - 1, (off_t)used);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            free(data);
            return error_errno(err, path, "read", errno);
        }
        if (n == 0) {
            break;
        }
        used += (size_t)n;
        if (used > max) {
            free(data);
            ts_error_set_file(err, path);
            return ts_error_set(err, "", "larger than %zu bytes", max);
        }
    }
    data[used] = '\0';
    *buf = data;
    *len = used;
    return 0;
}

int ts_read_file(const char *path, size_t max, unsigned char **buf, size_t *len, ts_error *err)
{
    int fd, rc;

    *buf = NULL;
    *len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused by ts_read_fd. */
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return error_errno(err, path, "", errno);
    }
    rc = ts_read_fd(fd, path, max, buf, len, err);
    close(fd);
    return rc;
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

/* ------------------------------------------------ the private manifest of exec --with */

/* Digits only, as an int. */
static bool parse_number(const char *p, size_t n, int *out)
{
    long v = 0;

    if (n == 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || v > INT_MAX / 10) {
            return false;
        }
        v = v * 10 + (p[i] - '0');
    }
    if (v > INT_MAX) {
        return false;
    }
    *out = (int)v;
    return true;
}

/* "/proc/self/fd/N" (*pid 0) or "/proc/PID/fd/N". */
static bool parse_proc_fd(const char *path, int *pid, int *fd)
{
    static const char prefix[] = "/proc/";
    const char *p = path + sizeof(prefix) - 1;
    const char *mid;

    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || (mid = strstr(p, "/fd/")) == NULL) {
        return false;
    }
    if ((size_t)(mid - p) == 4 && strncmp(p, "self", 4) == 0) {
        *pid = 0;
    } else if (!parse_number(p, (size_t)(mid - p), pid) || *pid == 0) {
        return false;
    }
    return parse_number(mid + 4, strlen(mid + 4), fd);
}

/* What a descriptor must be to stand for a manifest: a memfd nobody can write, of a trusted
 * owner.  Its seals belong to the memfd, so any descriptor of it tells. */
static int check_sealed_memfd(const char *path, int fd, uid_t uid, ts_error *err)
{
    struct stat st;
    int seals = fcntl(fd, F_GET_SEALS);

    if (seals < 0) {
        ts_error_set_file(err, path);
        return ts_error_set(err, "", "not a sealed memfd (F_GET_SEALS failed: %s)",
                            errno == EBADF ? "no such descriptor" : "not a memfd");
    }
    if ((seals & F_SEAL_WRITE) == 0) {
        return error_at(err, path, "memfd is not sealed against writing (F_SEAL_WRITE missing)");
    }
    if (fstat(fd, &st) != 0) {
        return error_errno(err, path, "fstat", errno);
    }
    if (st.st_uid != 0 && st.st_uid != uid) {
        ts_error_set_file(err, path);
        return ts_error_set(err, "", "memfd owned by uid %u: expected root or uid %u",
                            (unsigned)st.st_uid, (unsigned)uid);
    }
    return 0;
}

/* A new description of the file behind path (a /proc magic link), only when it is a regular
 * file: no device or FIFO is ever opened. */
static int open_proc_fd(const char *path)
{
    struct stat st;
    int fd;

    if (stat(path, &st) != 0) {
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

/* This process's descriptor n, reopened, when it is a sealed memfd of a trusted owner. */
static int open_own_memfd(const char *path, int n, uid_t uid, ts_error *err)
{
    char own[64];
    int fd;

    if (check_sealed_memfd(path, n, uid, err) != 0) {
        return -1;
    }
    snprintf(own, sizeof(own), "/proc/self/fd/%d", n);
    fd = open_proc_fd(own);
    if (fd < 0) {
        return error_errno(err, path, "", errno);
    }
    if (check_sealed_memfd(path, fd, uid, err) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int open_proc_manifest(const char *path, int pid, int n, uid_t uid, ts_error *err)
{
    ts_error own_err;
    int fd, e;

    if (pid == 0) {
        return open_own_memfd(path, n, uid, err);
    }
    fd = open_proc_fd(path);
    if (fd >= 0) {
        if (check_sealed_memfd(path, fd, uid, err) != 0) {
            close(fd);
            return -1;
        }
        return fd;
    }
    e = errno;
    /* The process that ran `trustshim exec` is gone (a script that started a daemon and
     * exited) or runs as another user: the descriptor it left us is the same memfd. */
    ts_error_clear(&own_err);
    fd = open_own_memfd(path, n, uid, &own_err);
    if (fd >= 0) {
        return fd;
    }
    ts_error_set_file(err, path);
    return ts_error_set(err, "",
                        "cannot open: %s (is process %d gone?), and descriptor %d of this process "
                        "is not the sealed memfd either",
                        strerror(e), pid, n);
}

/* ------------------------------------------------------------- the walk */

/* The path walked so far ("" for /), symlinks resolved: for messages only. */
typedef struct walked {
    char *p;
    size_t len;
    size_t cap;
} walked;

static bool walked_add(walked *w, const char *name, size_t n)
{
    if (w->len + n + 2 > w->cap) {
        size_t cap = (w->cap == 0) ? 256 : w->cap;
        while (cap < w->len + n + 2) {
            cap *= 2;
        }
        char *p = realloc(w->p, cap);
        if (p == NULL) {
            return false;
        }
        w->p = p;
        w->cap = cap;
    }
    w->p[w->len++] = '/';
    memcpy(w->p + w->len, name, n);
    w->len += n;
    w->p[w->len] = '\0';
    return true;
}

static void walked_up(walked *w)
{
    while (w->len > 0 && w->p[w->len - 1] != '/') {
        w->len--;
    }
    if (w->len > 0) {
        w->len--;
    }
    if (w->p != NULL) {
        w->p[w->len] = '\0';
    }
}

static const char *walked_str(const walked *w)
{
    return (w->len == 0) ? "/" : w->p;
}

/* Owner and mode of one thing on the way (st from fstat of an O_PATH|O_NOFOLLOW descriptor). */
static int check_entry(const struct stat *st, const char *path, uid_t uid, ts_error *err)
{
    if (st->st_uid != 0 && st->st_uid != uid) {
        ts_error_set_file(err, path);
        return ts_error_set(err, "", "%sowned by uid %u: expected root or uid %u",
                            S_ISLNK(st->st_mode) ? "symlink " : "", (unsigned)st->st_uid,
                            (unsigned)uid);
    }
    if (S_ISLNK(st->st_mode) || (st->st_mode & (S_IWGRP | S_IWOTH)) == 0) {
        return 0;
    }
    /* /tmp: others may create entries but not replace ours, and each entry is checked. */
    if (S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX) != 0) {
        return 0;
    }
    ts_error_set_file(err, path);
    return ts_error_set(err, "", "writable by group or others (mode %04o)",
                        (unsigned)(st->st_mode & 07777));
}

/* The target of the symlink open as fd (O_PATH): readlinkat through the descriptor. */
static char *read_link(int fd, const struct stat *st)
{
    size_t size = (st->st_size > 0 ? (size_t)st->st_size : 64) + 1;

    for (;;) {
        char *buf = malloc(size);
        if (buf == NULL) {
            return NULL;
        }
        ssize_t n = readlinkat(fd, "", buf, size);
        if (n < 0) {
            free(buf);
            return NULL;
        }
        if ((size_t)n < size) {
            buf[n] = '\0';
            return buf;
        }
        free(buf);
        size *= 2;
    }
}

enum { WANT_FILE, WANT_DIR };

typedef struct walk {
    uid_t uid;
    int want;
    int dir;     /* O_PATH descriptor of the directory reached */
    walked done; /* its path */
    char *todo;  /* what is left (malloc'd); rest points into it */
    const char *rest;
    int links;
    int failed_errno; /* the errno of a failed lookup, else 0 */
    ts_error *err;
} walk;

static int open_root(walk *w)
{
    struct stat st;
    int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        return error_errno(w->err, "/", "", errno);
    }
    if (fstat(fd, &st) != 0) {
        error_errno(w->err, "/", "fstat", errno);
        close(fd);
        return -1;
    }
    if (check_entry(&st, "/", w->uid, w->err) != 0) {
        close(fd);
        return -1;
    }
    if (w->dir >= 0) {
        close(w->dir);
    }
    w->dir = fd;
    w->done.len = 0;
    if (w->done.p != NULL) {
        w->done.p[0] = '\0';
    }
    return 0;
}

/* todo becomes target + the rest. */
static int follow(walk *w, const char *target)
{
    size_t t = strlen(target), r = strlen(w->rest);
    char *next = malloc(t + r + 1);

    if (next == NULL) {
        return error_at(w->err, walked_str(&w->done), "out of memory");
    }
    /* rest still starts with its slash, if any: "a/b" through link a -> x is "x/b", and a
     * trailing slash stays (the target must then be a directory). */
    memcpy(next, target, t);
    memcpy(next + t, w->rest, r + 1);
    free(w->todo);
    w->todo = next;
    w->rest = next;
    walked_up(&w->done);
    return (target[0] == '/') ? open_root(w) : 0;
}

/* The last component, a file: checked, then opened for reading relative to the checked
 * directory and compared with what was checked. */
static int open_last(walk *w, const char *name, const struct stat *st)
{
    const char *here = walked_str(&w->done);
    struct stat now;
    int fd;

    if (w->want == WANT_DIR) {
        return error_at(w->err, here, "Not a directory");
    }
    if (!S_ISREG(st->st_mode)) {
        return error_at(w->err, here, "not a regular file");
    }
    if (check_entry(st, here, w->uid, w->err) != 0) {
        return -1;
    }
    do {
        fd = openat(w->dir, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return error_errno(w->err, here, "", errno);
    }
    if (fstat(fd, &now) != 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
        close(fd);
        return error_at(w->err, here, "replaced while being checked");
    }
    return fd;
}

/* One component: 1 to go on, a descriptor (>= 0) or -1 when done. */
static int step(walk *w, const char *name, bool last, bool slash_after)
{
    struct stat st;
    int fd;

    if (strcmp(name, "..") == 0) {
        fd = openat(w->dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        walked_up(&w->done);
    } else {
        fd = openat(w->dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (!walked_add(&w->done, name, strlen(name))) {
            if (fd >= 0) {
                close(fd);
            }
            return error_at(w->err, name, "out of memory");
        }
    }
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        w->failed_errno = e;
        return error_errno(w->err, walked_str(&w->done), "", e);
    }
    if (S_ISLNK(st.st_mode)) {
        char *target = NULL;
        int rc = -1;
        if (check_entry(&st, walked_str(&w->done), w->uid, w->err) != 0) {
            /* rc stays -1 */
        } else if (++w->links > TS_MAX_SYMLINKS) {
            error_errno(w->err, walked_str(&w->done), "", ELOOP);
        } else if ((target = read_link(fd, &st)) == NULL) {
            error_errno(w->err, walked_str(&w->done), "readlink", errno);
        } else {
            rc = (follow(w, target) == 0) ? 1 : -1;
        }
        free(target);
        close(fd);
        return rc;
    }
    if (S_ISDIR(st.st_mode)) {
        if (check_entry(&st, walked_str(&w->done), w->uid, w->err) != 0) {
            close(fd);
            return -1;
        }
        close(w->dir);
        w->dir = fd;
        return 1;
    }
    if (!last || slash_after) {
        close(fd);
        return error_errno(w->err, walked_str(&w->done), "", ENOTDIR);
    }
    int rfd = open_last(w, name, &st);
    close(fd);
    return rfd;
}

/* The walk of ts_open_safe / ts_dir_check_safe: a descriptor (a directory's is O_PATH) or -1. */
static int walk_path(const char *path, uid_t uid, int want, int *failed_errno, ts_error *err)
{
    walk w = {.uid = uid, .want = want, .dir = -1, .err = err};
    char name[NAME_MAX + 1];
    int result = -1;

    if (path[0] == '/') {
        w.todo = strdup(path);
    } else {
        char *cwd = getcwd(NULL, 0);
        if (cwd == NULL) {
            return error_errno(err, path, "the working directory", errno);
        }
        w.todo = malloc(strlen(cwd) + strlen(path) + 2);
        if (w.todo != NULL) {
            sprintf(w.todo, "%s/%s", cwd, path);
        }
        free(cwd);
    }
    if (w.todo == NULL) {
        return error_at(err, path, "out of memory");
    }
    w.rest = w.todo;
    if (open_root(&w) != 0) {
        goto end;
    }
    for (;;) {
        while (*w.rest == '/') {
            w.rest++;
        }
        if (*w.rest == '\0') {
            /* Ended on a directory ("/", "a/b/", or a symlink to one). */
            if (want == WANT_DIR) {
                result = w.dir;
                w.dir = -1;
            } else {
                error_at(err, walked_str(&w.done), "not a regular file");
            }
            break;
        }
        size_t n = strcspn(w.rest, "/");
        if (n > NAME_MAX) {
            ts_error_set_file(err, path);
            ts_error_set(err, "", "a component is longer than NAME_MAX (%d bytes)", NAME_MAX);
            break;
        }
        memcpy(name, w.rest, n);
        name[n] = '\0';
        w.rest += n;
        const char *after = w.rest;
        while (*after == '/') {
            after++;
        }
        if (strcmp(name, ".") == 0) {
            continue;
        }
        int r = step(&w, name, *after == '\0', *w.rest == '/');
        if (r != 1) {
            result = r;
            break;
        }
    }
end:
    if (failed_errno != NULL) {
        *failed_errno = w.failed_errno;
    }
    if (w.dir >= 0) {
        close(w.dir);
    }
    free(w.todo);
    free(w.done.p);
    return result;
}

int ts_open_safe(const char *path, uid_t uid, ts_error *err)
{
    int pid, n;

    if (parse_proc_fd(path, &pid, &n)) {
        return open_proc_manifest(path, pid, n, uid, err);
    }
    return walk_path(path, uid, WANT_FILE, NULL, err);
}

int ts_file_check_safe(const char *path, uid_t uid, ts_error *err)
{
    int fd = ts_open_safe(path, uid, err);

    if (fd < 0) {
        return -1;
    }
    close(fd);
    return 0;
}

int ts_read_file_safe(const char *path, uid_t uid, size_t max, unsigned char **buf, size_t *len,
                      struct stat *st, ts_error *err)
{
    int fd = ts_open_safe(path, uid, err);
    int rc;

    *buf = NULL;
    *len = 0;
    if (fd < 0) {
        return -1;
    }
    rc = ts_read_fd(fd, path, max, buf, len, err);
    if (rc == 0 && st != NULL && fstat(fd, st) != 0) {
        rc = error_errno(err, path, "fstat", errno);
        free(*buf);
        *buf = NULL;
        *len = 0;
    }
    close(fd);
    return rc;
}

int ts_dir_check_safe(const char *path, uid_t uid, ts_error *err)
{
    struct stat st;
    int missing = 0;
    int fd = walk_path(path, uid, WANT_DIR, &missing, err);

    if (fd < 0) {
        /* Missing below checked directories: nobody else can create it. */
        if (missing == ENOENT) {
            ts_error_clear(err);
            return 0;
        }
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        error_errno(err, path, "fstat", errno);
        close(fd);
        return -1;
    }
    close(fd);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        ts_error_set_file(err, path);
        return ts_error_set(err, "",
                            "writable by group or others (mode %04o): anyone could plant a "
                            "keystore in it",
                            (unsigned)(st.st_mode & 07777));
    }
    return 0;
}
