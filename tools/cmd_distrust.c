/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim distrust / undistrust: hide or restore a CA of the base trust store. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "fileio.h"

enum { OPT_BASE = 1 };

static const ts_option options[] = {
    {"base", 0, TS_OPT_VALUE, OPT_BASE, "FILE",
     "trust store whose aliases are meant (default: the cacerts of the JDK from JAVA_HOME or "
     "java on PATH)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int distrust_main(int argc, char **argv);
static int undistrust_main(int argc, char **argv);

const ts_command ts_cmd_distrust = {
    "distrust",
    distrust_main,
    "hide a CA of the base trust store (the JDK's cacerts) from processes under the library",
    "ALIAS|SHA256... [--base FILE]",
    "ALIAS is the base's alias (as 'keytool -list -cacerts' shows it); SHA256 is the\n"
    "certificate's fingerprint (hex, ':' allowed), or a unique prefix of 8 or more digits.\n"
    "Only trusted-certificate entries are distrusted: a private-key entry's alias is refused.",
    options,
    false,
};

const ts_command ts_cmd_undistrust = {
    "undistrust",
    undistrust_main,
    "restore a CA hidden with distrust",
    "ALIAS|SHA256... [--base FILE]",
    NULL,
    options,
    false,
};

/* Fingerprint named by key: a full SHA-256, else an alias or hex prefix of the base. */
static int resolve(const char *key, const char *base_opt, ts_keystore *base, bool *base_loaded,
                   char path[4096], unsigned char sha[TS_SHA256_LEN])
{
    char prefix[TS_SHA256_HEX_LEN + 1];
    ts_error err;
    long found = -1;
    int r;

    if (ts_sha256_from_hex(key, sha) == 0) {
        return TS_EXIT_OK;
    }
    ts_error_clear(&err);
    if (!*base_loaded) {
        if (base_opt) {
            snprintf(path, 4096, "%s", base_opt);
        } else if (ts_default_cacerts(path, 4096, &err) != 0) {
            ts_cli_core_error(key, &err);
            return TS_EXIT_USAGE;
        }
        r = ts_load_keystore(path, NULL, base);
        if (r != TS_EXIT_OK) {
            return r;
        }
        *base_loaded = true;
    }
    for (size_t i = 0; i < base->count; i++) {
        if (strcasecmp(base->items[i].alias, key) == 0) {
            if (base->items[i].key_entry) {
                ts_cli_error(key,
                             "is a private-key entry of %s: distrust removes trusted-certificate "
                             "entries only; nothing changed",
                             path);
                return TS_EXIT_USAGE;
            }
            memcpy(sha, base->items[i].cert.sha256, TS_SHA256_LEN);
            return TS_EXIT_OK;
        }
    }
    if (ts_hex_prefix(key, prefix, sizeof(prefix))) {
        for (size_t i = 0; i < base->count; i++) {
            char hex[TS_SHA256_HEX_LEN + 1];
            ts_sha256_to_hex(base->items[i].cert.sha256, hex);
            if (strncmp(hex, prefix, strlen(prefix)) == 0) {
                if (found >= 0) {
                    ts_cli_error(key, "matches several certificates of the base; give more digits");
                    return TS_EXIT_USAGE;
                }
                found = (long)i;
            }
        }
        if (found >= 0) {
            memcpy(sha, base->items[found].cert.sha256, TS_SHA256_LEN);
            return TS_EXIT_OK;
        }
    }
    {
        const char **aliases = calloc(base->count + 1, sizeof(char *));
        for (size_t i = 0; aliases && (i < base->count); i++) {
            aliases[i] = base->items[i].alias;
        }
        ts_cli_error(key, "no certificate with this alias or fingerprint in the base trust store%s",
                     aliases ? ts_did_you_mean(key, aliases) : "");
        free(aliases);
    }
    return TS_EXIT_USAGE;
}

static int load_quietly(const char *path, ts_keystore *ks)
{
    ts_error err;
    unsigned char *buf = NULL;
    size_t len = 0;
    int r;
    ts_error_clear(&err);
    if (ts_read_file(path, TS_MANIFEST_MAX_SIZE, &buf, &len, &err) != 0) {
        return -1;
    }
    r = ts_keystore_decode(buf, len, NULL, ks, &err);
    free(buf);
    return r;
}

static int run(const ts_command *cmd, int argc, char **argv, bool distrust)
{
    ts_optparse p;
    ts_edit e;
    ts_keystore base;
    bool base_loaded = false;
    const char *base_opt = NULL;
    char base_path[4096] = "";
    unsigned char(*shas)[TS_SHA256_LEN] = NULL;
    size_t changed = 0;
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&e, 0, sizeof(e));
    memset(&base, 0, sizeof(base));
    e.lock_fd = -1;
    if (ts_opt_init(&p, cmd, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_BASE) {
            base_opt = p.arg;
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands == 0) {
        ts_cli_error(cmd->name, "no ALIAS or SHA256 given");
        goto end;
    }
    shas = calloc((size_t)p.n_operands, sizeof(*shas));
    if (!shas) {
        goto end;
    }
    for (int i = 0; i < p.n_operands; i++) {
        ret = resolve(p.operands[i], base_opt, &base, &base_loaded, base_path, shas[i]);
        if (ret != TS_EXIT_OK) {
            goto end;
        }
    }
    /*
     * Fingerprints given in full need no base; still look at it, when there is
     * one, so that a mistyped fingerprint gets the warning below.
     */
    if (distrust && !base_loaded) {
        ts_error err;
        ts_error_clear(&err);
        if (base_opt) {
            snprintf(base_path, sizeof(base_path), "%s", base_opt);
        } else if (ts_default_cacerts(base_path, sizeof(base_path), &err) != 0) {
            base_path[0] = '\0';
        }
        if (base_opt) {
            ret = ts_load_keystore(base_path, NULL, &base);
            if (ret != TS_EXIT_OK) {
                goto end;
            }
            base_loaded = true;
        } else if (base_path[0]) {
            /* the default base is only looked at here: if it cannot be read, no warning */
            base_loaded = (load_quietly(base_path, &base) == 0);
        }
    }
    ret = ts_edit_begin(&e, ts_manifest_path());
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    ret = TS_EXIT_USAGE;
    for (int i = 0; i < p.n_operands; i++) {
        char hex[TS_SHA256_HEX_LEN + 1];
        bool present = ts_manifest_is_distrusted(&e.m, shas[i]);
        ts_sha256_to_hex(shas[i], hex);
        if (distrust) {
            if (present) {
                fprintf(e.report, "already distrusted: %s; nothing changed\n", hex);
                continue;
            }
            if (ts_manifest_distrust(&e.m, shas[i]) != 0) {
                ts_cli_error(e.path, "out of memory");
                goto end;
            }
            if (base_loaded && (ts_keystore_find_sha256(&base, shas[i]) < 0)) {
                ts_cli_warn(p.operands[i], "not in the base trust store %s; distrusted anyway",
                            base_path);
            }
            fprintf(e.report, "distrusted %s\n", hex);
        } else {
            if (!present) {
                ts_cli_error(e.path, "'%s' is not distrusted (sha256 %s); nothing changed",
                             p.operands[i], hex);
                goto end;
            }
            ts_manifest_undistrust(&e.m, shas[i]);
            fprintf(e.report, "restored %s\n", hex);
        }
        changed++;
    }
    ret = ts_edit_finish(&e, changed > 0);
end:
    ts_edit_end(&e);
    ts_keystore_free(&base);
    free(shas);
    ts_opt_free(&p);
    return ret;
}

static int distrust_main(int argc, char **argv)
{
    return run(&ts_cmd_distrust, argc, argv, true);
}

static int undistrust_main(int argc, char **argv)
{
    return run(&ts_cmd_undistrust, argc, argv, false);
}
