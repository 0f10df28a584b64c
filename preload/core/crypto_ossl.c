/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core's use of libcrypto, as the table of crypto.h: full X.509 parsing
 * and description, PKCS#7 input, PKCS12 BER, encryption and MACs.  Linked
 * into the CLI, and into libtrustshim-crypto.so, which libtrustshim.so loads
 * only when a store needs one of these (crypto.h says why).  Every call runs
 * in the core's library contexts (ossl.c) and restores the error queue.
 */
#include "crypto.h"
#include "ossl.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Larger inputs are refused before OpenSSL sees them (its lengths are int). */
#define CRYPTO_MAX_INPUT ((size_t)INT_MAX / 2)

static bool ossl_x509_parses(const unsigned char *der, size_t len, size_t *used)
{
    const unsigned char *p = der;
    X509 *x;

    if (len == 0 || len > CRYPTO_MAX_INPUT) {
        return false;
    }
    ERR_set_mark();
    x = ts_ossl_d2i_x509(&p, (long)len);
    *used = (size_t)(p - der);
    X509_free(x);
    ERR_pop_to_mark();
    return x != NULL;
}

/* A malloc'd copy of an OpenSSL buffer, which is freed. */
static int take(unsigned char *ossl, int n, ts_der *out)
{
    out->p = n > 0 ? malloc((size_t)n) : NULL;
    if (out->p != NULL) {
        memcpy(out->p, ossl, (size_t)n);
        out->len = (size_t)n;
    }
    OPENSSL_clear_free(ossl, n > 0 ? (size_t)n : 0);
    return out->p != NULL ? 0 : -1;
}

static int ossl_pkcs7_certs(const unsigned char *der, size_t len, size_t *consumed, ts_der **certs,
                            size_t *n, const char **why)
{
    const unsigned char *p = der;
    PKCS7 *p7;
    STACK_OF(X509) *sk = NULL;
    ts_der *list = NULL;
    int count, rc = -1;

    *certs = NULL;
    *n = 0;
    *why = "not a PKCS#7 structure";
    if (len > CRYPTO_MAX_INPUT) {
        return -1;
    }
    ERR_set_mark();
    /* In the core's context, which d2i_PKCS7 hands on to the certificates inside. */
    p7 = PKCS7_new_ex(ts_ossl_ctx(), NULL);
    if (p7 == NULL || d2i_PKCS7(&p7, &p, (long)len) == NULL) {
        goto end;
    }
    *consumed = (size_t)(p - der);
    if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL) {
        sk = p7->d.sign->cert;
    } else if (PKCS7_type_is_signedAndEnveloped(p7) && p7->d.signed_and_enveloped != NULL) {
        sk = p7->d.signed_and_enveloped->cert;
    } else {
        *why = "PKCS#7 structure is not SignedData (holds no certificates)";
        goto end;
    }
    count = sk_X509_num(sk);
    list = calloc(count > 0 ? (size_t)count : 1, sizeof(*list));
    *why = "out of memory";
    if (list == NULL) {
        goto end;
    }
    for (int i = 0; i < count; i++) {
        unsigned char *out = NULL;
        int m = i2d_X509(sk_X509_value(sk, i), &out);

        if (m <= 0 || take(out, m, &list[i]) != 0) {
            *why = "a certificate of the PKCS#7 structure cannot be encoded";
            for (int k = 0; k < i; k++) {
                free(list[k].p);
            }
            free(list);
            list = NULL;
            goto end;
        }
    }
    *certs = list;
    *n = (size_t)count;
    rc = 0;
end:
    PKCS7_free(p7);
    ERR_pop_to_mark();
    return rc;
}

/* RFC 2253 form of name into out. */
static void name_rfc2253(const X509_NAME *name, char *out, size_t size)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;

    out[0] = '\0';
    if (bio == NULL) {
        return;
    }
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        n = BIO_get_mem_data(bio, &data);
        if (n > 0 && data != NULL) {
            size_t len = (size_t)n < size - 1 ? (size_t)n : size - 1;

            memcpy(out, data, len);
            out[len] = '\0';
        }
    }
    BIO_free(bio);
}

static void name_cn(const X509_NAME *name, char *out, size_t size)
{
    int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    unsigned char *utf8 = NULL;
    int n;

    out[0] = '\0';
    if (i < 0) {
        return;
    }
    n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n >= 0) {
        snprintf(out, size, "%.*s", n, (const char *)utf8);
    }
    OPENSSL_free(utf8);
}

static int asn1_time_to_time_t(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        return -1;
    }
    *out = timegm(&tm);
    return 0;
}

static const char *key_type_name(int id)
{
    switch (id) {
    case EVP_PKEY_RSA:
        return "RSA";
    case EVP_PKEY_RSA_PSS:
        return "RSASSA-PSS";
    case EVP_PKEY_DSA:
        return "DSA";
    case EVP_PKEY_EC:
        return "EC";
    case EVP_PKEY_ED25519:
        return "Ed25519";
    case EVP_PKEY_ED448:
        return "Ed448";
    default:
        return "unknown";
    }
}

static int ossl_cert_describe(const ts_cert *c, ts_cert_info *info, ts_error *err)
{
    const unsigned char *p;
    X509 *x;
    EVP_PKEY *key;
    BASIC_CONSTRAINTS *bc;
    int md_nid = NID_undef, pk_nid = NID_undef;
    int rc = -1;

    memset(info, 0, sizeof(*info));
    if (c == NULL || c->der == NULL || c->der_len == 0 || c->der_len > CRYPTO_MAX_INPUT) {
        return ts_error_set(err, "", "no certificate");
    }
    p = c->der;
    ERR_set_mark();
    x = ts_ossl_d2i_x509(&p, (long)c->der_len);
    if (x == NULL) {
        ERR_pop_to_mark();
        return ts_error_set(err, "", "not a DER X.509 certificate");
    }
    name_rfc2253(X509_get_subject_name(x), info->subject, sizeof(info->subject));
    name_rfc2253(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
    name_cn(X509_get_subject_name(x), info->common_name, sizeof(info->common_name));
    if (asn1_time_to_time_t(X509_get0_notBefore(x), &info->not_before) != 0 ||
        asn1_time_to_time_t(X509_get0_notAfter(x), &info->not_after) != 0) {
        ts_error_set(err, "", "certificate has an unreadable validity period");
        goto end;
    }
    bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
    info->is_ca = (bc != NULL && bc->ca != 0);
    BASIC_CONSTRAINTS_free(bc);
    info->self_signed = (X509_self_signed(x, 1) == 1);
    key = X509_get0_pubkey(x);
    if (key != NULL) {
        snprintf(info->key_type, sizeof(info->key_type), "%s",
                 key_type_name(EVP_PKEY_get_base_id(key)));
        info->key_bits = EVP_PKEY_get_bits(key);
    } else {
        snprintf(info->key_type, sizeof(info->key_type), "unknown");
    }
    if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &md_nid, &pk_nid) == 1) {
        info->sha1_signature = (md_nid == NID_sha1);
    }
    rc = 0;
end:
    X509_free(x);
    ERR_pop_to_mark();
    return rc;
}

/* The first DNS name or IP address of the subject alternative names, as text, into out. */
static void first_san(X509 *x, char *out, size_t size)
{
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

    out[0] = '\0';
    for (int i = 0; names != NULL && i < sk_GENERAL_NAME_num(names) && out[0] == '\0'; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
        const unsigned char *d;
        int n;

        if (g->type == GEN_DNS) {
            d = ASN1_STRING_get0_data(g->d.dNSName);
            n = ASN1_STRING_length(g->d.dNSName);
            snprintf(out, size, "%.*s", n, (const char *)d);
        } else if (g->type == GEN_IPADD) {
            d = ASN1_STRING_get0_data(g->d.iPAddress);
            n = ASN1_STRING_length(g->d.iPAddress);
            if (n == 4 || n == 16) {
                if (inet_ntop(n == 4 ? AF_INET : AF_INET6, d, out, (socklen_t)size) == NULL) {
                    out[0] = '\0';
                }
            }
        }
        /* a name with a NUL or control character inside is not one to name an entry after */
        for (const char *p = out; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20) {
                out[0] = '\0';
                break;
            }
        }
    }
    GENERAL_NAMES_free(names);
}

static int ossl_cert_own_name(const ts_cert *c, char *out, size_t size)
{
    const unsigned char *p;
    X509 *x;

    if (out == NULL || size == 0) {
        return -1;
    }
    out[0] = '\0';
    if (c == NULL || c->der == NULL || c->der_len == 0 || c->der_len > CRYPTO_MAX_INPUT) {
        return -1;
    }
    p = c->der;
    ERR_set_mark();
    x = ts_ossl_d2i_x509(&p, (long)c->der_len);
    if (x == NULL) {
        ERR_pop_to_mark();
        return -1;
    }
    name_cn(X509_get_subject_name(x), out, size);
    if (out[0] == '\0') {
        first_san(x, out, size);
    }
    X509_free(x);
    ERR_pop_to_mark();
    return 0;
}

static int ossl_p12_to_der(const unsigned char *buf, size_t len, ts_der *out)
{
    const unsigned char *p = buf;
    PKCS12 *p12;
    unsigned char *der = NULL;
    int n = 0, rc = -1;

    if (len > CRYPTO_MAX_INPUT) {
        return -1;
    }
    ERR_set_mark();
    p12 = d2i_PKCS12(NULL, &p, (long)len);
    if (p12 != NULL && (size_t)(p - buf) == len && (n = i2d_PKCS12(p12, &der)) > 0) {
        rc = take(der, n, out);
    }
    PKCS12_free(p12);
    ERR_pop_to_mark();
    return rc;
}

/* 1.2.840.113549.1.12.1.n: PKCS12 PBE; n 1, 2 (RC4), 5, 6 (RC2) need the legacy provider. */
static bool pbe_is_legacy(const X509_ALGOR *alg)
{
    static const unsigned char prefix[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01};
    const ASN1_OBJECT *obj = NULL;
    const unsigned char *d;
    size_t n;

    X509_ALGOR_get0(&obj, NULL, NULL, alg);
    if (obj == NULL) {
        return false;
    }
    d = OBJ_get0_data(obj);
    n = (size_t)OBJ_length(obj);
    if (n == sizeof(prefix) + 1 && memcmp(d, prefix, sizeof(prefix)) == 0) {
        unsigned char last = d[n - 1];

        return last == 1 || last == 2 || last == 5 || last == 6;
    }
    return false;
}

/*
 * Runs the PBE of alg over in: in the core's main context unless the algorithm
 * is a legacy one, and in the legacy context too when the main one cannot (a
 * PBES2 with RC2 or DES inside).
 */
static int ossl_p12_pbe(const unsigned char *alg_der, size_t alg_len, const char *pw,
                        const unsigned char *in, size_t in_len, ts_der *out, bool encrypt)
{
    const unsigned char *a = alg_der;
    int n = 0, pw_len = pw != NULL ? (int)strlen(pw) : 0, rc = -1;
    unsigned char *res = NULL;
    X509_ALGOR *alg;

    if (in_len > CRYPTO_MAX_INPUT || alg_len > CRYPTO_MAX_INPUT) {
        return -1;
    }
    ERR_set_mark();
    alg = d2i_X509_ALGOR(NULL, &a, (long)alg_len);
    if (alg == NULL) {
        goto end;
    }
    if (!pbe_is_legacy(alg)) {
        OSSL_LIB_CTX *ctx = ts_ossl_ctx();

        if (ctx != NULL) {
            res =
                PKCS12_pbe_crypt_ex(alg, pw, pw_len, in, (int)in_len, &res, &n, encrypt, ctx, NULL);
        }
    }
    if (res == NULL) {
        OSSL_LIB_CTX *legacy = ts_ossl_legacy_ctx();

        if (legacy != NULL) {
            res = PKCS12_pbe_crypt_ex(alg, pw, pw_len, in, (int)in_len, &res, &n, encrypt, legacy,
                                      NULL);
        }
    }
    if (res != NULL && n > 0) {
        rc = take(res, n, out);
    } else {
        OPENSSL_free(res);
    }
end:
    X509_ALGOR_free(alg);
    ERR_pop_to_mark();
    return rc;
}

static int ossl_p12_mac(const unsigned char *md_oid, size_t md_oid_len, const char *pw,
                        const unsigned char *salt, size_t salt_len, long iter,
                        const unsigned char *data, size_t len, unsigned char out[64],
                        size_t *out_len)
{
    unsigned char key[EVP_MAX_MD_SIZE], der[2 + 127];
    const unsigned char *o = der;
    unsigned char *salt_copy = NULL;
    ASN1_OBJECT *obj;
    EVP_MD *md = NULL;
    int n, rc = -1;

    if (md_oid_len > 127 || salt_len > INT_MAX || len > INT_MAX || iter < 1 || iter > INT_MAX) {
        return -3;
    }
    ERR_set_mark();
    der[0] = 0x06;
    der[1] = (unsigned char)md_oid_len;
    memcpy(der + 2, md_oid, md_oid_len);
    obj = d2i_ASN1_OBJECT(NULL, &o, (long)md_oid_len + 2);
    md = obj != NULL ? ts_ossl_md_fetch(OBJ_obj2nid(obj)) : NULL;
    ASN1_OBJECT_free(obj);
    n = md != NULL ? EVP_MD_get_size(md) : 0;
    if (n <= 0 || n > 64 || n > EVP_MAX_MD_SIZE) {
        rc = -3;
        goto end;
    }
    salt_copy = malloc(salt_len > 0 ? salt_len : 1);
    if (salt_copy == NULL) {
        goto end;
    }
    memcpy(salt_copy, salt, salt_len);
    if (PKCS12_key_gen_utf8_ex(pw, pw != NULL ? (int)strlen(pw) : 0, salt_copy, (int)salt_len,
                               PKCS12_MAC_ID, (int)iter, n, key, md, ts_ossl_ctx(), NULL) == 1 &&
        EVP_Q_mac(ts_ossl_ctx(), "HMAC", NULL, EVP_MD_get0_name(md), NULL, key, (size_t)n, data,
                  len, out, 64, out_len) != NULL) {
        rc = 0;
    }
    OPENSSL_cleanse(key, sizeof(key));
end:
    free(salt_copy);
    EVP_MD_free(md);
    ERR_pop_to_mark();
    return rc;
}

const ts_crypto ts_crypto_ossl = {
    .abi = TS_CRYPTO_ABI,
    .x509_parses = ossl_x509_parses,
    .pkcs7_certs = ossl_pkcs7_certs,
    .cert_describe = ossl_cert_describe,
    .cert_own_name = ossl_cert_own_name,
    .p12_to_der = ossl_p12_to_der,
    .p12_pbe = ossl_p12_pbe,
    .p12_mac = ossl_p12_mac,
};
