/* SPDX-License-Identifier: Apache-2.0 */
/* Keystores: detection, aliases, JKS and PKCS12 decode/encode, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "keystore.h"
#include "ks_test_util.h"
#include "store.h"

#define N_CERTS 3

typedef struct fixture {
    unsigned char *der[N_CERTS];
    size_t len[N_CERTS];
    ts_keystore ks; /* aliases "alpha", "beta", "gamma [jdk]" */
} fixture;

static const char *const aliases[N_CERTS] = {"alpha", "beta", "gamma [jdk]"};

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    for (int i = 0; i < N_CERTS; i++) {
        char cn[32];

        snprintf(cn, sizeof(cn), "Test Root %d", i);
        ks_make_cert(cn, true, &f->der[i], &f->len[i]);
        assert_int_equal(ts_keystore_add(&f->ks, aliases[i], TS_DEFAULT_TIMESTAMP_MS + i, f->der[i],
                                         f->len[i], NULL),
                         0);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    for (int i = 0; i < N_CERTS; i++) {
        free(f->der[i]);
    }
    ts_keystore_free(&f->ks);
    free(f);
    return 0;
}

static void assert_contains(const char *s, const char *part)
{
    if (strstr(s, part) == NULL) {
        fail_msg("\"%s\" does not contain \"%s\"", s, part);
    }
}

static void assert_same_entries(const ts_keystore *a, const ts_keystore *b, bool same_time)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        assert_string_equal(a->items[i].alias, b->items[i].alias);
        assert_int_equal(a->items[i].cert.der_len, b->items[i].cert.der_len);
        assert_memory_equal(a->items[i].cert.der, b->items[i].cert.der, a->items[i].cert.der_len);
        assert_memory_equal(a->items[i].cert.sha256, b->items[i].cert.sha256, TS_SHA256_LEN);
        if (same_time) {
            assert_int_equal(a->items[i].created_ms, b->items[i].created_ms);
        }
    }
}

/* Decoding must fail with an error naming a place, leaving out unchanged. */
static void expect_decode_error(const unsigned char *buf, size_t len, const char *password,
                                const char *what)
{
    ts_keystore out = {0};
    ts_error err;
    unsigned char der[] = {0x30, 0x03, 0x02, 0x01, 0x01};

    assert_int_equal(ts_keystore_add(&out, "sentinel", 0, der, sizeof(der), NULL), 0);
    ts_error_clear(&err);
    if (ts_keystore_decode(buf, len, password, &out, &err) != -1) {
        fail_msg("decoding %zu bytes succeeded", len);
    }
    assert_int_equal(ERR_peek_error(), 0); /* nothing left for the next OpenSSL user */
    assert_int_equal(out.count, 1);
    assert_int_equal(out.skipped, 0);
    assert_true(err.what[0] != '\0');
    if (what != NULL) {
        assert_contains(err.what, what);
    }
    ts_keystore_free(&out);
}

/* ---- small helpers to build keystores byte by byte ---- */

typedef struct bytes {
    unsigned char *p;
    size_t len;
} bytes;

static void b_put(bytes *b, const void *p, size_t n)
{
    ks_append(&b->p, &b->len, p, n);
}

static void b_u16(bytes *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};

    b_put(b, x, 2);
}

static void b_u32(bytes *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    b_put(b, x, 4);
}

static void b_u64(bytes *b, uint64_t v)
{
    b_u32(b, (uint32_t)(v >> 32));
    b_u32(b, (uint32_t)v);
}

static void b_utf(bytes *b, const char *s)
{
    b_u16(b, (unsigned)strlen(s));
    b_put(b, s, strlen(s));
}

/* The JKS digest, computed here independently of jks.c (ASCII password). */
static void b_jks_digest(bytes *b, const char *password)
{
    unsigned char md[20];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    assert_non_null(ctx);
    assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha1(), NULL), 1);
    for (const char *p = password; *p != '\0'; p++) {
        unsigned char u[2] = {0, (unsigned char)*p};

        assert_int_equal(EVP_DigestUpdate(ctx, u, 2), 1);
    }
    assert_int_equal(EVP_DigestUpdate(ctx, "Mighty Aphrodite", 16), 1);
    assert_int_equal(EVP_DigestUpdate(ctx, b->p, b->len), 1);
    assert_int_equal(EVP_DigestFinal_ex(ctx, md, &n), 1);
    EVP_MD_CTX_free(ctx);
    b_put(b, md, sizeof(md));
}

static void b_cert(bytes *b, int version, const unsigned char *der, size_t len)
{
    if (version == 2) {
        b_utf(b, "X.509");
    }
    b_u32(b, (uint32_t)len);
    b_put(b, der, len);
}

/* A JKS with a private-key entry (chain of two) between trusted entries, one
 * of which has an uppercase alias (unreachable in the JVM: skipped). */
static void build_jks_with_key(const fixture *f, int version, bytes *b)
{
    static const unsigned char fake_key[] = {0x30, 0x05, 0x02, 0x03, 0x01, 0x02, 0x03};

    b_u32(b, 0xfeedfeed);
    b_u32(b, (uint32_t)version);
    b_u32(b, 4);
    b_u32(b, 2);
    b_utf(b, "first");
    b_u64(b, 1000);
    b_cert(b, version, f->der[0], f->len[0]);
    b_u32(b, 1);
    b_utf(b, "mykey");
    b_u64(b, 2000);
    b_u32(b, sizeof(fake_key));
    b_put(b, fake_key, sizeof(fake_key));
    b_u32(b, 2);
    b_cert(b, version, f->der[1], f->len[1]);
    b_cert(b, version, f->der[2], f->len[2]);
    b_u32(b, 2);
    b_utf(b, "Third");
    b_u64(b, 3000);
    b_cert(b, version, f->der[2], f->len[2]);
    b_u32(b, 2);
    b_utf(b, "caf\xc3\xa9 root");
    b_u64(b, 4000);
    b_cert(b, version, f->der[1], f->len[1]);
    b_jks_digest(b, "changeit");
}

/* ---- tests ---- */

static void test_detect_and_names(void **state)
{
    ts_format fmt = TS_FORMAT_UNKNOWN;

    (void)state;
    assert_int_equal(ts_keystore_detect((const unsigned char *)"\xfe\xed\xfe\xed\0\0\0\2", 8),
                     TS_FORMAT_JKS);
    assert_int_equal(ts_keystore_detect((const unsigned char *)"\x30\x82\x01\x00", 4),
                     TS_FORMAT_PKCS12);
    assert_int_equal(ts_keystore_detect((const unsigned char *)"\xce\xce\xce\xce", 4),
                     TS_FORMAT_JCEKS);
    assert_string_equal(ts_format_name(TS_FORMAT_JCEKS), "jceks");
    assert_int_equal(ts_keystore_detect((const unsigned char *)"\xfe\xed", 2), TS_FORMAT_UNKNOWN);
    assert_int_equal(ts_keystore_detect(NULL, 0), TS_FORMAT_UNKNOWN);
    assert_string_equal(ts_format_name(TS_FORMAT_JKS), "jks");
    assert_string_equal(ts_format_name(TS_FORMAT_PKCS12), "pkcs12");
    assert_string_equal(ts_format_name(TS_FORMAT_UNKNOWN), "unknown");
    assert_int_equal(ts_format_from_name("JKS", &fmt), 0);
    assert_int_equal(fmt, TS_FORMAT_JKS);
    assert_int_equal(ts_format_from_name("p12", &fmt), 0);
    assert_int_equal(fmt, TS_FORMAT_PKCS12);
    assert_int_equal(ts_format_from_name("PKCS12", &fmt), 0);
    assert_int_equal(fmt, TS_FORMAT_PKCS12);
    assert_int_equal(ts_format_from_name("jceks", &fmt), -1);
    assert_int_equal(ts_format_from_name(NULL, &fmt), -1);
}

/* SOURCE_DATE_EPOCH as the CLI and the preload read it: one parser, digits only. */
static void test_timestamp_from_epoch_string(void **state)
{
    static const char *const bad[] = {
        " 1700000000",
        "1700000000 ",
        "+1700000000",
        "-1",
        "1.5",
        "0x10",
        "1e9",
        "abc",
        "9223372036854776",
        "99999999999999999999999999",
    };
    int64_t ms = 0;
    ts_error err;

    (void)state;
    assert_int_equal(ts_timestamp_from_epoch_string(NULL, &ms, &err), 0);
    assert_int_equal(ms, TS_DEFAULT_TIMESTAMP_MS);
    assert_int_equal(ts_timestamp_from_epoch_string("", &ms, &err), 0);
    assert_int_equal(ms, TS_DEFAULT_TIMESTAMP_MS);
    assert_int_equal(ts_timestamp_from_epoch_string("1700000000", &ms, &err), 0);
    assert_int_equal(ms, INT64_C(1700000000000));
    assert_int_equal(ts_timestamp_from_epoch_string("0", &ms, &err), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(ts_timestamp_from_epoch_string("0001", &ms, &err), 0);
    assert_int_equal(ms, 1000);
    assert_int_equal(ts_timestamp_from_epoch_string("9223372036854775", &ms, &err), 0);
    assert_int_equal(ms, INT64_C(9223372036854775000));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ms = 1;
        ts_error_clear(&err);
        if (ts_timestamp_from_epoch_string(bad[i], &ms, &err) != -1) {
            fail_msg("\"%s\" accepted", bad[i]);
        }
        assert_int_equal(ms, TS_DEFAULT_TIMESTAMP_MS);
        assert_non_null(strstr(err.what, "expected seconds since 1970-01-01 UTC"));
    }
    assert_int_equal(ts_timestamp_from_epoch_string("-1", &ms, NULL), -1);
}

static void test_alias_valid(void **state)
{
    char long_alias[300];

    (void)state;
    assert_true(ts_alias_valid("mail.example.test", false));
    assert_true(ts_alias_valid("debian:isrg_root_x1.pem", false));
    assert_true(ts_alias_valid("a b ~!", false));
    assert_false(ts_alias_valid("", false));
    assert_false(ts_alias_valid(NULL, true));
    assert_false(ts_alias_valid("Mail", false));
    assert_false(ts_alias_valid("tab\there", false));
    assert_false(ts_alias_valid("caf\xc3\xa9", false));
    assert_false(ts_alias_valid("digicert [jdk]", false));
    assert_true(ts_alias_valid("digicert [jdk]", true));
    memset(long_alias, 'a', sizeof(long_alias));
    long_alias[255] = '\0';
    assert_true(ts_alias_valid(long_alias, false));
    long_alias[255] = 'a';
    long_alias[256] = '\0';
    assert_false(ts_alias_valid(long_alias, false));
}

static void check_from_text(const char *text, const char *want)
{
    char out[65];

    ts_alias_from_text(text, out, sizeof(out));
    assert_string_equal(out, want);
    assert_true(ts_alias_valid(out, false));
}

static void test_alias_from_text(void **state)
{
    char text[200], out[65];

    (void)state;
    check_from_text("Mail.Example.TEST", "mail.example.test");
    check_from_text("  Root CA (2021) ", "root-ca-2021");
    check_from_text("a--b__c", "a--b__c");
    check_from_text("x -y", "x-y");
    /* Latin letters spelled in ASCII, not dropped; other characters separate */
    check_from_text("\xc3\x9cn\xc3\xaf"
                    "code Name",
                    "unicode-name");
    check_from_text("Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale", "societe-generale");
    check_from_text("Stra\xc3\x9f"
                    "e \xc5\x92uvre \xc5\x81\xc3\xb3"
                    "d\xc5\xba",
                    "strasse-oeuvre-lodz");
    check_from_text("a\xc3\x97"
                    "b\xe6\x97\xa5\xe6\x9c\xac",
                    "a-b");
    check_from_text("\xc3", "cert"); /* a truncated sequence */
    /* IPv6 literals: their canonical text, which an alias may hold */
    check_from_text("[2001:DB8:0:0::1]", "2001:db8::1");
    check_from_text("::1", "::1");
    check_from_text("10.0.0.1", "10.0.0.1");
    check_from_text("", "cert");
    check_from_text("***", "cert");
    check_from_text(NULL, "cert");
    check_from_text("Foo [jdk]", "foo-jdk");
    memset(text, 'x', sizeof(text));
    text[63] = ' ';
    text[sizeof(text) - 1] = '\0';
    ts_alias_from_text(text, out, sizeof(out));
    assert_int_equal(strlen(out), 63); /* 64 would end in '-': trimmed */
}

static void test_jks_roundtrip(void **state)
{
    fixture *f = *state;
    unsigned char *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    ts_keystore back = {0};
    ts_error err;
    static const unsigned char head[] = {0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, N_CERTS};

    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_JKS, NULL, &a, &a_len, &err), 0);
    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_JKS, "changeit", &b, &b_len, &err), 0);
    assert_int_equal(a_len, b_len); /* NULL is the default password, and same input same bytes */
    assert_memory_equal(a, b, a_len);
    assert_memory_equal(a, head, sizeof(head));
    assert_int_equal(ts_keystore_detect(a, a_len), TS_FORMAT_JKS);

    assert_int_equal(ts_keystore_decode(a, a_len, "changeit", &back, &err), 0);
    assert_same_entries(&f->ks, &back, true);
    assert_int_equal(back.skipped, 0);
    ts_keystore_free(&back);
    assert_int_equal(ts_keystore_decode(a, a_len, NULL, &back, &err), 0);
    assert_same_entries(&f->ks, &back, true);
    ts_keystore_free(&back);
    free(b);

    /* Another password: a different digest, and only that password verifies. */
    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_JKS, "s3cr\xc3\xa9t", &b, &b_len, &err),
                     0);
    assert_memory_equal(a, b, a_len - 20);
    assert_memory_not_equal(a + a_len - 20, b + b_len - 20, 20);
    assert_int_equal(ts_keystore_decode(b, b_len, "s3cr\xc3\xa9t", &back, &err), 0);
    assert_int_equal(back.count, N_CERTS);
    ts_keystore_free(&back);
    expect_decode_error(b, b_len, "changeit",
                        "keystore digest mismatch: wrong password or tampered file");
    free(a);
    free(b);
}

static void test_jks_truncated_everywhere(void **state)
{
    fixture *f = *state;
    unsigned char *buf = NULL;
    size_t len = 0;

    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_JKS, NULL, &buf, &len, NULL), 0);
    for (size_t cut = 0; cut < len; cut++) {
        ts_keystore out = {0};
        ts_error err;
        /* A copy of exactly cut bytes, so that ASan sees any read past it. */
        unsigned char *copy = malloc(cut > 0 ? cut : 1);

        assert_non_null(copy);
        memcpy(copy, buf, cut);
        ts_error_clear(&err);
        if (ts_keystore_decode(copy, cut, NULL, &out, &err) != -1) {
            fail_msg("a JKS truncated to %zu of %zu bytes decoded", cut, len);
        }
        assert_int_equal(out.count, 0);
        assert_null(out.items);
        assert_true(err.what[0] != '\0');
        if (cut > 0) {
            assert_true(strncmp(err.where, "offset ", 7) == 0);
        }
        free(copy);
    }
    free(buf);
}

#define TRAILING "GARBAGEGARBAGE"

/* A copy of buf[0..len) with sizeof(TRAILING) - 1 bytes after it. */
static unsigned char *with_trailing(const unsigned char *buf, size_t len)
{
    unsigned char *more = malloc(len + sizeof(TRAILING) - 1);

    assert_non_null(more);
    memcpy(more, buf, len);
    memcpy(more + len, TRAILING, sizeof(TRAILING) - 1);
    return more;
}

/* Bytes after the digest: the JDK reads the digest and stops, so they change nothing, neither
 * the entries nor the integrity verdict. */
static void test_jks_trailing_bytes_ignored(void **state)
{
    fixture *f = *state;
    unsigned char *buf = NULL, *more;
    size_t len = 0;
    ts_keystore out = {0};
    ts_error err;

    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_JKS, "changeit", &buf, &len, NULL), 0);
    more = with_trailing(buf, len);
    for (size_t extra = 1; extra < sizeof(TRAILING); extra += sizeof(TRAILING) - 2) {
        ts_error_clear(&err);
        assert_int_equal(ts_keystore_decode(more, len + extra, "changeit", &out, &err), 0);
        assert_same_entries(&f->ks, &out, true);
        ts_keystore_free(&out);
        expect_decode_error(more, len + extra, "wrong",
                            "keystore digest mismatch: wrong password or tampered file");
    }
    free(more);
    free(buf);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void test_jks_bad_header_and_lengths(void **state)
{
    fixture *f = *state;
    unsigned char *buf = NULL;
    size_t len = 0;
    /* Offsets in the first entry: tag 12, alias 16 ("alpha": 5), time 23, type 31, length 38. */
    const size_t cert_len_at = 12 + 4 + 2 + 5 + 8 + 2 + 5;
    ts_error err;
    ts_keystore out = {0};

    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_JKS, NULL, &buf, &len, NULL), 0);
    assert_int_equal(buf[cert_len_at + 4], 0x30); /* the layout assumed here */

    buf[0] = 0xfd;
    expect_decode_error(buf, len, NULL, "unknown keystore format");
    buf[0] = 0xfe;
    buf[7] = 3;
    expect_decode_error(buf, len, NULL, "version 3");
    buf[7] = 2;

    put_be32(buf + 8, 0x80000000u);
    expect_decode_error(buf, len, NULL, "negative");
    put_be32(buf + 8, 0x7fffffffu);
    expect_decode_error(buf, len, NULL, "larger than the data");
    put_be32(buf + 8, 4);
    expect_decode_error(buf, len, NULL, "entry 3");
    put_be32(buf + 8, N_CERTS);

    put_be32(buf + cert_len_at, 0xffffffffu);
    ts_error_clear(&err);
    assert_int_equal(ts_keystore_decode(buf, len, NULL, &out, &err), -1);
    assert_string_equal(err.where, "offset 38");
    assert_contains(err.what, "entry 0: certificate length is negative (-1)");
    put_be32(buf + cert_len_at, 0x7fffffffu);
    expect_decode_error(buf, len, NULL, "larger than the data");
    put_be32(buf + cert_len_at, (uint32_t)f->len[0] - 1);
    expect_decode_error(buf, len, NULL, "DER");
    put_be32(buf + cert_len_at, (uint32_t)f->len[0]);

    buf[16] = 0xff; /* alias length 0xff05 */
    expect_decode_error(buf, len, NULL, "truncated");
    buf[16] = 0;
    buf[12 + 3] = 3;
    expect_decode_error(buf, len, NULL, "JCEKS");
    buf[12 + 3] = 7;
    expect_decode_error(buf, len, NULL, "unknown entry tag 7");
    buf[12 + 3] = 2;
    memcpy(buf + 31 + 2, "X.508", 5);
    expect_decode_error(buf, len, NULL, "expected X.509");
    memcpy(buf + 31 + 2, "X.509", 5);

    /* Restored: decodes again. */
    assert_int_equal(ts_keystore_decode(buf, len, "changeit", &out, &err), 0);
    assert_int_equal(out.count, N_CERTS);
    ts_keystore_free(&out);
    free(buf);

    expect_decode_error(NULL, 0, NULL, "empty");
    expect_decode_error((const unsigned char *)"\xce\xce\xce\xce\0\0\0\2", 8, NULL,
                        "truncated: expected entry count");
    expect_decode_error((const unsigned char *)"\xce\xce\xce\xce\0\0\0\1", 8, NULL,
                        "unsupported JCEKS version 1");
    expect_decode_error((const unsigned char *)"hello", 5, NULL, "unknown keystore format");
}

static void test_jks_tampered(void **state)
{
    fixture *f = *state;
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_keystore out = {0};
    ts_error err;

    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_JKS, NULL, &buf, &len, NULL), 0);
    /* The last byte of the last certificate (its signature): framing intact. */
    buf[len - 21] ^= 0x01;
    expect_decode_error(buf, len, "changeit",
                        "keystore digest mismatch: wrong password or tampered file");
    /* Without a password the digest is not checked, as in the JVM. */
    assert_int_equal(ts_keystore_decode(buf, len, NULL, &out, &err), 0);
    assert_int_equal(out.count, N_CERTS);
    ts_keystore_free(&out);
    buf[len - 21] ^= 0x01;
    expect_decode_error(buf, len, "wrong", "keystore digest mismatch");
    buf[len - 1] ^= 0x80; /* the digest itself */
    expect_decode_error(buf, len, "changeit", "keystore digest mismatch");
    free(buf);
}

static void test_jks_key_entry_first_cert(void **state)
{
    fixture *f = *state;

    for (int version = 1; version <= 2; version++) {
        bytes b = {0};
        ts_keystore out = {0};
        ts_error err;

        build_jks_with_key(f, version, &b);
        ts_error_clear(&err);
        assert_int_equal(ts_keystore_decode(b.p, b.len, "changeit", &out, &err), 0);
        /* The key entry brings its chain's first certificate, flagged; "Third" (uppercase,
         * never looked up) is skipped. */
        assert_int_equal(out.count, 3);
        assert_int_equal(out.skipped, 1);
        assert_string_equal(out.items[0].alias, "first");
        assert_int_equal(out.items[0].created_ms, 1000);
        assert_false(out.items[0].key_entry);
        assert_memory_equal(out.items[0].cert.der, f->der[0], f->len[0]);
        assert_string_equal(out.items[1].alias, "mykey");
        assert_int_equal(out.items[1].created_ms, 2000);
        assert_true(out.items[1].key_entry);
        assert_memory_equal(out.items[1].cert.der, f->der[1], f->len[1]);
        assert_string_equal(out.items[2].alias, "caf\xc3\xa9 root"); /* stored as written */
        assert_int_equal(out.items[2].created_ms, 4000);
        assert_false(out.items[2].key_entry);
        assert_memory_equal(out.items[2].cert.der, f->der[1], f->len[1]);
        ts_keystore_free(&out);
        /* Truncated inside the key entry: still a clean error at every cut. */
        for (size_t cut = 0; cut < b.len; cut += 7) {
            expect_decode_error(b.p, cut, NULL, NULL);
        }
        free(b.p);
    }
}

/* ts_store_build on a v1 and a v2 JKS holding a key: every entry's bytes kept (the key, an
 * uppercase alias, a non-ASCII one), the addition in the file's version, the digest made again. */
static void test_jks_store_keeps_every_entry(void **state)
{
    fixture *f = *state;

    for (int version = 1; version <= 2; version++) {
        bytes b = {0};
        ts_manifest m;
        ts_store_in in = {0};
        ts_store_fail why;
        ts_merge_summary sum;
        ts_error err;
        ts_cert c = {0};
        ts_cert_list l = {0};
        unsigned char *out = NULL;
        size_t out_len = 0;
        ts_keystore back = {0};

        build_jks_with_key(f, version, &b);
        assert_int_equal(ts_manifest_init(&m), 0);
        assert_int_equal(ts_cert_list_push_der(&l, f->der[2], f->len[2], NULL), 0);
        c = l.items[0];
        /* der[2] is in the file only under "Third", which the JVM never finds: added again. */
        assert_int_equal(ts_manifest_add_cert(&m, &c, "third", NULL, 0, NULL, NULL, NULL, &err), 0);
        ts_cert_list_free(&l);
        in.base = b.p;
        in.base_len = b.len;
        in.password = "changeit";
        in.m = &m;
        in.merge = true;
        assert_int_equal(ts_store_build(&in, &out, &out_len, &sum, &why, &err), 0);
        assert_int_equal(sum.base, 4);
        assert_int_equal(sum.added, 1);
        assert_int_equal(sum.total, 5);
        /* The file's entries, byte for byte, then the addition; the version kept. */
        assert_memory_equal(out, b.p, 8);
        assert_memory_equal(out + 12, b.p + 12, b.len - 12 - 20);
        assert_int_equal(ts_keystore_decode(out, out_len, "changeit", &back, &err), 0);
        assert_int_equal(back.count, 4); /* first, mykey, café root, and the added "third-2" */
        assert_string_equal(back.items[3].alias, "third-2");
        assert_memory_equal(back.items[3].cert.der, f->der[2], f->len[2]);
        assert_true(back.items[1].key_entry);
        ts_keystore_free(&back);
        free(out);
        ts_manifest_free(&m);
        free(b.p);
    }
}

static void test_jks_chain_count_too_large(void **state)
{
    fixture *f = *state;
    bytes b = {0};

    b_u32(&b, 0xfeedfeed);
    b_u32(&b, 2);
    b_u32(&b, 1);
    b_u32(&b, 1);
    b_utf(&b, "k");
    b_u64(&b, 0);
    b_u32(&b, 2);
    b_put(&b, "\x30\x00", 2);
    b_u32(&b, 0x10000000);
    b_cert(&b, 2, f->der[0], f->len[0]);
    b_jks_digest(&b, "changeit");
    expect_decode_error(b.p, b.len, NULL, "certificate chain length 268435456 is larger");
    free(b.p);
}

/* Same alias twice: the JVM sees only the last one, and so does the core. */
static void test_jks_duplicate_alias_last_wins(void **state)
{
    fixture *f = *state;
    bytes b = {0};
    ts_keystore out = {0};
    ts_error err;
    static const char *const names[4] = {"dup", "other", "dup", "dup"};

    b_u32(&b, 0xfeedfeed);
    b_u32(&b, 2);
    b_u32(&b, 4);
    for (int i = 0; i < 4; i++) {
        b_u32(&b, 2);
        b_utf(&b, names[i]);
        b_u64(&b, (uint64_t)i);
        b_cert(&b, 2, f->der[i % N_CERTS], f->len[i % N_CERTS]);
    }
    b_jks_digest(&b, "changeit");
    ts_error_clear(&err);
    assert_int_equal(ts_keystore_decode(b.p, b.len, "changeit", &out, &err), 0);
    assert_int_equal(out.count, 2);
    assert_int_equal(out.skipped, 2);
    assert_string_equal(out.items[0].alias, "other");
    assert_string_equal(out.items[1].alias, "dup");
    assert_int_equal(out.items[1].created_ms, 3);
    assert_memory_equal(out.items[1].cert.der, f->der[0], f->len[0]);
    ts_keystore_free(&out);
    free(b.p);
}

static void test_encode_checks_aliases(void **state)
{
    fixture *f = *state;
    ts_keystore ks = {0};
    unsigned char *out = NULL;
    size_t out_len = 0;
    ts_error err;
    char alias[32];

    assert_int_equal(ts_keystore_add(&ks, "ok", 0, f->der[0], f->len[0], NULL), 0);
    assert_int_equal(ts_keystore_add(&ks, "Upper", 0, f->der[1], f->len[1], NULL), 0);
    ts_error_clear(&err);
    assert_int_equal(ts_keystore_encode(&ks, TS_FORMAT_JKS, NULL, &out, &out_len, &err), -1);
    assert_null(out);
    assert_string_equal(err.where, "entry 1");
    assert_contains(err.what, "\"Upper\"");
    ts_keystore_free(&ks);

    /* 10,000 entries: uniqueness is checked by sorting, and a clash is named. */
    for (int i = 0; i < 10000; i++) {
        snprintf(alias, sizeof(alias), "cert-%05d", (i * 7919) % 10000);
        assert_int_equal(
            ts_keystore_add(&ks, alias, 0, f->der[i % N_CERTS], f->len[i % N_CERTS], NULL), 0);
    }
    assert_int_equal(ts_keystore_encode(&ks, TS_FORMAT_JKS, NULL, &out, &out_len, &err), 0);
    free(out);
    out = NULL;
    assert_int_equal(ts_keystore_encode(&ks, TS_FORMAT_PKCS12, NULL, &out, &out_len, &err), 0);
    free(out);
    out = NULL;
    free(ks.items[9999].alias);
    ks.items[9999].alias = strdup(ks.items[3].alias);
    assert_non_null(ks.items[9999].alias);
    ts_error_clear(&err);
    assert_int_equal(ts_keystore_encode(&ks, TS_FORMAT_PKCS12, NULL, &out, &out_len, &err), -1);
    assert_string_equal(err.where, "entry 9999");
    assert_contains(err.what, "already used by entry 3");
    ts_keystore_free(&ks);

    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_UNKNOWN, NULL, &out, &out_len, &err), -1);
    /* ts_keystore_add wants DER framing. */
    assert_int_equal(ts_keystore_add(&ks, "x", 0, (const unsigned char *)"abc", 3, &err), -1);
    assert_int_equal(ks.count, 0);
}

static void test_add_entry_and_find(void **state)
{
    fixture *f = *state;
    ts_keystore ks = {0};

    for (int i = N_CERTS - 1; i >= 0; i--) {
        assert_int_equal(ts_keystore_add_entry(&ks, &f->ks.items[i], NULL), 0);
    }
    assert_int_equal(ks.count, N_CERTS);
    assert_ptr_not_equal(ks.items[0].alias, f->ks.items[2].alias);
    assert_string_equal(ks.items[0].alias, aliases[2]);
    assert_int_equal(ks.items[0].created_ms, TS_DEFAULT_TIMESTAMP_MS + 2);
    for (int i = 0; i < N_CERTS; i++) {
        assert_int_equal(ts_keystore_find_sha256(&ks, f->ks.items[i].cert.sha256), N_CERTS - 1 - i);
    }
    {
        unsigned char none[TS_SHA256_LEN] = {0};

        assert_int_equal(ts_keystore_find_sha256(&ks, none), -1);
    }
    ts_keystore_free(&ks);
    ts_keystore_free(&ks); /* freeing twice is harmless */
}

/* ---- PKCS12 ---- */

static void test_p12_roundtrip(void **state)
{
    fixture *f = *state;
    unsigned char *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    ts_keystore back = {0};
    ts_error err;
    const unsigned char *p;
    PKCS12 *p12;
    STACK_OF(PKCS7) * safes;
    ASN1_OBJECT *trusted = OBJ_txt2obj("2.16.840.1.113894.746875.1.1", 1);
    int bags_seen = 0;

    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_PKCS12, NULL, &a, &a_len, &err), 0);
    assert_int_equal(ts_keystore_encode(&f->ks, TS_FORMAT_PKCS12, "ignored", &b, &b_len, &err), 0);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(b);
    assert_int_equal(ts_keystore_detect(a, a_len), TS_FORMAT_PKCS12);

    ts_error_clear(&err);
    assert_int_equal(ts_keystore_decode(a, a_len, NULL, &back, &err), 0);
    assert_same_entries(&f->ks, &back, false);
    assert_int_equal(back.skipped, 0);
    ts_keystore_free(&back);
    /* With a password: there is no MAC to verify, and nothing is encrypted. */
    assert_int_equal(ts_keystore_decode(a, a_len, "changeit", &back, &err), 0);
    assert_same_entries(&f->ks, &back, false);
    ts_keystore_free(&back);

    /* What OpenSSL sees: version 3, no MAC, unencrypted bags with both attributes. */
    p = a;
    p12 = d2i_PKCS12(NULL, &p, (long)a_len);
    assert_non_null(p12);
    assert_ptr_equal(p, a + a_len);
    assert_int_equal(PKCS12_mac_present(p12), 0);
    safes = PKCS12_unpack_authsafes(p12);
    assert_non_null(safes);
    assert_int_equal(sk_PKCS7_num(safes), 1);
    {
        PKCS7 *p7 = sk_PKCS7_value(safes, 0);
        STACK_OF(PKCS12_SAFEBAG) * bags;

        assert_int_equal(OBJ_obj2nid(p7->type), NID_pkcs7_data);
        bags = PKCS12_unpack_p7data(p7);
        assert_non_null(bags);
        for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags); i++) {
            PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
            char *name = PKCS12_get_friendlyname(bag);
            const STACK_OF(X509_ATTRIBUTE) *attrs = PKCS12_SAFEBAG_get0_attrs(bag);
            X509 *x = PKCS12_SAFEBAG_get1_cert(bag);
            int found = 0;

            assert_int_equal(PKCS12_SAFEBAG_get_nid(bag), NID_certBag);
            assert_non_null(x);
            assert_non_null(name);
            assert_string_equal(name, aliases[i]);
            assert_int_equal(sk_X509_ATTRIBUTE_num(attrs), 2);
            for (int k = 0; k < sk_X509_ATTRIBUTE_num(attrs); k++) {
                X509_ATTRIBUTE *at = sk_X509_ATTRIBUTE_value(attrs, k);

                if (OBJ_cmp(X509_ATTRIBUTE_get0_object(at), trusted) == 0) {
                    ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(at, 0);
                    char oid[32];

                    assert_int_equal(X509_ATTRIBUTE_count(at), 1);
                    assert_int_equal(ASN1_TYPE_get(v), V_ASN1_OBJECT);
                    OBJ_obj2txt(oid, sizeof(oid), v->value.object, 1);
                    assert_string_equal(oid, "2.5.29.37.0");
                    found++;
                }
            }
            assert_int_equal(found, 1);
            OPENSSL_free(name);
            X509_free(x);
            bags_seen++;
        }
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    assert_int_equal(bags_seen, N_CERTS);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    PKCS12_free(p12);
    ASN1_OBJECT_free(trusted);

    /* Every truncation of it is a clean error. */
    for (size_t cut = 0; cut < a_len; cut++) {
        unsigned char *copy = malloc(cut > 0 ? cut : 1);

        assert_non_null(copy);
        memcpy(copy, a, cut);
        expect_decode_error(copy, cut, NULL, NULL);
        free(copy);
    }
    free(a);

    /* An empty keystore encodes and decodes. */
    {
        ts_keystore empty = {0};

        assert_int_equal(ts_keystore_encode(&empty, TS_FORMAT_PKCS12, NULL, &a, &a_len, &err), 0);
        assert_int_equal(ts_keystore_decode(a, a_len, NULL, &back, &err), 0);
        assert_int_equal(back.count, 0);
        free(a);
        assert_int_equal(ts_keystore_encode(&empty, TS_FORMAT_JKS, NULL, &a, &a_len, &err), 0);
        assert_int_equal(a_len, 12 + 20);
        assert_int_equal(ts_keystore_decode(a, a_len, "changeit", &back, &err), 0);
        assert_int_equal(back.count, 0);
        free(a);
    }
}

/* A password-protected PKCS12 as OpenSSL writes it: an encrypted safe with a
 * trusted certificate ("Alpha"), one without the trust attribute, and a key. */
/* Certificates in a safe encrypted with safe_iter iterations (PBES2, AES), a key in a plain
 * one, and a MAC of mac_iter iterations (0: none). */
static void make_p12_iter(const fixture *f, const char *password, int safe_iter, int mac_iter,
                          unsigned char **out, size_t *out_len)
{
    STACK_OF(PKCS12_SAFEBAG) *certs = NULL, *keys = NULL;
    STACK_OF(PKCS7) *safes = NULL;
    PKCS12_SAFEBAG *bag;
    PKCS12 *p12;
    ASN1_OBJECT *any_eku = OBJ_txt2obj("2.5.29.37.0", 1);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x;
    const unsigned char *p;
    unsigned char *der = NULL;
    int n;

    assert_non_null(any_eku);
    assert_non_null(key);
    for (int i = 0; i < 2; i++) {
        p = f->der[i];
        x = d2i_X509(NULL, &p, (long)f->len[i]);
        assert_non_null(x);
        bag = PKCS12_add_cert(&certs, x);
        assert_non_null(bag);
        X509_free(x);
        if (i == 0) {
            assert_int_equal(PKCS12_add_friendlyname_utf8(bag, "Alpha", -1), 1);
            assert_int_equal(PKCS12_add1_attr_by_txt(bag, "2.16.840.1.113894.746875.1.1",
                                                     V_ASN1_OBJECT, (const unsigned char *)any_eku,
                                                     -1),
                             1);
        } else {
            assert_int_equal(PKCS12_add_friendlyname_utf8(bag, "chain", -1), 1);
        }
    }
    assert_non_null(PKCS12_add_key(&keys, key, 0, 2048, NID_aes_256_cbc, password));
    assert_int_equal(PKCS12_add_safe(&safes, certs, NID_aes_256_cbc, safe_iter, password), 1);
    assert_int_equal(PKCS12_add_safe(&safes, keys, -1, 0, NULL), 1);
    p12 = PKCS12_add_safes(safes, 0);
    assert_non_null(p12);
    if (mac_iter > 0) {
        assert_int_equal(PKCS12_set_mac(p12, password, -1, NULL, 0, mac_iter, NULL), 1);
    }
    n = i2d_PKCS12(p12, &der);
    assert_true(n > 0);
    *out = malloc((size_t)n);
    assert_non_null(*out);
    memcpy(*out, der, (size_t)n);
    *out_len = (size_t)n;
    OPENSSL_free(der);
    PKCS12_free(p12);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    sk_PKCS12_SAFEBAG_pop_free(certs, PKCS12_SAFEBAG_free);
    sk_PKCS12_SAFEBAG_pop_free(keys, PKCS12_SAFEBAG_free);
    EVP_PKEY_free(key);
    ASN1_OBJECT_free(any_eku);
}

static void make_protected_p12(const fixture *f, const char *password, unsigned char **out,
                               size_t *out_len)
{
    make_p12_iter(f, password, 2048, 2048, out, out_len);
}

/* Replaces every INTEGER 65536 (02 03 01 00 00) of buf with 8,388,607; how many it replaced. */
static int raise_iterations(unsigned char *buf, size_t len)
{
    static const unsigned char from[] = {0x02, 0x03, 0x01, 0x00, 0x00};
    static const unsigned char to[] = {0x02, 0x03, 0x7f, 0xff, 0xff};
    int n = 0;

    for (size_t i = 0; i + sizeof(from) <= len; i++) {
        if (memcmp(buf + i, from, sizeof(from)) == 0) {
            memcpy(buf + i, to, sizeof(to));
            n++;
        }
    }
    return n;
}

/* More iterations than the JDK's 5,000,000 in the MAC or the certificates' encryption: the JDK
 * refuses the store at once; so does the decoder, without running them (an open() of a crafted
 * file must not take hours).  Without a password neither runs them, and both read the file. */
static void test_p12_iterations_limit(void **state)
{
    fixture *f = *state;
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_keystore out = {0};
    ts_error err;

    make_p12_iter(f, "s3cret", 2048, 65536, &buf, &len);
    assert_int_equal(raise_iterations(buf, len), 1);
    expect_decode_error(buf, len, "s3cret", "8388607 iterations, more than the 5000000");
    assert_int_equal(ts_keystore_decode(buf, len, NULL, &out, &err), 0);
    ts_keystore_free(&out);
    free(buf);

    make_p12_iter(f, "s3cret", 65536, 0, &buf, &len);
    assert_int_equal(raise_iterations(buf, len), 1);
    expect_decode_error(buf, len, "s3cret", "8388607 iterations, more than the 5000000");
    assert_int_equal(ts_keystore_decode(buf, len, NULL, &out, &err), 0);
    assert_int_equal(out.count, 0);
    ts_keystore_free(&out);
    free(buf);

    /* 65536 itself is read. */
    make_p12_iter(f, "s3cret", 65536, 65536, &buf, &len);
    ts_error_clear(&err);
    assert_int_equal(ts_keystore_decode(buf, len, "s3cret", &out, &err), 0);
    assert_int_equal(out.count, 1);
    ts_keystore_free(&out);
    free(buf);
}

static void test_p12_password_protected(void **state)
{
    fixture *f = *state;
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_keystore out = {0};
    ts_error err;

    make_protected_p12(f, "s3cret", &buf, &len);
    ts_error_clear(&err);
    assert_int_equal(ts_keystore_decode(buf, len, "s3cret", &out, &err), 0);
    assert_int_equal(out.count, 1);
    assert_string_equal(out.items[0].alias, "alpha"); /* lowercased, like the JDK */
    assert_int_equal(out.items[0].cert.der_len, f->len[0]);
    assert_memory_equal(out.items[0].cert.der, f->der[0], f->len[0]);
    assert_int_equal(out.skipped, 2); /* the untrusted certificate and the key */
    ts_keystore_free(&out);

    expect_decode_error(buf, len, "wrong", "MAC mismatch: wrong password or tampered file");

    /* No password: like the JVM, no MAC check and the encrypted safe is skipped. */
    assert_int_equal(ts_keystore_decode(buf, len, NULL, &out, &err), 0);
    assert_int_equal(out.count, 0);
    assert_int_equal(out.skipped, 2);
    ts_keystore_free(&out);

    /* Garbage in the middle: the MAC catches it with the password. */
    buf[len / 2] ^= 0x55;
    expect_decode_error(buf, len, "s3cret", NULL);
    free(buf);

    expect_decode_error((const unsigned char *)"\x30\x03\x02\x01\x03", 5, NULL, "PKCS12");
    expect_decode_error((const unsigned char *)"\x30\x80\x00\x00", 4, NULL, "PKCS12");
}

/* Bytes after the PFX: the JDK reads one DER value and stops; so does the decoder. */
static void test_p12_trailing_bytes_ignored(void **state)
{
    fixture *f = *state;
    unsigned char *buf = NULL, *more;
    size_t len = 0;
    ts_keystore out = {0};
    ts_error err;

    make_protected_p12(f, "s3cret", &buf, &len);
    more = with_trailing(buf, len);
    ts_error_clear(&err);
    assert_int_equal(ts_keystore_decode(more, len + sizeof(TRAILING) - 1, "s3cret", &out, &err), 0);
    assert_int_equal(out.count, 1);
    assert_string_equal(out.items[0].alias, "alpha");
    assert_memory_equal(out.items[0].cert.der, f->der[0], f->len[0]);
    ts_keystore_free(&out);
    expect_decode_error(more, len + sizeof(TRAILING) - 1, "wrong",
                        "MAC mismatch: wrong password or tampered file");
    free(more);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_and_names),
        cmocka_unit_test(test_alias_valid),
        cmocka_unit_test(test_alias_from_text),
        cmocka_unit_test(test_jks_roundtrip),
        cmocka_unit_test(test_jks_truncated_everywhere),
        cmocka_unit_test(test_jks_trailing_bytes_ignored),
        cmocka_unit_test(test_jks_bad_header_and_lengths),
        cmocka_unit_test(test_jks_tampered),
        cmocka_unit_test(test_jks_key_entry_first_cert),
        cmocka_unit_test(test_jks_store_keeps_every_entry),
        cmocka_unit_test(test_jks_chain_count_too_large),
        cmocka_unit_test(test_jks_duplicate_alias_last_wins),
        cmocka_unit_test(test_encode_checks_aliases),
        cmocka_unit_test(test_add_entry_and_find),
        cmocka_unit_test(test_p12_roundtrip),
        cmocka_unit_test(test_p12_password_protected),
        cmocka_unit_test(test_p12_trailing_bytes_ignored),
        cmocka_unit_test(test_p12_iterations_limit),
        cmocka_unit_test(test_timestamp_from_epoch_string),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
