/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Atomic, locked edits of the manifest.  Readers (the library) never see a
 * partial file: the new content goes to a temporary file in the same
 * directory, is fsync'ed, and renamed over the old one.  Writers serialise on
 * a flock of "<manifest>.lock" (not of the manifest itself, which the rename
 * replaces).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"

static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int ts_mkdirs(const char *dir, mode_t mode, ts_error *err)
{
    char buf[4096];
    size_t len = strlen(dir);
    if (len >= sizeof(buf)) {
        ts_error_set_file(err, dir);
        return ts_error_set(err, NULL, "path too long");
    }
    memcpy(buf, dir, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if ((buf[i] == '/') || (buf[i] == '\0')) {
            char c = buf[i];
            buf[i] = '\0';
            if ((mkdir(buf, mode) == 0)) {
                /* exactly mode, whatever the umask */
                if (chmod(buf, mode) != 0) {
                    ts_error_set_file(err, buf);
                    return ts_error_set(err, NULL, "cannot set the mode: %s", strerror(errno));
                }
            } else if (errno != EEXIST) {
                ts_error_set_file(err, buf);
                return ts_error_set(err, NULL, "cannot create the directory: %s", strerror(errno));
            }
            buf[i] = c;
        }
    }
    return 0;
}

int ts_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool keep_owner,
                    uid_t uid, gid_t gid, bool no_replace, ts_error *err)
{
    char dir[4096];
    char tmp[4096 + 32];
    const char *base = strrchr(path, '/');
    int fd = -1;
    int dfd = -1;
    int ret = -1;
    bool created = false;

    ts_dirname(path, dir, sizeof(dir));
    base = base ? base + 1 : path;
    if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base) >= (int)sizeof(tmp)) {
        ts_error_set_file(err, path);
        ts_error_set(err, NULL, "path too long");
        goto end;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        ts_error_set_file(err, path);
        ts_error_set(err, NULL, "cannot create a temporary file in %s: %s", dir, strerror(errno));
        goto end;
    }
    created = true;
    if (write_all(fd, data, len) != 0) {
        ts_error_set_file(err, tmp);
        ts_error_set(err, NULL, "write failed: %s", strerror(errno));
        goto end;
    }
    if (keep_owner && (fchown(fd, uid, gid) != 0) && ((geteuid() != uid) || (getegid() != gid))) {
        ts_error_set_file(err, path);
        ts_error_set(err, NULL, "cannot keep the owner %u:%u: %s", (unsigned)uid, (unsigned)gid,
                     strerror(errno));
        goto end;
    }
    if ((fchmod(fd, mode) != 0) || (fsync(fd) != 0)) {
        ts_error_set_file(err, tmp);
        ts_error_set(err, NULL, "%s", strerror(errno));
        goto end;
    }
    if (close(fd) != 0) {
        fd = -1;
        ts_error_set_file(err, tmp);
        ts_error_set(err, NULL, "%s", strerror(errno));
        goto end;
    }
    fd = -1;
    if (no_replace) {
        if (link(tmp, path) != 0) {
            ts_error_set_file(err, path);
            ts_error_set(err, NULL, "%s", errno == EEXIST ? "already exists" : strerror(errno));
            goto end;
        }
        unlink(tmp);
    } else if (rename(tmp, path) != 0) {
        ts_error_set_file(err, path);
        ts_error_set(err, NULL, "cannot replace the file: %s", strerror(errno));
        goto end;
    }
    created = false;
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if ((dfd < 0) || (fsync(dfd) != 0)) {
        ts_error_set_file(err, dir);
        ts_error_set(err, NULL, "cannot sync the directory: %s", strerror(errno));
        goto end;
    }
    ret = 0;
end:
    if (fd >= 0) {
        close(fd);
    }
    if (dfd >= 0) {
        close(dfd);
    }
    if (created) {
        unlink(tmp);
    }
    return ret;
}

int ts_lock_manifest(const char *path, int *fd, ts_error *err)
{
    char lock[4096 + 8];
    *fd = -1;
    if (snprintf(lock, sizeof(lock), "%s.lock", path) >= (int)sizeof(lock)) {
        ts_error_set_file(err, path);
        return ts_error_set(err, NULL, "path too long");
    }
    *fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if ((*fd < 0) && (errno == EACCES)) {
        /* made by another user: flock works on a read-only descriptor too */
        *fd = open(lock, O_RDONLY | O_CLOEXEC);
    }
    if (*fd < 0) {
        ts_error_set_file(err, lock);
        return ts_error_set(err, NULL, "cannot open the lock file: %s", strerror(errno));
    }
    while (flock(*fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            ts_error_set_file(err, lock);
            ts_error_set(err, NULL, "cannot lock: %s", strerror(errno));
            close(*fd);
            *fd = -1;
            return -1;
        }
    }
    return 0;
}

/*
 * Removes the temporary files ".<manifest>.XXXXXX" of writers killed before
 * their rename.  Called under the lock: no other writer of this manifest is
 * between mkstemp and rename.
 */
static void remove_stale_temporaries(const char *path)
{
    char dir[4096];
    const char *base = strrchr(path, '/');
    size_t blen;
    DIR *d;
    struct dirent *de;
    base = base ? base + 1 : path;
    blen = strlen(base);
    ts_dirname(path, dir, sizeof(dir));
    d = opendir(dir);
    if (!d) {
        return;
    }
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        struct stat st;
        if ((n[0] == '.') && (strncmp(n + 1, base, blen) == 0) && (n[1 + blen] == '.') &&
            (strlen(n + 2 + blen) == 6) && (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) == 0) &&
            S_ISREG(st.st_mode)) {
            unlinkat(dirfd(d), n, 0);
        }
    }
    closedir(d);
}

int ts_edit_begin(ts_edit *e, const char *path)
{
    ts_error err;
    unsigned char *buf = NULL;
    size_t len = 0;
    int ret = TS_EXIT_USAGE;

    memset(e, 0, sizeof(*e));
    e->lock_fd = -1;
    ts_error_clear(&err);
    snprintf(e->path, sizeof(e->path), "%s", path);
    /*
     * A manifest that is a symbolic link is edited where it points: renaming
     * over the link would replace it with a file and leave the target stale.
     */
    if ((lstat(path, &e->st) == 0) && S_ISLNK(e->st.st_mode)) {
        char real[PATH_MAX];
        if (!realpath(path, real)) {
            ts_cli_error(path, "cannot resolve the symbolic link: %s", strerror(errno));
            goto end;
        }
        snprintf(e->path, sizeof(e->path), "%s", real);
    }
    path = e->path;
    if (stat(path, &e->st) != 0) {
        if (errno == ENOENT) {
            ts_cli_error(path, "no such manifest (create it with 'trustshim init')");
        } else {
            ts_cli_error(path, "%s", strerror(errno));
        }
        goto end;
    }
    if (ts_lock_manifest(path, &e->lock_fd, &err) != 0) {
        ts_cli_core_error(path, &err);
        ret = TS_EXIT_FAIL;
        goto end;
    }
    remove_stale_temporaries(path);
    /* again under the lock: another writer may have replaced it */
    if ((stat(path, &e->st) != 0) ||
        (ts_read_file(path, TS_MANIFEST_MAX_SIZE, &buf, &len, &err) != 0)) {
        if (!err.what[0]) {
            ts_cli_error(path, "%s", strerror(errno));
        } else {
            ts_cli_core_error(path, &err);
        }
        goto end;
    }
    if (ts_manifest_parse((const char *)buf, len, path, &e->m, &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    e->loaded = true;
    e->report = open_memstream(&e->report_text, &e->report_len);
    e->warnings = open_memstream(&e->warnings_text, &e->warnings_len);
    if (!e->report || !e->warnings) {
        ts_cli_error(path, "out of memory");
        ret = TS_EXIT_FAIL;
        goto end;
    }
    ts_cli_defer_warnings(e->warnings);
    ret = TS_EXIT_OK;
end:
    free(buf);
    if (ret != TS_EXIT_OK) {
        ts_edit_end(e);
    }
    return ret;
}

void ts_warn_if_refused(const char *path, uid_t uid)
{
    ts_error err;
    char buf[2048];
    ts_error_clear(&err);
    if (ts_file_check_safe(path, uid, &err) != 0) {
        ts_cli_warn(NULL, "the library will refuse %s: %s", path,
                    ts_error_str(&err, buf, sizeof(buf)));
    }
}

int ts_edit_commit(ts_edit *e, ts_error *err)
{
    int ret;
    ts_manifest check;
    char *json = ts_manifest_to_json(&e->m);
    if (!json) {
        ts_error_set_file(err, e->path);
        return ts_error_set(err, NULL, "out of memory");
    }
    /* what is written is what the library will read: never a manifest it refuses */
    if (ts_manifest_parse(json, strlen(json), e->path, &check, err) != 0) {
        free(json);
        return -1;
    }
    ts_manifest_free(&check);
    ret = ts_write_atomic(e->path, json, strlen(json), e->st.st_mode & 07777, true, e->st.st_uid,
                          e->st.st_gid, false, err);
    free(json);
    return ret;
}

int ts_edit_finish(ts_edit *e, bool changed)
{
    ts_error err;
    ts_error_clear(&err);
    if (changed && (ts_edit_commit(e, &err) != 0)) {
        ts_cli_core_error(e->path, &err);
        return TS_EXIT_FAIL;
    }
    /* as the owner would run a JVM: its mode and the directories above it are what count */
    ts_warn_if_refused(e->path, e->st.st_uid);
    fflush(e->report);
    fputs(e->report_text ? e->report_text : "", stdout);
    fflush(stdout);
    ts_cli_defer_warnings(NULL);
    fflush(e->warnings);
    fputs(e->warnings_text ? e->warnings_text : "", stderr);
    return TS_EXIT_OK;
}

void ts_edit_end(ts_edit *e)
{
    /* a failed edit added nothing: its warnings are about nothing and are dropped */
    ts_cli_defer_warnings(NULL);
    if (e->warnings) {
        fclose(e->warnings);
        e->warnings = NULL;
    }
    free(e->warnings_text);
    e->warnings_text = NULL;
    if (e->report) {
        fclose(e->report);
        e->report = NULL;
    }
    free(e->report_text);
    e->report_text = NULL;
    if (e->loaded) {
        ts_manifest_free(&e->m);
        e->loaded = false;
    }
    if (e->lock_fd >= 0) {
        close(e->lock_fd); /* releases the flock */
        e->lock_fd = -1;
    }
}
