/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the fuzz targets (header-only: each target is one program). */
#ifndef TS_FUZZ_UTIL_H
#define TS_FUZZ_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"
#include "manifest.h"

/* A self-signed EC P-256 certificate for cn into c (small: about 380 bytes); aborts on failure. */
static inline void fuzz_make_cert(const char *cn, ts_cert *c)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *der = NULL;
    ts_cert_list l = {0};
    int n;

    if (key == NULL || x == NULL || name == NULL) {
        abort();
    }
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
    X509_set_pubkey(x, key);
    if (X509_sign(x, key, EVP_sha256()) <= 0 || (n = i2d_X509(x, &der)) <= 0 ||
        ts_cert_list_push_der(&l, der, (size_t)n, NULL) != 0 || ts_cert_copy(c, &l.items[0]) != 0) {
        abort();
    }
    ts_cert_list_free(&l);
    OPENSSL_free(der);
    X509_NAME_free(name);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* A manifest with the certificates of CNs cns[0..n) under those aliases, loaded. */
static inline void fuzz_make_manifest(ts_manifest *m, const char *const *cns, size_t n)
{
    if (ts_manifest_init(m) != 0) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        ts_cert c;

        fuzz_make_cert(cns[i], &c);
        if (ts_manifest_add_cert(m, &c, cns[i], NULL, 0, NULL, NULL, NULL, NULL) != 0) {
            abort();
        }
        ts_cert_free(&c);
    }
}

static inline int fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char fuzz_tree[64];

static inline void fuzz_rm_tree(void)
{
    if (fuzz_tree[0] != '\0') {
        (void)nftw(fuzz_tree, fuzz_rm_one, 8, FTW_DEPTH | FTW_PHYS);
    }
}

/* A new directory /tmp/<name>.XXXXXX into dir[size], removed when the fuzzer exits. */
static inline void fuzz_temp_dir(const char *name, char *dir, size_t size)
{
    snprintf(dir, size, "/tmp/%s.XXXXXX", name);
    if (mkdtemp(dir) == NULL) {
        abort();
    }
    snprintf(fuzz_tree, sizeof(fuzz_tree), "%s", dir);
    atexit(fuzz_rm_tree);
}

#endif
