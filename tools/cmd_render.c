/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim render: write the merged keystore to a file, for a JVM that cannot be preloaded. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"
#include "merge.h"
#include "store.h"

enum { OPT_OUT = 1, OPT_FORMAT, OPT_BASE, OPT_NO_BASE, OPT_PASSWORD, OPT_BASE_PASSWORD, OPT_HOST };

static const ts_option options[] = {
    {"output", 'o', TS_OPT_VALUE, OPT_OUT, "FILE", "where to write the keystore (required)"},
    {"format", 0, TS_OPT_VALUE, OPT_FORMAT, "jks|pkcs12",
     "keystore format (default: the base's; jks without a base)"},
    {"base", 0, TS_OPT_VALUE, OPT_BASE, "FILE",
     "base trust store (default: the cacerts of the JDK from JAVA_HOME or java on PATH)"},
    {"no-base", 0, TS_OPT_FLAG, OPT_NO_BASE, NULL, "only the manifest's certificates"},
    {"password", 0, TS_OPT_VALUE, OPT_PASSWORD, "P",
     "the store's password: checks the base's integrity and keys what is written "
     "(default: the manifest's)"},
    {"base-password", 0, TS_OPT_VALUE, OPT_BASE_PASSWORD, "P", "the same as --password"},
    {"host", 0, TS_OPT_VALUE, OPT_HOST, "H",
     "render <H>.ks as a \"trust\": \"host\" directory serves it: the certificates listing H "
     "(no base unless --base); a \"full\" directory serves the whole trust: omit --host"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int render_main(int argc, char **argv);

const ts_command ts_cmd_render = {
    "render",
    render_main,
    "write the merged keystore to a file",
    "-o FILE [--format jks|pkcs12] [--base FILE [--base-password P] | --no-base]\n"
    "       [--password P] [--host H]",
    "The base plus the manifest's certificates, minus the distrusted ones, as the library\n"
    "would serve it: every entry of the base (trusted certificates, private keys with their\n"
    "chains, secret keys) is kept as it is, in the base's format, with the base's password.\n"
    "A base that cannot be served so (no or wrong password, damaged, an algorithm that\n"
    "cannot run, keys in a format conversion) is an error saying why; nothing is written.\n"
    "The file is replaced atomically, and not written at all on failure.  Entry dates come\n"
    "from the manifest's `added`, else SOURCE_DATE_EPOCH when it is set (reproducible output).",
    options,
    false,
};

static int render_main(int argc, char **argv)
{
    ts_optparse p;
    ts_manifest m;
    ts_error err;
    ts_store_in in;
    ts_store_fail why = TS_STORE_OK;
    ts_merge_summary sum;
    ts_format fmt = TS_FORMAT_UNKNOWN;
    const char *out = NULL;
    const char *base_opt = NULL;
    const char *password = NULL;
    const char *base_password = NULL;
    const char *host = NULL;
    bool no_base = false;
    bool loaded = false;
    char base_path[4096] = "";
    unsigned char *base = NULL;
    size_t base_len = 0;
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    const char *path;
    int o;
    int ret = TS_EXIT_USAGE;

    ts_error_clear(&err);
    memset(&sum, 0, sizeof(sum));
    if (ts_opt_init(&p, &ts_cmd_render, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        switch (o) {
        case OPT_OUT:
            out = p.arg;
            break;
        case OPT_FORMAT:
            if (ts_format_from_name(p.arg, &fmt) != 0) {
                ts_cli_error("--format", "'%s' is not a keystore format (expected jks or pkcs12)",
                             p.arg);
                goto end;
            }
            break;
        case OPT_BASE:
            base_opt = p.arg;
            break;
        case OPT_NO_BASE:
            no_base = true;
            break;
        case OPT_PASSWORD:
            password = p.arg;
            break;
        case OPT_BASE_PASSWORD:
            base_password = p.arg;
            break;
        case OPT_HOST:
            host = p.arg;
            break;
        default:
            break;
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands > 0) {
        ts_cli_error("render", "unexpected argument '%s'", p.operands[0]);
        goto end;
    }
    if (!out || !out[0]) {
        ts_cli_error("render", "no output file: give -o FILE");
        goto end;
    }
    if (base_opt && no_base) {
        ts_cli_error("render", "--base and --no-base exclude each other");
        goto end;
    }
    if (host && !ts_host_valid(host)) {
        ts_cli_error("--host", "'%s' is not a host name", host);
        goto end;
    }
    if (ts_check_source_date_epoch() != TS_EXIT_OK) {
        goto end;
    }
    path = ts_manifest_path();
    if (ts_load_manifest_or_report(path, &m) != TS_EXIT_OK) {
        goto end;
    }
    loaded = true;
    if (base_opt) {
        snprintf(base_path, sizeof(base_path), "%s", base_opt);
    } else if (!no_base && !host) {
        if (ts_default_cacerts(base_path, sizeof(base_path), &err) != 0) {
            ts_cli_core_error("render", &err);
            goto end;
        }
    }
    if (base_path[0] &&
        (ts_read_file(base_path, TS_MANIFEST_MAX_SIZE, &base, &base_len, &err) != 0)) {
        ts_cli_core_error(base_path, &err);
        goto end;
    }
    if (host && !ts_manifest_has_host(&m, host)) {
        ts_cli_warn(path, "no certificate lists host '%s'", host);
    }
    if (password && base_password && strcmp(password, base_password) != 0) {
        ts_cli_error("render",
                     "--password and --base-password differ: the store keeps one password");
        goto end;
    }
    memset(&in, 0, sizeof(in));
    in.base = base;
    in.base_len = base_len;
    in.password = password ? password : base_password ? base_password : m.password;
    in.password_guessed = in.password == m.password;
    in.m = &m;
    in.host = host;
    in.merge = true;
    in.timestamp_ms = ts_timestamp_ms();
    in.format = fmt;
    if (ts_store_build(&in, &blob, &blob_len, &sum, &why, &err) != 0) {
        ts_cli_core_error(base_path[0] ? base_path : path, &err);
        ret = why == TS_STORE_FORMAT ? TS_EXIT_USAGE : TS_EXIT_FAIL;
        goto end;
    }
    fmt = ts_keystore_detect(blob, blob_len);
    ret = TS_EXIT_FAIL;
    if (ts_write_atomic(out, blob, blob_len, 0644, false, 0, 0, false, &err) != 0) {
        ts_cli_core_error(out, &err);
        goto end;
    }
    printf("wrote %s (%s, %zu %s: base %zu, added %zu, duplicates %zu, distrusted %zu)\n", out,
           ts_format_name(fmt), sum.total, ts_plural(sum.total, "entry", "entries"), sum.base,
           sum.added, sum.duplicates, sum.distrusted);
    ret = TS_EXIT_OK;
end:
    free(base);
    free(blob);
    if (loaded) {
        ts_manifest_free(&m);
    }
    ts_opt_free(&p);
    return ret;
}
