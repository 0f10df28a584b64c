/* SPDX-License-Identifier: Apache-2.0 */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fileio.h"
#include "libc.h"
#include "manifest.h"
#include "merge.h"
#include "shim.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#endif

/* Largest base keystore we read (the JDK's cacerts is ~200 KB). */
#define TS_KEYSTORE_MAX_SIZE (64u * 1024u * 1024u)
#define TS_MAX_DIRS 64

typedef struct file_id {
    dev_t dev;
    ino_t ino;
    bool valid;
} file_id;

typedef enum target_kind {
    KIND_TRUST,  /* the JRE's cacerts / jssecacerts: every manifest certificate */
    KIND_HOST,   /* <dir>/<host>.ks: the certificates naming host */
    KIND_TARGET, /* the manifest's targets[i] */
} target_kind;

typedef struct target_spec {
    target_kind kind;
    char host[256];
    size_t target; /* KIND_TARGET: index in targets[] */
} target_spec;

/* One served file.  Immutable once published on the list. */
typedef struct served {
    struct served *next;
    file_id id;  /* the file on disk; invalid for a synthesized one */
    char *path;  /* absolute path of a synthesized file; else the path first opened (for logs) */
    bool failed; /* could not build it: serve the original */
    unsigned char *blob;
    size_t len;
    ts_merge_summary summary;
    /* A sealed memfd holding blob, reopened per open (-1: none), and its identity: the program
     * may have closed the descriptor and reused the number. */
    int master;
    file_id master_id;
} served;

typedef struct config {
    bool ok;
    ts_manifest m;
    struct timespec mtime; /* the manifest's: the mtime of synthesized files */
    dev_t mdev;
    char *dirs[TS_MAX_DIRS]; /* keystore directories, normalized */
    file_id dir_ids[TS_MAX_DIRS];
    bool dir_unsafe[TS_MAX_DIRS]; /* another user could plant a <host>.ks there: refused */
    size_t n_dirs;
    file_id jre_ids[4]; /* this JVM's own cacerts / jssecacerts, symlinks resolved */
    char **target_paths;
    file_id *target_ids;
    const char **target_names;
    size_t *target_name_lens;
    ts_names names;
} config;

static void make_master(served *s);

static config *ts_config; /* published once read (ok or not) */
static served *ts_served; /* pushed under ts_lock, read without it */
const ts_names *ts_names_published;

static bool same_id(const file_id *a, const file_id *b)
{
    return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino;
}

static file_id id_of(int dirfd, const char *path)
{
    struct stat st;
    file_id id = {0, 0, false};

    if (ts_sys_fstatat(dirfd, path, &st, 0) == 0) {
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        id.valid = true;
    }
    return id;
}

/* Reads all of fd (at most max bytes). */
static int read_all(int fd, size_t max, unsigned char **out, size_t *out_len)
{
    size_t cap = 65536, len = 0;
    unsigned char *buf = malloc(cap);

    if (buf == NULL) {
        return -1;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= max) {
                free(buf);
                errno = EFBIG;
                return -1;
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                return -1;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            free(buf);
            return -1;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* path (relative to dirfd) as a normalized absolute path. */
static bool make_absolute(int dirfd, const char *path, char *out, size_t size)
{
    char base[PATH_MAX], joined[PATH_MAX * 2];

    if (path[0] == '/') {
        return ts_path_normalize(path, out, size);
    }
    if (dirfd == AT_FDCWD) {
        if (getcwd(base, sizeof(base)) == NULL) {
            return false;
        }
    } else {
        char link[64];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(link, base, sizeof(base) - 1);
        if (n <= 0) {
            return false;
        }
        base[n] = '\0';
    }
    int n = snprintf(joined, sizeof(joined), "%s/%s", base, path);
    if (n < 0 || (size_t)n >= sizeof(joined)) {
        return false;
    }
    return ts_path_normalize(joined, out, size);
}

static void log_error(const ts_error *err, const char *file)
{
    char line[2048];
    ts_error e = *err;

    if (e.file[0] == '\0') {
        ts_error_set_file(&e, file);
    }
    ts_log(TS_LOG_ERROR, "%s", ts_error_str(&e, line, sizeof(line)));
}

/* A keystore directory: made absolute (relative to base_dir), normalized, and its identity if it
 * exists. */
static void add_dir(config *c, const char *dir, const char *suffix, const char *base_dir)
{
    char joined[PATH_MAX * 2], norm[PATH_MAX];

    if (dir == NULL || dir[0] == '\0' || c->n_dirs == TS_MAX_DIRS) {
        return;
    }
    if (dir[0] != '/' && base_dir[0] == '\0') {
        ts_log(TS_LOG_WARN,
               "keystore directory ignored: %s is relative and the working directory cannot be "
               "read (longer than PATH_MAX, %d bytes, or removed)",
               dir, PATH_MAX);
        return;
    }
    int n = (dir[0] == '/') ? snprintf(joined, sizeof(joined), "%s%s", dir, suffix)
                            : snprintf(joined, sizeof(joined), "%s/%s%s", base_dir, dir, suffix);
    if (n < 0 || (size_t)n >= sizeof(joined) || !ts_path_normalize(joined, norm, sizeof(norm))) {
        ts_log(TS_LOG_WARN, "keystore directory ignored (path too long): %s", dir);
        return;
    }
    char *copy = strdup(norm);
    if (copy == NULL) {
        return;
    }
    c->dirs[c->n_dirs] = copy;
    c->dir_ids[c->n_dirs] = id_of(AT_FDCWD, norm);
    ts_error err;
    ts_error_clear(&err);
    if (ts_dir_check_safe(norm, geteuid(), &err) != 0) {
        char line[2048];
        ts_log(TS_LOG_ERROR, "keystore directory refused: %s",
               ts_error_str(&err, line, sizeof(line)));
        c->dir_unsafe[c->n_dirs] = true;
    }
    ts_log(TS_LOG_DEBUG, "keystore directory %s", norm);
    c->n_dirs++;
}

static void load_cmdline_dirs(config *c, const char *cwd)
{
    int fd = ts_libc_open(TS_ID_open, AT_FDCWD, "/proc/self/cmdline", O_RDONLY | O_CLOEXEC, 0);
    unsigned char *buf = NULL;
    size_t len = 0;

    if (fd < 0) {
        return;
    }
    if (read_all(fd, 1u << 24, &buf, &len) == 0) {
        add_dir(c, ts_cmdline_property((const char *)buf, len, "ALLEGRA_HOME"), "/keystore", cwd);
        add_dir(c, ts_cmdline_property((const char *)buf, len, "TRACKPLUS_HOME"), "/keystore", cwd);
        free(buf);
    }
    close(fd);
}

/* This JVM's own trust stores, found from /proc/self/exe (<java.home>/bin/java). */
static void load_jre_ids(config *c)
{
    static const char *const stores[] = {"/lib/security/cacerts", "/lib/security/jssecacerts",
                                         "/jre/lib/security/cacerts",
                                         "/jre/lib/security/jssecacerts"};
    char exe[PATH_MAX], path[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

    if (n <= 0) {
        return;
    }
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (slash == NULL) {
            return;
        }
        *slash = '\0';
    }
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s%s", exe, stores[i]);
        c->jre_ids[i] = id_of(AT_FDCWD, path);
    }
}

static int load_targets(config *c, const char *manifest_dir)
{
    size_t n = c->m.n_targets;

    if (n == 0) {
        return 0;
    }
    c->target_paths = calloc(n, sizeof(*c->target_paths));
    c->target_ids = calloc(n, sizeof(*c->target_ids));
    c->target_names = calloc(n, sizeof(*c->target_names));
    c->target_name_lens = calloc(n, sizeof(*c->target_name_lens));
    if (c->target_paths == NULL || c->target_ids == NULL || c->target_names == NULL ||
        c->target_name_lens == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char joined[PATH_MAX * 2], norm[PATH_MAX];
        const char *p = c->m.targets[i].path;
        int r = (p[0] == '/') ? snprintf(joined, sizeof(joined), "%s", p)
                              : snprintf(joined, sizeof(joined), "%s/%s", manifest_dir, p);
        if (r < 0 || (size_t)r >= sizeof(joined) ||
            !ts_path_normalize(joined, norm, sizeof(norm))) {
            ts_log(TS_LOG_WARN, "targets[%zu].path: longer than PATH_MAX (%d bytes); not served", i,
                   PATH_MAX);
            norm[0] = '\0';
        }
        c->target_paths[i] = strdup(norm);
        if (c->target_paths[i] == NULL) {
            return -1;
        }
        c->target_ids[i] = id_of(AT_FDCWD, c->target_paths[i]);
        const char *slash = strrchr(c->target_paths[i], '/');
        c->target_names[i] = (slash != NULL) ? slash + 1 : c->target_paths[i];
        c->target_name_lens[i] = strlen(c->target_names[i]);
    }
    c->names.names = c->target_names;
    c->names.lens = c->target_name_lens;
    c->names.count = n;
    return 0;
}

static void config_load(config *c)
{
    const char *path = ts_env_values.manifest;
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_error err;
    struct stat st;
    char dir[PATH_MAX], cwd[PATH_MAX];

    /* Zeroed: a child forked while a thread of its parent was here inherits a half-filled one. */
    memset(c, 0, sizeof(*c));
    ts_env_warn();
    ts_error_clear(&err);
    /* What does not depend on the manifest first: with TRUSTSHIM_STRICT=1 and a bad manifest,
     * these still say which opens must fail. */
    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        cwd[0] = '\0'; /* relative directories are then ignored, with a line (add_dir) */
    }
    add_dir(c, ts_env_values.allegra_home, "/keystore", cwd);
    add_dir(c, ts_env_values.trackplus_home, "/keystore", cwd);
    load_cmdline_dirs(c, cwd);
    load_jre_ids(c);
    if (ts_manifest_init(&c->m) != 0) {
        ts_error_set(&err, "", "out of memory");
        goto fail;
    }
    if (ts_env_values.manifest_problem[0] != '\0') {
        ts_error_set(&err, "", "%s; no manifest is read", ts_env_values.manifest_problem);
        goto fail;
    }
    /* Checked and read through one descriptor: no second lookup by name to race. */
    if (ts_read_file_safe(path, geteuid(), TS_MANIFEST_MAX_SIZE, &buf, &len, &st, &err) != 0) {
        goto fail;
    }
    c->mtime = st.st_mtim;
    c->mdev = st.st_dev;
    ts_manifest_free(&c->m);
    if (ts_manifest_parse((const char *)buf, len, path, &c->m, &err) != 0) {
        goto fail;
    }
    if (ts_manifest_load_certs(&c->m, path, true, (unsigned)geteuid(), &err) != 0) {
        goto fail;
    }
    free(buf);
    buf = NULL;

    ts_dirname(path, dir, sizeof(dir));
    for (size_t i = 0; i < c->m.n_keystore_dirs; i++) {
        add_dir(c, c->m.keystore_dirs[i].path, "", dir);
    }
    if (load_targets(c, dir) != 0) {
        ts_error_set(&err, "targets", "out of memory");
        goto fail;
    }
    c->ok = true;
    ts_log(TS_LOG_DEBUG,
           "%s: %zu certificates, %zu distrusted, %zu keystore directories, %zu targets", path,
           c->m.n_certs, c->m.n_distrust, c->n_dirs, c->m.n_targets);
    return;
fail:
    free(buf);
    log_error(&err, path);
    c->ok = false;
}

/* The configuration, read on first use (under the lock). */
static const config *config_get(void)
{
    config *c = __atomic_load_n(&ts_config, __ATOMIC_ACQUIRE);

    if (c != NULL) {
        return c;
    }
    ts_lock();
    c = __atomic_load_n(&ts_config, __ATOMIC_ACQUIRE);
    if (c == NULL) {
        static config storage;
        c = &storage;
        config_load(c);
        if (c->ok) {
            __atomic_store_n(&ts_names_published, &c->names, __ATOMIC_RELEASE);
        }
        __atomic_store_n(&ts_config, c, __ATOMIC_RELEASE);
    }
    ts_unlock();
    return c;
}

/* Whether the manifest's text mentions "targets" (a cheap look before the full read). */
static bool manifest_has_targets(void)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    bool found = false;

    /* Type and size first (ts_read_fd): a manifest that is /dev/zero is not read at all. */
    if (ts_read_file(ts_env_values.manifest, TS_MANIFEST_MAX_SIZE, &buf, &len, NULL) == 0) {
        found = memmem(buf, len, "\"targets\"", 9) != NULL;
        free(buf);
    }
    return found;
}

void ts_serve_prepare(void)
{
    static int done;

    if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL) != 0) {
        return;
    }
    ts_guard++;
    if (ts_env_init() == TS_STATE_ON && __atomic_load_n(&ts_config, __ATOMIC_ACQUIRE) == NULL &&
        manifest_has_targets()) {
        (void)config_get();
    }
    ts_guard--;
}

static served *find_by_id(const file_id *id)
{
    for (served *s = __atomic_load_n(&ts_served, __ATOMIC_ACQUIRE); s != NULL; s = s->next) {
        if (same_id(&s->id, id)) {
            return s;
        }
    }
    return NULL;
}

static served *find_by_path(const char *abs)
{
    for (served *s = __atomic_load_n(&ts_served, __ATOMIC_ACQUIRE); s != NULL; s = s->next) {
        if (!s->id.valid && strcmp(s->path, abs) == 0) {
            return s;
        }
    }
    return NULL;
}

static void push(served *s)
{
    s->next = ts_served;
    __atomic_store_n(&ts_served, s, __ATOMIC_RELEASE);
}

/* Builds the blob of spec from base (may be NULL); on failure s->failed and one error line. */
static served *build(const config *c, const target_spec *spec, const unsigned char *base,
                     size_t base_len, const char *path, const file_id *id)
{
    served *s = calloc(1, sizeof(*s));
    ts_error err;

    if (s == NULL) {
        return NULL;
    }
    s->path = strdup(path);
    if (s->path == NULL) {
        free(s);
        return NULL;
    }
    if (id != NULL) {
        s->id = *id;
    }
    ts_error_clear(&err);
    ts_merge_opts opts = {.host = (spec->kind == KIND_HOST) ? spec->host : NULL,
                          .timestamp_ms = ts_env_values.timestamp_ms};
    const char *password = c->m.password;
    const char *base_password = NULL; /* as the JVM loads a trust store: no digest check */
    if (spec->kind == KIND_TARGET) {
        const ts_target *t = &c->m.targets[spec->target];
        if (t->password != NULL) {
            password = t->password;
        }
        base_password = password;
        if (!t->merge) {
            base = NULL;
            base_len = 0;
        }
    }
    /* No "format" in the manifest: the file's own format (JKS when there is no file). */
    ts_format format = c->m.format;
    if (format == TS_FORMAT_UNKNOWN) {
        format = ts_keystore_detect(base, base_len);
        if (format == TS_FORMAT_UNKNOWN) {
            format = TS_FORMAT_JKS;
        }
    }
    if (ts_render(base, base_len, base_password, &c->m, &opts, format, password, &s->blob, &s->len,
                  &s->summary, &err) != 0) {
        log_error(&err, path);
        s->failed = true;
        s->blob = NULL;
        s->len = 0;
    } else {
        ts_log(TS_LOG_DEBUG, "%s: built %zu bytes (%zu entries)", path, s->len, s->summary.total);
    }
    return s;
}

/* The index of abs_dir among the keystore directories, or -1. */
static long keystore_dir(const config *c, const char *abs_dir)
{
    file_id id = {0, 0, false};
    bool looked = false;

    for (size_t i = 0; i < c->n_dirs; i++) {
        if (strcmp(c->dirs[i], abs_dir) == 0) {
            return (long)i;
        }
    }
    for (size_t i = 0; i < c->n_dirs; i++) {
        if (!c->dir_ids[i].valid) {
            continue;
        }
        if (!looked) {
            id = id_of(AT_FDCWD, abs_dir);
            looked = true;
        }
        if (same_id(&id, &c->dir_ids[i])) {
            return (long)i;
        }
    }
    return -1;
}

static bool in_keystore_dir(const config *c, const char *abs_dir)
{
    return keystore_dir(c, abs_dir) >= 0;
}

/* Whether abs is a <host>.ks in a keystore directory refused as unsafe. */
static bool in_unsafe_dir(const config *c, const char *abs)
{
    char dir[PATH_MAX], host[256];

    if (!ts_ks_split(abs, dir, sizeof(dir), host, sizeof(host))) {
        return false;
    }
    long i = keystore_dir(c, dir);
    return i >= 0 && c->dir_unsafe[i];
}

/* Whether abs is <keystore dir>/<host>.ks for a host of the manifest. */
static bool host_keystore(const config *c, const char *abs, target_spec *spec)
{
    char dir[PATH_MAX];

    if (c->n_dirs == 0 || !ts_ks_split(abs, dir, sizeof(dir), spec->host, sizeof(spec->host))) {
        return false;
    }
    long i;
    if (!ts_manifest_has_host(&c->m, spec->host) || (i = keystore_dir(c, dir)) < 0 ||
        c->dir_unsafe[i]) {
        return false;
    }
    spec->kind = KIND_HOST;
    return true;
}

static bool classify(const config *c, const char *abs, ts_tail tail, const file_id *id,
                     target_spec *spec)
{
    for (size_t i = 0; i < c->m.n_targets; i++) {
        if (same_id(id, &c->target_ids[i]) || strcmp(abs, c->target_paths[i]) == 0) {
            spec->kind = KIND_TARGET;
            spec->target = i;
            return true;
        }
    }
    switch (tail) {
    case TS_TAIL_JRE_STORE:
        spec->kind = KIND_TRUST;
        return true;
    case TS_TAIL_STORE_NAME:
        for (size_t i = 0; i < 4; i++) {
            if (same_id(id, &c->jre_ids[i])) {
                spec->kind = KIND_TRUST;
                return true;
            }
        }
        return false;
    case TS_TAIL_HOST_KS:
        return host_keystore(c, abs, spec);
    default:
        return false;
    }
}

/* A synthesized per-host keystore at abs (which does not exist), or NULL. */
static const served *synthesized(const config *c, const char *abs)
{
    target_spec spec;
    served *s = find_by_path(abs);

    if (s != NULL) {
        return s;
    }
    memset(&spec, 0, sizeof(spec));
    if (!host_keystore(c, abs, &spec)) {
        return NULL;
    }
    ts_lock();
    s = find_by_path(abs);
    if (s == NULL) {
        s = build(c, &spec, NULL, 0, abs, NULL);
        if (s != NULL) {
            make_master(s);
            push(s);
        }
    }
    ts_unlock();
    return s;
}

/* The served entry for an existing file open as fd0, or NULL when it is not a target. */
static const served *existing(const config *c, int fd0, const char *abs, ts_tail tail)
{
    struct stat st;
    target_spec spec;

    if (ts_sys_fstat(fd0, &st) != 0 || !S_ISREG(st.st_mode)) {
        return NULL;
    }
    file_id id = {st.st_dev, st.st_ino, true};
    served *s = find_by_id(&id);
    if (s != NULL) {
        return s;
    }
    memset(&spec, 0, sizeof(spec));
    if (!classify(c, abs, tail, &id, &spec)) {
        return NULL;
    }
    ts_lock();
    s = find_by_id(&id);
    if (s == NULL) {
        unsigned char *base = NULL;
        size_t base_len = 0;
        if (read_all(fd0, TS_KEYSTORE_MAX_SIZE, &base, &base_len) != 0) {
            ts_log(TS_LOG_ERROR, "%s: cannot read: %s", abs, strerror(errno));
            s = calloc(1, sizeof(*s));
            if (s != NULL) {
                s->id = id;
                s->failed = true;
                s->path = strdup(abs);
                if (s->path == NULL) {
                    free(s);
                    s = NULL;
                }
            }
        } else {
            s = build(c, &spec, base, base_len, abs, &id);
            free(base);
        }
        if (s != NULL) {
            make_master(s);
            push(s);
        }
    }
    ts_unlock();
    return s;
}

static int refuse(void)
{
    if (ts_env_values.strict) {
        errno = EACCES;
        return -1;
    }
    return TS_NOT_SERVED;
}

/*
 * The manifest could not be used.  Without TRUSTSHIM_STRICT every open gets
 * the original file.  With it, opens of what would surely be targets fail:
 * the JRE's trust store (by name, or the same file), and <host>.ks in the
 * keystore directories known without the manifest.
 */
static int without_manifest(const config *c, int dirfd, const char *path, ts_tail tail)
{
    char abs[PATH_MAX], dir[PATH_MAX], host[256];

    if (!ts_env_values.strict) {
        return TS_NOT_SERVED;
    }
    switch (tail) {
    case TS_TAIL_JRE_STORE:
        return refuse();
    case TS_TAIL_STORE_NAME: {
        file_id id = id_of(dirfd, path);
        for (size_t i = 0; i < 4; i++) {
            if (same_id(&id, &c->jre_ids[i])) {
                return refuse();
            }
        }
        return TS_NOT_SERVED;
    }
    case TS_TAIL_HOST_KS:
        if (make_absolute(dirfd, path, abs, sizeof(abs)) &&
            ts_ks_split(abs, dir, sizeof(dir), host, sizeof(host)) && in_keystore_dir(c, dir)) {
            return refuse();
        }
        return TS_NOT_SERVED;
    default:
        return TS_NOT_SERVED;
    }
}

/* A new sealed memfd holding the blob, at offset 0. */
static int memfd_copy(const served *s, bool cloexec)
{
    unsigned int mflags = MFD_ALLOW_SEALING | (cloexec ? MFD_CLOEXEC : 0);
    int fd = ts_sys_memfd("trustshim", mflags);

    if (fd < 0) {
        ts_log(TS_LOG_ERROR, "%s: memfd_create: %s", s->path, strerror(errno));
        return -1;
    }
    for (size_t off = 0; off < s->len;) {
        ssize_t w = write(fd, s->blob + off, s->len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            ts_log(TS_LOG_ERROR, "%s: writing the memfd: %s", s->path, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    (void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Keeps a sealed master copy of a freshly built blob (under the lock). */
static void make_master(served *s)
{
    struct stat st;

    s->master = -1;
    if (s->failed) {
        return;
    }
    int fd = memfd_copy(s, true);
    if (fd >= 0 && ts_sys_fstat(fd, &st) == 0) {
        s->master = fd;
        s->master_id = (file_id){st.st_dev, st.st_ino, true};
    } else if (fd >= 0) {
        close(fd);
    }
}

/*
 * A new descriptor with its own offset: a read-only reopen of the sealed
 * master through /proc (no copy), checked to still be our memfd; else a fresh copy.
 */
static int memfd_of(const served *s, int flags)
{
    bool cloexec = (flags & O_CLOEXEC) != 0;

    if (s->master >= 0) {
        char path[64];
        struct stat st;
        snprintf(path, sizeof(path), "/proc/self/fd/%d", s->master);
        int fd = ts_libc_open(TS_ID_open, AT_FDCWD, path, O_RDONLY | (cloexec ? O_CLOEXEC : 0), 0);
        if (fd >= 0) {
            file_id id = {0, 0, false};
            if (ts_sys_fstat(fd, &st) == 0) {
                id = (file_id){st.st_dev, st.st_ino, true};
            }
            if (same_id(&id, &s->master_id)) {
                return fd;
            }
            close(fd);
        }
    }
    return memfd_copy(s, cloexec);
}

static int serve_open(int dirfd, const char *path, int flags)
{
    char abs[PATH_MAX];
    const served *s;

    if (ts_env_init() == TS_STATE_OFF) {
        return TS_NOT_SERVED;
    }
    const config *c = config_get();
    if (!c->ok) {
        return without_manifest(c, dirfd, path, ts_tail_classify(path, NULL));
    }
    ts_tail tail = ts_tail_classify(path, &c->names);
    if (tail == TS_TAIL_NONE || tail == TS_TAIL_JVM_START) {
        return TS_NOT_SERVED;
    }
    if (!make_absolute(dirfd, path, abs, sizeof(abs))) {
        /* Cannot tell whether it is a target: as for any trust store we cannot serve. */
        static int said;
        if (__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED) == 0) {
            ts_log(TS_LOG_WARN,
                   "%.200s: not served: its absolute path (or the working directory) is longer "
                   "than PATH_MAX (%d bytes)",
                   path, PATH_MAX);
        }
        return refuse();
    }
    if (tail == TS_TAIL_HOST_KS && in_unsafe_dir(c, abs)) {
        return refuse();
    }
    int fd0 = ts_libc_open(TS_ID_openat, dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    if (fd0 >= 0) {
        s = existing(c, fd0, abs, tail);
        close(fd0);
    } else if (tail == TS_TAIL_HOST_KS && (errno == ENOENT || errno == ENOTDIR)) {
        s = synthesized(c, abs);
    } else {
        return TS_NOT_SERVED;
    }
    if (s == NULL) {
        return TS_NOT_SERVED;
    }
    if (s->failed) {
        return refuse();
    }
    int fd = memfd_of(s, flags);
    if (fd < 0) {
        return refuse();
    }
    ts_log(TS_LOG_INFO, "served %s (%zu entries, %zu from the manifest, %zu distrusted)", path,
           s->summary.total, s->summary.added, s->summary.distrusted);
    return fd;
}

int ts_serve_open(int dirfd, const char *path, int flags)
{
    ts_guard++;
    int r = serve_open(dirfd, path, flags);
    ts_guard--;
    return r;
}

static bool synth_stat(int dirfd, const char *path, struct stat *st)
{
    char abs[PATH_MAX];

    if (ts_env_init() == TS_STATE_OFF) {
        return false;
    }
    const config *c = config_get();
    if (!c->ok || !make_absolute(dirfd, path, abs, sizeof(abs))) {
        return false;
    }
    const served *s = synthesized(c, abs);
    if (s == NULL || s->failed) {
        return false;
    }
    /* A stable identity: the manifest's device, an inode derived from the path (FNV-1a). */
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = abs; *p != '\0'; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    memset(st, 0, sizeof(*st));
    st->st_dev = c->mdev;
    st->st_ino = (ino_t)(h | (1ULL << 63));
    st->st_mode = S_IFREG | 0444;
    st->st_nlink = 1;
    st->st_uid = geteuid();
    st->st_gid = getegid();
    st->st_size = (off_t)s->len;
    st->st_blksize = 4096;
    st->st_blocks = (blkcnt_t)((s->len + 511) / 512);
    st->st_atim = c->mtime;
    st->st_mtim = c->mtime;
    st->st_ctim = c->mtime;
    return true;
}

bool ts_serve_synth_stat(int dirfd, const char *path, ts_tail tail, struct stat *st)
{
    if (tail != TS_TAIL_HOST_KS) {
        return false;
    }
    ts_guard++;
    bool r = synth_stat(dirfd, path, st);
    ts_guard--;
    return r;
}
