/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#12 trust stores.
 * Decode: read here, as DER; libcrypto (crypto.h) only for BER, MACs and encryption; a certificate
 * bag is a trust anchor only when it carries Oracle's trusted-key-usage attribute, as the JDK
 * decides. Encode: the JDK 18+ cacerts layout, written as DER by hand so that the certificates'
 * bytes are kept exactly and the output is the same every time: PFX { 3, ContentInfo(data,
 * AuthenticatedSafe { ContentInfo(data, SafeContents { SafeBag { certBag, [0] CertBag {
 * x509Certificate, [0] OCTET STRING der }, SET { friendlyName(BMPString alias), trustedKeyUsage(SET
 * { anyExtendedKeyUsage }) }
 * }
 *   ... }) }) }, no MacData.
 */
#include "crypto.h"
#include "keystore_internal.h"

#include <limits.h>
#include <strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
/* The JDK refuses a PKCS12 whose MAC or certificate encryption asks for more iterations than
 * this (PKCS12KeyStore's MAX_ITERATION_COUNT): the core refuses it too, before running them, so
 * that a crafted count never keeps an open() busy for hours. */
#define P12_MAX_ITERATIONS 5000000UL

/* ---- reading ---- */

static const unsigned char oid_encrypted_data[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06}; /* 1.2.840.113549.1.7.6 */
static const unsigned char oid_local_key_id[] = {
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x15}; /* 1.2.840.113549.1.9.21 */
/* 1.2.840.113549.1.12.10.1.n: the bag types; n is the last byte. */
static const unsigned char oid_bag_prefix[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                               0x0d, 0x01, 0x0c, 0x0a, 0x01};
enum { BAG_KEY = 1, BAG_SHROUDED_KEY = 2, BAG_CERT = 3, BAG_CRL = 4, BAG_SECRET = 5 };
static const unsigned char oid_pbmac1[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                           0x0d, 0x01, 0x05, 0x0e}; /* 1.2.840.113549.1.5.14 */

/* A DER element: tag, contents [p, p + len), and the whole [start, end). */
typedef struct der_el {
    unsigned char tag;
    const unsigned char *start;
    const unsigned char *p;
    size_t len;
    const unsigned char *end;
} der_el;

/* Reads the element at *p (definite lengths only, as DER); *p moves past it. */
static bool der_next(const unsigned char **p, const unsigned char *end, der_el *el)
{
    const unsigned char *q = *p;
    size_t n;

    if (q >= end || end - q < 2 || (q[0] & 0x1f) == 0x1f) {
        return false;
    }
    el->start = q;
    el->tag = q[0];
    n = q[1];
    q += 2;
    if (n >= 0x80) {
        size_t bytes = n & 0x7fu;

        if (bytes == 0 || bytes > 4 || (size_t)(end - q) < bytes) {
            return false;
        }
        n = 0;
        for (size_t i = 0; i < bytes; i++) {
            n = (n << 8) | *q++;
        }
    }
    if ((size_t)(end - q) < n) {
        return false;
    }
    el->p = q;
    el->len = n;
    el->end = q + n;
    *p = el->end;
    return true;
}

static bool der_expect(const unsigned char **p, const unsigned char *end, unsigned char tag,
                       der_el *el)
{
    return der_next(p, end, el) && el->tag == tag;
}

static bool el_is_oid(const der_el *el, const unsigned char *oid, size_t n)
{
    return el->tag == 0x06 && el->len == n && memcmp(el->p, oid, n) == 0;
}

static void bag_free(ts_p12_bag *b)
{
    free(b->name);
    memset(b, 0, sizeof(*b));
}

/* friendlyName (a BMPString) as UTF-8; NULL when malformed or out of memory. */
static char *bmp_to_utf8(const unsigned char *p, size_t n)
{
    char *out;
    size_t o = 0;

    if (n % 2 != 0 || n > 4096) {
        return NULL;
    }
    out = malloc(n / 2 * 3 + 1);
    if (out == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; i += 2) {
        unsigned cp = ((unsigned)p[i] << 8) | p[i + 1];

        if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < n) {
            unsigned lo = ((unsigned)p[i + 2] << 8) | p[i + 3];

            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 2;
            }
        }
        if (cp == 0) {
            free(out);
            return NULL;
        }
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xc0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xe0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else {
            /* Four bytes from two code units: still within n / 2 * 3. */
            out[o++] = (char)(0xf0 | (cp >> 18));
            out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    out[o] = '\0';
    return out;
}

/* One SafeBag at el: its kind, certificate and attributes.  -1 malformed, -5 out of memory. */
static int read_bag(const der_el *el, ts_p12_bag *b)
{
    const unsigned char *p = el->p, *end = el->end;
    der_el id, val, attrs;

    memset(b, 0, sizeof(*b));
    b->der = el->start;
    b->len = (size_t)(el->end - el->start);
    if (!der_expect(&p, end, 0x06, &id) || !der_expect(&p, end, 0xa0, &val)) {
        return -1;
    }
    if (id.len == sizeof(oid_bag_prefix) + 1 &&
        memcmp(id.p, oid_bag_prefix, sizeof(oid_bag_prefix)) == 0) {
        switch (id.p[sizeof(oid_bag_prefix)]) {
        case BAG_KEY:
        case BAG_SHROUDED_KEY:
            b->kind = TS_P12_BAG_KEY;
            break;
        case BAG_SECRET:
            b->kind = TS_P12_BAG_SECRET;
            break;
        case BAG_CERT: {
            const unsigned char *q = val.p, *qend = val.end;
            der_el certbag, cid, cval, oct;

            if (!der_expect(&q, qend, 0x30, &certbag)) {
                return -1;
            }
            q = certbag.p;
            qend = certbag.end;
            if (!der_expect(&q, qend, 0x06, &cid) || !der_expect(&q, qend, 0xa0, &cval)) {
                return -1;
            }
            if (el_is_oid(&cid, oid_x509_cert, sizeof(oid_x509_cert))) {
                q = cval.p;
                if (!der_expect(&q, cval.end, 0x04, &oct) || !ts_der_is_sequence(oct.p, oct.len)) {
                    return -1;
                }
                b->kind = TS_P12_BAG_CERT;
                b->cert = oct.p;
                b->cert_len = oct.len;
                if (ts_sha256(oct.p, oct.len, b->sha256) != 0) {
                    return -5;
                }
            }
            break;
        }
        default:
            break;
        }
    }
    if (p == end) {
        return 0;
    }
    if (!der_expect(&p, end, 0x31, &attrs) || p != end) {
        return -1;
    }
    p = attrs.p;
    while (p < attrs.end) {
        der_el attr, oid, set, v;
        const unsigned char *q;

        if (!der_expect(&p, attrs.end, 0x30, &attr)) {
            return -1;
        }
        q = attr.p;
        if (!der_expect(&q, attr.end, 0x06, &oid) || !der_expect(&q, attr.end, 0x31, &set)) {
            return -1;
        }
        if (el_is_oid(&oid, oid_trusted_usage, sizeof(oid_trusted_usage))) {
            b->trusted = true;
        } else if (el_is_oid(&oid, oid_friendly_name, sizeof(oid_friendly_name)) &&
                   b->name == NULL) {
            q = set.p;
            if (der_expect(&q, set.end, 0x1e, &v)) {
                b->name = bmp_to_utf8(v.p, v.len);
            }
        } else if (el_is_oid(&oid, oid_local_key_id, sizeof(oid_local_key_id))) {
            q = set.p;
            if (der_expect(&q, set.end, 0x04, &v)) {
                b->key_id = v.p;
                b->key_id_len = v.len;
            }
        }
    }
    if (b->kind == TS_P12_BAG_CERT && b->trusted) {
        b->kind = TS_P12_BAG_TRUSTED_CERT;
    }
    return 0;
}

/* The bags of a SafeContents held in [p, end); 0, -1 malformed, -5 out of memory. */
static int read_safe_contents(ts_p12_safe *s, const unsigned char *p, const unsigned char *end)
{
    der_el seq;

    if (!der_expect(&p, end, 0x30, &seq) || p != end) {
        return -1;
    }
    p = seq.p;
    while (p < seq.end) {
        der_el bag;
        int rc;

        if (!der_expect(&p, seq.end, 0x30, &bag)) {
            return -1;
        }
        if (s->n_bags == s->cap_bags) {
            void *items = s->bags;

            if (ts_grow(&items, &s->cap_bags, s->n_bags, 1, sizeof(ts_p12_bag)) != 0) {
                return -5;
            }
            s->bags = items;
        }
        rc = read_bag(&bag, &s->bags[s->n_bags]);
        if (rc != 0) {
            bag_free(&s->bags[s->n_bags]);
            return rc;
        }
        s->n_bags++;
    }
    s->opened = true;
    return 0;
}

/* The PBE of s's algorithm over in, by libcrypto (crypto.h); *out is malloc'd.  0 or -1. */
static int pbe_crypt(const ts_p12_safe *s, const char *pw, const unsigned char *in, size_t in_len,
                     unsigned char **out, size_t *out_len, bool encrypt)
{
    const ts_crypto *crypto = ts_crypto_get(NULL);
    ts_der res = {0};

    if (crypto == NULL || crypto->p12_pbe(s->alg, s->alg_len, pw, in, in_len, &res, encrypt) != 0) {
        return -1;
    }
    *out = res.p;
    *out_len = res.len;
    return 0;
}

/* Frees a buffer that held a decrypted safe or a password, clearing it first. */
static void clear_free(void *p, size_t len)
{
    if (p != NULL) {
        explicit_bzero(p, len);
        free(p);
    }
}

/*
 * The parts of an encrypted ContentInfo:
 *   SEQ { OID encryptedData, [0] { SEQ { INTEGER version, SEQ { OID type,
 *     AlgorithmIdentifier, [0] IMPLICIT encrypted content } ... } } }
 * The content may be primitive (80) or, as BER allows, constructed (A0) of
 * OCTET STRINGs; *ct is then a malloc'd concatenation (*owned set).
 */
static int read_encrypted(ts_p12_safe *s, const der_el *ci)
{
    const unsigned char *p = ci->p, *end = ci->end;
    der_el oid, wrap, ed, ver, eci, type, alg, content;

    if (!der_expect(&p, end, 0x06, &oid) || !der_expect(&p, end, 0xa0, &wrap)) {
        return -1;
    }
    p = wrap.p;
    if (!der_expect(&p, wrap.end, 0x30, &ed)) {
        return -1;
    }
    p = ed.p;
    if (!der_expect(&p, ed.end, 0x02, &ver) || !der_expect(&p, ed.end, 0x30, &eci)) {
        return -1;
    }
    s->ed_tail = eci.end;
    s->ed_end = ed.end;
    p = eci.p;
    if (!der_expect(&p, eci.end, 0x06, &type) || !der_expect(&p, eci.end, 0x30, &alg) ||
        !der_next(&p, eci.end, &content) || p != eci.end) {
        return -1;
    }
    s->ed_head = ver.start;
    s->ver_end = ver.end;
    s->alg_start = type.start;
    s->alg_end = alg.end;
    /* The AlgorithmIdentifier starts with its OID; libcrypto reads the rest when the safe is
     * opened (never, for a store served without its password). */
    if (alg.len < 2 || alg.p[0] != 0x06) {
        return -1;
    }
    s->alg = alg.start;
    s->alg_len = (size_t)(alg.end - alg.start);
    if (content.tag == 0x80) {
        s->ct = content.p;
        s->ct_len = content.len;
        return 0;
    }
    if (content.tag != 0xa0) {
        return -1;
    }
    {
        unsigned char *buf = malloc(content.len > 0 ? content.len : 1);
        size_t n = 0;

        if (buf == NULL) {
            return -5;
        }
        p = content.p;
        while (p < content.end) {
            der_el part;

            if (!der_expect(&p, content.end, 0x04, &part)) {
                free(buf);
                return -1;
            }
            memcpy(buf + n, part.p, part.len);
            n += part.len;
        }
        s->ct_owned = buf;
        s->ct = buf;
        s->ct_len = n;
    }
    return 0;
}

void ts_p12_file_free(ts_p12_file *f)
{
    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < f->n_safes; i++) {
        ts_p12_safe *s = &f->safes[i];

        for (size_t k = 0; k < s->n_bags; k++) {
            bag_free(&s->bags[k]);
        }
        free(s->bags);
        clear_free(s->plain, s->plain_len);
        free(s->ct_owned);
    }
    free(f->safes);
    free(f->norm);
    memset(f, 0, sizeof(*f));
}

/* PFX { INTEGER 3, ContentInfo(data, OCTET STRING authSafe), MacData OPTIONAL } */
static int read_pfx(ts_p12_file *f, const unsigned char *buf, size_t len)
{
    const unsigned char *p = buf, *end = buf + len;
    der_el pfx, ver, ci, oid, wrap, oct, safes;

    /* One PFX; bytes after it are ignored, as the JDK reads one DER value and stops. */
    if (!der_expect(&p, end, 0x30, &pfx)) {
        return -1;
    }
    p = pfx.p;
    if (!der_expect(&p, pfx.end, 0x02, &ver) || ver.len != 1 || ver.p[0] != 3 ||
        !der_expect(&p, pfx.end, 0x30, &ci)) {
        return -1;
    }
    if (p < pfx.end) {
        der_el mac;

        if (!der_expect(&p, pfx.end, 0x30, &mac) || p != pfx.end) {
            return -1;
        }
        f->mac = mac.start;
        f->mac_len = (size_t)(mac.end - mac.start);
    }
    p = ci.p;
    if (!der_expect(&p, ci.end, 0x06, &oid) || !el_is_oid(&oid, oid_data, sizeof(oid_data)) ||
        !der_expect(&p, ci.end, 0xa0, &wrap) || p != ci.end) {
        return -1;
    }
    p = wrap.p;
    if (!der_expect(&p, wrap.end, 0x04, &oct) || p != wrap.end) {
        return -1;
    }
    f->authsafe = oct.p;
    f->authsafe_len = oct.len;
    p = oct.p;
    if (!der_expect(&p, oct.end, 0x30, &safes) || p != oct.end) {
        return -1;
    }
    p = safes.p;
    while (p < safes.end) {
        der_el c, type;
        const unsigned char *q;

        if (!der_expect(&p, safes.end, 0x30, &c)) {
            return -1;
        }
        if (f->n_safes == f->cap_safes) {
            void *items = f->safes;

            if (ts_grow(&items, &f->cap_safes, f->n_safes, 1, sizeof(ts_p12_safe)) != 0) {
                return -5;
            }
            f->safes = items;
        }
        ts_p12_safe *s = &f->safes[f->n_safes++];
        memset(s, 0, sizeof(*s));
        s->der = c.start;
        s->len = (size_t)(c.end - c.start);
        q = c.p;
        if (!der_expect(&q, c.end, 0x06, &type)) {
            return -1;
        }
        if (el_is_oid(&type, oid_data, sizeof(oid_data))) {
            der_el w, o;

            s->type = TS_P12_SAFE_DATA;
            if (!der_expect(&q, c.end, 0xa0, &w) || q != c.end) {
                return -1;
            }
            q = w.p;
            if (!der_expect(&q, w.end, 0x04, &o) || q != w.end) {
                return -1;
            }
            int rc = read_safe_contents(s, o.p, o.end);
            if (rc != 0) {
                return rc;
            }
        } else if (el_is_oid(&type, oid_encrypted_data, sizeof(oid_encrypted_data))) {
            s->type = TS_P12_SAFE_ENCRYPTED;
            int rc = read_encrypted(s, &c);
            if (rc != 0) {
                return rc;
            }
        } else {
            s->type = TS_P12_SAFE_OTHER; /* enveloped (public-key) safes: kept, never opened */
        }
    }
    return 0;
}

/* The MacData's parts: the digest's OID contents, digest, salt, iterations.  -1 malformed, -3
 * PBMAC1, -7 more iterations than the JDK runs. */
static int read_mac(const ts_p12_file *f, der_el *md_oid, der_el *digest, der_el *salt, long *iter)
{
    const unsigned char *p = f->mac, *end = f->mac + f->mac_len;
    der_el mac, di, alg;

    if (!der_expect(&p, end, 0x30, &mac)) {
        return -1;
    }
    p = mac.p;
    if (!der_expect(&p, mac.end, 0x30, &di) || !der_expect(&p, mac.end, 0x04, salt)) {
        return -1;
    }
    *iter = 1;
    if (p < mac.end) {
        der_el it;

        if (!der_expect(&p, mac.end, 0x02, &it) || it.len == 0 || it.len > 4 ||
            (it.p[0] & 0x80) != 0) {
            return -1;
        }
        *iter = 0;
        for (size_t i = 0; i < it.len; i++) {
            *iter = (*iter << 8) | it.p[i];
        }
        if (*iter < 1) {
            return -1;
        }
        if ((unsigned long)*iter > P12_MAX_ITERATIONS) {
            return -7;
        }
    }
    p = di.p;
    if (!der_expect(&p, di.end, 0x30, &alg) || !der_expect(&p, di.end, 0x04, digest)) {
        return -1;
    }
    p = alg.p;
    if (!der_expect(&p, alg.end, 0x06, md_oid)) {
        return -1;
    }
    return el_is_oid(md_oid, oid_pbmac1, sizeof(oid_pbmac1)) ? -3 : 0;
}

/* The MAC of data with pw (NULL: the zero-length password, as the JDK retries an empty one), of
 * the digest's own size: 0; -3 an unknown digest, or one of another size than the file's; -1
 * failed; -4 no libcrypto (err says why). */
static int compute_mac(const der_el *md_oid, const der_el *digest, const char *pw,
                       const der_el *salt, long iter, const unsigned char *data, size_t len,
                       unsigned char out[64], ts_error *err)
{
    const ts_crypto *crypto = ts_crypto_get(err);
    size_t out_len = 0;
    int rc;

    if (crypto == NULL) {
        return -4;
    }
    rc = crypto->p12_mac(md_oid->p, md_oid->len, pw, salt->p, salt->len, iter, data, len, out,
                         &out_len);
    if (rc == 0 && out_len != digest->len) {
        rc = -3;
    }
    return rc;
}

/* Compares in constant time: the MAC depends on the password. */
static bool mac_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
    unsigned char d = 0;

    for (size_t i = 0; i < n; i++) {
        d |= a[i] ^ b[i];
    }
    return d == 0;
}

/*
 * Verifies the MAC with password.  The JDK tries an empty password as "" and
 * then as no password at all (RetryWithZero): *used is the one that matched.
 * 0 verified; -2 mismatch; -3 PBMAC1 / unknown digest; -1 malformed.
 */
static int verify_mac(ts_p12_file *f, const char *password, ts_error *err)
{
    der_el md_oid, digest, salt;
    long iter;
    unsigned char out[64];
    int rc = read_mac(f, &md_oid, &digest, &salt, &iter);

    for (int attempt = 0; attempt < 2 && rc == 0; attempt++) {
        const char *pw = attempt == 0 ? password : NULL;
        int r;

        if (attempt == 1 && password[0] != '\0') {
            break;
        }
        r = compute_mac(&md_oid, &digest, pw, &salt, iter, f->authsafe, f->authsafe_len, out, err);
        if (r == -3) {
            rc = -3;
        } else if (r == -4) {
            return -6;
        } else if (r != 0) {
            ts_error_set(err, "MacData", "cannot compute the MAC (is the password valid UTF-8?)");
            return -1;
        } else if (mac_equal(out, digest.p, digest.len)) {
            f->pw = pw;
            f->pw_set = true;
            return 0;
        }
    }
    if (rc == -3) {
        return ts_error_set(err, "MacData",
                            "the MAC algorithm is not supported (PBMAC1, RFC 9579, or an unknown "
                            "digest): neither JDK 17/25 nor OpenSSL 3.0 read it"),
               -3;
    }
    if (rc == -7) {
        return ts_error_set(err, "MacData",
                            "%ld iterations, more than the %lu the JDK runs: it refuses this "
                            "store too",
                            iter, P12_MAX_ITERATIONS),
               -3;
    }
    if (rc != 0) {
        ts_error_set(err, "MacData", "malformed MacData");
        return -1;
    }
    ts_error_set(err, "", "PKCS12 MAC mismatch: wrong password or tampered file");
    return -2;
}

/*
 * The iteration count of a PBE AlgorithmIdentifier alg[0..len): PKCS#5 v1.5 and PKCS12
 * (parameters SEQ { salt, INTEGER }) or PBES2 with a key derivation of that shape (PBKDF2:
 * SEQ { SEQ { OID, SEQ { salt, INTEGER, ... } }, encryption }).  0 when it holds none this
 * reads (libcrypto then judges the parameters); ULONG_MAX when too large for 8 bytes.
 */
static unsigned long pbe_iterations(const unsigned char *alg, size_t len)
{
    const unsigned char *p = alg, *end = alg + len;
    der_el a, oid, params, first, it;
    unsigned long n = 0;

    if (!der_expect(&p, end, 0x30, &a)) {
        return 0;
    }
    p = a.p;
    if (!der_expect(&p, a.end, 0x06, &oid) || !der_expect(&p, a.end, 0x30, &params)) {
        return 0;
    }
    p = params.p;
    end = params.end;
    if (!der_next(&p, end, &first)) {
        return 0;
    }
    if (first.tag == 0x30) { /* PBES2: the key derivation function first */
        der_el kdf_oid, kdf;

        p = first.p;
        if (!der_expect(&p, first.end, 0x06, &kdf_oid) || !der_expect(&p, first.end, 0x30, &kdf)) {
            return 0;
        }
        p = kdf.p;
        end = kdf.end;
        if (!der_next(&p, end, &first)) {
            return 0;
        }
    }
    if (first.tag != 0x04 || !der_expect(&p, end, 0x02, &it) || it.len == 0 ||
        (it.p[0] & 0x80) != 0) {
        return 0;
    }
    for (size_t i = 0; i < it.len; i++) {
        if (n > (ULONG_MAX >> 8)) {
            return ULONG_MAX;
        }
        n = (n << 8) | it.p[i];
    }
    return n;
}

/* Decrypts safe s with the password that verified (or password). -2 cannot decrypt. */
static int open_encrypted(ts_p12_file *f, ts_p12_safe *s, const char *password, size_t index,
                          ts_error *err)
{
    char where[48];
    int rc;

    snprintf(where, sizeof(where), "safe %zu", index);
    unsigned long iter = pbe_iterations(s->alg, s->alg_len);
    if (iter > P12_MAX_ITERATIONS) {
        return ts_error_set(err, where,
                            "%lu iterations, more than the %lu the JDK runs: it refuses this "
                            "store too",
                            iter, P12_MAX_ITERATIONS),
               -3;
    }
    if (ts_crypto_get(err) == NULL) {
        return -6;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        const char *pw = f->pw_set ? f->pw : (attempt == 0 ? password : NULL);

        if (attempt == 1 && (f->pw_set || password[0] != '\0')) {
            break;
        }
        if (pbe_crypt(s, pw, s->ct, s->ct_len, &s->plain, &s->plain_len, false) != 0) {
            continue;
        }
        rc = read_safe_contents(s, s->plain, s->plain + s->plain_len);
        if (rc == 0) {
            f->pw = pw;
            f->pw_set = true;
            return 0;
        }
        for (size_t k = 0; k < s->n_bags; k++) {
            bag_free(&s->bags[k]);
        }
        s->n_bags = 0;
        clear_free(s->plain, s->plain_len);
        s->plain = NULL;
        if (rc == -5) {
            return ts_error_set(err, "", "out of memory"), -5;
        }
    }
    ts_error_set(err, where,
                 "cannot decrypt: wrong password, or an encryption algorithm OpenSSL cannot run "
                 "here");
    return f->mac != NULL ? -3 : -2;
}

/*
 * Names the entries without a friendlyName as the JDK's PKCS12KeyStore does while it loads:
 * a counter from 1 over the key, secret-key and trusted-certificate bags of the safes it can
 * read, in file order; a key bag without localKeyId counts only when it is the first key (the
 * JDK gives that one the key id "01" and skips later ones).
 */
static void name_unnamed(ts_p12_file *f)
{
    unsigned long counter = 0;
    size_t keys = 0;

    for (size_t i = 0; i < f->n_safes; i++) {
        ts_p12_safe *s = &f->safes[i];

        for (size_t k = 0; s->opened && k < s->n_bags; k++) {
            ts_p12_bag *b = &s->bags[k];

            if (b->kind == TS_P12_BAG_KEY && ++keys > 1 && b->key_id == NULL) {
                continue;
            }
            if ((b->kind == TS_P12_BAG_KEY || b->kind == TS_P12_BAG_SECRET ||
                 b->kind == TS_P12_BAG_TRUSTED_CERT) &&
                b->name == NULL) {
                snprintf(b->unnamed, sizeof(b->unnamed), "%lu", ++counter);
            }
        }
    }
}

static int p12_open(const unsigned char *buf, size_t len, const char *password, ts_p12_file *f,
                    ts_error *err)
{
    int rc;

    memset(f, 0, sizeof(*f));
    if (len > P12_MAX_INPUT) {
        return ts_error_set(err, "", "file too large (%zu bytes)", len);
    }
    rc = read_pfx(f, buf, len);
    if (rc == -1) {
        /* Not DER (BER from some tool): let OpenSSL parse it, and read its DER. */
        ts_error e;
        const ts_crypto *crypto = ts_crypto_get(&e);
        ts_der der = {0};

        ts_p12_file_free(f);
        if (crypto == NULL) {
            return ts_error_set(err, "offset 0", "not DER; reading it as BER: %s", e.what), -6;
        }
        if (crypto->p12_to_der(buf, len, &der) != 0) {
            return ts_error_set(err, "offset 0",
                                "not a valid PKCS12 file: the DER structure does not parse");
        }
        f->norm = der.p;
        rc = read_pfx(f, f->norm, der.len);
    }
    if (rc != 0) {
        if (rc == -5) {
            return ts_error_set(err, "", "out of memory"), -5;
        }
        return ts_error_set(err, "",
                            "PKCS12 structure not understood: expected the layout of "
                            "RFC 7292 (authenticated safe of ContentInfo, SafeBags)");
    }
    if (password != NULL) {
        if (f->mac != NULL && (rc = verify_mac(f, password, err)) != 0) {
            return rc;
        }
        for (size_t i = 0; i < f->n_safes; i++) {
            if (f->safes[i].type == TS_P12_SAFE_ENCRYPTED &&
                (rc = open_encrypted(f, &f->safes[i], password, i, err)) != 0) {
                return rc;
            }
        }
    }
    name_unnamed(f);
    return 0;
}

int ts_p12_open(const unsigned char *buf, size_t len, const char *password, ts_p12_file *f,
                ts_error *err)
{
    int rc = p12_open(buf, len, password, f, err);

    if (rc != 0) {
        ts_p12_file_free(f);
    }
    return rc;
}

/* The cert bag the JDK pairs with key bag k: same localKeyId first, else same friendlyName. */
const ts_p12_bag *ts_p12_key_cert(const ts_p12_file *f, const ts_p12_bag *k)
{
    const ts_p12_bag *by_name = NULL;

    for (size_t i = 0; i < f->n_safes; i++) {
        for (size_t j = 0; j < f->safes[i].n_bags; j++) {
            const ts_p12_bag *c = &f->safes[i].bags[j];

            if (c->kind != TS_P12_BAG_CERT && c->kind != TS_P12_BAG_TRUSTED_CERT) {
                continue;
            }
            if (k->key_id != NULL && c->key_id != NULL && c->key_id_len == k->key_id_len &&
                memcmp(c->key_id, k->key_id, k->key_id_len) == 0) {
                return c;
            }
            if (by_name == NULL && k->name != NULL && c->name != NULL &&
                strcasecmp(k->name, c->name) == 0) {
                by_name = c;
            }
        }
    }
    return by_name;
}

static int push_bag(ts_keystore *out, const ts_p12_bag *b, const ts_p12_bag *cert, bool key)
{
    char *name = NULL;

    if (b->name != NULL) {
        name = strdup(b->name);
        if (name == NULL) {
            return -1;
        }
        /* The JDK lowercases aliases; the rest is kept as stored. */
        for (char *p = name; *p != '\0'; p++) {
            if (*p >= 'A' && *p <= 'Z') {
                *p = (char)(*p - 'A' + 'a');
            }
        }
    }
    /* No friendlyName: the JDK's own name for it (name_unnamed). */
    const char *alias = name != NULL ? name : b->unnamed;
    int rc =
        ts_ks_push(out, alias, strlen(alias), TS_DEFAULT_TIMESTAMP_MS, cert->cert, cert->cert_len);
    free(name);
    if (rc == 0) {
        out->items[out->count - 1].key_entry = key;
    }
    return rc;
}

int ts_p12_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                  ts_error *err)
{
    ts_p12_file f;

    if (ts_p12_open(buf, len, password, &f, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < f.n_safes; i++) {
        const ts_p12_safe *s = &f.safes[i];

        if (!s->opened) {
            out->skipped++; /* encrypted without a password (the JVM skips it too), or enveloped */
            continue;
        }
        for (size_t j = 0; j < s->n_bags; j++) {
            const ts_p12_bag *b = &s->bags[j];
            const ts_p12_bag *cert = NULL;
            int rc = 0;

            if (b->kind == TS_P12_BAG_TRUSTED_CERT) {
                rc = push_bag(out, b, b, false);
            } else if (b->kind == TS_P12_BAG_KEY && (b->name != NULL || b->unnamed[0] != '\0') &&
                       (cert = ts_p12_key_cert(&f, b)) != NULL) {
                rc = push_bag(out, b, cert, true);
            } else if (b->kind == TS_P12_BAG_CERT && b->key_id != NULL) {
                /* Part of a key's chain: counted with its key, not as left out. */
            } else {
                out->skipped++; /* secret keys, certificates of no entry, keys without one */
            }
            if (rc != 0) {
                ts_p12_file_free(&f);
                return ts_error_set(err, "", "out of memory");
            }
        }
    }
    ts_p12_file_free(&f);
    return 0;
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

/* ---- editing ---- */

/* The SafeBags of s that are not dropped, as one SafeContents. */
static void put_kept_bags(dbuf *b, const ts_p12_safe *s)
{
    size_t start = b->len;

    for (size_t k = 0; k < s->n_bags; k++) {
        if (!s->bags[k].drop) {
            db_put(b, s->bags[k].der, s->bags[k].len);
        }
    }
    db_wrap(b, start, TAG_SEQUENCE);
}

static bool safe_changed(const ts_p12_safe *s)
{
    for (size_t k = 0; k < s->n_bags; k++) {
        if (s->bags[k].drop) {
            return true;
        }
    }
    return false;
}

/* s re-encrypted with the same algorithm and parameters, without its dropped bags. */
static int put_reencrypted(dbuf *b, const ts_p12_safe *s, const char *pw)
{
    dbuf plain = {0};
    unsigned char *ct = NULL;
    size_t ct_len = 0, start = b->len, wrap, ed, eci;

    put_kept_bags(&plain, s);
    if (plain.failed || pbe_crypt(s, pw, plain.p, plain.len, &ct, &ct_len, true) != 0) {
        clear_free(plain.p, plain.len);
        return -1;
    }
    clear_free(plain.p, plain.len);
    db_prim(b, TAG_OID, oid_encrypted_data, sizeof(oid_encrypted_data));
    wrap = b->len;
    ed = b->len;
    db_put(b, s->ed_head, (size_t)(s->ver_end - s->ed_head));
    eci = b->len;
    db_put(b, s->alg_start, (size_t)(s->alg_end - s->alg_start));
    db_prim(b, 0x80, ct, ct_len);
    db_wrap(b, eci, TAG_SEQUENCE);
    db_put(b, s->ed_tail, (size_t)(s->ed_end - s->ed_tail));
    db_wrap(b, ed, TAG_SEQUENCE);
    db_wrap(b, wrap, TAG_CTX0);
    db_wrap(b, start, TAG_SEQUENCE);
    free(ct);
    return 0;
}

int ts_p12_write(const ts_p12_file *f, const ts_keystore *add, const char *password,
                 unsigned char **out, size_t *out_len, ts_error *err)
{
    static const unsigned char version[] = {3};
    const char *pw = f->pw_set ? f->pw : password;
    dbuf b = {0}, scratch = {0};
    size_t start;
    int rc = -1;

    db_prim(&b, TAG_INTEGER, version, sizeof(version));
    start = b.len;
    for (size_t i = 0; i < f->n_safes; i++) {
        const ts_p12_safe *s = &f->safes[i];

        if (!safe_changed(s)) {
            db_put(&b, s->der, s->len); /* as it was, byte for byte */
        } else if (s->type == TS_P12_SAFE_DATA) {
            size_t at = b.len;

            put_kept_bags(&b, s);
            db_wrap_data(&b, at);
        } else if ((!f->pw_set && password == NULL) || put_reencrypted(&b, s, pw) != 0) {
            /* f->pw NULL with pw_set: the zero-length password verified (OpenSSL's NULL). */
            ts_error_set(err, "", "cannot re-encrypt safe %zu", i);
            goto end;
        }
    }
    if (add != NULL && add->count > 0) {
        size_t at = b.len;

        for (size_t i = 0; i < add->count; i++) {
            put_cert_bag(&b, &scratch, &add->items[i]);
        }
        db_wrap(&b, at, TAG_SEQUENCE);
        db_wrap_data(&b, at);
    }
    db_wrap(&b, start, TAG_SEQUENCE); /* AuthenticatedSafe */
    if (b.failed) {
        ts_error_set(err, "", "cannot encode PKCS12: out of memory or entry too large");
        goto end;
    }
    if (f->mac != NULL) {
        /* Same digest, salt and iterations; only the value changes. */
        der_el md_oid, digest, salt;
        long iter;
        unsigned char mac[64];
        unsigned char *raw;
        int r = read_mac(f, &md_oid, &digest, &salt, &iter);

        if (r == 0) {
            r = compute_mac(&md_oid, &digest, pw, &salt, iter, b.p + start, b.len - start, mac,
                            err);
        }
        if (r != 0) {
            if (r != -4) {
                ts_error_set(err, "MacData", "cannot compute the MAC");
            } else {
                rc = -6;
            }
            goto end;
        }
        db_wrap_data(&b, start);
        raw = malloc(f->mac_len);
        if (raw == NULL) {
            ts_error_set(err, "", "out of memory");
            goto end;
        }
        memcpy(raw, f->mac, f->mac_len);
        memcpy(raw + (digest.p - f->mac), mac, digest.len);
        db_put(&b, raw, f->mac_len);
        free(raw);
    } else {
        db_wrap_data(&b, start);
    }
    db_wrap(&b, 0, TAG_SEQUENCE); /* PFX */
    if (b.failed) {
        ts_error_set(err, "", "cannot encode PKCS12: out of memory or entry too large");
        goto end;
    }
    *out = b.p;
    *out_len = b.len;
    b.p = NULL;
    rc = 0;
end:
    free(b.p);
    free(scratch.p);
    return rc;
}
