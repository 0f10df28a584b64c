/* SPDX-License-Identifier: Apache-2.0 */
#include "mf_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

static EVP_PKEY *shared_key;
static long next_serial = 1;

static void die(const char *what)
{
    fprintf(stderr, "mf_util: %s\n", what);
    abort();
}

void mf_make_cert(const char *cn, ts_cert *out)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *der = NULL;
    int len;
    ts_cert_list l = {0};

    if (shared_key == NULL) {
        shared_key = EVP_EC_gen("P-256");
    }
    if (x == NULL || name == NULL || shared_key == NULL) {
        die("out of memory");
    }
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
    if (cn != NULL) {
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    }
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"trustshim tests",
                               -1, -1, 0);
    X509_set_subject_name(x, name);
    X509_set_issuer_name(x, name);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
    X509_set_pubkey(x, shared_key);
    if (X509_sign(x, shared_key, EVP_sha256()) <= 0) {
        die("X509_sign failed");
    }
    len = i2d_X509(x, &der);
    if (len <= 0 || ts_cert_list_push_der(&l, der, (size_t)len, NULL) != 0 ||
        ts_cert_copy(out, &l.items[0]) != 0) {
        die("cannot encode the certificate");
    }
    ts_cert_list_free(&l);
    OPENSSL_free(der);
    X509_NAME_free(name);
    X509_free(x);
}

char *mf_cert_pem(const ts_cert *c)
{
    char *pem = ts_cert_to_pem(c);

    if (pem == NULL) {
        die("ts_cert_to_pem failed");
    }
    return pem;
}

void mf_hex(const ts_cert *c, char out[TS_SHA256_HEX_LEN + 1])
{
    ts_sha256_to_hex(c->sha256, out);
}

char *mf_tmpdir(void)
{
    char *d = strdup("/tmp/trustshim-mf.XXXXXX");

    if (d == NULL || mkdtemp(d) == NULL) {
        die("mkdtemp failed");
    }
    return d;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void mf_rmtree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void mf_write(const char *path, const char *text, unsigned mode)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, (mode_t)mode) != 0) {
        die("cannot write a fixture file");
    }
}

char *mf_printf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0) {
        die("out of memory");
    }
    va_end(ap);
    return s;
}

void mf_cleanup(void)
{
    EVP_PKEY_free(shared_key);
    shared_key = NULL;
}

void mf_make_p12_without_trust(const ts_keystore *ks, unsigned char **out, size_t *len)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    PKCS12 *p12;
    unsigned char *der = NULL;
    int n;

    if (certs == NULL) {
        abort();
    }
    for (size_t i = 0; i < ks->count; i++) {
        const unsigned char *p = ks->items[i].cert.der;
        X509 *x = d2i_X509(NULL, &p, (long)ks->items[i].cert.der_len);
        if (x == NULL || sk_X509_push(certs, x) == 0) {
            abort();
        }
    }
    p12 = PKCS12_create(NULL, NULL, NULL, NULL, certs, -1, -1, 0, -1, 0);
    sk_X509_pop_free(certs, X509_free);
    if (p12 == NULL) {
        abort();
    }
    n = i2d_PKCS12(p12, &der);
    PKCS12_free(p12);
    if (n <= 0) {
        abort();
    }
    *out = malloc((size_t)n);
    if (*out == NULL) {
        abort();
    }
    memcpy(*out, der, (size_t)n);
    OPENSSL_free(der);
    *len = (size_t)n;
}
