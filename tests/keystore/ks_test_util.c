/* SPDX-License-Identifier: Apache-2.0 */
#include "ks_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fixture: %s failed\n", what);
        abort();
    }
}

void ks_make_cert(const char *cn, bool ca, unsigned char **der, size_t *len)
{
    ks_make_cert_ex(cn, ca, NULL, 0, false, der, len);
}

void ks_make_cert_ex(const char *cn, bool ca, const char *issuer_cn, int rsa_bits, bool sha1,
                     unsigned char **der, size_t *len)
{
    static uint64_t serial = 1000;
    EVP_PKEY *key = rsa_bits > 0 ? EVP_RSA_gen((unsigned)rsa_bits) : EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509_NAME *issuer = X509_NAME_new();
    X509_EXTENSION *ext;
    X509V3_CTX ctx;
    unsigned char *out = NULL;
    int n;

    check(key != NULL && x != NULL && name != NULL, "allocation");
    check(X509_set_version(x, 2), "version");
    check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial++), "serial");
    check(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                     (const unsigned char *)"Trustshim Tests", -1, -1, 0),
          "O");
    check(
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0),
        "CN");
    check(X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_UTF8,
                                     (const unsigned char *)(issuer_cn != NULL ? issuer_cn : cn),
                                     -1, -1, 0),
          "issuer CN");
    check(X509_set_subject_name(x, name), "subject");
    check(X509_set_issuer_name(x, issuer_cn != NULL ? issuer : name), "issuer");
    check(ASN1_TIME_set(X509_getm_notBefore(x), 1577836800) != NULL, "notBefore"); /* 2020-01-01 */
    check(ASN1_TIME_set(X509_getm_notAfter(x), 4102444800) != NULL, "notAfter");   /* 2100-01-01 */
    check(X509_set_pubkey(x, key), "pubkey");
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
                              ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    check(ext != NULL && X509_add_ext(x, ext, -1), "basicConstraints");
    X509_EXTENSION_free(ext);
    check(X509_sign(x, key, sha1 ? EVP_sha1() : EVP_sha256()) > 0, "sign");
    n = i2d_X509(x, &out);
    check(n > 0, "i2d_X509");
    *der = malloc((size_t)n);
    check(*der != NULL, "malloc");
    memcpy(*der, out, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(out);
    X509_NAME_free(name);
    X509_NAME_free(issuer);
    X509_free(x);
    EVP_PKEY_free(key);
}

static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *s;

    check(n > 0, "BIO data");
    s = malloc((size_t)n + 1);
    check(s != NULL, "malloc");
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

char *ks_der_to_pem(const unsigned char *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    char *s;

    check(x != NULL && bio != NULL && PEM_write_bio_X509(bio, x), "PEM_write_bio_X509");
    s = bio_to_string(bio);
    BIO_free(bio);
    X509_free(x);
    return s;
}

void ks_make_pkcs7(const ts_cert_list *l, bool pem, unsigned char **out, size_t *len)
{
    PKCS7 *p7 = PKCS7_new();

    check(p7 != NULL && PKCS7_set_type(p7, NID_pkcs7_signed) &&
              PKCS7_content_new(p7, NID_pkcs7_data),
          "PKCS7");
    for (size_t i = 0; i < l->count; i++) {
        const unsigned char *p = l->items[i].der;
        X509 *x = d2i_X509(NULL, &p, (long)l->items[i].der_len);

        check(x != NULL && PKCS7_add_certificate(p7, x), "PKCS7_add_certificate");
        X509_free(x);
    }
    if (pem) {
        BIO *bio = BIO_new(BIO_s_mem());

        check(bio != NULL && PEM_write_bio_PKCS7(bio, p7), "PEM_write_bio_PKCS7");
        *out = (unsigned char *)bio_to_string(bio);
        *len = strlen((char *)*out);
        BIO_free(bio);
    } else {
        unsigned char *der = NULL;
        int n = i2d_PKCS7(p7, &der);

        check(n > 0, "i2d_PKCS7");
        *out = malloc((size_t)n);
        check(*out != NULL, "malloc");
        memcpy(*out, der, (size_t)n);
        *len = (size_t)n;
        OPENSSL_free(der);
    }
    PKCS7_free(p7);
}

void ks_append(unsigned char **buf, size_t *len, const void *s, size_t n)
{
    unsigned char *p = realloc(*buf, *len + n + 1);

    check(p != NULL, "realloc");
    memcpy(p + *len, s, n);
    *len += n;
    p[*len] = '\0';
    *buf = p;
}
