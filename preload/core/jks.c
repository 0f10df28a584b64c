/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JKS, as sun.security.provider.JavaKeyStore reads and writes it (big-endian):
 *   u32 magic FEEDFEED, u32 version (1 or 2), i32 entry count, entries,
 *   20-byte SHA-1(password as UTF-16BE || "Mighty Aphrodite" || all preceding bytes).
 * Entry: i32 tag, alias (u16 length + modified UTF-8), i64 creation time (ms),
 *   tag 2 (trusted certificate): [v2: certificate type, u16 + "X.509"] i32 length, DER;
 *   tag 1 (private key): i32 length, EncryptedPrivateKeyInfo, i32 chain length,
 *   then for each certificate [v2: type] i32 length, DER.
 * Every read goes through one bounds-checked cursor.
 */
#include "keystore_internal.h"
#include "sha.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JKS_MAGIC 0xfeedfeedu
#define JCEKS_MAGIC 0xcecececeu
#define JKS_TAG_KEY 1
#define JKS_TAG_CERT 2
#define JKS_TAG_SECRET 3
#define JKS_DIGEST_LEN 20
/* Smallest possible entry: tag, empty alias, time, certificate length. */
#define JKS_MIN_ENTRY (4 + 2 + 8 + 4)

static const char jks_whitener[] = "Mighty Aphrodite";
static const char jks_cert_type[] = "X.509";

typedef struct cursor {
    const unsigned char *buf;
    size_t len;
    size_t pos;
    size_t entry; /* index of the entry being read, for messages */
    ts_error *err;
} cursor;

static size_t cur_left(const cursor *c)
{
    return c->len - c->pos;
}

#define NO_ENTRY SIZE_MAX

/* An error at byte offset at, prefixed with the entry being read. */
__attribute__((format(printf, 3, 4))) static int cur_fail(cursor *c, size_t at, const char *fmt,
                                                          ...)
{
    char where[48];
    char msg[384];
    va_list ap;

    snprintf(where, sizeof(where), "offset %zu", at);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->entry == NO_ENTRY) {
        return ts_error_set(c->err, where, "%s", msg);
    }
    return ts_error_set(c->err, where, "entry %zu: %s", c->entry, msg);
}

/* The next n bytes, or an error naming what was expected there. */
static const unsigned char *cur_take(cursor *c, size_t n, const char *what)
{
    const unsigned char *p;

    if (n > cur_left(c)) {
        cur_fail(c, c->pos, "truncated: expected %s (%zu bytes), %zu left", what, n, cur_left(c));
        return NULL;
    }
    p = c->buf + c->pos;
    c->pos += n;
    return p;
}

static int cur_u16(cursor *c, const char *what, uint16_t *v)
{
    const unsigned char *p = cur_take(c, 2, what);

    if (p == NULL) {
        return -1;
    }
    *v = (uint16_t)((p[0] << 8) | p[1]);
    return 0;
}

static int cur_u32(cursor *c, const char *what, uint32_t *v)
{
    const unsigned char *p = cur_take(c, 4, what);

    if (p == NULL) {
        return -1;
    }
    *v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    return 0;
}

static int cur_i64(cursor *c, const char *what, int64_t *v)
{
    const unsigned char *p = cur_take(c, 8, what);
    uint64_t u = 0;

    if (p == NULL) {
        return -1;
    }
    for (int i = 0; i < 8; i++) {
        u = (u << 8) | p[i];
    }
    memcpy(v, &u, sizeof(*v)); /* two's complement, without an implementation-defined cast */
    return 0;
}

/* An int32 length or count: negative, or more than the bytes left (each item
 * taking at least unit bytes), is an error naming where it was read. */
static int cur_len(cursor *c, const char *what, size_t unit, size_t *out)
{
    size_t at = c->pos;
    uint32_t u;

    if (cur_u32(c, what, &u) != 0) {
        return -1;
    }
    if (u > INT32_MAX) {
        return cur_fail(c, at, "%s is negative (%lld)", what,
                        (long long)u - (long long)UINT32_C(0x100000000));
    }
    if ((size_t)u > cur_left(c) / unit) {
        return cur_fail(c, at, "%s %u is larger than the data left (%zu bytes)", what, u,
                        cur_left(c));
    }
    *out = u;
    return 0;
}

/* A u16-prefixed (modified) UTF-8 string. */
static const unsigned char *cur_utf(cursor *c, const char *what, size_t *n)
{
    uint16_t len;

    if (cur_u16(c, what, &len) != 0) {
        return NULL;
    }
    *n = len;
    return cur_take(c, len, what);
}

/* [v2] "X.509", an int32 length and that many bytes of DER. */
static const unsigned char *read_cert(cursor *c, uint32_t version, size_t *der_len)
{
    if (version == 2) {
        size_t at = c->pos, n = 0;
        const unsigned char *type = cur_utf(c, "certificate type", &n);

        if (type == NULL) {
            return NULL;
        }
        if (n != strlen(jks_cert_type) || memcmp(type, jks_cert_type, n) != 0) {
            cur_fail(c, at, "certificate type \"%.*s\": expected X.509", (int)(n > 32 ? 32 : n),
                     (const char *)type);
            return NULL;
        }
    }
    if (cur_len(c, "certificate length", 1, der_len) != 0) {
        return NULL;
    }
    return cur_take(c, *der_len, "certificate");
}

/* Tag 1: the encrypted key, then the chain; *first is its first certificate (NULL: empty chain). */
static int read_key_entry(cursor *c, uint32_t version, const unsigned char **first,
                          size_t *first_len)
{
    size_t key_len = 0, chain = 0, der_len = 0;

    *first = NULL;
    *first_len = 0;
    if (cur_len(c, "private key length", 1, &key_len) != 0 ||
        cur_take(c, key_len, "private key") == NULL ||
        cur_len(c, "certificate chain length", 4, &chain) != 0) {
        return -1;
    }
    for (size_t i = 0; i < chain; i++) {
        const unsigned char *der = read_cert(c, version, &der_len);

        if (der == NULL) {
            return -1;
        }
        if (i == 0) {
            if (!ts_der_is_sequence(der, der_len)) {
                return cur_fail(c, (size_t)(der - c->buf),
                                "certificate is not a DER SEQUENCE of its stated length");
            }
            *first = der;
            *first_len = der_len;
        }
    }
    return 0;
}

/* Tag 3 (JCEKS): a serialized javax.crypto.SealedObject with no length in front. */
static int read_secret_entry(cursor *c)
{
    size_t n = ts_jserial_object_len(c->buf + c->pos, cur_left(c));

    if (n == 0) {
        return cur_fail(c, c->pos,
                        "secret key: expected one Java-serialized object (AC ED 00 05 ...)");
    }
    c->pos += n;
    return 0;
}

/* password (UTF-8) as Java's char[] in UTF-16BE, as the digest key. */
static int password_utf16be(const char *password, unsigned char **out, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)password;
    size_t n = strlen(password), o = 0;
    unsigned char *buf = malloc(n * 4 + 1);

    if (buf == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t extra;

        if (s[i] < 0x80) {
            cp = s[i];
            extra = 0;
        } else if ((s[i] & 0xe0) == 0xc0) {
            cp = s[i] & 0x1fu;
            extra = 1;
        } else if ((s[i] & 0xf0) == 0xe0) {
            cp = s[i] & 0x0fu;
            extra = 2;
        } else if ((s[i] & 0xf8) == 0xf0) {
            cp = s[i] & 0x07u;
            extra = 3;
        } else {
            free(buf);
            return -1;
        }
        if (extra > n - i - 1) {
            free(buf);
            return -1;
        }
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                free(buf);
                return -1;
            }
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        i += extra + 1;
        if (cp > 0x10ffff) {
            free(buf);
            return -1;
        }
        if (cp >= 0x10000) {
            uint32_t v = cp - 0x10000;
            uint32_t hi = 0xd800 + (v >> 10), lo = 0xdc00 + (v & 0x3ff);

            buf[o++] = (unsigned char)(hi >> 8);
            buf[o++] = (unsigned char)hi;
            buf[o++] = (unsigned char)(lo >> 8);
            buf[o++] = (unsigned char)lo;
        } else {
            buf[o++] = (unsigned char)(cp >> 8);
            buf[o++] = (unsigned char)cp;
        }
    }
    *out = buf;
    *out_len = o;
    return 0;
}

int ts_jks_digest(const char *password, const unsigned char *data, size_t len,
                  unsigned char md[JKS_DIGEST_LEN])
{
    unsigned char *key = NULL;
    size_t key_len = 0;
    int rc;

    if (password_utf16be(password, &key, &key_len) != 0) {
        return -1;
    }
    {
        ts_sha1_ctx c;

        ts_sha1_init(&c);
        ts_sha1_update(&c, key, key_len);
        ts_sha1_update(&c, jks_whitener, strlen(jks_whitener));
        ts_sha1_update(&c, data, len);
        ts_sha1_final(&c, md);
        rc = 0;
    }
    explicit_bzero(key, key_len);
    free(key);
    return rc;
}

/* In constant time, as CRYPTO_memcmp did: the digest depends on the password. */
static bool digest_equal(const unsigned char *a, const unsigned char *b)
{
    unsigned char d = 0;

    for (size_t i = 0; i < JKS_DIGEST_LEN; i++) {
        d |= a[i] ^ b[i];
    }
    return d == 0;
}

static bool has_ascii_upper(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 'A' && s[i] <= 'Z') {
            return true;
        }
    }
    return false;
}

static int read_entry(cursor *c, uint32_t version, bool jceks, ts_jks_entry *e)
{
    size_t tag_at = c->pos, alias_len = 0;
    uint32_t tag;
    const unsigned char *alias;

    memset(e, 0, sizeof(*e));
    e->start = tag_at;
    if (cur_u32(c, "entry tag", &tag) != 0) {
        return -1;
    }
    if (tag == JKS_TAG_SECRET && !jceks) {
        return cur_fail(c, tag_at,
                        "secret-key entry (tag 3) in a JKS keystore: expected tag 1 or 2 "
                        "(only JCEKS holds secret keys)");
    }
    if (tag != JKS_TAG_KEY && tag != JKS_TAG_CERT && tag != JKS_TAG_SECRET) {
        return cur_fail(c, tag_at, "unknown entry tag %u: expected %s", tag,
                        jceks ? "1, 2 or 3" : "1 or 2");
    }
    alias = cur_utf(c, "alias", &alias_len);
    if (alias == NULL || cur_i64(c, "creation time", &e->created_ms) != 0) {
        return -1;
    }
    if (memchr(alias, 0, alias_len) != NULL) {
        return cur_fail(c, tag_at + 4, "alias contains a NUL byte");
    }
    e->tag = tag;
    e->alias = alias;
    e->alias_len = alias_len;
    if (tag == JKS_TAG_KEY) {
        if (read_key_entry(c, version, &e->der, &e->der_len) != 0) {
            return -1;
        }
    } else if (tag == JKS_TAG_SECRET) {
        if (read_secret_entry(c) != 0) {
            return -1;
        }
    } else {
        e->der = read_cert(c, version, &e->der_len);
        if (e->der == NULL) {
            return -1;
        }
        if (!ts_der_is_sequence(e->der, e->der_len)) {
            return cur_fail(c, (size_t)(e->der - c->buf),
                            "certificate is not a DER SEQUENCE of its stated length");
        }
    }
    e->end = c->pos;
    return 0;
}

void ts_jks_file_free(ts_jks_file *f)
{
    if (f != NULL) {
        free(f->entries);
        memset(f, 0, sizeof(*f));
    }
}

int ts_jks_scan(const unsigned char *buf, size_t len, const char *password, ts_jks_file *f,
                ts_error *err)
{
    cursor c = {buf, len, 0, NO_ENTRY, err};
    uint32_t magic, version;
    size_t count = 0;
    const unsigned char *digest;
    unsigned char md[JKS_DIGEST_LEN];

    memset(f, 0, sizeof(*f));
    if (cur_u32(&c, "magic", &magic) != 0) {
        return -1;
    }
    if (magic != JKS_MAGIC && magic != JCEKS_MAGIC) {
        return ts_error_set(err, "offset 0",
                            "not a JKS or JCEKS keystore: expected magic FEEDFEED or CECECECE");
    }
    f->jceks = magic == JCEKS_MAGIC;
    if (cur_u32(&c, "version", &version) != 0) {
        return -1;
    }
    if ((version != 1 || f->jceks) && version != 2) {
        return cur_fail(&c, 4, "unsupported %s version %u: expected %s", f->jceks ? "JCEKS" : "JKS",
                        version, f->jceks ? "2" : "1 or 2");
    }
    f->version = version;
    if (cur_len(&c, "entry count", JKS_MIN_ENTRY, &count) != 0) {
        return -1;
    }
    f->entries = calloc(count > 0 ? count : 1, sizeof(*f->entries));
    if (f->entries == NULL) {
        return ts_error_set(err, "", "out of memory");
    }
    for (c.entry = 0; c.entry < count; c.entry++) {
        if (read_entry(&c, version, f->jceks, &f->entries[c.entry]) != 0) {
            ts_jks_file_free(f);
            return -1;
        }
        f->count++;
    }
    c.entry = NO_ENTRY;
    f->body_len = c.pos;
    digest = cur_take(&c, JKS_DIGEST_LEN, "the SHA-1 integrity digest");
    if (digest == NULL) {
        ts_jks_file_free(f);
        return -1;
    }
    /* Bytes after the digest are never read by the JDK (JavaKeyStore and JceKeyStore stop
     * there): they are ignored here too, and not served. */
    if (password != NULL) {
        if (ts_jks_digest(password, buf, f->body_len, md) != 0) {
            ts_jks_file_free(f);
            return ts_error_set(err, "",
                                "cannot compute the integrity digest (is the password "
                                "valid UTF-8?)");
        }
        if (!digest_equal(md, digest)) {
            char where[48];

            snprintf(where, sizeof(where), "offset %zu", f->body_len);
            ts_error_set(err, where, "keystore digest mismatch: wrong password or tampered file");
            ts_jks_file_free(f);
            return -2;
        }
    }
    return 0;
}

int ts_jks_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                  ts_error *err)
{
    ts_jks_file f;

    if (ts_jks_scan(buf, len, password, &f, err) != 0) {
        return -1;
    }
    for (size_t i = 0; i < f.count; i++) {
        const ts_jks_entry *e = &f.entries[i];

        if (e->der == NULL) {
            out->skipped++; /* a secret key, or a private key without a chain */
            continue;
        }
        if (has_ascii_upper(e->alias, e->alias_len)) {
            /* The JVM stores the alias as written but looks it up lowercased:
             * such an entry is listed yet never trusted.  Keep it that way. */
            out->skipped++;
            continue;
        }
        if (ts_ks_push(out, (const char *)e->alias, e->alias_len, e->created_ms, e->der,
                       e->der_len) != 0) {
            ts_jks_file_free(&f);
            return ts_error_set(err, "", "out of memory");
        }
        out->items[out->count - 1].key_entry = e->tag == JKS_TAG_KEY;
    }
    ts_jks_file_free(&f);
    return 0;
}

/* A writer into a buffer sized in advance; the checks guard the arithmetic. */
typedef struct writer {
    unsigned char *buf;
    size_t cap;
    size_t pos;
} writer;

static void put(writer *w, const void *p, size_t n)
{
    if (n <= w->cap - w->pos) {
        memcpy(w->buf + w->pos, p, n);
        w->pos += n;
    } else {
        w->pos = w->cap + 1; /* marks the overflow, checked once at the end */
        w->cap = 0;
    }
}

static void put_u16(writer *w, uint16_t v)
{
    unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};

    put(w, b, sizeof(b));
}

static void put_u32(writer *w, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    put(w, b, sizeof(b));
}

static void put_i64(writer *w, int64_t v)
{
    uint64_t u;
    unsigned char b[8];

    memcpy(&u, &v, sizeof(u));
    for (int i = 7; i >= 0; i--) {
        b[i] = (unsigned char)u;
        u >>= 8;
    }
    put(w, b, sizeof(b));
}

int ts_jks_encode(const ts_keystore *ks, bool jceks, const char *password, unsigned char **out,
                  size_t *out_len, ts_error *err)
{
    const size_t type_len = strlen(jks_cert_type);
    size_t size = 12 + JKS_DIGEST_LEN;
    writer w;

    if (ks->count > INT32_MAX) {
        return ts_error_set(err, "", "too many entries for JKS (%zu)", ks->count);
    }
    /* The caller checked aliases (<= 255 bytes) and lengths (<= INT32_MAX). */
    for (size_t i = 0; i < ks->count; i++) {
        size_t n = 4 + 2 + strlen(ks->items[i].alias) + 8 + 2 + type_len + 4;

        if (ks->items[i].cert.der_len > SIZE_MAX / 2 - size - n) {
            return ts_error_set(err, "", "keystore too large");
        }
        size += n + ks->items[i].cert.der_len;
    }
    w.buf = malloc(size);
    w.cap = size;
    w.pos = 0;
    if (w.buf == NULL) {
        return ts_error_set(err, "", "out of memory");
    }
    put_u32(&w, jceks ? JCEKS_MAGIC : JKS_MAGIC);
    put_u32(&w, 2);
    put_u32(&w, (uint32_t)ks->count);
    for (size_t i = 0; i < ks->count; i++) {
        const ts_entry *e = &ks->items[i];
        size_t alias_len = strlen(e->alias);

        put_u32(&w, JKS_TAG_CERT);
        put_u16(&w, (uint16_t)alias_len);
        put(&w, e->alias, alias_len);
        put_i64(&w, e->created_ms);
        put_u16(&w, (uint16_t)type_len);
        put(&w, jks_cert_type, type_len);
        put_u32(&w, (uint32_t)e->cert.der_len);
        put(&w, e->cert.der, e->cert.der_len);
    }
    if (w.pos != size - JKS_DIGEST_LEN ||
        ts_jks_digest(password, w.buf, w.pos, w.buf + w.pos) != 0) {
        free(w.buf);
        return ts_error_set(err, "", "cannot encode JKS (is the password valid UTF-8?)");
    }
    *out = w.buf;
    *out_len = size;
    return 0;
}

/* One trusted-certificate entry in the file's version. */
static void put_trusted(writer *w, uint32_t version, const ts_entry *e)
{
    const size_t type_len = strlen(jks_cert_type);
    size_t alias_len = strlen(e->alias);

    put_u32(w, JKS_TAG_CERT);
    put_u16(w, (uint16_t)alias_len);
    put(w, e->alias, alias_len);
    put_i64(w, e->created_ms);
    if (version == 2) {
        put_u16(w, (uint16_t)type_len);
        put(w, jks_cert_type, type_len);
    }
    put_u32(w, (uint32_t)e->cert.der_len);
    put(w, e->cert.der, e->cert.der_len);
}

int ts_jks_edit(const unsigned char *buf, const ts_jks_file *f, const bool *drop,
                const ts_keystore *add, const char *password, unsigned char **out, size_t *out_len,
                ts_error *err)
{
    size_t size = 12 + JKS_DIGEST_LEN, count = 0;
    writer w;

    for (size_t i = 0; i < f->count; i++) {
        if (!drop[i]) {
            size += f->entries[i].end - f->entries[i].start;
            count++;
        }
    }
    for (size_t i = 0; add != NULL && i < add->count; i++) {
        const ts_entry *e = &add->items[i];
        size_t n = 4 + 2 + strlen(e->alias) + 8 + 2 + strlen(jks_cert_type) + 4;

        if (e->cert.der_len > INT32_MAX || e->cert.der_len > SIZE_MAX / 2 - size - n ||
            strlen(e->alias) > UINT16_MAX) {
            return ts_error_set(err, "", "keystore too large");
        }
        size += n + e->cert.der_len;
        count++;
    }
    if (count > INT32_MAX) {
        return ts_error_set(err, "", "too many entries (%zu)", count);
    }
    w.buf = malloc(size);
    w.cap = size;
    w.pos = 0;
    if (w.buf == NULL) {
        return ts_error_set(err, "", "out of memory");
    }
    put_u32(&w, f->jceks ? JCEKS_MAGIC : JKS_MAGIC);
    put_u32(&w, f->version);
    put_u32(&w, (uint32_t)count);
    for (size_t i = 0; i < f->count; i++) {
        if (!drop[i]) {
            /* Kept as it was, byte for byte: keys stay recoverable with their own password. */
            put(&w, buf + f->entries[i].start, f->entries[i].end - f->entries[i].start);
        }
    }
    for (size_t i = 0; add != NULL && i < add->count; i++) {
        put_trusted(&w, f->version, &add->items[i]);
    }
    if (w.pos > size - JKS_DIGEST_LEN ||
        ts_jks_digest(password, w.buf, w.pos, w.buf + w.pos) != 0) {
        free(w.buf);
        return ts_error_set(err, "", "cannot encode (is the password valid UTF-8?)");
    }
    *out = w.buf;
    *out_len = w.pos + JKS_DIGEST_LEN;
    return 0;
}
