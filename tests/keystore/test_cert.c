/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate input: PEM bundles, DER, PKCS#7, hex helpers, describe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert.h"
#include "crypto.h"
#include "ks_test_util.h"

typedef struct fixture {
    unsigned char *der[3];
    size_t len[3];
    unsigned char sha[3][TS_SHA256_LEN];
} fixture;

static int setup(void **state)
{
    static const char *cns[3] = {"Root One", "mail.example.test", "Root Three"};
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    for (int i = 0; i < 3; i++) {
        ks_make_cert(cns[i], i != 1, &f->der[i], &f->len[i]);
        assert_int_equal(EVP_Digest(f->der[i], f->len[i], f->sha[i], NULL, EVP_sha256(), NULL), 1);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    for (int i = 0; i < 3; i++) {
        free(f->der[i]);
    }
    free(f);
    return 0;
}

/* l holds exactly the fixture's certificates idx[0..n) in that order. */
static void assert_certs(const ts_cert_list *l, const fixture *f, const int *idx, size_t n)
{
    assert_int_equal(l->count, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(l->items[i].der_len, f->len[idx[i]]);
        assert_memory_equal(l->items[i].der, f->der[idx[i]], f->len[idx[i]]);
        assert_memory_equal(l->items[i].sha256, f->sha[idx[i]], TS_SHA256_LEN);
    }
}

static void test_pem_bundle_with_text(void **state)
{
    fixture *f = *state;
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_cert_list l = {0};
    ts_error err;
    static const int idx[3] = {0, 1, 2};

    for (int i = 0; i < 3; i++) {
        char *pem = ks_der_to_pem(f->der[i], f->len[i]);
        static const char text[] = "Subject: something\r\nissuer=whatever -----\n\n";

        ks_append(&buf, &len, text, strlen(text));
        ks_append(&buf, &len, pem, strlen(pem));
        free(pem);
    }
    ks_append(&buf, &len, "trailing words\n", 15);
    ts_error_clear(&err);
    assert_int_equal(ts_certs_parse(buf, len, &l, &err), 0);
    assert_certs(&l, f, idx, 3);
    ts_cert_list_free(&l);
    free(buf);
}

static void test_pem_block_names(void **state)
{
    fixture *f = *state;
    char *pem = ks_der_to_pem(f->der[0], f->len[0]);
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_cert_list l = {0};
    static const int idx[2] = {0, 0};
    char *body = strstr(pem, "\n") + 1;
    char *end = strstr(pem, "-----END");

    /* X509 CERTIFICATE and a private key block, which is ignored. */
    ks_append(&buf, &len, "-----BEGIN X509 CERTIFICATE-----\n", 33);
    ks_append(&buf, &len, body, (size_t)(end - body));
    ks_append(&buf, &len, "-----END X509 CERTIFICATE-----\n", 31);
    ks_append(&buf, &len, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 59);
    ks_append(&buf, &len, pem, strlen(pem));
    assert_int_equal(ts_certs_parse(buf, len, &l, NULL), 0);
    assert_certs(&l, f, idx, 2);
    ts_cert_list_free(&l);
    free(buf);
    free(pem);
}

static void test_trusted_certificate(void **state)
{
    fixture *f = *state;
    /* OpenSSL's "TRUSTED CERTIFICATE": the certificate then its trust settings
     * (an empty X509_CERT_AUX SEQUENCE is enough). */
    unsigned char *aux = NULL;
    size_t aux_len = 0;
    unsigned char *b64;
    int n;
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_cert_list l = {0};
    static const int idx[1] = {2};

    ks_append(&aux, &aux_len, f->der[2], f->len[2]);
    ks_append(&aux, &aux_len, "\x30\x00", 2);
    b64 = malloc(aux_len * 2 + 4);
    assert_non_null(b64);
    n = EVP_EncodeBlock(b64, aux, (int)aux_len);
    ks_append(&buf, &len, "-----BEGIN TRUSTED CERTIFICATE-----\n", 36);
    ks_append(&buf, &len, b64, (size_t)n);
    ks_append(&buf, &len, "\n-----END TRUSTED CERTIFICATE-----\n", 35);
    assert_int_equal(ts_certs_parse(buf, len, &l, NULL), 0);
    assert_certs(&l, f, idx, 1);
    ts_cert_list_free(&l);
    free(buf);
    free(b64);
    free(aux);
}

static void test_der(void **state)
{
    fixture *f = *state;
    ts_cert_list l = {0};
    ts_error err;
    static const int idx[1] = {1};
    unsigned char *buf = NULL;
    size_t len = 0;

    assert_int_equal(ts_certs_parse(f->der[1], f->len[1], &l, NULL), 0);
    assert_certs(&l, f, idx, 1);
    /* Trailing bytes after a DER certificate: an error naming the offset, nothing appended. */
    ks_append(&buf, &len, f->der[0], f->len[0]);
    ks_append(&buf, &len, "xx", 2);
    ts_error_clear(&err);
    assert_int_equal(ts_certs_parse(buf, len, &l, &err), -1);
    assert_int_equal(l.count, 1);
    assert_non_null(strstr(err.where, "offset"));
    ts_cert_list_free(&l);
    free(buf);
}

static void test_pkcs7(void **state)
{
    fixture *f = *state;
    ts_cert_list in = {0}, l = {0};
    unsigned char *p7;
    size_t p7_len;
    static const int idx[6] = {0, 1, 2, 0, 1, 2};

    for (int i = 0; i < 3; i++) {
        assert_int_equal(ts_cert_list_push_der(&in, f->der[i], f->len[i], NULL), 0);
    }
    ks_make_pkcs7(&in, false, &p7, &p7_len);
    assert_int_equal(ts_certs_parse(p7, p7_len, &l, NULL), 0);
    free(p7);
    ks_make_pkcs7(&in, true, &p7, &p7_len);
    assert_int_equal(ts_certs_parse(p7, p7_len, &l, NULL), 0);
    free(p7);
    assert_certs(&l, f, idx, 6);
    ts_cert_list_free(&l);
    ts_cert_list_free(&in);
}

static void expect_parse_error(const void *buf, size_t len, const char *where, const char *what)
{
    ts_cert_list l = {0};
    ts_error err;

    ts_error_clear(&err);
    assert_int_equal(ts_certs_parse(buf, len, &l, &err), -1);
    assert_int_equal(ERR_peek_error(), 0); /* nothing left for the next OpenSSL user */
    assert_int_equal(l.count, 0);
    assert_null(l.items);
    if (where != NULL) {
        assert_string_equal(err.where, where);
    }
    assert_true(err.what[0] != '\0');
    if (what != NULL && strstr(err.what, what) == NULL) {
        fail_msg("error \"%s\" does not contain \"%s\"", err.what, what);
    }
}

static void test_bad_input(void **state)
{
    fixture *f = *state;
    char *pem = ks_der_to_pem(f->der[0], f->len[0]);
    unsigned char *buf = NULL;
    size_t len = 0;
    static const char key_only[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";

    expect_parse_error("", 0, NULL, "empty");
    expect_parse_error("hello world\n", 12, "offset 0", "expected");
    expect_parse_error("\x30\x03\x02\x01\x01", 5, "offset 0", "expected");
    expect_parse_error(key_only, strlen(key_only), NULL, "no certificate");

    /* Block 2 has broken base64: named, and nothing from block 1 is appended. */
    ks_append(&buf, &len, pem, strlen(pem));
    ks_append(&buf, &len, "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", 59);
    expect_parse_error(buf, len, "PEM block 2", NULL);
    free(buf);
    buf = NULL;
    len = 0;

    /* Block 2 holds valid base64 that is not a certificate. */
    ks_append(&buf, &len, pem, strlen(pem));
    ks_append(&buf, &len, "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n", 63);
    expect_parse_error(buf, len, "PEM block 2", "X.509");
    free(buf);
    buf = NULL;
    len = 0;

    /* A block without its END line. */
    ks_append(&buf, &len, pem, strlen(pem) - 10);
    expect_parse_error(buf, len, "PEM block 1", NULL);
    free(buf);
    free(pem);
}

static void test_append_is_all_or_nothing(void **state)
{
    fixture *f = *state;
    ts_cert_list l = {0};
    static const int idx[2] = {0, 1};

    assert_int_equal(ts_cert_list_push_der(&l, f->der[0], f->len[0], NULL), 0);
    assert_int_equal(ts_certs_parse((const unsigned char *)"junk", 4, &l, NULL), -1);
    assert_int_equal(l.count, 1);
    assert_int_equal(ts_certs_parse(f->der[1], f->len[1], &l, NULL), 0);
    assert_certs(&l, f, idx, 2);
    /* push_der accepts exactly one certificate. */
    assert_int_equal(ts_cert_list_push_der(&l, f->der[0], f->len[0] - 1, NULL), -1);
    assert_int_equal(ts_cert_list_push_der(&l, (const unsigned char *)"\x30\x00", 2, NULL), -1);
    assert_int_equal(l.count, 2);
    ts_cert_list_free(&l);
    assert_int_equal(l.count, 0);
}

static void test_copy_and_pem(void **state)
{
    fixture *f = *state;
    ts_cert_list l = {0}, back = {0};
    ts_cert copy;
    char *pem;
    static const int idx[1] = {1};

    assert_int_equal(ts_cert_list_push_der(&l, f->der[1], f->len[1], NULL), 0);
    assert_int_equal(ts_cert_copy(&copy, &l.items[0]), 0);
    assert_ptr_not_equal(copy.der, l.items[0].der);
    assert_memory_equal(copy.der, f->der[1], f->len[1]);
    assert_memory_equal(copy.sha256, f->sha[1], TS_SHA256_LEN);
    pem = ts_cert_to_pem(&copy);
    assert_non_null(pem);
    assert_true(strncmp(pem, "-----BEGIN CERTIFICATE-----\n", 28) == 0);
    for (char *line = pem; *line != '\0'; line = strchr(line, '\n') + 1) {
        assert_true(strchr(line, '\n') - line <= 64);
    }
    /* And back, the same certificate; and the same text OpenSSL writes. */
    assert_int_equal(ts_certs_parse((unsigned char *)pem, strlen(pem), &back, NULL), 0);
    assert_certs(&back, f, idx, 1);
    {
        char *ossl = ks_der_to_pem(f->der[1], f->len[1]);

        assert_string_equal(pem, ossl);
        free(ossl);
    }
    free(pem);
    ts_cert_free(&copy);
    ts_cert_list_free(&back);
    ts_cert_list_free(&l);
}

/* The structure-only parser of pinned certificates: same answers as the full one on certificates,
 * and every truncation or non-certificate DER still refused. */
static void test_pinned_parse(void **state)
{
    fixture *f = *state;
    ts_cert_list full = {0}, pinned = {0};
    ts_error err;
    unsigned char *buf = NULL;
    size_t len = 0;

    for (int i = 0; i < 3; i++) {
        char *pem = ks_der_to_pem(f->der[i], f->len[i]);
        ks_append(&buf, &len, "text between blocks\n", 20);
        ks_append(&buf, &len, pem, strlen(pem));
        free(pem);
    }
    assert_int_equal(ts_certs_parse(buf, len, &full, NULL), 0);
    assert_int_equal(ts_certs_parse_pinned(buf, len, &pinned, NULL), 0);
    assert_int_equal(pinned.count, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_memory_equal(pinned.items[i].sha256, full.items[i].sha256, TS_SHA256_LEN);
    }
    free(buf);
    ts_cert_list_free(&full);
    ts_cert_list_free(&pinned);

    /* DER input, cut at every length: never accepted, never appended. */
    for (size_t cut = 0; cut < f->len[0]; cut++) {
        ts_error_clear(&err);
        assert_int_equal(ts_certs_parse_pinned(f->der[0], cut, &pinned, &err), -1);
        assert_int_equal(pinned.count, 0);
        assert_true(err.what[0] != '\0');
    }
    assert_int_equal(ts_certs_parse_pinned(f->der[0], f->len[0], &pinned, NULL), 0);
    assert_int_equal(pinned.count, 1);
    ts_cert_list_free(&pinned);

    /* A well-formed SEQUENCE that is no certificate, and a certificate with a byte of its
     * TBSCertificate's tags changed. */
    static const unsigned char not_cert[] = {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02};
    assert_int_equal(ts_certs_parse_pinned(not_cert, sizeof(not_cert), &pinned, NULL), -1);
    unsigned char *bad = malloc(f->len[0]);
    assert_non_null(bad);
    memcpy(bad, f->der[0], f->len[0]);
    /* Outer SEQUENCE header, then the TBSCertificate's: make the latter a SET. */
    size_t outer_hdr = (bad[1] & 0x80) ? 2u + (bad[1] & 0x7fu) : 2u;
    bad[outer_hdr] = 0x31;
    assert_int_equal(ts_certs_parse_pinned(bad, f->len[0], &pinned, NULL), -1);
    assert_int_equal(pinned.count, 0);
    free(bad);
}

/* Every way in refuses the BER forms of a certificate that OpenSSL's d2i_X509 reads: a length
 * in more bytes than it needs (outer, and the TBSCertificate's), an indefinite length. */
static void test_ber_refused(void **state)
{
    fixture *f = *state;
    const unsigned char *der = f->der[0];
    size_t len = f->len[0];
    size_t oh = 2u + (der[1] & 0x7fu), body = len - oh;
    unsigned char *v = malloc(len + 8);
    ts_cert_list l = {0};
    ts_error err;

    assert_non_null(v);
    assert_true(der[1] == 0x82 && body >= 256); /* the variants below assume it */
    /* The outer length in 3 bytes, with a leading zero. */
    v[0] = 0x30;
    v[1] = 0x83;
    v[2] = 0;
    memcpy(v + 3, der + 2, len - 2);
    /* The outer length indefinite. */
    unsigned char *w = malloc(len + 4);
    assert_non_null(w);
    w[0] = 0x30;
    w[1] = 0x80;
    memcpy(w + 2, der + oh, body);
    w[2 + body] = 0;
    w[3 + body] = 0;
    const struct {
        const unsigned char *buf;
        size_t len;
        const char *want;
    } cases[] = {
        {v, len + 1, "certificate is BER, not DER (length at byte 1)"},
        {w, body + 4, "certificate is BER, not DER (length at byte 1)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ts_error_clear(&err);
        assert_int_equal(ts_certs_parse(cases[i].buf, cases[i].len, &l, &err), -1);
        assert_non_null(strstr(err.what, cases[i].want));
        ts_error_clear(&err);
        assert_int_equal(ts_certs_parse_pinned(cases[i].buf, cases[i].len, &l, &err), -1);
        assert_non_null(strstr(err.what, cases[i].want));
        ts_error_clear(&err);
        assert_int_equal(ts_cert_list_push_der(&l, cases[i].buf, cases[i].len, &err), -1);
        assert_non_null(strstr(err.what, cases[i].want));
        assert_int_equal(l.count, 0);
    }
    /* The TBSCertificate's length with a leading zero byte (outer grows by one). */
    memcpy(v, der, len);
    size_t tl = ((size_t)der[oh + 2] << 8) | der[oh + 3];
    assert_true(der[oh] == 0x30 && der[oh + 1] == 0x82);
    v[2] = (unsigned char)((body + 1) >> 8);
    v[3] = (unsigned char)((body + 1) & 0xff);
    v[oh] = 0x30;
    v[oh + 1] = 0x83;
    v[oh + 2] = 0;
    v[oh + 3] = (unsigned char)(tl >> 8);
    v[oh + 4] = (unsigned char)(tl & 0xff);
    memcpy(v + oh + 5, der + oh + 4, len - oh - 4);
    ts_error_clear(&err);
    assert_int_equal(ts_certs_parse(v, len + 1, &l, &err), -1);
    assert_non_null(strstr(err.what, "inside the signed TBSCertificate"));
    ts_error_clear(&err);
    assert_int_equal(ts_certs_parse_pinned(v, len + 1, &l, &err), -1);
    assert_non_null(strstr(err.what, "inside the signed TBSCertificate"));
    assert_int_equal(l.count, 0);
    /* A long form for a length under 128, anywhere in the certificate, is BER too. */
    static const unsigned char short_long[] = {0x30, 0x81, 0x03, 0x02, 0x01, 0x01};
    assert_int_equal(ts_certs_parse_pinned(short_long, sizeof(short_long), &l, NULL), -1);
    free(v);
    free(w);
}

static void test_hex(void **state)
{
    unsigned char sha[TS_SHA256_LEN], got[TS_SHA256_LEN];
    char hex[TS_SHA256_HEX_LEN + 1], colons[TS_SHA256_HEX_LEN + TS_SHA256_LEN], upper[128];

    (void)state;
    for (size_t i = 0; i < TS_SHA256_LEN; i++) {
        sha[i] = (unsigned char)(i * 37 + 11);
    }
    ts_sha256_to_hex(sha, hex);
    assert_int_equal(strlen(hex), 64);
    assert_true(strncmp(hex, "0b30557a", 8) == 0);
    assert_int_equal(ts_sha256_from_hex(hex, got), 0);
    assert_memory_equal(got, sha, TS_SHA256_LEN);
    for (size_t i = 0; i < TS_SHA256_LEN; i++) {
        colons[3 * i] = hex[2 * i] >= 'a' ? (char)(hex[2 * i] - 'a' + 'A') : hex[2 * i];
        colons[3 * i + 1] = hex[2 * i + 1];
        colons[3 * i + 2] = ':';
    }
    colons[sizeof(colons) - 1] = '\0';
    memset(got, 0, sizeof(got));
    assert_int_equal(ts_sha256_from_hex(colons, got), 0); /* keytool's form, mixed case */
    assert_memory_equal(got, sha, TS_SHA256_LEN);

    /* Everything else is rejected and leaves sha alone. */
    memset(got, 0xee, sizeof(got));
    assert_int_equal(ts_sha256_from_hex("", got), -1);
    assert_int_equal(ts_sha256_from_hex(NULL, got), -1);
    snprintf(upper, sizeof(upper), "%.63s", hex);
    assert_int_equal(ts_sha256_from_hex(upper, got), -1); /* 63 digits */
    snprintf(upper, sizeof(upper), "%s0", hex);
    assert_int_equal(ts_sha256_from_hex(upper, got), -1); /* 65 digits */
    snprintf(upper, sizeof(upper), "%.63sg", hex);
    assert_int_equal(ts_sha256_from_hex(upper, got), -1); /* not hex */
    snprintf(upper, sizeof(upper), " %.63s", hex);
    assert_int_equal(ts_sha256_from_hex(upper, got), -1); /* space */
    snprintf(upper, sizeof(upper), "%s", colons);
    upper[5] = '-';
    assert_int_equal(ts_sha256_from_hex(upper, got), -1); /* other separator */
    snprintf(upper, sizeof(upper), "%s:", colons);
    assert_int_equal(ts_sha256_from_hex(upper, got), -1); /* trailing colon */
    snprintf(upper, sizeof(upper), "%s", colons);
    upper[2] = upper[3];
    upper[3] = ':';
    assert_int_equal(ts_sha256_from_hex(upper, got), -1); /* misplaced colon */
    for (size_t i = 0; i < TS_SHA256_LEN; i++) {
        assert_int_equal(got[i], 0xee);
    }

    /* The same parser, saying why (the manifest's messages), and hex digits one by one. */
    {
        char why[64];

        assert_null(ts_sha256_parse_hex(colons, got, why, sizeof(why)));
        assert_memory_equal(got, sha, TS_SHA256_LEN);
        memset(got, 0xee, sizeof(got));
        snprintf(upper, sizeof(upper), "%.63s", hex);
        assert_string_equal(ts_sha256_parse_hex(upper, got, why, sizeof(why)),
                            "got 63 hexadecimal digits");
        snprintf(upper, sizeof(upper), "%.4sg%s", hex, hex + 5);
        assert_string_equal(ts_sha256_parse_hex(upper, got, why, sizeof(why)),
                            "invalid character 'g' at position 5");
        snprintf(upper, sizeof(upper), "%.4s\x01%s", hex, hex + 5);
        assert_string_equal(ts_sha256_parse_hex(upper, got, why, sizeof(why)),
                            "invalid byte 0x01 at position 5");
        snprintf(upper, sizeof(upper), "%s", colons);
        upper[2] = upper[3];
        upper[3] = ':';
        assert_string_equal(ts_sha256_parse_hex(upper, got, why, sizeof(why)),
                            "expected ':' at position 3");
        snprintf(upper, sizeof(upper), "%.62s:%s", hex, hex + 62);
        assert_string_equal(ts_sha256_parse_hex(upper, got, why, sizeof(why)),
                            "':' goes between every two digits, or nowhere");
        for (size_t i = 0; i < TS_SHA256_LEN; i++) {
            assert_int_equal(got[i], 0xee);
        }
        assert_int_equal(ts_hex_digit('0'), 0);
        assert_int_equal(ts_hex_digit('9'), 9);
        assert_int_equal(ts_hex_digit('a'), 10);
        assert_int_equal(ts_hex_digit('F'), 15);
        assert_int_equal(ts_hex_digit('g'), -1);
        assert_int_equal(ts_hex_digit(':'), -1);
        assert_int_equal(ts_hex_digit(0xe0), -1);
    }
}

static void test_describe(void **state)
{
    fixture *f = *state;
    ts_cert c = {f->der[1], f->len[1], {0}};
    ts_cert_info info;
    ts_error err;

    assert_int_equal(ts_cert_describe(&c, &info, &err), 0);
    assert_string_equal(info.subject, "CN=mail.example.test,O=Trustshim Tests");
    assert_string_equal(info.issuer, info.subject);
    assert_string_equal(info.common_name, "mail.example.test");
    assert_int_equal(info.not_before, 1577836800);
    assert_int_equal(info.not_after, 4102444800);
    assert_false(info.is_ca);
    assert_true(info.self_signed);
    assert_string_equal(info.key_type, "EC");
    assert_int_equal(info.key_bits, 256);
    assert_false(info.sha1_signature);

    c.der = f->der[0];
    c.der_len = f->len[0];
    assert_int_equal(ts_cert_describe(&c, &info, &err), 0);
    assert_true(info.is_ca);
    assert_string_equal(info.common_name, "Root One");

    c.der_len = 10;
    ts_error_clear(&err);
    assert_int_equal(ts_cert_describe(&c, &info, &err), -1);
    assert_true(err.what[0] != '\0');
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_describe_rsa_sha1_not_self_signed(void **state)
{
    unsigned char *der;
    size_t len;
    ts_cert_info info;

    (void)state;
    ks_make_cert_ex("leaf.example.test", false, "Some Other CA", 1024, true, &der, &len);
    {
        ts_cert c = {der, len, {0}};

        assert_int_equal(ts_cert_describe(&c, &info, NULL), 0);
    }
    assert_string_equal(info.key_type, "RSA");
    assert_int_equal(info.key_bits, 1024);
    assert_true(info.sha1_signature);
    assert_false(info.self_signed);
    assert_string_equal(info.issuer, "CN=Some Other CA");
    free(der);
}

/* A self-signed certificate whose subject is one commonName of ASN.1 type type (V_ASN1_*, the
 * bytes as they are) or none (cn NULL), with subjectAltName san (or none), into *c. */
static void make_named(int type, const char *cn, size_t cn_len, const char *san, bool san_twice,
                       ts_cert *c)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *out = NULL;
    int n;

    assert_non_null(key);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                                (const unsigned char *)"Trustshim", -1, -1, 0),
                     1);
    if (cn != NULL) {
        assert_int_equal(X509_NAME_add_entry_by_NID(name, NID_commonName, type,
                                                    (const unsigned char *)cn, (int)cn_len, -1, 0),
                         1);
    }
    assert_int_equal(X509_set_subject_name(x, name), 1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), 1577836800));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), 4102444800));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    for (int i = 0; san != NULL && i < (san_twice ? 2 : 1); i++) {
        X509V3_CTX ctx;
        X509_EXTENSION *ext;

        X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
        assert_non_null(ext);
        assert_int_equal(X509_add_ext(x, ext, -1), 1);
        X509_EXTENSION_free(ext);
    }
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    n = i2d_X509(x, &out);
    assert_true(n > 0);
    c->der = malloc((size_t)n);
    assert_non_null(c->der);
    memcpy(c->der, out, (size_t)n);
    c->der_len = (size_t)n;
    OPENSSL_free(out);
    X509_NAME_free(name);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* ts_cert_own_name (no OpenSSL) names c as OpenSSL's description does; returns the name. */
static void expect_own_name(const ts_cert *c, const char *want)
{
    char ours[256], ossl[256];
    int rc = ts_crypto_ossl.cert_own_name(c, ossl, sizeof(ossl));

    assert_int_equal(ts_cert_own_name(c, ours, sizeof(ours)), 0);
    assert_int_equal(rc, 0);
    assert_string_equal(ours, ossl);
    if (want != NULL) {
        assert_string_equal(ours, want);
    }
}

static void test_own_name_like_openssl(void **state)
{
    static const struct {
        int type;
        const char *cn;
        size_t len;
        const char *san;
        bool twice;
        const char *want;
    } cases[] = {
        {V_ASN1_UTF8STRING, "Root One", 8, NULL, false, "Root One"},
        {V_ASN1_UTF8STRING, "Caf\xc3\xa9 \xe6\x97\xa5", 9, NULL, false, "Caf\xc3\xa9 \xe6\x97\xa5"},
        {V_ASN1_PRINTABLESTRING, "Printable", 9, NULL, false, "Printable"},
        {V_ASN1_T61STRING, "Caf\xe9", 4, NULL, false, "Caf\xc3\xa9"},
        {V_ASN1_IA5STRING, "ia5", 3, NULL, false, "ia5"},
        {V_ASN1_BMPSTRING, "\x00O\x00K\x65\xe5", 6, NULL, false, "OK\xe6\x97\xa5"},
        {V_ASN1_UNIVERSALSTRING, "\x00\x01\xf6\x00\x00\x00\x00x", 8, NULL, false,
         "\xf0\x9f\x98\x80x"},
        {V_ASN1_UTF8STRING, "nul\x00here", 8, NULL, false, "nul"},
        {V_ASN1_UTF8STRING, "", 0, "DNS:empty.cn", false, "empty.cn"},
        {0, NULL, 0, "DNS:mail.example.test,DNS:other", false, "mail.example.test"},
        {0, NULL, 0, "email:a@b.test,IP:192.0.2.7", false, "192.0.2.7"},
        {0, NULL, 0, "IP:2001:db8::1", false, "2001:db8::1"},
        {0, NULL, 0, "DNS:twice.example", true, ""},
        {0, NULL, 0, NULL, false, ""},
    };
    char long_cn[400];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ts_cert c = {0};

        make_named(cases[i].type, cases[i].cn, cases[i].len, cases[i].san, cases[i].twice, &c);
        expect_own_name(&c, cases[i].want);
        ts_cert_free(&c);
    }
    /* Cut at the buffer, as snprintf does (even inside a character). */
    for (size_t i = 0; i < sizeof(long_cn); i += 2) {
        memcpy(long_cn + i, "\xc3\xa9", 2);
    }
    {
        ts_cert c = {0};

        make_named(V_ASN1_UTF8STRING, long_cn, 300, NULL, false, &c);
        expect_own_name(&c, NULL);
        ts_cert_free(&c);
    }
}

/* Random bytes changed in a certificate: when OpenSSL still parses it, both name it alike. */
static void test_own_name_mutated(void **state)
{
    ts_cert base = {0};
    uint64_t r = 0x853c49e6748fea9bu;
    size_t compared = 0;

    (void)state;
    make_named(V_ASN1_UTF8STRING, "mutated.example", 15, "DNS:a.example,IP:10.0.0.1", false, &base);
    for (int it = 0; it < 20000; it++) {
        ts_cert c = {0};
        char ours[256], ossl[256];

        assert_int_equal(ts_cert_copy(&c, &base), 0);
        for (int k = 0; k < 1 + it % 3; k++) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            c.der[(r >> 8) % c.der_len] = (unsigned char)r;
        }
        if (ts_crypto_ossl.cert_own_name(&c, ossl, sizeof(ossl)) == 0 &&
            ts_cert_own_name(&c, ours, sizeof(ours)) == 0) {
            if (strcmp(ours, ossl) != 0) {
                fail_msg("case %d: \"%s\" vs OpenSSL's \"%s\"", it, ours, ossl);
            }
            compared++;
        }
        ts_cert_free(&c);
    }
    ts_cert_free(&base);
    assert_true(compared > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pem_bundle_with_text),
        cmocka_unit_test(test_pem_block_names),
        cmocka_unit_test(test_trusted_certificate),
        cmocka_unit_test(test_der),
        cmocka_unit_test(test_pkcs7),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_append_is_all_or_nothing),
        cmocka_unit_test(test_copy_and_pem),
        cmocka_unit_test(test_pinned_parse),
        cmocka_unit_test(test_ber_refused),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_describe_rsa_sha1_not_self_signed),
        cmocka_unit_test(test_own_name_like_openssl),
        cmocka_unit_test(test_own_name_mutated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
