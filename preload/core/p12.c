/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#12 trust stores.
 * Decode: OpenSSL parses; a certificate bag is a trust anchor only when it
 * carries Oracle's trusted-key-usage attribute, as the JDK decides.
 * Encode: the JDK 18+ cacerts layout, written as DER by hand so that the
 * certificates' bytes are kept exactly and the output is the same every time:
 *   PFX { 3, ContentInfo(data, AuthenticatedSafe { ContentInfo(data, SafeContents {
 *     SafeBag { certBag, [0] CertBag { x509Certificate, [0] OCTET STRING der },
 *               SET { friendlyName(BMPString alias), trustedKeyUsage(SET { anyExtendedKeyUsage }) }
 * }
 *   ... }) }) }, no MacData.
 */
#include "keystore_internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

/* OID contents (DER, without tag and length). */
static const unsigned char oid_cert_bag[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
    0x01, 0x0c, 0x0a, 0x01, 0x03}; /* 1.2.840.113549.1.12.10.1.3 */
static const unsigned char oid_x509_cert[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
                                              0x01, 0x09, 0x16, 0x01}; /* 1.2.840.113549.1.9.22.1 */
static const unsigned char oid_friendly_name[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x14}; /* 1.2.840.113549.1.9.20 */
static const unsigned char oid_data[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                         0x0d, 0x01, 0x07, 0x01}; /* 1.2.840.113549.1.7.1 */
static const unsigned char oid_trusted_usage[] = {
    0x60, 0x86, 0x48, 0x01, 0x86, 0xf9,
    0x66, 0xad, 0xca, 0x7b, 0x01, 0x01}; /* 2.16.840.1.113894.746875.1.1 */
static const unsigned char oid_any_eku[] = {0x55, 0x1d, 0x25, 0x00}; /* 2.5.29.37.0 */

#define P12_MAX_INPUT ((size_t)INT_MAX / 2)

/* ---- decode ---- */

static bool obj_is(const ASN1_OBJECT *obj, const unsigned char *der, size_t len)
{
    return obj != NULL && (size_t)OBJ_length(obj) == len &&
           memcmp(OBJ_get0_data(obj), der, len) == 0;
}

static bool bag_is_trusted(const PKCS12_SAFEBAG *bag)
{
    const STACK_OF(X509_ATTRIBUTE) *attrs = PKCS12_SAFEBAG_get0_attrs(bag);

    for (int i = 0; i < sk_X509_ATTRIBUTE_num(attrs); i++) {
        const X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(attrs, i);

        if (obj_is(X509_ATTRIBUTE_get0_object((X509_ATTRIBUTE *)(uintptr_t)a), oid_trusted_usage,
                   sizeof(oid_trusted_usage))) {
            return true;
        }
    }
    return false;
}

typedef struct p12_ctx {
    ts_keystore *out;
    size_t bag; /* running index over all bags, for messages */
    ts_error *err;
} p12_ctx;

static int fail_bag(p12_ctx *ctx, const char *what)
{
    char where[48];

    snprintf(where, sizeof(where), "bag %zu", ctx->bag);
    return ts_error_set(ctx->err, where, "%s", what);
}

/* Enters the DER element at *p (bounded by end) that must have tag: its
 * contents and their length; *p moves past the element.  NULL when malformed. */
static const unsigned char *der_enter(const unsigned char **p, const unsigned char *end,
                                      unsigned char tag, size_t *len)
{
    const unsigned char *q = *p;
    size_t n;

    if (end - q < 2 || q[0] != tag) {
        return NULL;
    }
    n = q[1];
    q += 2;
    if (n >= 0x80) {
        size_t bytes = n & 0x7fu;

        if (bytes == 0 || bytes > 4 || (size_t)(end - q) < bytes) {
            return NULL;
        }
        n = 0;
        for (size_t i = 0; i < bytes; i++) {
            n = (n << 8) | *q++;
        }
    }
    if ((size_t)(end - q) < n) {
        return NULL;
    }
    *p = q + n;
    *len = n;
    return q;
}

/*
 * The certificate's DER inside a certBag, found in the bag's encoding:
 *   SafeBag { OID, [0] { CertBag { OID, [0] { OCTET STRING der } } }, attrs }
 * Parsing the X.509 itself (PKCS12_SAFEBAG_get1_cert) costs about 150 us per
 * certificate, a cacerts load the JVM waits for; the JVM parses it anyway.
 */
static int cert_bag_der(const PKCS12_SAFEBAG *bag, unsigned char **enc, const unsigned char **der,
                        size_t *der_len)
{
    const unsigned char *p, *end, *c;
    size_t n = 0, skip = 0;
    int len = i2d_PKCS12_SAFEBAG(bag, enc);

    if (len <= 0) {
        return -1;
    }
    p = *enc;
    end = p + len;
    if ((c = der_enter(&p, end, 0x30, &n)) == NULL) { /* SafeBag */
        return -1;
    }
    p = c;
    end = c + n;
    if (der_enter(&p, end, 0x06, &skip) == NULL ||    /* bagId */
        (c = der_enter(&p, end, 0xa0, &n)) == NULL) { /* bagValue */
        return -1;
    }
    p = c;
    end = c + n;
    if ((c = der_enter(&p, end, 0x30, &n)) == NULL) { /* CertBag */
        return -1;
    }
    p = c;
    end = c + n;
    if (der_enter(&p, end, 0x06, &skip) == NULL ||    /* certId */
        (c = der_enter(&p, end, 0xa0, &n)) == NULL) { /* certValue */
        return -1;
    }
    p = c;
    end = c + n;
    if ((c = der_enter(&p, end, 0x04, &n)) == NULL) {
        return -1;
    }
    *der = c;
    *der_len = n;
    return 0;
}

static int take_cert_bag(p12_ctx *ctx, const PKCS12_SAFEBAG *bag)
{
    unsigned char *enc = NULL;
    const unsigned char *der = NULL;
    size_t der_len = 0;
    char *name = NULL;
    char alias[TS_SHA256_HEX_LEN + 1];
    unsigned char sha[TS_SHA256_LEN];
    int rc = -1;

    if (PKCS12_SAFEBAG_get_bag_nid(bag) != NID_x509Certificate || !bag_is_trusted(bag)) {
        ctx->out->skipped++;
        return 0;
    }
    if (cert_bag_der(bag, &enc, &der, &der_len) != 0 || !ts_der_is_sequence(der, der_len)) {
        rc = fail_bag(ctx, "certificate bag does not hold a DER X.509 certificate");
        goto end;
    }
    name = PKCS12_get_friendlyname((PKCS12_SAFEBAG *)(uintptr_t)bag);
    if (name != NULL) {
        /* The JDK lowercases aliases; the rest is kept as stored. */
        for (char *p = name; *p != '\0'; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                *p = (char)(*p - 'A' + 'a');
            }
        }
    } else {
        /* No friendlyName: its fingerprint names it, stable and unique. */
        if (ts_sha256(der, der_len, sha) != 0) {
            rc = fail_bag(ctx, "cannot hash the certificate");
            goto end;
        }
        ts_sha256_to_hex(sha, alias);
    }
    if (ts_ks_push(ctx->out, name != NULL ? name : alias, strlen(name != NULL ? name : alias),
                   TS_DEFAULT_TIMESTAMP_MS, der, der_len) != 0) {
        rc = ts_error_set(ctx->err, "", "out of memory");
        goto end;
    }
    rc = 0;
end:
    OPENSSL_free(name);
    OPENSSL_free(enc);
    return rc;
}

static int take_bags(p12_ctx *ctx, const STACK_OF(PKCS12_SAFEBAG) * bags, int depth)
{
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++, ctx->bag++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        int nid = PKCS12_SAFEBAG_get_nid(bag);

        if (nid == NID_certBag) {
            if (take_cert_bag(ctx, bag) != 0) {
                return -1;
            }
        } else if (nid == NID_safeContentsBag && depth < 4) {
            if (take_bags(ctx, PKCS12_SAFEBAG_get0_safes(bag), depth + 1) != 0) {
                return -1;
            }
        } else {
            ctx->out->skipped++; /* keys, secrets, CRLs */
        }
    }
    return 0;
}

int ts_p12_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                  ts_error *err)
{
    const unsigned char *p = buf;
    PKCS12 *p12 = NULL;
    STACK_OF(PKCS7) *safes = NULL;
    p12_ctx ctx = {out, 0, err};
    int rc = -1;

    if (len > P12_MAX_INPUT) {
        return ts_error_set(err, "", "file too large (%zu bytes)", len);
    }
    p12 = d2i_PKCS12(NULL, &p, (long)len);
    if (p12 == NULL) {
        ts_error_set(err, "offset 0", "not a valid PKCS12 file: the DER structure does not parse");
        goto end;
    }
    if ((size_t)(p - buf) != len) {
        char where[48];

        snprintf(where, sizeof(where), "offset %zu", (size_t)(p - buf));
        ts_error_set(err, where, "%zu unexpected bytes after the PKCS12 structure",
                     len - (size_t)(p - buf));
        goto end;
    }
    /* Like the JDK: no password, no MAC check; a password and a MAC, verify. */
    if (password != NULL && PKCS12_mac_present(p12) && PKCS12_verify_mac(p12, password, -1) != 1) {
        ts_error_set(err, "", "PKCS12 MAC mismatch: wrong password or tampered file");
        goto end;
    }
    safes = PKCS12_unpack_authsafes(p12);
    if (safes == NULL) {
        ts_error_set(err, "", "PKCS12 authenticated safe does not parse");
        goto end;
    }
    for (int i = 0; i < sk_PKCS7_num(safes); i++) {
        PKCS7 *p7 = sk_PKCS7_value(safes, i);
        STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
        int nid = OBJ_obj2nid(p7->type);
        char where[48];

        snprintf(where, sizeof(where), "safe %d", i);
        if (nid == NID_pkcs7_data) {
            bags = PKCS12_unpack_p7data(p7);
        } else if (nid == NID_pkcs7_encrypted) {
            if (password == NULL) {
                out->skipped++; /* the JVM skips these without a password too */
                continue;
            }
            bags = PKCS12_unpack_p7encdata(p7, password, -1);
            if (bags == NULL) {
                ts_error_set(err, where,
                             "cannot decrypt (wrong password or unsupported "
                             "algorithm)");
                goto end;
            }
        } else {
            out->skipped++;
            continue;
        }
        if (bags == NULL) {
            ts_error_set(err, where, "safe contents do not parse");
            goto end;
        }
        rc = take_bags(&ctx, bags, 0);
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
        if (rc != 0) {
            goto end;
        }
    }
    rc = 0;
end:
    sk_PKCS7_pop_free(safes, PKCS7_free);
    PKCS12_free(p12);
    ERR_clear_error();
    return rc;
}

/* ---- encode ---- */

/* A growing buffer; a header is inserted in front of a finished body. */
typedef struct dbuf {
    unsigned char *p;
    size_t len;
    size_t cap;
    bool failed;
} dbuf;

static bool db_grow(dbuf *b, size_t extra)
{
    size_t cap;
    unsigned char *p;

    if (b->failed) {
        return false;
    }
    if (extra <= b->cap - b->len) {
        return true;
    }
    if (extra > SIZE_MAX / 4 - b->len) {
        b->failed = true;
        return false;
    }
    cap = b->cap > 0 ? b->cap : 1024;
    while (cap - b->len < extra) {
        cap *= 2;
    }
    p = realloc(b->p, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void db_put(dbuf *b, const void *data, size_t n)
{
    if (db_grow(b, n)) {
        memcpy(b->p + b->len, data, n);
        b->len += n;
    }
}

/* Wraps b->p[start..len) in tag + DER length. */
static void db_wrap(dbuf *b, size_t start, unsigned char tag)
{
    size_t body = b->len - start;
    unsigned char hdr[6];
    size_t n = 0;

    hdr[n++] = tag;
    if (body < 0x80) {
        hdr[n++] = (unsigned char)body;
    } else {
        size_t bytes = 0;

        for (size_t v = body; v > 0; v >>= 8) {
            bytes++;
        }
        if (bytes > 4) {
            b->failed = true;
            return;
        }
        hdr[n++] = (unsigned char)(0x80 | bytes);
        for (size_t i = bytes; i > 0; i--) {
            hdr[n++] = (unsigned char)(body >> (8 * (i - 1)));
        }
    }
    if (!db_grow(b, n)) {
        return;
    }
    memmove(b->p + start + n, b->p + start, body);
    memcpy(b->p + start, hdr, n);
    b->len += n;
}

static void db_prim(dbuf *b, unsigned char tag, const void *data, size_t n)
{
    size_t start = b->len;

    db_put(b, data, n);
    db_wrap(b, start, tag);
}

#define TAG_INTEGER 0x02
#define TAG_OCTET_STRING 0x04
#define TAG_OID 0x06
#define TAG_BMPSTRING 0x1e
#define TAG_SEQUENCE 0x30
#define TAG_SET 0x31
#define TAG_CTX0 0xa0

/* Attribute { oid, SET { value } } where value is already DER in val. */
static void db_attribute(dbuf *b, const unsigned char *oid, size_t oid_len, const dbuf *val)
{
    size_t seq = b->len, set;

    db_prim(b, TAG_OID, oid, oid_len);
    set = b->len;
    db_put(b, val->p, val->len);
    db_wrap(b, set, TAG_SET);
    db_wrap(b, seq, TAG_SEQUENCE);
}

/* One SafeBag for e. */
static void put_cert_bag(dbuf *b, dbuf *scratch, const ts_entry *e)
{
    size_t bag = b->len, inner, attrs;
    dbuf a1 = {0}, a2 = {0};
    size_t alias_len = strlen(e->alias);
    const dbuf *first, *second;

    db_prim(b, TAG_OID, oid_cert_bag, sizeof(oid_cert_bag));
    inner = b->len;
    {
        size_t certbag = b->len, val;

        db_prim(b, TAG_OID, oid_x509_cert, sizeof(oid_x509_cert));
        val = b->len;
        db_prim(b, TAG_OCTET_STRING, e->cert.der, e->cert.der_len);
        db_wrap(b, val, TAG_CTX0);
        db_wrap(b, certbag, TAG_SEQUENCE);
    }
    db_wrap(b, inner, TAG_CTX0);

    /* friendlyName: the alias (ASCII) as a BMPString. */
    scratch->len = 0;
    for (size_t i = 0; i < alias_len; i++) {
        unsigned char u[2] = {0, (unsigned char)e->alias[i]};

        db_put(scratch, u, 2);
    }
    {
        dbuf v = {0};

        db_prim(&v, TAG_BMPSTRING, scratch->p, scratch->len);
        db_attribute(&a1, oid_friendly_name, sizeof(oid_friendly_name), &v);
        v.len = 0;
        db_prim(&v, TAG_OID, oid_any_eku, sizeof(oid_any_eku));
        db_attribute(&a2, oid_trusted_usage, sizeof(oid_trusted_usage), &v);
        if (v.failed) {
            b->failed = true;
        }
        free(v.p);
    }
    if (a1.failed || a2.failed || scratch->failed) {
        b->failed = true;
    }
    /* DER orders a SET OF by the encodings' bytes. */
    first = &a1;
    second = &a2;
    {
        size_t n = a1.len < a2.len ? a1.len : a2.len;
        int c = (n > 0) ? memcmp(a1.p, a2.p, n) : 0;

        if (c > 0 || (c == 0 && a1.len > a2.len)) {
            first = &a2;
            second = &a1;
        }
    }
    attrs = b->len;
    db_put(b, first->p, first->len);
    db_put(b, second->p, second->len);
    db_wrap(b, attrs, TAG_SET);
    db_wrap(b, bag, TAG_SEQUENCE);
    free(a1.p);
    free(a2.p);
}

/* ContentInfo { data, [0] { OCTET STRING { b->p[start..] } } } */
static void db_wrap_data(dbuf *b, size_t start)
{
    size_t oid_len;

    db_wrap(b, start, TAG_OCTET_STRING);
    db_wrap(b, start, TAG_CTX0);
    /* The OID goes before the [0]: insert it by wrapping a copy in front. */
    if (b->failed) {
        return;
    }
    oid_len = 2 + sizeof(oid_data);
    if (!db_grow(b, oid_len)) {
        return;
    }
    memmove(b->p + start + oid_len, b->p + start, b->len - start);
    b->p[start] = TAG_OID;
    b->p[start + 1] = (unsigned char)sizeof(oid_data);
    memcpy(b->p + start + 2, oid_data, sizeof(oid_data));
    b->len += oid_len;
    db_wrap(b, start, TAG_SEQUENCE);
}

int ts_p12_encode(const ts_keystore *ks, unsigned char **out, size_t *out_len, ts_error *err)
{
    static const unsigned char version[] = {3};
    dbuf b = {0}, scratch = {0};
    size_t start;

    /* PFX: version first; the AuthenticatedSafe is built after it in place. */
    db_prim(&b, TAG_INTEGER, version, sizeof(version));
    start = b.len;
    for (size_t i = 0; i < ks->count; i++) {
        put_cert_bag(&b, &scratch, &ks->items[i]);
    }
    db_wrap(&b, start, TAG_SEQUENCE); /* SafeContents */
    db_wrap_data(&b, start);          /* ContentInfo */
    db_wrap(&b, start, TAG_SEQUENCE); /* AuthenticatedSafe */
    db_wrap_data(&b, start);          /* the PFX's authSafe */
    db_wrap(&b, 0, TAG_SEQUENCE);     /* PFX */
    free(scratch.p);
    if (b.failed) {
        free(b.p);
        return ts_error_set(err, "", "cannot encode PKCS12: out of memory or entry too large");
    }
    *out = b.p;
    *out_len = b.len;
    return 0;
}
