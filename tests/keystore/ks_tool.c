/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test driver for the certificate and keystore core, used by the script tests:
 *   ks_tool encode-jks [-p PASSWORD] OUT CERTFILE...   JKS v2 (default password changeit)
 *   ks_tool encode-p12 OUT CERTFILE...                 JDK 18+ style PKCS12 trust store
 *   ks_tool list FILE [PASSWORD]                       "alias<TAB>sha256" per entry
 *   ks_tool certs FILE                                 sha256 of every certificate in a
 *                                                      PEM/DER/PKCS#7 file
 *   ks_tool store BASE|- OUT [-p PASSWORD|-n] [-f jks|pkcs12] [-a CERTFILE]... [-d SHA256]...
 *       ts_store_build: BASE plus the certificates of each CERTFILE (manifest entries with
 *       hosts[] empty), minus the distrusted fingerprints; -n: no password known.
 *       A refusal prints "ks_tool: refused (REASON): MESSAGE" and exits 3.
 *  Aliases of encoded entries: the file's base name (ts_alias_from_text), then
 * NAME-2, NAME-3 ... for further certificates of a bundle.  Creation time:
 * SOURCE_DATE_EPOCH, else TS_DEFAULT_TIMESTAMP_MS.  Errors: one line, exit 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "keystore.h"
#include "manifest.h"
#include "store.h"

static int fail(const char *file, const ts_error *err)
{
    char line[2048];

    fprintf(stderr, "ks_tool: error: %s: %s\n", file, ts_error_str(err, line, sizeof(line)));
    return 2;
}

static int read_all(const char *path, unsigned char **buf, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *p = NULL;
    size_t n = 0, cap = 0;

    if (fp == NULL) {
        fprintf(stderr, "ks_tool: error: %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t got;

        if (cap - n < 65536) {
            unsigned char *q = realloc(p, cap + 65536);

            if (q == NULL) {
                free(p);
                fclose(fp);
                fprintf(stderr, "ks_tool: error: %s: out of memory\n", path);
                return -1;
            }
            p = q;
            cap += 65536;
        }
        got = fread(p + n, 1, cap - n, fp);
        n += got;
        if (got == 0) {
            break;
        }
    }
    if (ferror(fp)) {
        fprintf(stderr, "ks_tool: error: %s: read error\n", path);
        free(p);
        fclose(fp);
        return -1;
    }
    fclose(fp);
    *buf = p;
    *len = n;
    return 0;
}

static int cmd_encode(ts_format format, int argc, char **argv)
{
    const char *password = NULL;
    const char *out_path;
    ts_keystore ks = {0};
    unsigned char *out = NULL;
    size_t out_len = 0;
    ts_error err;
    int ret = 2;
    int64_t created_ms;
    FILE *fp;

    ts_error_clear(&err);
    if (ts_timestamp_from_epoch_string(getenv("SOURCE_DATE_EPOCH"), &created_ms, &err) != 0) {
        return fail("SOURCE_DATE_EPOCH", &err);
    }
    if (argc >= 2 && strcmp(argv[0], "-p") == 0) {
        password = argv[1];
        argc -= 2;
        argv += 2;
    }
    if (argc < 2) {
        fprintf(stderr, "ks_tool: usage: encode-jks|encode-p12 [-p PASSWORD] OUT CERTFILE...\n");
        return 2;
    }
    out_path = argv[0];
    for (int i = 1; i < argc; i++) {
        ts_cert_list l = {0};
        unsigned char *buf = NULL;
        size_t len = 0;
        const char *base = strrchr(argv[i], '/') != NULL ? strrchr(argv[i], '/') + 1 : argv[i];
        char name[256], stem[65];

        snprintf(name, sizeof(name), "%s", base);
        if (strrchr(name, '.') != NULL) {
            *strrchr(name, '.') = '\0';
        }
        ts_alias_from_text(name, stem, sizeof(stem));
        if (read_all(argv[i], &buf, &len) != 0) {
            goto end;
        }
        if (ts_certs_parse(buf, len, &l, &err) != 0) {
            free(buf);
            ret = fail(argv[i], &err);
            goto end;
        }
        free(buf);
        for (size_t k = 0; k < l.count; k++) {
            char alias[96];

            if (k == 0) {
                snprintf(alias, sizeof(alias), "%s", stem);
            } else {
                snprintf(alias, sizeof(alias), "%s-%zu", stem, k + 1);
            }
            if (ts_keystore_add(&ks, alias, created_ms, l.items[k].der, l.items[k].der_len, &err) !=
                0) {
                ts_cert_list_free(&l);
                ret = fail(argv[i], &err);
                goto end;
            }
        }
        ts_cert_list_free(&l);
    }
    if (ts_keystore_encode(&ks, format, password, &out, &out_len, &err) != 0) {
        ret = fail(out_path, &err);
        goto end;
    }
    fp = fopen(out_path, "wb");
    if (fp == NULL || fwrite(out, 1, out_len, fp) != out_len || fclose(fp) != 0) {
        fprintf(stderr, "ks_tool: error: %s: cannot write\n", out_path);
        ret = 1;
        goto end;
    }
    ret = 0;
end:
    free(out);
    ts_keystore_free(&ks);
    return ret;
}

static int cmd_list(int argc, char **argv)
{
    ts_keystore ks = {0};
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_error err;
    char hex[TS_SHA256_HEX_LEN + 1];

    if (argc < 1 || argc > 2) {
        fprintf(stderr, "ks_tool: usage: list FILE [PASSWORD]\n");
        return 2;
    }
    if (read_all(argv[0], &buf, &len) != 0) {
        return 2;
    }
    ts_error_clear(&err);
    if (ts_keystore_decode(buf, len, argc == 2 ? argv[1] : NULL, &ks, &err) != 0) {
        free(buf);
        return fail(argv[0], &err);
    }
    fprintf(stderr, "ks_tool: %s: %s, %zu entries, %zu skipped\n", argv[0],
            ts_format_name(ts_keystore_detect(buf, len)), ks.count, ks.skipped);
    for (size_t i = 0; i < ks.count; i++) {
        ts_sha256_to_hex(ks.items[i].cert.sha256, hex);
        printf("%s\t%s\n", ks.items[i].alias, hex);
    }
    free(buf);
    ts_keystore_free(&ks);
    return 0;
}

static int cmd_certs(int argc, char **argv)
{
    ts_cert_list l = {0};
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_error err;
    char hex[TS_SHA256_HEX_LEN + 1];

    if (argc != 1) {
        fprintf(stderr, "ks_tool: usage: certs FILE\n");
        return 2;
    }
    if (read_all(argv[0], &buf, &len) != 0) {
        return 2;
    }
    ts_error_clear(&err);
    if (ts_certs_parse(buf, len, &l, &err) != 0) {
        free(buf);
        return fail(argv[0], &err);
    }
    for (size_t i = 0; i < l.count; i++) {
        ts_sha256_to_hex(l.items[i].sha256, hex);
        printf("%s\n", hex);
    }
    free(buf);
    ts_cert_list_free(&l);
    return 0;
}

static int cmd_store(int argc, char **argv)
{
    ts_store_in in;
    ts_manifest m;
    ts_error err;
    ts_merge_summary sum;
    ts_store_fail why = TS_STORE_OK;
    unsigned char *base = NULL, *out = NULL;
    size_t base_len = 0, out_len = 0;
    const char *password = TS_DEFAULT_PASSWORD;
    int ret = 2;
    FILE *fp;

    if (argc < 2) {
        fprintf(stderr, "ks_tool: usage: store BASE|- OUT [-p P|-n] [-f FMT] [-a CERT]... "
                        "[-d SHA256]...\n");
        return 2;
    }
    ts_error_clear(&err);
    if (ts_manifest_init(&m) != 0) {
        return 2;
    }
    memset(&in, 0, sizeof(in));
    in.merge = true;
    in.timestamp_ms = TS_DEFAULT_TIMESTAMP_MS;
    if (strcmp(argv[0], "-") != 0 && read_all(argv[0], &base, &base_len) != 0) {
        goto end;
    }
    for (int i = 2; i < argc; i++) {
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(argv[i], "-n") == 0) {
            password = NULL;
            continue;
        }
        if (arg == NULL) {
            fprintf(stderr, "ks_tool: %s needs a value\n", argv[i]);
            goto end;
        }
        i++;
        if (strcmp(argv[i - 1], "-p") == 0) {
            password = arg;
        } else if (strcmp(argv[i - 1], "-f") == 0) {
            if (ts_format_from_name(arg, &in.format) != 0) {
                fprintf(stderr, "ks_tool: bad format %s\n", arg);
                goto end;
            }
        } else if (strcmp(argv[i - 1], "-a") == 0) {
            ts_cert_list l = {0};
            unsigned char *buf = NULL;
            size_t len = 0;

            if (read_all(arg, &buf, &len) != 0) {
                goto end;
            }
            if (ts_certs_parse(buf, len, &l, &err) != 0) {
                free(buf);
                ret = fail(arg, &err);
                goto end;
            }
            free(buf);
            for (size_t k = 0; k < l.count; k++) {
                if (ts_manifest_add_cert(&m, &l.items[k], NULL, NULL, 0, NULL, NULL, NULL, &err) !=
                    0) {
                    ts_cert_list_free(&l);
                    ret = fail(arg, &err);
                    goto end;
                }
            }
            ts_cert_list_free(&l);
        } else if (strcmp(argv[i - 1], "-d") == 0) {
            unsigned char sha[TS_SHA256_LEN];

            if (ts_sha256_from_hex(arg, sha) != 0 || ts_manifest_distrust(&m, sha) != 0) {
                fprintf(stderr, "ks_tool: bad fingerprint %s\n", arg);
                goto end;
            }
        } else {
            fprintf(stderr, "ks_tool: unknown option %s\n", argv[i - 1]);
            goto end;
        }
    }
    /* ts_manifest_add_cert keeps the certificate in PEM only: load it back. */
    for (size_t i = 0; i < m.n_certs; i++) {
        if (m.certs[i].cert.der == NULL) {
            ts_cert_list l = {0};

            if (ts_certs_parse((const unsigned char *)m.certs[i].pem, strlen(m.certs[i].pem), &l,
                               &err) != 0 ||
                l.count != 1) {
                ts_cert_list_free(&l);
                ret = fail("manifest", &err);
                goto end;
            }
            m.certs[i].cert = l.items[0];
            memset(&l.items[0], 0, sizeof(l.items[0]));
            ts_cert_list_free(&l);
        }
    }
    in.base = base;
    in.base_len = base_len;
    in.password = password;
    in.m = &m;
    if (ts_store_build(&in, &out, &out_len, &sum, &why, &err) != 0) {
        char line[2048];

        fprintf(stderr, "ks_tool: refused (%s): %s\n", ts_store_fail_name(why),
                ts_error_str(&err, line, sizeof(line)));
        ret = 3;
        goto end;
    }
    fp = fopen(argv[1], "wb");
    if (fp == NULL || fwrite(out, 1, out_len, fp) != out_len || fclose(fp) != 0) {
        fprintf(stderr, "ks_tool: error: %s: cannot write\n", argv[1]);
        goto end;
    }
    fprintf(stderr, "ks_tool: %s: base %zu, added %zu, duplicates %zu, distrusted %zu, total %zu\n",
            argv[1], sum.base, sum.added, sum.duplicates, sum.distrusted, sum.total);
    ret = 0;
end:
    free(base);
    free(out);
    ts_manifest_free(&m);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "store") == 0) {
        return cmd_store(argc - 2, argv + 2);
    }
    if (argc >= 2 && strcmp(argv[1], "encode-jks") == 0) {
        return cmd_encode(TS_FORMAT_JKS, argc - 2, argv + 2);
    }
    if (argc >= 2 && strcmp(argv[1], "encode-p12") == 0) {
        return cmd_encode(TS_FORMAT_PKCS12, argc - 2, argv + 2);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        return cmd_list(argc - 2, argv + 2);
    }
    if (argc >= 2 && strcmp(argv[1], "certs") == 0) {
        return cmd_certs(argc - 2, argv + 2);
    }
    fprintf(stderr, "usage: ks_tool encode-jks|encode-p12|list|certs ...\n");
    return 2;
}
