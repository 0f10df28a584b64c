/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trustshim exec: become CMD with the library preloaded.  execvp, not a child:
 * as a container's ENTRYPOINT, signals must reach CMD and no process of ours
 * may stay behind.
 *
 * --with / --without build a private manifest in memory and hand it over as a
 * sealed memfd, inherited across exec, named TRUSTSHIM_MANIFEST=/proc/PID/fd/N
 * with PID our own (CMD's after execvp), not /proc/self: the name must mean the
 * same file in every descendant, also in one whose descriptor N was closed or
 * is another file (a JVM started by a JVM, a daemon that closes descriptors).
 * The library opens /proc/PID/fd/N, and when PID is gone or another user's, its
 * own inherited descriptor N (see ts_open_safe).  Nothing on disk changes,
 * nobody can modify it (sealed, owned by us), it vanishes with the last process
 * that holds it.  Certificates are inlined as PEM so that no relative file path
 * is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"

enum { OPT_WITH = 1, OPT_WITHOUT };

static const ts_option options[] = {
    {"with", 0, TS_OPT_VALUE, OPT_WITH, "FILE",
     "also trust the certificates in FILE, for this run only"},
    {"without", 0, TS_OPT_VALUE, OPT_WITHOUT, "ALIAS|SHA256",
     "leave out a manifest entry, or distrust a base CA, for this run only"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int exec_main(int argc, char **argv);

const ts_command ts_cmd_exec = {
    "exec",
    exec_main,
    "run a command with the library preloaded (replaces trustshim; exit status is CMD's)",
    "[--with FILE]... [--without ALIAS|SHA256]... [--] CMD [ARGS...]",
    "Prepends libtrustshim.so to LD_PRELOAD, sets TRUSTSHIM_MANIFEST to the absolute path of\n"
    "the manifest and executes CMD in place of trustshim.  The manifest is validated first:\n"
    "when it is not sound CMD is not started.  --with and --without change trust for this\n"
    "run only, on top of the manifest (or of none when it does not exist), through a\n"
    "private read-only in-memory manifest; no file changes.\n"
    "The library is found from the executable (../lib/ or ../lib/trustshim/);\n"
    "TRUSTSHIM_LIBRARY overrides.",
    options,
    true,
};

int ts_check_for_library(const char *path, ts_manifest *m)
{
    ts_error err;
    unsigned char *buf = NULL;
    size_t len = 0;
    int ret = TS_EXIT_USAGE;
    bool parsed = false;

    ts_error_clear(&err);
    if (ts_cli_no_manifest(path)) {
        goto end;
    }
    /* As the library will: checked, and read through the descriptor that was checked. */
    if (ts_read_file_safe(path, geteuid(), TS_MANIFEST_MAX_SIZE, &buf, &len, NULL, &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    if (ts_manifest_parse((const char *)buf, len, path, m, &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    parsed = true;
    if (ts_manifest_load_certs(m, path, true, (unsigned)geteuid(), &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    ret = TS_EXIT_OK;
end:
    if ((ret != TS_EXIT_OK) && parsed) {
        ts_manifest_free(m);
    }
    free(buf);
    return ret;
}

/* Every certificate as inline PEM: the memfd manifest has no directory for relative paths. */
static int inline_pems(ts_manifest *m)
{
    for (size_t i = 0; i < m->n_certs; i++) {
        ts_manifest_cert *c = &m->certs[i];
        if (c->file || !c->pem) {
            char *pem = ts_cert_to_pem(&c->cert);
            if (!pem) {
                return -1;
            }
            free(c->file);
            c->file = NULL;
            free(c->pem);
            c->pem = pem;
        }
    }
    return 0;
}

static int apply_with(ts_manifest *m, const char *file)
{
    ts_error err;
    ts_cert_list l;
    unsigned char *buf = NULL;
    size_t len = 0;
    char when[32];
    char source[4200];
    int ret = TS_EXIT_USAGE;

    memset(&l, 0, sizeof(l));
    ts_error_clear(&err);
    ts_now_rfc3339(when, sizeof(when));
    snprintf(source, sizeof(source), "exec --with %s", file);
    if ((ts_read_file(file, TS_MANIFEST_MAX_SIZE, &buf, &len, &err) != 0) ||
        (ts_certs_parse(buf, len, &l, &err) != 0)) {
        ts_cli_core_error(file, &err);
        goto end;
    }
    for (size_t i = 0; i < l.count; i++) {
        size_t idx = 0;
        if (ts_manifest_find_sha256(m, l.items[i].sha256) >= 0) {
            continue;
        }
        if (ts_manifest_add_cert(m, &l.items[i], NULL, NULL, 0, source, when, &idx, &err) != 0) {
            ts_cli_core_error(file, &err);
            goto end;
        }
        if (!m->certs[idx].cert.der && (ts_cert_copy(&m->certs[idx].cert, &l.items[i]) != 0)) {
            ts_cli_error(file, "out of memory");
            goto end;
        }
    }
    ret = TS_EXIT_OK;
end:
    ts_cert_list_free(&l);
    free(buf);
    return ret;
}

static int apply_without(ts_manifest *m, const char *key)
{
    unsigned char sha[TS_SHA256_LEN];
    long i = ts_find_cert(m, key);
    char cacerts[4096];
    ts_keystore base;
    ts_error err;
    int ret = TS_EXIT_USAGE;

    if (i == -2) {
        ts_cli_error(key, "matches several manifest entries; give more digits");
        return TS_EXIT_USAGE;
    }
    if (i >= 0) {
        ts_manifest_remove_cert(m, (size_t)i);
        return TS_EXIT_OK;
    }
    if (ts_sha256_from_hex(key, sha) == 0) {
        return (ts_manifest_distrust(m, sha) == 0) ? TS_EXIT_OK : TS_EXIT_FAIL;
    }
    /* an alias of the base trust store */
    memset(&base, 0, sizeof(base));
    ts_error_clear(&err);
    if (ts_default_cacerts(cacerts, sizeof(cacerts), &err) != 0) {
        ts_cli_error(key, "not an alias or fingerprint of the manifest, and %s", err.what);
        return TS_EXIT_USAGE;
    }
    if (ts_load_keystore(cacerts, NULL, &base) != TS_EXIT_OK) {
        goto end;
    }
    for (size_t k = 0; k < base.count; k++) {
        if (strcasecmp(base.items[k].alias, key) == 0) {
            ret = (ts_manifest_distrust(m, base.items[k].cert.sha256) == 0) ? TS_EXIT_OK
                                                                            : TS_EXIT_FAIL;
            goto end;
        }
    }
    ts_cli_error(key, "no such alias or fingerprint in the manifest or in %s", cacerts);
end:
    ts_keystore_free(&base);
    return ret;
}

/* The private manifest as a sealed memfd; its fd number, or -1. */
static int sealed_manifest(const char *json, size_t len)
{
    int fd = memfd_create("trustshim-manifest", MFD_ALLOW_SEALING); /* no CLOEXEC: CMD needs it */
    size_t off = 0;
    if (fd < 0) {
        ts_cli_error("memfd_create", "%s", strerror(errno));
        return -1;
    }
    while (off < len) {
        ssize_t n = write(fd, json + off, len - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ts_cli_error("memfd", "write: %s", strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    if ((fchmod(fd, 0444) != 0) || (lseek(fd, 0, SEEK_SET) != 0) ||
        (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)) {
        ts_cli_error("memfd", "cannot seal: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int private_manifest(const char *path, const char *const *with, size_t n_with,
                            const char *const *without, size_t n_without, char *env_value,
                            size_t size)
{
    ts_manifest m;
    ts_manifest check;
    ts_error err;
    char *json = NULL;
    int fd = -1;
    int ret = TS_EXIT_USAGE;
    bool have = false;

    ts_error_clear(&err);
    if (access(path, F_OK) == 0) {
        ret = ts_check_for_library(path, &m);
        if (ret != TS_EXIT_OK) {
            return ret;
        }
    } else if (ts_manifest_init(&m) != 0) {
        return TS_EXIT_FAIL;
    }
    have = true;
    ret = TS_EXIT_USAGE;
    for (size_t i = 0; i < n_with; i++) {
        if (apply_with(&m, with[i]) != TS_EXIT_OK) {
            goto end;
        }
    }
    for (size_t i = 0; i < n_without; i++) {
        if (apply_without(&m, without[i]) != TS_EXIT_OK) {
            goto end;
        }
    }
    if (inline_pems(&m) != 0) {
        ts_cli_error(path, "out of memory");
        goto end;
    }
    json = ts_manifest_to_json(&m);
    if (!json) {
        ts_cli_error(path, "out of memory");
        goto end;
    }
    /* what the library will read must be sound */
    if ((ts_manifest_parse(json, strlen(json), "(private manifest)", &check, &err) != 0)) {
        ts_cli_core_error("(private manifest)", &err);
        goto end;
    }
    if (ts_manifest_load_certs(&check, "/", false, 0, &err) != 0) {
        ts_cli_core_error("(private manifest)", &err);
        ts_manifest_free(&check);
        goto end;
    }
    ts_manifest_free(&check);
    fd = sealed_manifest(json, strlen(json));
    if (fd < 0) {
        ret = TS_EXIT_FAIL;
        goto end;
    }
    snprintf(env_value, size, "/proc/%d/fd/%d", (int)getpid(), fd);
    ret = TS_EXIT_OK;
end:
    free(json);
    if (have) {
        ts_manifest_free(&m);
    }
    return ret;
}

static int exec_main(int argc, char **argv)
{
    ts_optparse p;
    ts_error err;
    char lib[4096];
    char mpath[4096];
    char menv[4200];
    const char **with = NULL;
    const char **without = NULL;
    size_t n_with = 0;
    size_t n_without = 0;
    char *preload = NULL;
    int o;
    int ret = TS_EXIT_USAGE;

    ts_error_clear(&err);
    if (ts_opt_init(&p, &ts_cmd_exec, argc, argv) != 0) {
        goto end;
    }
    with = calloc((size_t)argc, sizeof(char *));
    without = calloc((size_t)argc, sizeof(char *));
    if (!with || !without) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_WITH) {
            with[n_with++] = p.arg;
        } else if (o == OPT_WITHOUT) {
            without[n_without++] = p.arg;
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands == 0) {
        ts_cli_error("exec", "no command given (trustshim exec [options] [--] CMD [ARGS...])");
        goto end;
    }
    if (ts_find_library(lib, sizeof(lib), &err) != 0) {
        ts_cli_core_error("exec", &err);
        ret = TS_EXIT_FAIL;
        goto end;
    }
    if (ts_absolute_path(ts_manifest_path(), mpath, sizeof(mpath)) != 0) {
        ts_cli_error(ts_manifest_path(), "cannot make the path absolute");
        goto end;
    }
    if ((n_with > 0) || (n_without > 0)) {
        ret = private_manifest(mpath, with, n_with, without, n_without, menv, sizeof(menv));
        if (ret != TS_EXIT_OK) {
            goto end;
        }
    } else if ((access(mpath, F_OK) != 0) && (errno == ENOENT)) {
        ts_cli_error(mpath, "no such manifest (create it with 'trustshim init', or trust a file "
                            "for this run with --with FILE)");
        goto end;
    } else {
        ts_manifest m;
        ret = ts_check_for_library(mpath, &m);
        if (ret != TS_EXIT_OK) {
            goto end;
        }
        ts_manifest_free(&m);
        snprintf(menv, sizeof(menv), "%s", mpath);
    }
    ret = TS_EXIT_FAIL;
    preload = ts_preload_value(getenv("LD_PRELOAD"), lib);
    if (!preload || (setenv("LD_PRELOAD", preload, 1) != 0) ||
        (setenv("TRUSTSHIM_MANIFEST", menv, 1) != 0)) {
        ts_cli_error("exec", "cannot set the environment");
        goto end;
    }
    fflush(NULL);
    execvp(p.operands[0], p.operands);
    {
        int e = errno;
        ts_cli_error(p.operands[0], "cannot execute: %s", strerror(e));
        ret = (e == ENOENT) ? 127 : 126; /* as shells and env(1) answer */
    }
end:
    free(preload);
    free((void *)with);
    free((void *)without);
    ts_opt_free(&p);
    return ret;
}
