/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serving.  The manifest and the JVM's options are read once; each served
 * file is built when first opened or stat'ed and rebuilt when the file on disk
 * changes (identity and version: dev, ino, size, mtime, ctime, from fstat of
 * the descriptor we opened), so what is served is the file as it is now.
 *
 * Readers walk the list of built files without a lock.  A superseded build is
 * unlinked under ts_lock and kept on a retired list; it is freed at a later
 * build when no other thread is inside the library (ts_inflight == 1: only the
 * builder), so a reader that still holds it never sees it freed.  Descriptors
 * already handed out are their own open files and stay valid.
 */
#include "serve.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fileio.h"
#include "libc.h"
#include "manifest.h"
#include "merge.h"
#include "shim.h"
#include "store.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#define MFD_ALLOW_SEALING 0x0002U
#endif

/* Largest base keystore we read (the JDK's cacerts is ~200 KB). */
#define TS_KEYSTORE_MAX_SIZE (64u * 1024u * 1024u)
/* Synthesized <host>.ks files kept built; past it each open builds its own copy (one warning). */
#define TS_SYNTH_MAX 256

/* ---- Types */

typedef struct file_id {
    dev_t dev;
    ino_t ino;
    bool valid;
} file_id;

/* A file's identity and version: a change of any field means "read it again". */
typedef struct file_ver {
    file_id id;
    off_t size;
    struct timespec mtime, ctime;
} file_ver;

/* A keystore directory: where Allegra / Track+ keep <host>.ks and trackplus.ks. */
typedef struct kdir {
    char *path;           /* absolute, normalized */
    file_id id;           /* when it exists */
    const char *password; /* NULL: the manifest's */
    bool host_only;       /* trust "host": a file holds only the certificates naming its host */
    bool unsafe;          /* another user could plant a <host>.ks there: refused */
    char where[48];       /* for messages: "keystore_dirs[2]", "ALLEGRA_HOME" ... */
} kdir;

typedef enum target_kind {
    KIND_TRUST,  /* the JRE's cacerts / jssecacerts: every manifest certificate */
    KIND_DIR,    /* an existing <dir>/<name>.ks in a keystore directory */
    KIND_SYNTH,  /* a missing <dir>/<host>.ks for a host of the manifest */
    KIND_TARGET, /* the manifest's targets[i] */
} target_kind;

typedef struct target_spec {
    target_kind kind;
    char host[256]; /* KIND_DIR, KIND_SYNTH: the file's base name without .ks, lowercased */
    size_t index;   /* KIND_TARGET: index in targets[]; KIND_DIR, KIND_SYNTH: in dirs */
} target_spec;

/* One build.  Immutable once published on the list. */
typedef struct served {
    struct served *next;
    struct served *retired_next;
    file_ver ver;     /* the file on disk; id invalid for a synthesized one */
    size_t synth_dir; /* synthesized: its directory (index in dirs) ... */
    char host[256];   /* ... and host, lowercased: one entry per file whatever the spelling */
    char *path;       /* the path first opened (for logs) */
    bool failed;      /* could not build it: serve the original */
    unsigned char *blob;
    size_t len;
    struct timespec mtime; /* what fstat of a served descriptor says: the file's own */
    ts_merge_summary summary;
    bool with_jre; /* summary.added counts the JRE's trust store too (a full-trust directory) */
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
    kdir *dirs; /* keystore directories: the manifest's first (they carry settings) */
    size_t n_dirs, cap_dirs;
    char jre_store[PATH_MAX];   /* this JVM's own trust store ("": not a JVM) */
    file_id jre_ids[4];         /* this JVM's own cacerts / jssecacerts, symlinks resolved */
    ts_jvm_props props;         /* from the JVM's options */
    char trust_store[PATH_MAX]; /* -Djavax.net.ssl.trustStore, absolute ("": none) */
    file_id trust_store_id;
    bool maintenance; /* a program that edits trust stores: never served (see store_maintenance) */
    char **target_paths;
    file_id *target_ids;
    const char **target_names;
    size_t *target_name_lens;
    ts_names names;
} config;

static void make_master(served *s);

static config *ts_config;  /* published once read (ok or not) */
static served *ts_served;  /* pushed under ts_lock, read without it */
static served *ts_retired; /* unlinked builds, under ts_lock */
static size_t ts_synth_count;
/* Synthesized files served past TS_SYNTH_MAX are not kept, but a write to one must still be
 * refused (no-write-back rule): their keys (synth_key), under ts_lock. */
static uint64_t *ts_synth_gone;
static size_t ts_synth_gone_count, ts_synth_gone_cap;
static bool ts_synth_gone_lost; /* out of memory recording one: every such write is refused */
static int ts_inflight;         /* threads inside serving (seq_cst: see the top of the file) */
const ts_names *ts_names_published;

static bool same_id(const file_id *a, const file_id *b)
{
    return a->valid && b->valid && a->dev == b->dev && a->ino == b->ino;
}

static bool same_ver(const file_ver *a, const file_ver *b)
{
    return same_id(&a->id, &b->id) && a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
           a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static file_ver ver_of(const struct stat *st)
{
    file_ver v = {{st->st_dev, st->st_ino, true}, st->st_size, st->st_mtim, st->st_ctim};
    return v;
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

/* The whole of a file by name, NUL-terminated (len excludes the NUL). */
static int read_path(const char *path, size_t max, unsigned char **out, size_t *out_len)
{
    int fd = ts_libc_open(TS_ID_open, AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0);
    unsigned char *buf = NULL;
    size_t len = 0;

    if (fd < 0) {
        return -1;
    }
    int r = read_all(fd, max, &buf, &len);
    close(fd);
    if (r != 0) {
        return -1;
    }
    unsigned char *nb = realloc(buf, len + 1);
    if (nb == NULL) {
        free(buf);
        return -1;
    }
    nb[len] = '\0';
    *out = nb;
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

/* Set while a starting JVM reads the manifest under TRUSTSHIM_STRICT=1 (ts_serve_prepare). */
static bool ts_strict_start;

static void log_error(const ts_error *err, const char *file)
{
    char line[2048];
    ts_error e = *err;

    if (e.file[0] == '\0') {
        ts_error_set_file(&e, file);
    }
    ts_log(TS_LOG_ERROR, "%s%s", ts_error_str(&e, line, sizeof(line)),
           ts_strict_start ? "; TRUSTSHIM_STRICT=1: the JVM stops (exit status 1)" : "");
}

/* ---- Configuration */

/*
 * A keystore directory: made absolute (relative to base_dir), normalized, and
 * its identity if it exists.  No limit on their number; false only when out of
 * memory (the caller says so).
 */
static bool add_dir(config *c, const char *dir, const char *suffix, const char *base_dir,
                    const char *password, bool host_only, const char *where)
{
    char joined[PATH_MAX * 2], norm[PATH_MAX];

    if (dir == NULL || dir[0] == '\0') {
        return true;
    }
    if (dir[0] != '/' && base_dir[0] == '\0') {
        ts_log(TS_LOG_WARN,
               "%s: keystore directory ignored: %s is relative and the working directory cannot be "
               "read (longer than PATH_MAX, %d bytes, or removed)",
               where, dir, PATH_MAX);
        return true;
    }
    int n = (dir[0] == '/') ? snprintf(joined, sizeof(joined), "%s%s", dir, suffix)
                            : snprintf(joined, sizeof(joined), "%s/%s%s", base_dir, dir, suffix);
    if (n < 0 || (size_t)n >= sizeof(joined) || !ts_path_normalize(joined, norm, sizeof(norm))) {
        ts_log(TS_LOG_WARN, "%s: keystore directory ignored (longer than PATH_MAX, %d): %s", where,
               PATH_MAX, dir);
        return true;
    }
    if (c->n_dirs == c->cap_dirs) {
        size_t cap = (c->cap_dirs == 0) ? 8 : c->cap_dirs * 2;
        kdir *nd = realloc(c->dirs, cap * sizeof(*nd));
        if (nd == NULL) {
            return false;
        }
        c->dirs = nd;
        c->cap_dirs = cap;
    }
    kdir *d = &c->dirs[c->n_dirs];
    memset(d, 0, sizeof(*d));
    d->path = strdup(norm);
    if (d->path == NULL) {
        return false;
    }
    d->id = id_of(AT_FDCWD, norm);
    ts_error err;
    ts_error_clear(&err);
    if (ts_dir_check_safe(norm, geteuid(), &err) != 0) {
        char line[2048];
        ts_log(TS_LOG_ERROR, "keystore directory refused: %s",
               ts_error_str(&err, line, sizeof(line)));
        d->unsafe = true;
    }
    d->password = password;
    d->host_only = host_only;
    snprintf(d->where, sizeof(d->where), "%s", where);
    ts_log(TS_LOG_DEBUG, "keystore directory %s (%s%s)", norm, where,
           host_only ? ", trust host" : "");
    c->n_dirs++;
    return true;
}

static char *argfile_reader(const char *path, void *ctx)
{
    unsigned char *buf = NULL;
    size_t len = 0;

    (void)ctx;
    if (read_path(path, 1u << 24, &buf, &len) != 0) {
        return NULL;
    }
    return (char *)buf;
}

/* What the process is, read once per configuration: its executable and command line. */
typedef struct self_info {
    char exe[PATH_MAX]; /* /proc/self/exe, or "" */
    char *cmdline;      /* NUL-separated arguments (malloc'd), or NULL */
    size_t cmdline_len;
} self_info;

static void self_read(self_info *self)
{
    unsigned char *cmd = NULL;
    size_t len = 0;
    ssize_t n = readlink("/proc/self/exe", self->exe, sizeof(self->exe) - 1);

    self->exe[(n > 0) ? n : 0] = '\0';
    if (read_path("/proc/self/cmdline", 1u << 24, &cmd, &len) != 0) {
        cmd = NULL;
        len = 0;
    }
    self->cmdline = (char *)cmd;
    self->cmdline_len = len;
}

/* The JVM's options: what the launcher and the VM read (target.h). */
static void load_jvm_props(config *c, const self_info *self, const char *cwd)
{
    const char *slash = strrchr(self->exe, '/');
    ts_jvm_sources src = {
        .cmdline = self->cmdline,
        .cmdline_len = self->cmdline_len,
        .java_launcher = slash != NULL && strcmp(slash, "/java") == 0,
        .java_tool_options = getenv("JAVA_TOOL_OPTIONS"),
        .jdk_java_options = getenv("JDK_JAVA_OPTIONS"),
        .java_options = getenv("_JAVA_OPTIONS"),
        .read_argfile = argfile_reader,
    };
    if (ts_jvm_props_read(&src, &c->props) != 0) {
        ts_log(TS_LOG_WARN, "out of memory reading the JVM's options");
    }
    const char *ts = c->props.trust_store;
    char joined[PATH_MAX * 2];
    if (ts != NULL && ts[0] != '\0' && strcmp(ts, "NONE") != 0 &&
        (ts[0] == '/' || cwd[0] != '\0')) {
        int r = (ts[0] == '/') ? snprintf(joined, sizeof(joined), "%s", ts)
                               : snprintf(joined, sizeof(joined), "%s/%s", cwd, ts);
        if (r > 0 && (size_t)r < sizeof(joined) &&
            ts_path_normalize(joined, c->trust_store, sizeof(c->trust_store))) {
            c->trust_store_id = id_of(AT_FDCWD, c->trust_store);
        }
    }
}

/* This JVM's own trust stores, found from /proc/self/exe (<java.home>/bin/java). */
static void load_jre_ids(config *c, const self_info *self)
{
    static const char *const stores[] = {"/lib/security/jssecacerts", "/lib/security/cacerts",
                                         "/jre/lib/security/jssecacerts",
                                         "/jre/lib/security/cacerts"};
    char exe[PATH_MAX], path[PATH_MAX + 64];

    if (self->exe[0] == '\0') {
        return;
    }
    memcpy(exe, self->exe, sizeof(exe));
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
        /* The store TrustStoreManager picks without javax.net.ssl.trustStore: jssecacerts first. */
        if (c->jre_ids[i].valid && c->jre_store[0] == '\0' && strlen(path) < sizeof(c->jre_store)) {
            snprintf(c->jre_store, sizeof(c->jre_store), "%s", path);
        }
    }
}

/* Whether the NUL-separated command line has an argument that is name or ends in "/name". */
static bool cmdline_has(const char *buf, size_t len, const char *name, bool nocase)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < len;) {
        const char *a = buf + i;
        size_t alen = strnlen(a, len - i);
        if (alen >= n) {
            const char *tail = a + alen - n;
            bool same = nocase ? strncasecmp(tail, name, n) == 0 : memcmp(tail, name, n) == 0;
            if (same && (alen == n || tail[-1] == '/')) {
                return true;
            }
        }
        i += alen + 1;
    }
    return false;
}

/*
 * Programs that edit trust stores get the files themselves, never a merged
 * copy: they would write the manifest's certificates into the file, where they
 * would stay trusted after leaving the manifest.  Debian's ca-certificates-java
 * (run by update-ca-certificates) reads /etc/ssl/certs/java/cacerts and writes
 * it back; keytool writes back the store it read for every command but -list
 * (it takes no abbreviations), so only keytool -list is served.
 */
static void store_maintenance(config *c, const self_info *self)
{
    const char *exe_base = strrchr(self->exe, '/');

    /* trustshim itself (check, render, verify) under a setenv.sh's LD_PRELOAD: it must read the
     * files, not stores merged already, or it would count the manifest's certificates twice. */
    if (exe_base != NULL && strcmp(exe_base + 1, "trustshim") == 0) {
        c->maintenance = true;
        ts_log(TS_LOG_DEBUG, "not serving: the trustshim command reads the files themselves");
        return;
    }
    if (self->cmdline != NULL) {
        const char *cl = self->cmdline;
        size_t len = self->cmdline_len;
        const char *base = strrchr(self->exe, '/');
        bool keytool = (base != NULL && strcmp(base + 1, "keytool") == 0) ||
                       cmdline_has(cl, len, "sun.security.tools.keytool.Main", false);
        if (cmdline_has(cl, len, "ca-certificates-java.jar", false) ||
            cmdline_has(cl, len, "org.debian.security.UpdateCertificates", false)) {
            c->maintenance = true;
        } else if (keytool && !cmdline_has(cl, len, "-list", true)) {
            c->maintenance = true;
        }
    }
    if (c->maintenance) {
        ts_log(TS_LOG_DEBUG, "not serving: this program edits trust stores (keytool is served for "
                             "-list only)");
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

/* The manifest's keystore_dirs[i]: its path, password (NULL: the manifest's) and trust. */
static void manifest_dir(const ts_manifest *m, size_t i, const char **path, const char **password,
                         bool *host_only)
{
    *path = m->keystore_dirs[i].path;
    *password = m->keystore_dirs[i].password;
    *host_only = m->keystore_dirs[i].trust == TS_DIR_TRUST_HOST;
}

/* Directories known without the manifest: the environment, the JVM's options, $HOME/trackplus. */
static bool add_default_dirs(config *c, const char *cwd)
{
    const char *home = getenv("HOME");
    char trackplus[PATH_MAX];
    bool ok =
        add_dir(c, ts_env_values.allegra_home, "/keystore", cwd, NULL, false, "ALLEGRA_HOME") &&
        add_dir(c, ts_env_values.trackplus_home, "/keystore", cwd, NULL, false, "TRACKPLUS_HOME") &&
        add_dir(c, c->props.allegra_home, "/keystore", cwd, NULL, false, "-DALLEGRA_HOME") &&
        add_dir(c, c->props.trackplus_home, "/keystore", cwd, NULL, false, "-DTRACKPLUS_HOME");
    if (ok && home != NULL && home[0] == '/' &&
        (size_t)snprintf(trackplus, sizeof(trackplus), "%s/trackplus", home) < sizeof(trackplus)) {
        ok = add_dir(c, trackplus, "/keystore", cwd, NULL, false, "$HOME/trackplus");
    }
    return ok;
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
    self_info self;
    self_read(&self);
    load_jvm_props(c, &self, cwd);
    load_jre_ids(c, &self);
    store_maintenance(c, &self);
    free(self.cmdline);
    if (ts_manifest_init(&c->m) != 0) {
        ts_error_set(&err, "", "out of memory");
        goto fail;
    }
    if (ts_env_values.manifest_problem[0] != '\0') {
        ts_error_set(&err, "", "%s; no manifest is read", ts_env_values.manifest_problem);
        goto fail_dirs;
    }
    /* Checked and read through one descriptor: no second lookup by name to race. */
    if (ts_read_file_safe(path, geteuid(), TS_MANIFEST_MAX_SIZE, &buf, &len, &st, &err) != 0) {
        goto fail_dirs;
    }
    c->mtime = st.st_mtim;
    c->mdev = st.st_dev;
    ts_manifest_free(&c->m);
    if (ts_manifest_parse((const char *)buf, len, path, &c->m, &err) != 0) {
        goto fail_dirs;
    }
    if (ts_manifest_load_certs(&c->m, path, true, (unsigned)geteuid(), &err) != 0) {
        goto fail_dirs;
    }
    free(buf);
    buf = NULL;

    ts_dirname(path, dir, sizeof(dir));
    /* The manifest's directories first: when one is also named by ALLEGRA_HOME, its password
     * and trust apply. */
    for (size_t i = 0; i < c->m.n_keystore_dirs; i++) {
        const char *p, *pw;
        bool host_only;
        char where[48];
        manifest_dir(&c->m, i, &p, &pw, &host_only);
        snprintf(where, sizeof(where), "keystore_dirs[%zu]", i);
        if (!add_dir(c, p, "", dir, pw, host_only, where)) {
            ts_error_set(&err, where, "out of memory");
            goto fail;
        }
    }
    if (!add_default_dirs(c, cwd)) {
        ts_error_set(&err, "keystore_dirs", "out of memory");
        goto fail;
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
fail_dirs:
    (void)add_default_dirs(c, cwd);
fail:
    free(buf);
    log_error(&err, path);
    c->ok = false;
}

/* In the child of fork() only the forking thread exists, and it is not inside the serving code:
 * without this, builds retired in the child would never be freed. */
static void inflight_after_fork(void)
{
    __atomic_store_n(&ts_inflight, 0, __ATOMIC_SEQ_CST);
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
        (void)pthread_atfork(NULL, NULL, inflight_after_fork);
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
        (ts_env_values.strict || manifest_has_targets())) {
        /* Strict mode promises that a JVM which cannot have its trust does not start: stop it
         * here, before any application code, not at its first TLS connection. */
        ts_strict_start = ts_env_values.strict;
        const config *c = config_get();
        ts_strict_start = false;
        if (ts_env_values.strict && !c->ok) {
            _exit(1);
        }
    }
    ts_guard--;
}

/* ---- The list of builds */

/* The newest build of the file with this identity (any version). */
static served *find_by_id(const file_id *id)
{
    for (served *s = __atomic_load_n(&ts_served, __ATOMIC_ACQUIRE); s != NULL;
         s = __atomic_load_n(&s->next, __ATOMIC_ACQUIRE)) {
        if (same_id(&s->ver.id, id)) {
            return s;
        }
    }
    return NULL;
}

static served *find_synth(size_t dir, const char *host)
{
    for (served *s = __atomic_load_n(&ts_served, __ATOMIC_ACQUIRE); s != NULL;
         s = __atomic_load_n(&s->next, __ATOMIC_ACQUIRE)) {
        if (!s->ver.id.valid && s->synth_dir == dir && strcmp(s->host, host) == 0) {
            return s;
        }
    }
    return NULL;
}

/* FNV-1a of the keystore directory's index and the host: one key per synthesized file. */
static uint64_t synth_key(size_t dir, const char *host)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (size_t i = 0; i < sizeof(dir); i++) {
        h = (h ^ ((dir >> (8 * i)) & 0xff)) * UINT64_C(1099511628211);
    }
    for (const unsigned char *p = (const unsigned char *)host; *p != '\0'; p++) {
        h = (h ^ *p) * UINT64_C(1099511628211);
    }
    return h;
}

/* Under ts_lock: whether the synthesized file of dir and host was served past the bound; with
 * remember, records it if not.  Linear: only a process past TS_SYNTH_MAX files gets here, and
 * each of its opens builds a whole store anyway. */
static bool synth_gone(size_t dir, const char *host, bool remember)
{
    uint64_t key = synth_key(dir, host);

    if (ts_synth_gone_lost) {
        return true;
    }
    for (size_t i = 0; i < ts_synth_gone_count; i++) {
        if (ts_synth_gone[i] == key) {
            return true;
        }
    }
    if (remember) {
        if (ts_synth_gone_count == ts_synth_gone_cap) {
            size_t cap = ts_synth_gone_cap ? 2 * ts_synth_gone_cap : 64;
            uint64_t *more = realloc(ts_synth_gone, cap * sizeof(*more));
            if (more == NULL) {
                ts_synth_gone_lost = true;
                return false;
            }
            ts_synth_gone = more;
            ts_synth_gone_cap = cap;
        }
        ts_synth_gone[ts_synth_gone_count++] = key;
    }
    return false;
}

/* Whether fd is, now, the master memfd of s (the program may have closed it and reused the number).
 */
static bool is_master(const served *s, int fd)
{
    struct stat st;

    if (ts_sys_fstat(fd, &st) != 0) {
        return false;
    }
    file_id id = {st.st_dev, st.st_ino, true};
    return same_id(&id, &s->master_id);
}

/* Closes s's master, unless the program closed it and reused the number (then it is its own).
 */
static void close_master(served *s)
{
    int fd = __atomic_exchange_n(&s->master, -1, __ATOMIC_ACQ_REL);

    if (fd >= 0 && is_master(s, fd)) {
        close(fd);
    }
}

static void served_free(served *s)
{
    close_master(s);
    free(s->blob);
    free(s->path);
    free(s);
}

/* Under the lock: frees the retired builds when no other thread can be reading them. */
static void reclaim(void)
{
    if (__atomic_load_n(&ts_inflight, __ATOMIC_SEQ_CST) != 1) {
        return;
    }
    while (ts_retired != NULL) {
        served *r = ts_retired;
        ts_retired = r->retired_next;
        served_free(r);
    }
}

/* Under the lock: publishes s in front, unlinking old (a superseded build of the same file). */
static void push(served *s, served *old)
{
    if (old != NULL) {
        served **pp = &ts_served;
        while (*pp != NULL && *pp != old) {
            pp = &(*pp)->next;
        }
        if (*pp == old) {
            __atomic_store_n(pp, old->next, __ATOMIC_SEQ_CST);
            old->retired_next = ts_retired;
            ts_retired = old;
        }
    }
    s->next = ts_served;
    __atomic_store_n(&ts_served, s, __ATOMIC_SEQ_CST);
    reclaim();
}

/* ---- Building */

/* Decodes this JVM's own trust store with no password, as TrustStoreManager reads it. */
static bool jre_trust(const config *c, ts_keystore *out)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_error err;

    memset(out, 0, sizeof(*out));
    if (c->jre_store[0] == '\0' || read_path(c->jre_store, TS_KEYSTORE_MAX_SIZE, &buf, &len) != 0) {
        return false;
    }
    ts_error_clear(&err);
    int r = ts_keystore_decode(buf, len, NULL, out, &err);
    free(buf);
    if (r != 0) {
        log_error(&err, c->jre_store);
        return false;
    }
    return true;
}

/* Whether abs is the file -Djavax.net.ssl.trustStore names. */
static bool is_jvm_trust_store(const config *c, const char *abs, const file_id *id)
{
    return c->trust_store[0] != '\0' &&
           (strcmp(abs, c->trust_store) == 0 || (id != NULL && same_id(id, &c->trust_store_id)));
}

/*
 * The password for spec, first that applies: targets[i].password, the JVM's
 * trustStorePassword for the file it names as trustStore (or for the JRE's
 * store when it names none), the keystore directory's, the manifest's.  *fix
 * says where to set it.
 */
static const char *password_for(const config *c, const target_spec *spec, const char *abs,
                                const file_id *id, char *fix, size_t fix_size)
{
    const char *jvm = c->props.trust_store_password;

    if (spec->kind == KIND_TARGET) {
        snprintf(fix, fix_size, "set targets[%zu].password", spec->index);
        if (c->m.targets[spec->index].password != NULL) {
            return c->m.targets[spec->index].password;
        }
    }
    bool named = is_jvm_trust_store(c, abs, id);
    if (jvm != NULL && (named || (spec->kind == KIND_TRUST && c->trust_store[0] == '\0'))) {
        if (spec->kind != KIND_TARGET) {
            snprintf(fix, fix_size, "check -Djavax.net.ssl.trustStorePassword");
        }
        return jvm;
    }
    if (spec->kind == KIND_DIR || spec->kind == KIND_SYNTH) {
        const kdir *d = &c->dirs[spec->index];
        if (strncmp(d->where, "keystore_dirs[", 14) == 0) {
            snprintf(fix, fix_size, "set %s.password", d->where);
        } else {
            snprintf(fix, fix_size, "list %s in keystore_dirs with its password", d->path);
        }
        if (d->password != NULL) {
            return d->password;
        }
    } else if (spec->kind == KIND_TRUST) {
        snprintf(fix, fix_size, "set the manifest's password to the store's");
    }
    return c->m.password;
}

static const char *fail_name(ts_store_fail why)
{
    switch (why) {
    case TS_STORE_INTEGRITY:
        return "integrity check failed (wrong password or tampered file)";
    case TS_STORE_PASSWORD:
        return "wrong or unknown password";
    case TS_STORE_UNSUPPORTED:
        return "unsupported content or algorithm";
    case TS_STORE_NOMEM:
        return "out of memory";
    case TS_STORE_CONVERT:
        return "the manifest's format is not the file's, and the file holds keys";
    case TS_STORE_NOCRYPTO:
        return "libcrypto is needed and cannot be loaded";
    default:
        return "not a keystore this library can read";
    }
}

/* What fixes a failed build: password_for said where the password goes. */
static const char *fix_for(ts_store_fail why, const char *password_fix)
{
    switch (why) {
    case TS_STORE_INTEGRITY:
    case TS_STORE_PASSWORD:
        return password_fix;
    case TS_STORE_UNSUPPORTED:
        return "re-create it with keytool -importkeystore (the JDK's default algorithms)";
    case TS_STORE_CONVERT:
        return "remove \"format\" from the manifest";
    case TS_STORE_NOMEM:
        return "free memory";
    case TS_STORE_NOCRYPTO:
        return "install libtrustshim-crypto.so (trustshim's package has it) beside "
               "libtrustshim.so, with OpenSSL 3's libcrypto.so.3";
    default:
        return "repair or replace the file";
    }
}

/*
 * Builds the blob of spec from base (NULL: synthesized).  On failure
 * s->failed, and one line: why, and what fixes it.
 */
static served *build(const config *c, const target_spec *spec, const unsigned char *base,
                     size_t base_len, const char *path, const file_ver *ver)
{
    served *s = calloc(1, sizeof(*s));
    ts_error err;
    ts_keystore jre;
    char fix[PATH_MAX + 64];
    bool have_jre = false;

    if (s == NULL) {
        return NULL;
    }
    s->master = -1;
    s->path = strdup(path);
    if (s->path == NULL) {
        free(s);
        return NULL;
    }
    s->mtime = c->mtime;
    if (ver != NULL) {
        s->ver = *ver;
        s->mtime = ver->mtime;
    }
    snprintf(fix, sizeof(fix), "set the store's password in the manifest");
    ts_error_clear(&err);
    ts_store_in in = {.base = base,
                      .base_len = base_len,
                      .m = &c->m,
                      .merge = true,
                      .timestamp_ms = ts_env_values.timestamp_ms,
                      .format = c->m.format};
    in.password = password_for(c, spec, path, (ver != NULL) ? &ver->id : NULL, fix, sizeof(fix));
    /* The manifest's password is the one for every store: a guess for this one. */
    in.password_guessed = in.password == c->m.password;
    switch (spec->kind) {
    case KIND_TARGET:
        in.merge = c->m.targets[spec->index].merge;
        break;
    case KIND_DIR:
    case KIND_SYNTH:
        if (c->dirs[spec->index].host_only) {
            in.host = spec->host;
        } else {
            /* Full trust: the JVM's default SSL context may be built from this file (Allegra
             * sets javax.net.ssl.trustStore to it), and then serves every connection. */
            have_jre = jre_trust(c, &jre);
            in.also_trust = have_jre ? &jre : NULL;
            s->with_jre = have_jre;
        }
        break;
    case KIND_TRUST:
        break;
    }
    ts_store_fail why = TS_STORE_OK;
    int built = ts_store_build(&in, &s->blob, &s->len, &s->summary, &why, &err);
    if (built != 0 && why == TS_STORE_CONVERT) {
        /* Keys are never converted: the file in its own format still carries the manifest,
         * where the original would carry nothing of it. */
        ts_log(TS_LOG_WARN, "%s: served as %s, not as the manifest's \"format\": it holds keys",
               path, ts_format_name(ts_keystore_detect(base, base_len)));
        in.format = TS_FORMAT_UNKNOWN;
        ts_error_clear(&err);
        built = ts_store_build(&in, &s->blob, &s->len, &s->summary, &why, &err);
    }
    if (built != 0) {
        char line[1024];
        ts_error e = err;
        if (e.file[0] == '\0') {
            ts_error_set_file(&e, path);
        }
        ts_log(TS_LOG_ERROR, "%s: cannot serve it (%s: %s); %s; %s", path, fail_name(why),
               ts_error_str(&e, line, sizeof(line)),
               ts_env_values.strict ? "opens fail (TRUSTSHIM_STRICT=1)" : "serving it unchanged",
               fix_for(why, fix));
        s->failed = true;
        s->blob = NULL;
        s->len = 0;
    } else {
        ts_log(TS_LOG_DEBUG, "%s: built %zu bytes (%zu entries)", path, s->len, s->summary.total);
    }
    if (have_jre) {
        ts_keystore_free(&jre);
    }
    return s;
}

/* Which keystore directory abs_dir is (index), or -1. */
static long keystore_dir(const config *c, const char *abs_dir)
{
    file_id id = {0, 0, false};
    bool looked = false;

    for (size_t i = 0; i < c->n_dirs; i++) {
        if (strcmp(c->dirs[i].path, abs_dir) == 0) {
            return (long)i;
        }
    }
    for (size_t i = 0; i < c->n_dirs; i++) {
        if (!c->dirs[i].id.valid) {
            continue;
        }
        if (!looked) {
            id = id_of(AT_FDCWD, abs_dir);
            looked = true;
        }
        if (same_id(&id, &c->dirs[i].id)) {
            return (long)i;
        }
    }
    return -1;
}

/* Whether abs is a <name>.ks in a keystore directory refused as unsafe. */
static bool in_unsafe_dir(const config *c, const char *abs)
{
    char dir[PATH_MAX], host[256];

    if (!ts_ks_split(abs, dir, sizeof(dir), host, sizeof(host))) {
        return false;
    }
    long i = keystore_dir(c, dir);
    return i >= 0 && c->dirs[i].unsafe;
}

/*
 * Whether abs is <keystore dir>/<name>.ks.  exists: a file on disk (every
 * name is served in a full-trust directory; in a "host" one only a manifest
 * host's); else a host of the manifest, synthesized.
 */
static bool dir_keystore(const config *c, const char *abs, bool exists, target_spec *spec)
{
    char dir[PATH_MAX];

    if (c->n_dirs == 0 || !ts_ks_split(abs, dir, sizeof(dir), spec->host, sizeof(spec->host))) {
        return false;
    }
    for (char *p = spec->host; *p != '\0'; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    long i = keystore_dir(c, dir);
    if (i < 0 || c->dirs[i].unsafe) {
        return false;
    }
    spec->index = (size_t)i;
    if (exists && !c->dirs[i].host_only) {
        spec->kind = KIND_DIR;
        return true;
    }
    if (!ts_manifest_has_host(&c->m, spec->host)) {
        return false;
    }
    spec->kind = exists ? KIND_DIR : KIND_SYNTH;
    return true;
}

static bool classify(const config *c, const char *abs, ts_tail tail, const file_id *id,
                     target_spec *spec)
{
    for (size_t i = 0; i < c->m.n_targets; i++) {
        if (same_id(id, &c->target_ids[i]) || strcmp(abs, c->target_paths[i]) == 0) {
            spec->kind = KIND_TARGET;
            spec->index = i;
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
        return dir_keystore(c, abs, true, spec);
    default:
        return false;
    }
}

/* A synthesized per-host keystore at abs (which does not exist), or NULL.  *owned: the caller
 * frees it (past TS_SYNTH_MAX, nothing is cached). */
static served *synthesized(const config *c, const char *abs, bool *owned)
{
    target_spec spec;

    *owned = false;
    memset(&spec, 0, sizeof(spec));
    if (!dir_keystore(c, abs, false, &spec)) {
        return NULL;
    }
    served *s = find_synth(spec.index, spec.host);
    if (s != NULL) {
        return s;
    }
    ts_lock();
    s = find_synth(spec.index, spec.host);
    if (s == NULL) {
        s = build(c, &spec, NULL, 0, abs, NULL);
        if (s != NULL) {
            s->synth_dir = spec.index;
            snprintf(s->host, sizeof(s->host), "%s", spec.host);
            make_master(s);
            if (ts_synth_count < TS_SYNTH_MAX) {
                __atomic_add_fetch(&ts_synth_count, 1, __ATOMIC_RELAXED);
                push(s, NULL);
            } else {
                if (ts_synth_count == TS_SYNTH_MAX) {
                    __atomic_add_fetch(&ts_synth_count, 1, __ATOMIC_RELAXED);
                    ts_log(TS_LOG_WARN,
                           "more than %d synthesized <host>.ks files: the others are built at "
                           "every open, not kept",
                           TS_SYNTH_MAX);
                }
                (void)synth_gone(spec.index, spec.host, true);
                *owned = true;
            }
        }
    }
    ts_unlock();
    return s;
}

/* The build for an existing file open as fd0 (its current version), or NULL when it is not a
 * target. */
static const served *existing(const config *c, int fd0, const char *abs, ts_tail tail)
{
    struct stat st;
    target_spec spec;

    if (ts_sys_fstat(fd0, &st) != 0 || !S_ISREG(st.st_mode)) {
        return NULL;
    }
    file_ver ver = ver_of(&st);
    served *s = find_by_id(&ver.id);
    if (s != NULL && same_ver(&s->ver, &ver)) {
        return s;
    }
    memset(&spec, 0, sizeof(spec));
    if (s == NULL && !classify(c, abs, tail, &ver.id, &spec)) {
        return NULL;
    }
    ts_lock();
    served *old = find_by_id(&ver.id);
    s = old;
    if (s == NULL || !same_ver(&s->ver, &ver)) {
        if (old != NULL && !classify(c, abs, tail, &ver.id, &spec)) {
            /* No longer a target (renamed out of a keystore directory?): served no more. */
            ts_unlock();
            return NULL;
        }
        unsigned char *base = NULL;
        size_t base_len = 0;
        if (read_all(fd0, TS_KEYSTORE_MAX_SIZE, &base, &base_len) != 0) {
            int e = errno;
            ts_log(TS_LOG_ERROR, "%s: cannot read it (%s); %s", abs,
                   e == EFBIG ? "larger than the 64 MiB a keystore may be" : strerror(e),
                   ts_env_values.strict ? "opens fail (TRUSTSHIM_STRICT=1)"
                                        : "serving it unchanged");
            s = calloc(1, sizeof(*s));
            if (s != NULL) {
                s->ver = ver;
                s->failed = true;
                s->master = -1;
                s->path = strdup(abs);
                if (s->path == NULL) {
                    free(s);
                    s = NULL;
                }
            }
        } else {
            s = build(c, &spec, base, base_len, abs, &ver);
            free(base);
        }
        if (s != NULL) {
            make_master(s);
            push(s, old);
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
            ts_ks_split(abs, dir, sizeof(dir), host, sizeof(host)) && keystore_dir(c, dir) >= 0) {
            return refuse();
        }
        return TS_NOT_SERVED;
    default:
        return TS_NOT_SERVED;
    }
}

/* ---- Descriptors */

/* A new sealed memfd holding the blob, at offset 0, dated as the file it stands for. */
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
    /* fstat of a served descriptor then says what stat of the path says (TrustStoreManager and
     * tools compare modification times). */
    struct timespec times[2] = {s->mtime, s->mtime};
    (void)futimens(fd, times);
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
 * master through /proc (no copy); else a fresh copy.  The number is checked
 * before the open, since whatever the program put there is opened: a FIFO
 * would block, a terminal would become the controlling one.  O_NONBLOCK and
 * O_NOCTTY cover a number reused between the check and the open; the reopened
 * file is checked again, and O_NONBLOCK dropped as a real file's open has none.
 */
static int memfd_of(const served *s, int flags)
{
    bool cloexec = (flags & O_CLOEXEC) != 0;
    int master = __atomic_load_n(&s->master, __ATOMIC_ACQUIRE);

    if (master >= 0 && is_master(s, master)) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", master);
        int fd = ts_libc_open(TS_ID_open, AT_FDCWD, path,
                              O_RDONLY | O_NONBLOCK | O_NOCTTY | (cloexec ? O_CLOEXEC : 0), 0);
        if (fd >= 0) {
            if (is_master(s, fd) && fcntl(fd, F_SETFL, O_RDONLY) == 0) {
                return fd;
            }
            close(fd);
        }
    }
    return memfd_copy(s, cloexec);
}

/* ---- Entry points */

static int serve_open(int dirfd, const char *path, int flags)
{
    char abs[PATH_MAX];
    const served *s;
    served *owned = NULL;

    if (ts_env_init() == TS_STATE_OFF) {
        return TS_NOT_SERVED;
    }
    const config *c = config_get();
    if (c->maintenance) {
        return TS_NOT_SERVED;
    }
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
        bool own = false;
        served *syn = synthesized(c, abs, &own);
        owned = own ? syn : NULL;
        s = syn;
    } else {
        return TS_NOT_SERVED;
    }
    if (s == NULL) {
        return TS_NOT_SERVED;
    }
    int fd;
    if (s->failed) {
        fd = refuse();
    } else {
        fd = memfd_of(s, flags);
        if (fd < 0) {
            fd = refuse();
        } else {
            ts_log(TS_LOG_INFO, "served %s (%zu entries, %zu from the %s, %zu distrusted)", path,
                   s->summary.total, s->summary.added,
                   s->with_jre ? "JRE's trust store and the manifest" : "manifest",
                   s->summary.distrusted);
        }
    }
    if (owned != NULL) {
        served_free(owned);
    }
    return fd;
}

int ts_serve_open(int dirfd, const char *path, int flags)
{
    ts_guard++;
    __atomic_add_fetch(&ts_inflight, 1, __ATOMIC_SEQ_CST);
    int r = serve_open(dirfd, path, flags);
    __atomic_sub_fetch(&ts_inflight, 1, __ATOMIC_SEQ_CST);
    ts_guard--;
    return r;
}

static bool synth_stat(int dirfd, const char *path, struct stat *st)
{
    char abs[PATH_MAX];
    bool owned = false;

    if (ts_env_init() == TS_STATE_OFF) {
        return false;
    }
    const config *c = config_get();
    if (!c->ok || c->maintenance || !make_absolute(dirfd, path, abs, sizeof(abs))) {
        return false;
    }
    served *s = synthesized(c, abs, &owned);
    if (s == NULL || s->failed) {
        if (owned) {
            served_free(s);
        }
        return false;
    }
    /* A stable identity: the manifest's device, an inode derived from the file's key (FNV-1a of
     * the directory and the lowercased host), so every spelling is the same file. */
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = c->dirs[s->synth_dir].path; *p != '\0'; p++) {
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    }
    for (const char *p = s->host; *p != '\0'; p++) {
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
    if (owned) {
        served_free(s);
    }
    return true;
}

bool ts_serve_synth_stat(int dirfd, const char *path, ts_tail tail, struct stat *st)
{
    if (tail != TS_TAIL_HOST_KS) {
        return false;
    }
    ts_guard++;
    __atomic_add_fetch(&ts_inflight, 1, __ATOMIC_SEQ_CST);
    bool r = synth_stat(dirfd, path, st);
    __atomic_sub_fetch(&ts_inflight, 1, __ATOMIC_SEQ_CST);
    ts_guard--;
    return r;
}

static bool served_size(int dirfd, const char *path, int flags, const struct stat *st, off_t *size)
{
    char abs[PATH_MAX];

    if (ts_env_init() == TS_STATE_OFF) {
        return false;
    }
    const config *c = config_get();
    if (!c->ok || c->maintenance) {
        return false;
    }
    file_ver ver = ver_of(st);
    const served *s = find_by_id(&ver.id);
    if (s == NULL || !same_ver(&s->ver, &ver)) {
        /* Not built for this version yet (or not a target): look as an open would. */
        ts_tail tail = ts_tail_classify(path, &c->names);
        if (tail == TS_TAIL_NONE || tail == TS_TAIL_JVM_START ||
            !make_absolute(dirfd, path, abs, sizeof(abs))) {
            return false;
        }
        int oflags =
            O_RDONLY | O_CLOEXEC | O_NONBLOCK | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0);
        int fd0 = ts_libc_open(TS_ID_openat, dirfd, path, oflags, 0);
        if (fd0 < 0) {
            return false;
        }
        s = existing(c, fd0, abs, tail);
        close(fd0);
    }
    if (s == NULL || s->failed || !same_id(&s->ver.id, &ver.id)) {
        return false;
    }
    *size = (off_t)s->len;
    return true;
}

bool ts_serve_stat_size(int dirfd, const char *path, int flags, const struct stat *st, off_t *size)
{
    if (!S_ISREG(st->st_mode)) {
        return false;
    }
    int saved = errno;
    ts_guard++;
    __atomic_add_fetch(&ts_inflight, 1, __ATOMIC_SEQ_CST);
    bool r = served_size(dirfd, path, flags, st, size);
    __atomic_sub_fetch(&ts_inflight, 1, __ATOMIC_SEQ_CST);
    ts_guard--;
    errno = saved;
    return r;
}

/* Whether path (relative to dirfd) is a file this process was served merged. */
static bool served_file(const config *c, int dirfd, const char *path)
{
    char abs[PATH_MAX];
    struct stat st;
    target_spec spec;
    const served *s = NULL;

    if (ts_sys_fstatat(dirfd, path, &st, 0) == 0) {
        file_id id = {st.st_dev, st.st_ino, true};
        s = find_by_id(&id);
    }
    memset(&spec, 0, sizeof(spec));
    if (s == NULL && c->ok && make_absolute(dirfd, path, abs, sizeof(abs)) &&
        dir_keystore(c, abs, false, &spec)) {
        s = find_synth(spec.index, spec.host);
        if (s == NULL && __atomic_load_n(&ts_synth_count, __ATOMIC_RELAXED) > TS_SYNTH_MAX) {
            ts_lock();
            bool gone = synth_gone(spec.index, spec.host, false);
            ts_unlock();
            return gone;
        }
    }
    return s != NULL && !s->failed;
}

int ts_serve_write_check(int dirfd, const char *path)
{
    const config *c = __atomic_load_n(&ts_config, __ATOMIC_ACQUIRE);

    if (c == NULL || __atomic_load_n(&ts_served, __ATOMIC_ACQUIRE) == NULL) {
        return 0;
    }
    int saved = errno;
    ts_guard++;
    __atomic_add_fetch(&ts_inflight, 1, __ATOMIC_SEQ_CST);
    bool hit = served_file(c, dirfd, path);
    __atomic_sub_fetch(&ts_inflight, 1, __ATOMIC_SEQ_CST);
    ts_guard--;
    errno = saved;
    if (!hit) {
        return 0;
    }
    ts_log(TS_LOG_ERROR,
           "%s: not written: this process read it merged with the manifest's certificates, "
           "which must not be stored in a file; run the command with TRUSTSHIM_DISABLE=1 to "
           "change the file itself",
           path);
    errno = EROFS;
    return -1;
}

/*
 * dlclose() of the library (or exit): the master memfds go with it, else every
 * dlopen/dlclose cycle would leave one descriptor per served file.  Only the
 * descriptors: at exit other threads may still be reading the blobs (a JVM's
 * threads run on during exit), and a reader that finds a master gone makes a
 * fresh copy (memfd_of).
 */
__attribute__((destructor)) static void serve_release(void)
{
    for (served *s = __atomic_load_n(&ts_served, __ATOMIC_ACQUIRE); s != NULL; s = s->next) {
        close_master(s);
    }
    for (served *s = ts_retired; s != NULL; s = s->retired_next) {
        close_master(s);
    }
}
