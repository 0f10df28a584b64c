/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Golden files: fixed input (golden/certs.pem, committed PEM text) and a fixed
 * timestamp must always give the same JKS and PKCS12 bytes, whose SHA-256 are
 * committed in golden/jks.sha256 and golden/p12.sha256.
 *
 * A deliberate change of the encoding regenerates them:
 *   KS_GOLDEN_UPDATE=1 build/bin/keystore_golden
 * then check the new bytes with the JDK (ctest -R keystore_jdk) and commit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cert.h"
#include "keystore.h"

#ifndef KS_GOLDEN_DIR
#error "KS_GOLDEN_DIR must name tests/keystore/golden"
#endif

/* 2023-11-14T22:13:20Z: SOURCE_DATE_EPOCH=1700000000 through ts_timestamp_from_epoch_string. */
#define GOLDEN_EPOCH "1700000000"

static char *read_text(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (fp == NULL) {
        fail_msg("cannot open %s", path);
    }
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n > 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void golden_keystore(ts_keystore *ks, ts_cert_list *certs, char **text)
{
    size_t len = 0;
    int64_t created_ms = 0;
    ts_error err;

    *text = read_text(KS_GOLDEN_DIR "/certs.pem", &len);
    ts_error_clear(&err);
    assert_int_equal(ts_timestamp_from_epoch_string(GOLDEN_EPOCH, &created_ms, &err), 0);
    assert_int_equal(created_ms, INT64_C(1700000000000));
    if (ts_certs_parse((unsigned char *)*text, len, certs, &err) != 0) {
        fail_msg("certs.pem: %s: %s", err.where, err.what);
    }
    assert_int_equal(certs->count, 3);
    for (size_t i = 0; i < certs->count; i++) {
        char alias[32];

        snprintf(alias, sizeof(alias), "golden-%zu", i + 1);
        assert_int_equal(ts_keystore_add(ks, alias, created_ms, certs->items[i].der,
                                         certs->items[i].der_len, NULL),
                         0);
    }
}

static void check_golden(const ts_keystore *ks, ts_format format, const char *name)
{
    unsigned char *a = NULL, *b = NULL, md[TS_SHA256_LEN];
    size_t a_len = 0, b_len = 0, want_len = 0;
    char hex[TS_SHA256_HEX_LEN + 1], path[512];
    char *want;
    ts_error err;

    assert_int_equal(ts_keystore_encode(ks, format, NULL, &a, &a_len, &err), 0);
    assert_int_equal(ts_keystore_encode(ks, format, NULL, &b, &b_len, &err), 0);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    assert_int_equal(EVP_Digest(a, a_len, md, NULL, EVP_sha256(), NULL), 1);
    ts_sha256_to_hex(md, hex);
    snprintf(path, sizeof(path), "%s/%s", KS_GOLDEN_DIR, name);
    if (getenv("KS_GOLDEN_UPDATE") != NULL) {
        FILE *fp = fopen(path, "w");

        assert_non_null(fp);
        fprintf(fp, "%s\n", hex);
        fclose(fp);
        fprintf(stderr, "wrote %s: %s\n", path, hex);
    }
    want = read_text(path, &want_len);
    if (want_len < TS_SHA256_HEX_LEN || strncmp(want, hex, TS_SHA256_HEX_LEN) != 0) {
        fail_msg("%s: the encoding changed: SHA-256 %s, golden %.64s (see the comment at the "
                 "top of test_golden.c)",
                 name, hex, want);
    }
    free(want);
    free(a);
    free(b);
}

static void test_golden_jks(void **state)
{
    ts_keystore ks = {0};
    ts_cert_list certs = {0};
    char *text;

    (void)state;
    golden_keystore(&ks, &certs, &text);
    check_golden(&ks, TS_FORMAT_JKS, "jks.sha256");
    ts_keystore_free(&ks);
    ts_cert_list_free(&certs);
    free(text);
}

static void test_golden_p12(void **state)
{
    ts_keystore ks = {0};
    ts_cert_list certs = {0};
    char *text;

    (void)state;
    golden_keystore(&ks, &certs, &text);
    check_golden(&ks, TS_FORMAT_PKCS12, "p12.sha256");
    ts_keystore_free(&ks);
    ts_cert_list_free(&certs);
    free(text);
}

/* ts_cert_to_pem writes each block exactly as openssl wrote it in the fixture. */
static void test_golden_pem_text(void **state)
{
    ts_keystore ks = {0};
    ts_cert_list certs = {0};
    char *text;

    (void)state;
    golden_keystore(&ks, &certs, &text);
    for (size_t i = 0; i < certs.count; i++) {
        char *pem = ts_cert_to_pem(&certs.items[i]);

        assert_non_null(pem);
        assert_non_null(strstr(text, pem));
        free(pem);
    }
    ts_keystore_free(&ks);
    ts_cert_list_free(&certs);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_jks),
        cmocka_unit_test(test_golden_p12),
        cmocka_unit_test(test_golden_pem_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
