/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the untrusted-input parsers of the core:
 * ts_keystore_decode (JKS, JCEKS, PKCS12), ts_store_build and ts_certs_parse
 * (PEM, DER, PKCS#7).
 * A keystore that decodes must merge and encode (JKS and PKCS12) without error.
 * Merged, no certificate appears twice (a base may hold one twice).
 * A store that builds must decode, with every entry of the input (alias,
 * certificate, kind) and the added certificate in it.
 * The first byte picks the entry point and password (selector % 7: 0, 1, 6
 * decode without password, with "changeit", with a non-ASCII one
 * ("p\u00e4sswort-\u65e5" as UTF-8); 2, 3 certificates; 4, 5 ts_store_build
 * without / with "changeit").  Built with clang only:
 *   CC=clang cmake -S . -B build-fuzz && cmake --build build-fuzz --target fuzz_keystore
 *   build-fuzz/bin/fuzz_keystore -max_total_time=60 CORPUS_DIR
 * Seeds: tests/fuzz/seeds.sh keystore (small keystores with a selector byte in
 * front: JKS, PKCS12, non-ASCII passwords, nested SafeContents, a certificate
 * twice).  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "keystore.h"
#include "merge.h"
#include "store.h"

/* One certificate to add, made once. */
static ts_cert *added_cert(void)
{
    static ts_cert cert;
    static bool made;

    if (!made) {
        EVP_PKEY *key = EVP_EC_gen("P-256");
        X509 *x = X509_new();
        unsigned char *der = NULL;
        int n;
        ts_cert_list l = {0};

        if (key == NULL || x == NULL) {
            abort();
        }
        X509_set_version(x, 2);
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                   (const unsigned char *)"fuzz added", -1, -1, 0);
        X509_set_issuer_name(x, X509_get_subject_name(x));
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, key);
        if (X509_sign(x, key, EVP_sha256()) <= 0 || (n = i2d_X509(x, &der)) <= 0 ||
            ts_cert_list_push_der(&l, der, (size_t)n, NULL) != 0 ||
            ts_cert_copy(&cert, &l.items[0]) != 0) {
            abort();
        }
        ts_cert_list_free(&l);
        OPENSSL_free(der);
        X509_free(x);
        EVP_PKEY_free(key);
        made = true;
    }
    return &cert;
}

static bool has_entry(const ts_keystore *ks, const ts_entry *e)
{
    for (size_t i = 0; i < ks->count; i++) {
        if (memcmp(ks->items[i].cert.sha256, e->cert.sha256, TS_SHA256_LEN) == 0 &&
            strcmp(ks->items[i].alias, e->alias) == 0 && ks->items[i].key_entry == e->key_entry) {
            return true;
        }
    }
    return false;
}

/* The invariant of ts_store_build: what the input held, the output holds, plus the addition. */
static void fuzz_store(const uint8_t *data, size_t size, const char *password)
{
    ts_manifest m;
    ts_store_in in;
    ts_store_fail why;
    ts_error err;
    ts_merge_summary sum;
    unsigned char *out = NULL;
    size_t out_len = 0;
    ts_keystore before = {0}, after = {0};

    if (ts_manifest_init(&m) != 0 ||
        ts_manifest_add_cert(&m, added_cert(), "fuzz", NULL, 0, NULL, NULL, NULL, &err) != 0) {
        abort();
    }
    memset(&in, 0, sizeof(in));
    in.base = data;
    in.base_len = size;
    in.password = password;
    in.m = &m;
    in.merge = true;
    in.timestamp_ms = TS_DEFAULT_TIMESTAMP_MS;
    if (ts_store_build(&in, &out, &out_len, &sum, &why, &err) == 0) {
        if (why != TS_STORE_OK ||
            sum.base + sum.manifest != sum.total + sum.duplicates + sum.distrusted) {
            abort();
        }
        if (ts_keystore_decode(out, out_len, password, &after, &err) != 0) {
            abort(); /* served, but the store does not read back */
        }
        if (ts_keystore_decode(data, size, password, &before, &err) == 0) {
            for (size_t i = 0; i < before.count; i++) {
                if (!has_entry(&after, &before.items[i])) {
                    abort(); /* an entry of the file was lost */
                }
            }
        }
        if (ts_keystore_find_sha256(&after, added_cert()->sha256) < 0 &&
            ts_keystore_find_sha256(&before, added_cert()->sha256) < 0 && sum.added > 0) {
            abort(); /* the addition is missing */
        }
    } else if (why == TS_STORE_OK || out != NULL) {
        abort();
    }
    free(out);
    ts_keystore_free(&before);
    ts_keystore_free(&after);
    ts_manifest_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_error err;

    if (size < 1) {
        return 0;
    }
    ts_error_clear(&err);
    switch (data[0] % 7) {
    case 4:
    case 5:
        fuzz_store(data + 1, size - 1, data[0] % 7 == 4 ? NULL : "changeit");
        break;
    case 0:
    case 1:
    case 6: {
        static const char *const passwords[] = {NULL, "changeit", "p\xc3\xa4sswort-\xe6\x97\xa5"};
        ts_keystore ks = {0};
        unsigned char *out = NULL;
        size_t out_len = 0;

        if (ts_keystore_decode(data + 1, size - 1, passwords[data[0] % 7 == 6 ? 2 : data[0] % 7],
                               &ks, &err) == 0) {
            ts_keystore merged = {0};
            ts_merge_opts opts = {NULL, TS_DEFAULT_TIMESTAMP_MS};

            /* What decodes must re-encode when the aliases allow it. */
            (void)ts_keystore_encode(&ks, TS_FORMAT_JKS, NULL, &out, &out_len, &err);
            free(out);
            out = NULL;
            /* And once merged (aliases made valid and unique), always, in both formats. */
            if (ts_merge(&ks, NULL, &opts, &merged, NULL, &err) != 0) {
                abort();
            }
            for (size_t i = 0; i < merged.count; i++) {
                if (ts_keystore_find_sha256(&merged, merged.items[i].cert.sha256) != (long)i) {
                    abort();
                }
            }
            for (int f = TS_FORMAT_JKS; f <= TS_FORMAT_PKCS12; f++) {
                if (ts_keystore_encode(&merged, (ts_format)f, NULL, &out, &out_len, &err) != 0) {
                    abort();
                }
                free(out);
                out = NULL;
            }
            ts_keystore_free(&merged);
        }
        ts_keystore_free(&ks);
        break;
    }
    default: {
        ts_cert_list l = {0};

        if (ts_certs_parse(data + 1, size - 1, &l, &err) == 0) {
            for (size_t i = 0; i < l.count; i++) {
                ts_cert_info info;
                char *pem = ts_cert_to_pem(&l.items[i]);

                free(pem);
                (void)ts_cert_describe(&l.items[i], &info, &err);
            }
        }
        ts_cert_list_free(&l);
        break;
    }
    }
    return 0;
}
