/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate input: PEM / DER / PKCS#7 -> DER list + SHA-256. */
#include "cert.h"
#include "crypto.h"
#include "keystore_internal.h"
#include "pem.h"
#include "sha.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Larger inputs are refused before OpenSSL sees them (its lengths are int). */
#define CERT_MAX_INPUT ((size_t)INT_MAX / 2)

int ts_sha256(const unsigned char *buf, size_t len, unsigned char out[TS_SHA256_LEN])
{
    ts_sha256_ctx c;

    ts_sha256_init(&c);
    ts_sha256_update(&c, buf, len);
    ts_sha256_final(&c, out);
    return 0;
}

int ts_grow(void **items, size_t *cap, size_t count, size_t extra, size_t elem)
{
    size_t need, n;
    void *p;

    if (extra > SIZE_MAX / elem - count) {
        return -1;
    }
    need = count + extra;
    if (need <= *cap) {
        return 0;
    }
    n = (*cap == 0) ? 8 : *cap;
    while (n < need) {
        n = (n > SIZE_MAX / 2 / elem) ? need : n * 2;
    }
    p = realloc(*items, n * elem);
    if (p == NULL) {
        return -1;
    }
    *items = p;
    *cap = n;
    return 0;
}

/* How a TLV header reads: DER, valid BER that is not DER, or neither. */
typedef enum { DER_OK, DER_BER, DER_BAD } der_form;

/* Nesting deeper than this is refused; a certificate's goes about six deep. */
#define DER_MAX_DEPTH 24

/*
 * Reads the TLV header at der[0..avail): its tag, header length (*hdr) and
 * header + content length (*total).  DER as the JDK reads it: one tag byte, a
 * definite length in its shortest form on at most 4 bytes.  DER_BER for an
 * indefinite length, a long form that could be shorter or more than 4 length
 * bytes (OpenSSL's d2i accepts them, the JDK refuses or re-encodes them).
 */
static der_form der_tlv(const unsigned char *der, size_t avail, unsigned char *tag, size_t *hdr,
                        size_t *total)
{
    size_t h = 2, clen;

    if (avail < 2 || (der[0] & 0x1fu) == 0x1fu) {
        return DER_BAD;
    }
    *tag = der[0];
    if ((der[1] & 0x80) == 0) {
        clen = der[1];
    } else {
        size_t nbytes = der[1] & 0x7fu;

        if (nbytes == 0 || nbytes > 4) {
            return DER_BER;
        }
        if (avail < 2 + nbytes) {
            return DER_BAD;
        }
        clen = 0;
        for (size_t i = 0; i < nbytes; i++) {
            clen = (clen << 8) | der[2 + i];
        }
        if (der[2] == 0 || clen < 0x80) {
            return DER_BER;
        }
        h += nbytes;
    }
    if (clen > avail - h) {
        return DER_BAD;
    }
    *hdr = h;
    *total = h + clen;
    return DER_OK;
}

/*
 * Whether every TLV of der[0..len), and of the constructed ones' contents, is
 * DER-framed and fills its parent exactly; *bad is the offset of the first
 * header that is not.
 */
static der_form der_walk(const unsigned char *der, size_t len, unsigned depth, size_t *bad)
{
    size_t off = 0;

    while (off < len) {
        unsigned char tag = 0;
        size_t hdr = 0, total = 0, sub = 0;
        der_form f = der_tlv(der + off, len - off, &tag, &hdr, &total);

        if (f != DER_OK) {
            *bad = off;
            return f;
        }
        if ((tag & 0x20u) != 0) {
            if (depth == 0) {
                *bad = off;
                return DER_BAD;
            }
            f = der_walk(der + off + hdr, total - hdr, depth - 1, &sub);
            if (f != DER_OK) {
                *bad = off + hdr + sub;
                return f;
            }
        }
        off += total;
    }
    return DER_OK;
}

/*
 * Whether der[0..len) is shaped like an X.509 Certificate:
 * SEQUENCE { TBSCertificate SEQUENCE { [0] version?, INTEGER serial,
 * SEQUENCE sigAlg, SEQUENCE issuer, SEQUENCE validity, SEQUENCE subject,
 * SEQUENCE subjectPublicKeyInfo, ... }, SEQUENCE sigAlg, BIT STRING }, the
 * framing already checked by der_walk.  Much cheaper than d2i_X509, which in
 * OpenSSL 3 also decodes the public key through the provider machinery.
 */
static bool der_cert_shape(const unsigned char *der, size_t len)
{
    static const unsigned char cert_tags[] = {0x30, 0x30, 0x03};
    static const unsigned char tbs_tags[] = {0x02, 0x30, 0x30, 0x30, 0x30, 0x30};
    unsigned char tag = 0;
    size_t hdr = 0, total = 0, part = 0, off, h = 0;
    size_t tbs_off = 0, tbs_hdr = 0, tbs_total = 0;

    if (der_tlv(der, len, &tag, &hdr, &total) != DER_OK || tag != 0x30 || total != len) {
        return false;
    }
    /* The Certificate's three members fill it exactly. */
    off = hdr;
    for (size_t i = 0; i < sizeof(cert_tags); i++) {
        if (der_tlv(der + off, total - off, &tag, &h, &part) != DER_OK || tag != cert_tags[i]) {
            return false;
        }
        if (i == 0) {
            tbs_off = off;
            tbs_hdr = h;
            tbs_total = part;
        }
        off += part;
    }
    if (off != total) {
        return false;
    }
    /* The TBSCertificate up to the public key. */
    off = tbs_off + tbs_hdr;
    size_t tbs_end = tbs_off + tbs_total;
    if (off < tbs_end && der[off] == 0xa0) {
        if (der_tlv(der + off, tbs_end - off, &tag, &h, &part) != DER_OK) {
            return false;
        }
        off += part;
    }
    for (size_t i = 0; i < sizeof(tbs_tags); i++) {
        if (off >= tbs_end || der_tlv(der + off, tbs_end - off, &tag, &h, &part) != DER_OK ||
            tag != tbs_tags[i]) {
            return false;
        }
        off += part;
    }
    return true;
}

/* Whether OpenSSL's d2i_X509 reads der[0..len) as one certificate; *used is how much it read.
 * False too when libcrypto is not there (libtrustshim.so without its crypto module). */
static bool x509_parses(const unsigned char *der, size_t len, size_t *used)
{
    const ts_crypto *crypto;

    if (len == 0 || len > CERT_MAX_INPUT) {
        return false;
    }
    crypto = ts_crypto_get(NULL);
    return crypto != NULL && crypto->x509_parses(der, len, used);
}

/*
 * The one definition of a certificate a manifest may hold, for every way in
 * (add, fetch, the loader): the leading TLV of der[0..len) is an X.509
 * certificate in DER, every length of it in DER's form, and (full) OpenSSL
 * parses it.  *used is its length (a "TRUSTED CERTIFICATE" block goes on after
 * it).  BER is refused rather than stored or re-encoded: the pin is the SHA-256
 * of the bytes the JDK's getEncoded() returns, and for BER the JDK either
 * refuses the certificate (more than 4 length bytes, or a BER length inside
 * the TBSCertificate) or returns bytes other than the file's (an indefinite or
 * over-long outer length).  NULL, or why not, in why[size].
 */
static const char *cert_check(const unsigned char *der, size_t len, bool full, size_t *used,
                              char *why, size_t size)
{
    unsigned char tag = 0;
    size_t hdr = 0, total = 0, bad = 0, ber_used = 0; /* bad: a TLV's tag; its length follows */
    der_form f = der_tlv(der, len, &tag, &hdr, &total);

    if (f == DER_OK) {
        *used = total;
        f = der_walk(der, total, DER_MAX_DEPTH, &bad);
    }
    if (f == DER_BER && x509_parses(der, len, &ber_used)) {
        size_t tbs_hdr = 0, tbs_total = 0;
        bool in_tbs = bad > 0 && bad == hdr; /* the TBSCertificate's own header */

        if (bad > hdr && hdr > 0 &&
            der_tlv(der + hdr, total - hdr, &tag, &tbs_hdr, &tbs_total) == DER_OK) {
            in_tbs = bad < hdr + tbs_total;
        }
        *used = ber_used;
        if (in_tbs) {
            snprintf(why, size,
                     "certificate is BER, not DER (length at byte %zu, inside the signed "
                     "TBSCertificate): the JVM refuses it, and re-encoding it would break its "
                     "signature; ask its issuer for a DER-encoded certificate",
                     bad + 1);
        } else {
            snprintf(why, size,
                     "certificate is BER, not DER (length at byte %zu): the JVM reads DER; "
                     "re-encode it with 'openssl x509 -in FILE -outform DER -out FILE.der'",
                     bad + 1);
        }
        return why;
    }
    if (f != DER_OK || tag != 0x30 || !der_cert_shape(der, total)) {
        return "not a valid X.509 certificate";
    }
    if (full && (!x509_parses(der, total, &ber_used) || ber_used != total)) {
        return "not a valid X.509 certificate";
    }
    return NULL;
}

static int list_reserve(ts_cert_list *l, size_t extra)
{
    void *items = l->items;
    int rc = ts_grow(&items, &l->cap, l->count, extra, sizeof(ts_cert));

    l->items = items;
    return rc;
}

/* Appends a copy of der without checking it is a certificate. */
static int list_push_unchecked(ts_cert_list *l, const unsigned char *der, size_t len)
{
    ts_cert *c;

    if (list_reserve(l, 1) != 0) {
        return -1;
    }
    c = &l->items[l->count];
    c->der = malloc(len);
    if (c->der == NULL) {
        return -1;
    }
    memcpy(c->der, der, len);
    c->der_len = len;
    if (ts_sha256(der, len, c->sha256) != 0) {
        free(c->der);
        c->der = NULL;
        return -1;
    }
    l->count++;
    return 0;
}

/*
 * Appends cert, a certificate of the bundle der[0..len) as OpenSSL re-encoded
 * it, when cert_check takes it; NULL, or why not in why[size].  i2d_X509
 * writes back the bytes d2i_X509 read when they were DER (OpenSSL keeps the
 * TBSCertificate's as they came): not finding them in the bundle means the
 * bundle holds the certificate in BER.
 */
static const char *list_push_bundled(ts_cert_list *l, const ts_der *cert, const unsigned char *der,
                                     size_t len, char *why, size_t size)
{
    const char *no = NULL;
    size_t used = 0;

    no = cert_check(cert->p, cert->len, false, &used, why, size);
    if (no == NULL && memmem(der, len, cert->p, cert->len) == NULL) {
        no = "certificate is BER, not DER: the JVM reads DER; re-encode the bundle with "
             "'openssl pkcs7 -in FILE -print_certs -out FILE.pem'";
    }
    if (no == NULL && list_push_unchecked(l, cert->p, cert->len) != 0) {
        no = "out of memory";
    }
    return no;
}

/*
 * Appends every certificate of a DER PKCS#7 SignedData; the number appended,
 * -1 (*why), or -2 when libcrypto is not there (*why says why).  *consumed is
 * set once the structure parsed.
 */
static int push_pkcs7(ts_cert_list *l, const unsigned char *der, size_t len, size_t *consumed,
                      const char **why, char *buf, size_t size)
{
    ts_error e;
    const ts_crypto *crypto = ts_crypto_get(&e);
    ts_der *certs = NULL;
    size_t n_certs = 0;
    int n = 0;

    if (crypto == NULL) {
        snprintf(buf, size, "%s", e.what);
        *why = buf;
        return -2;
    }
    if (crypto->pkcs7_certs(der, len, consumed, &certs, &n_certs, why) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n_certs; i++) {
        char no[400];
        const char *w = n < 0 ? NULL : list_push_bundled(l, &certs[i], der, len, no, sizeof(no));

        if (w != NULL) {
            snprintf(buf, size, "certificate %zu of the PKCS#7 structure: %s", i + 1, w);
            *why = buf;
            n = -1;
        } else if (n >= 0) {
            n++;
        }
        free(certs[i].p);
    }
    free(certs);
    return n;
}

static bool pem_name_is_x509(const ts_pem_block *b)
{
    return ts_pem_name_is(b, "CERTIFICATE") || ts_pem_name_is(b, "X509 CERTIFICATE") ||
           ts_pem_name_is(b, "TRUSTED CERTIFICATE");
}

static bool pem_name_is_pkcs7(const ts_pem_block *b)
{
    return ts_pem_name_is(b, "PKCS7") || ts_pem_name_is(b, "PKCS #7 SIGNED DATA") ||
           ts_pem_name_is(b, "CERTIFICATE CHAIN");
}

/* One PEM block's payload into l; where names the block. */
static int pem_block(ts_cert_list *l, const ts_pem_block *b, bool full, const char *where,
                     ts_error *err)
{
    const unsigned char *data = b->data;
    size_t len = b->data_len;

    if (pem_name_is_x509(b)) {
        /* "TRUSTED CERTIFICATE" is the certificate followed by OpenSSL's trust
         * settings: the certificate is the leading SEQUENCE only. */
        size_t used = 0;
        char buf[400];
        const char *why = cert_check(data, len, full, &used, buf, sizeof(buf));

        if (why == buf) {
            return ts_error_set(err, where, "%s", why);
        }
        if (why != NULL) {
            return ts_error_set(err, where, "%.*s block does not hold a valid X.509 certificate",
                                (int)b->name_len, b->name);
        }
        if (used != len && !ts_pem_name_is(b, "TRUSTED CERTIFICATE")) {
            return ts_error_set(err, where, "%zu unexpected bytes after the certificate",
                                len - used);
        }
        if (list_push_unchecked(l, data, used) != 0) {
            return ts_error_set(err, where, "out of memory");
        }
        return 0;
    }
    if (pem_name_is_pkcs7(b)) {
        const char *why = NULL;
        char buf[512];
        size_t used = 0;

        if (push_pkcs7(l, data, len, &used, &why, buf, sizeof(buf)) < 0) {
            return ts_error_set(err, where, "%s", why);
        }
        if (used != len) {
            return ts_error_set(err, where, "%zu unexpected bytes after the PKCS#7 structure",
                                len - used);
        }
        return 0;
    }
    /* Keys and other blocks may share a file with certificates: not ours. */
    return 0;
}

static int parse_pem(const unsigned char *buf, size_t len, bool full, ts_cert_list *l,
                     ts_error *err)
{
    size_t pos = 0, block = 0;
    char where[32];

    for (;;) {
        ts_pem_block b;
        const char *why = NULL;
        ts_pem_result r = ts_pem_next(buf, len, &pos, &b, &why);
        int rc;

        if (r == TS_PEM_NONE) {
            break;
        }
        snprintf(where, sizeof(where), "PEM block %zu", ++block);
        if (r == TS_PEM_MALFORMED) {
            return ts_error_set(err, where, "malformed PEM block: %s", why);
        }
        rc = pem_block(l, &b, full, where, err);
        free(b.data);
        if (rc != 0) {
            return rc;
        }
    }
    if (block == 0) {
        return ts_error_set(err, "", "no PEM block found");
    }
    return 0;
}

static int parse_der(const unsigned char *buf, size_t len, bool full, ts_cert_list *l,
                     ts_error *err)
{
    size_t used = 0;
    char no[512];
    const char *why = cert_check(buf, len, full, &used, no, sizeof(no));
    char where[48];
    int rc;

    if (why == no) { /* a certificate, in BER */
        return ts_error_set(err, "offset 0", "%s", why);
    }
    if (why == NULL) {
        if (used != len) {
            snprintf(where, sizeof(where), "offset %zu", used);
            return ts_error_set(err, where, "unexpected data after the DER certificate");
        }
        if (list_push_unchecked(l, buf, len) != 0) {
            return ts_error_set(err, "", "out of memory");
        }
        return 0;
    }
    used = 0;
    rc = push_pkcs7(l, buf, len, &used, &why, no, sizeof(no));
    if (rc == -2) { /* not a certificate, and nothing here can tell whether it is PKCS#7 */
        return ts_error_set(err, "offset 0", "not a DER X.509 certificate; %s", why);
    }
    if (rc >= 0) {
        if (used != len) {
            snprintf(where, sizeof(where), "offset %zu", used);
            return ts_error_set(err, where, "unexpected data after the PKCS#7 structure");
        }
        return 0;
    }
    if (used > 0) { /* it was PKCS#7, just not a useful one */
        return ts_error_set(err, "offset 0", "%s", why);
    }
    return ts_error_set(err, "offset 0",
                        "expected a PEM certificate, a DER X.509 certificate or DER PKCS#7");
}

static bool looks_like_pem(const unsigned char *buf, size_t len)
{
    static const char tag[] = "-----BEGIN ";
    const size_t n = sizeof(tag) - 1;

    for (size_t i = 0; i + n <= len; i++) {
        if (buf[i] == '-' && memcmp(buf + i, tag, n) == 0) {
            return true;
        }
    }
    return false;
}

static int certs_parse(const unsigned char *buf, size_t len, bool full, ts_cert_list *out,
                       ts_error *err)
{
    ts_cert_list tmp = {0};
    int rc;

    if (buf == NULL || len == 0) {
        return ts_error_set(err, "", "empty input: expected PEM, DER or PKCS#7 certificates");
    }
    if (len > CERT_MAX_INPUT) {
        return ts_error_set(err, "", "input too large (%zu bytes)", len);
    }
    if (buf[0] == 0x30 || !looks_like_pem(buf, len)) {
        rc = parse_der(buf, len, full, &tmp, err);
        if (rc != 0 && buf[0] == 0x30 && looks_like_pem(buf, len)) {
            ts_error_clear(err);
            ts_cert_list_free(&tmp);
            rc = parse_pem(buf, len, full, &tmp, err);
        }
    } else {
        rc = parse_pem(buf, len, full, &tmp, err);
    }
    if (rc == 0 && tmp.count == 0) {
        rc = ts_error_set(err, "", "no certificate found");
    }
    if (rc == 0 && list_reserve(out, tmp.count) != 0) {
        rc = ts_error_set(err, "", "out of memory");
    }
    if (rc != 0) {
        ts_cert_list_free(&tmp);
        return -1;
    }
    /* Ownership of the DER buffers moves to out. */
    memcpy(out->items + out->count, tmp.items, tmp.count * sizeof(ts_cert));
    out->count += tmp.count;
    free(tmp.items);
    return 0;
}

int ts_certs_parse(const unsigned char *buf, size_t len, ts_cert_list *out, ts_error *err)
{
    return certs_parse(buf, len, true, out, err);
}

int ts_certs_parse_pinned(const unsigned char *buf, size_t len, ts_cert_list *out, ts_error *err)
{
    return certs_parse(buf, len, false, out, err);
}

int ts_cert_check_der(const unsigned char *der, size_t len, ts_error *err)
{
    size_t used = 0;
    char buf[400];
    const char *why =
        der == NULL ? "no certificate" : cert_check(der, len, true, &used, buf, sizeof(buf));

    if (why == NULL && used != len) {
        why = "unexpected data after the certificate";
    }
    if (why != NULL) {
        return ts_error_set(err, "", "%s", why);
    }
    return 0;
}

int ts_cert_list_push_der(ts_cert_list *l, const unsigned char *der, size_t len, ts_error *err)
{
    if (ts_cert_check_der(der, len, err) != 0) {
        return -1;
    }
    if (list_push_unchecked(l, der, len) != 0) {
        return ts_error_set(err, "", "out of memory");
    }
    return 0;
}

void ts_cert_free(ts_cert *c)
{
    if (c != NULL) {
        free(c->der);
        c->der = NULL;
        c->der_len = 0;
    }
}

void ts_cert_list_free(ts_cert_list *l)
{
    if (l == NULL) {
        return;
    }
    for (size_t i = 0; i < l->count; i++) {
        ts_cert_free(&l->items[i]);
    }
    free(l->items);
    l->items = NULL;
    l->count = 0;
    l->cap = 0;
}

int ts_cert_copy(ts_cert *dst, const ts_cert *src)
{
    unsigned char *der = malloc(src->der_len > 0 ? src->der_len : 1);

    if (der == NULL) {
        return -1;
    }
    if (src->der_len > 0) {
        memcpy(der, src->der, src->der_len);
    }
    dst->der = der;
    dst->der_len = src->der_len;
    memcpy(dst->sha256, src->sha256, TS_SHA256_LEN);
    return 0;
}

void ts_sha256_to_hex(const unsigned char sha[TS_SHA256_LEN], char out[TS_SHA256_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < TS_SHA256_LEN; i++) {
        out[2 * i] = digits[sha[i] >> 4];
        out[2 * i + 1] = digits[sha[i] & 0x0f];
    }
    out[TS_SHA256_HEX_LEN] = '\0';
}

int ts_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

const char *ts_sha256_parse_hex(const char *s, unsigned char sha[TS_SHA256_LEN], char *buf,
                                size_t size)
{
    unsigned char tmp[TS_SHA256_LEN];
    size_t len, digits = 0;
    bool colons;

    if (s == NULL) {
        return "missing";
    }
    /* First what a person most likely got wrong: a stray character, a digit too few. */
    len = strlen(s);
    colons = len == TS_SHA256_HEX_LEN + TS_SHA256_LEN - 1;
    for (size_t i = 0; i < len; i++) {
        if (ts_hex_digit((unsigned char)s[i]) >= 0) {
            digits++;
        } else if (s[i] != ':') {
            unsigned char c = (unsigned char)s[i];
            if (c >= 0x20 && c < 0x7f) {
                snprintf(buf, size, "invalid character '%c' at position %zu", c, i + 1);
            } else {
                snprintf(buf, size, "invalid byte 0x%02x at position %zu", c, i + 1);
            }
            return buf;
        }
    }
    if (digits != TS_SHA256_HEX_LEN) {
        snprintf(buf, size, "got %zu hexadecimal digits", digits);
        return buf;
    }
    if (len != TS_SHA256_HEX_LEN && !colons) {
        return "':' goes between every two digits, or nowhere";
    }
    /* Then the layout: pairs, separated by single colons in keytool's form. */
    for (size_t i = 0, o = 0; o < TS_SHA256_LEN; o++) {
        if (colons && o > 0) {
            if (s[i] != ':') {
                snprintf(buf, size, "expected ':' at position %zu", i + 1);
                return buf;
            }
            i++;
        }
        int hi = ts_hex_digit((unsigned char)s[i]), lo = ts_hex_digit((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) {
            snprintf(buf, size, "misplaced ':' at position %zu", i + (hi < 0 ? 1 : 2));
            return buf;
        }
        tmp[o] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    memcpy(sha, tmp, TS_SHA256_LEN);
    return NULL;
}

int ts_sha256_from_hex(const char *s, unsigned char sha[TS_SHA256_LEN])
{
    char why[64];

    return ts_sha256_parse_hex(s, sha, why, sizeof(why)) == NULL ? 0 : -1;
}

char *ts_cert_to_pem(const ts_cert *c)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----\n";
    static const char end[] = "-----END CERTIFICATE-----\n";
    size_t lines, size, pos;
    char *out;

    if (c == NULL || c->der == NULL || c->der_len == 0 || c->der_len > CERT_MAX_INPUT) {
        return NULL;
    }
    /* 48 bytes of DER make one 64-character line. */
    lines = (c->der_len + 47) / 48;
    size = sizeof(begin) - 1 + lines * 65 + sizeof(end);
    out = malloc(size);
    if (out == NULL) {
        return NULL;
    }
    memcpy(out, begin, sizeof(begin) - 1);
    pos = sizeof(begin) - 1;
    for (size_t off = 0; off < c->der_len; off += 48) {
        size_t n = c->der_len - off < 48 ? c->der_len - off : 48;
        pos += ts_base64_encode(c->der + off, n, out + pos);
        out[pos++] = '\n';
    }
    memcpy(out + pos, end, sizeof(end));
    return out;
}

int ts_cert_describe(const ts_cert *c, ts_cert_info *info, ts_error *err)
{
    const ts_crypto *crypto;

    memset(info, 0, sizeof(*info));
    if (c == NULL || c->der == NULL || c->der_len == 0 || c->der_len > CERT_MAX_INPUT) {
        return ts_error_set(err, "", "no certificate");
    }
    crypto = ts_crypto_get(err);
    return crypto != NULL ? crypto->cert_describe(c, info, err) : -1;
}

/* ------------------------------------------------------ the certificate's own name */

/* The next DER element of [*off, len) of buf: its tag and contents. */
static bool der_next_el(const unsigned char *buf, size_t len, size_t *off, unsigned char *tag,
                        const unsigned char **content, size_t *clen)
{
    size_t hdr = 0, total = 0;

    if (*off >= len || der_tlv(buf + *off, len - *off, tag, &hdr, &total) != DER_OK) {
        return false;
    }
    *content = buf + *off + hdr;
    *clen = total - hdr;
    *off += total;
    return true;
}

static size_t utf8_put(unsigned long v, char *out)
{
    if (v < 0x80) {
        out[0] = (char)v;
        return 1;
    }
    if (v < 0x800) {
        out[0] = (char)(0xc0 | v >> 6);
        out[1] = (char)(0x80 | (v & 0x3f));
        return 2;
    }
    if (v < 0x10000) {
        out[0] = (char)(0xe0 | v >> 12);
        out[1] = (char)(0x80 | (v >> 6 & 0x3f));
        out[2] = (char)(0x80 | (v & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | v >> 18);
    out[1] = (char)(0x80 | (v >> 12 & 0x3f));
    out[2] = (char)(0x80 | (v >> 6 & 0x3f));
    out[3] = (char)(0x80 | (v & 0x3f));
    return 4;
}

static bool unicode_valid(unsigned long v)
{
    return v <= 0x10ffff && (v < 0xd800 || v > 0xdfff);
}

/* One strict UTF-8 character at p[0..n): its value and length, or 0. */
static size_t utf8_get(const unsigned char *p, size_t n, unsigned long *v)
{
    size_t len = p[0] < 0x80             ? 1
                 : (p[0] & 0xe0) == 0xc0 ? 2
                 : (p[0] & 0xf0) == 0xe0 ? 3
                 : (p[0] & 0xf8) == 0xf0 ? 4
                                         : 0;
    static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};

    if (len == 0 || len > n) {
        return 0;
    }
    *v = len == 1 ? p[0] : p[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        *v = *v << 6 | (p[i] & 0x3fu);
    }
    return *v >= min[len] && unicode_valid(*v) ? len : 0;
}

/*
 * A directory string as UTF-8 into out[size], as OpenSSL's ASN1_STRING_to_UTF8
 * converts it (UTF8String checked, BMPString and UniversalString decoded, the
 * one-byte types taken as Latin-1; any other type, or an invalid character:
 * "") and then printed with "%.*s" (a NUL ends it).
 */
static void string_utf8(unsigned char tag, const unsigned char *p, size_t n, char *out, size_t size)
{
    size_t o = 0, step;

    out[0] = '\0';
    switch (tag) {
    case 0x0c: /* UTF8String */
        step = 0;
        break;
    case 0x12: /* NumericString, PrintableString, T61String, IA5String: what a name may hold */
    case 0x13:
    case 0x14:
    case 0x16:
        step = 1;
        break;
    case 0x1e: /* BMPString */
        step = 2;
        break;
    case 0x1c: /* UniversalString */
        step = 4;
        break;
    default:
        return;
    }
    if (step > 1 && n % step != 0) {
        return;
    }
    for (size_t i = 0; i < n;) {
        unsigned long v = 0;
        char enc[4];
        size_t k;

        if (step == 0) {
            k = utf8_get(p + i, n - i, &v);
            if (k == 0) {
                out[0] = '\0';
                return;
            }
            i += k;
        } else {
            for (size_t j = 0; j < step; j++) {
                v = v << 8 | p[i + j];
            }
            i += step;
            if (!unicode_valid(v)) {
                out[0] = '\0';
                return;
            }
        }
        k = utf8_put(v, enc);
        if (v == 0 || o + k >= size) {
            /* "%.*s" stops at a NUL; snprintf cuts at size - 1, even inside a character */
            for (size_t j = 0; j < k && o + 1 < size && v != 0; j++) {
                out[o++] = enc[j];
            }
            break;
        }
        memcpy(out + o, enc, k);
        o += k;
    }
    out[o] = '\0';
}

/* The subject's first commonName (2.5.4.3), as string_utf8 gives it. */
static void subject_cn(const unsigned char *name, size_t len, char *out, size_t size)
{
    static const unsigned char oid_cn[] = {0x55, 0x04, 0x03};
    size_t off = 0;
    unsigned char tag;
    const unsigned char *set;
    size_t set_len;

    out[0] = '\0';
    while (der_next_el(name, len, &off, &tag, &set, &set_len)) {
        size_t o = 0;
        const unsigned char *atv;
        size_t atv_len;

        while (tag == 0x31 && der_next_el(set, set_len, &o, &tag, &atv, &atv_len)) {
            size_t a = 0;
            unsigned char t1, t2;
            const unsigned char *oid, *val;
            size_t oid_len, val_len;

            if (tag == 0x30 && der_next_el(atv, atv_len, &a, &t1, &oid, &oid_len) && t1 == 0x06 &&
                oid_len == sizeof(oid_cn) && memcmp(oid, oid_cn, sizeof(oid_cn)) == 0 &&
                der_next_el(atv, atv_len, &a, &t2, &val, &val_len)) {
                string_utf8(t2, val, val_len, out, size);
                return;
            }
            tag = 0x31;
        }
    }
}

/* The first DNS name or IP address of the one subjectAltName extension, as text; a name with a
 * control character is passed over. */
static void first_san(const unsigned char *exts, size_t len, char *out, size_t size)
{
    static const unsigned char oid_san[] = {0x55, 0x1d, 0x11};
    const unsigned char *san = NULL, *ext, *names;
    size_t san_len = 0, off = 0, ext_len, names_len;
    unsigned char tag;

    out[0] = '\0';
    while (der_next_el(exts, len, &off, &tag, &ext, &ext_len)) {
        size_t e = 0;
        unsigned char t;
        const unsigned char *oid, *v;
        size_t oid_len, v_len;

        if (tag != 0x30 || !der_next_el(ext, ext_len, &e, &t, &oid, &oid_len) || t != 0x06) {
            return;
        }
        if (oid_len != sizeof(oid_san) || memcmp(oid, oid_san, sizeof(oid_san)) != 0) {
            continue;
        }
        if (san != NULL) {
            return; /* two of them: OpenSSL takes neither */
        }
        if (der_next_el(ext, ext_len, &e, &t, &v, &v_len) && t == 0x01) {
            (void)der_next_el(ext, ext_len, &e, &t, &v, &v_len); /* critical */
        }
        if (t != 0x04) {
            return;
        }
        san = v;
        san_len = v_len;
    }
    off = 0;
    if (san == NULL || !der_next_el(san, san_len, &off, &tag, &names, &names_len) || tag != 0x30) {
        return;
    }
    /* Every GeneralName one of RFC 5280's choices, or OpenSSL decodes none of them. */
    off = 0;
    while (off < names_len) {
        size_t o = 0;
        unsigned char t;
        const unsigned char *v;
        size_t v_len;

        if (!der_next_el(names, names_len, &off, &tag, &ext, &ext_len)) {
            return;
        }
        switch (tag) {
        case 0x81: /* rfc822Name, dNSName, uniformResourceIdentifier, iPAddress */
        case 0x82:
        case 0x86:
        case 0x87:
        case 0xa3: /* x400Address, ediPartyName */
        case 0xa5:
            break;
        case 0xa0: /* otherName: type-id, [0] value */
            if (!der_next_el(ext, ext_len, &o, &t, &v, &v_len) || t != 0x06 ||
                !der_next_el(ext, ext_len, &o, &t, &v, &v_len) || t != 0xa0 || o != ext_len) {
                return;
            }
            break;
        case 0xa4: /* directoryName: a Name */
            if (!der_next_el(ext, ext_len, &o, &t, &v, &v_len) || t != 0x30 || o != ext_len) {
                return;
            }
            break;
        case 0x88: /* registeredID */
            if (ext_len == 0 || (ext[ext_len - 1] & 0x80) != 0) {
                return;
            }
            break;
        default:
            return;
        }
    }
    off = 0;
    while (out[0] == '\0' && der_next_el(names, names_len, &off, &tag, &ext, &ext_len)) {
        if (tag == 0x82) {
            snprintf(out, size, "%.*s", (int)strnlen((const char *)ext, ext_len), ext);
        } else if (tag == 0x87 && (ext_len == 4 || ext_len == 16)) {
            if (inet_ntop(ext_len == 4 ? AF_INET : AF_INET6, ext, out, (socklen_t)size) == NULL) {
                out[0] = '\0';
            }
        }
        for (const char *p = out; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20) {
                out[0] = '\0';
                break;
            }
        }
    }
}

/*
 * The same answer as OpenSSL's description (crypto_ossl.c), without it: a
 * manifest entry without an alias is named so at every open, and libcrypto
 * would then be loaded for it (and parse every certificate in full: 1.4 s for
 * 10,000 of them).
 */
int ts_cert_own_name(const ts_cert *c, char *out, size_t size)
{
    const unsigned char *cert, *tbs, *el, *subject = NULL, *exts = NULL;
    size_t cert_len, tbs_len, el_len, subject_len = 0, exts_len = 0, off = 0, n = 0;
    unsigned char tag;

    if (out == NULL || size == 0) {
        return -1;
    }
    out[0] = '\0';
    if (c == NULL || c->der == NULL || c->der_len == 0 || c->der_len > CERT_MAX_INPUT ||
        !der_cert_shape(c->der, c->der_len) ||
        !der_next_el(c->der, c->der_len, &off, &tag, &cert, &cert_len)) {
        return -1;
    }
    off = 0;
    if (!der_next_el(cert, cert_len, &off, &tag, &tbs, &tbs_len)) {
        return -1;
    }
    /* [0] version, serial, signature, issuer, validity, subject, key, [1], [2], [3] extensions */
    off = 0;
    while (der_next_el(tbs, tbs_len, &off, &tag, &el, &el_len)) {
        if (tag == 0xa0 && n == 0) {
            continue;
        }
        if (++n == 5) {
            subject = el;
            subject_len = el_len;
        } else if (tag == 0xa3 && n > 6) {
            size_t o = 0;

            if (!der_next_el(el, el_len, &o, &tag, &exts, &exts_len) || tag != 0x30) {
                exts = NULL;
            }
        }
    }
    if (subject == NULL) {
        return -1;
    }
    subject_cn(subject, subject_len, out, size);
    if (out[0] == '\0' && exts != NULL) {
        first_san(exts, exts_len, out, size);
    }
    return 0;
}
