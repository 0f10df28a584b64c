/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-1 and SHA-256 (preload/core/sha.c) on both of their paths, the SHA
 * extensions (when this CPU has them) and the portable code: the FIPS 180-4
 * example vectors, then OpenSSL's digests for every length 0..4096, each fed
 * in random pieces.
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

#include "sha.h"

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        sprintf(out + 2 * i, "%02x", d[i]);
    }
}

static void sha1_of(const void *p, size_t len, unsigned char out[20])
{
    ts_sha1_ctx c;

    ts_sha1_init(&c);
    ts_sha1_update(&c, p, len);
    ts_sha1_final(&c, out);
}

static void sha256_of(const void *p, size_t len, unsigned char out[32])
{
    ts_sha256_ctx c;

    ts_sha256_init(&c);
    ts_sha256_update(&c, p, len);
    ts_sha256_final(&c, out);
}

typedef struct algorithm {
    const char *name;
    size_t len;
    void (*digest)(const void *p, size_t len, unsigned char *out);
} algorithm;

static const algorithm sha1 = {"SHA-1", 20, sha1_of};
static const algorithm sha256 = {"SHA-256", 32, sha256_of};

/* The input is text repeated `repeat` times. */
typedef struct vector {
    const algorithm *alg;
    const char *text;
    size_t repeat;
    const char *hex;
} vector;

#define TWO_BLOCKS "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

/* FIPS 180-4's examples (NIST's "SHA1.pdf", "SHA256.pdf"), and a million 'a'. */
static const vector fips[] = {
    {&sha1, "abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {&sha1, TWO_BLOCKS, 1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {&sha1, "", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {&sha1, "a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
    {&sha256, "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {&sha256, TWO_BLOCKS, 1, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {&sha256, "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {&sha256, "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

static void vectors(void)
{
    for (size_t i = 0; i < sizeof(fips) / sizeof(fips[0]); i++) {
        const vector *v = &fips[i];
        size_t n = strlen(v->text);
        char *input = malloc(n * v->repeat + 1);
        unsigned char d[32];
        char h[65];

        assert_non_null(input);
        for (size_t k = 0; k < v->repeat; k++) {
            memcpy(input + k * n, v->text, n);
        }
        v->alg->digest(input, n * v->repeat, d);
        hex(d, v->alg->len, h);
        if (strcmp(h, v->hex) != 0) {
            fail_msg("%s of vector %zu: %s, expected %s", v->alg->name, i, h, v->hex);
        }
        free(input);
    }
}

static uint64_t rnd_state = 0x2545f4914f6cdd1du;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* Every length 0..4096 (from an odd offset: unaligned loads), in up to four random pieces. */
static void against_openssl(void)
{
    enum { MAX = 4096 };
    unsigned char *buf = malloc(MAX + 1), *in = buf + 1;

    assert_non_null(buf);
    for (size_t i = 0; i <= MAX; i++) {
        buf[i] = (unsigned char)rnd();
    }
    for (size_t len = 0; len <= MAX; len++) {
        unsigned char ours1[20], ours256[32], ref1[20], ref256[32];
        size_t cut[5] = {0, 0, 0, 0, len};
        ts_sha1_ctx c1;
        ts_sha256_ctx c256;

        for (int i = 1; i < 4; i++) {
            cut[i] = len > 0 ? rnd() % (len + 1) : 0;
        }
        /* sorted cut points: pieces cut[i]..cut[i+1] */
        for (int i = 1; i < 4; i++) {
            for (int j = i + 1; j < 4; j++) {
                if (cut[j] < cut[i]) {
                    size_t t = cut[i];
                    cut[i] = cut[j];
                    cut[j] = t;
                }
            }
        }
        ts_sha1_init(&c1);
        ts_sha256_init(&c256);
        for (int i = 0; i < 4; i++) {
            ts_sha1_update(&c1, in + cut[i], cut[i + 1] - cut[i]);
            ts_sha256_update(&c256, in + cut[i], cut[i + 1] - cut[i]);
        }
        ts_sha1_final(&c1, ours1);
        ts_sha256_final(&c256, ours256);
        assert_int_equal(EVP_Digest(in, len, ref1, NULL, EVP_sha1(), NULL), 1);
        assert_int_equal(EVP_Digest(in, len, ref256, NULL, EVP_sha256(), NULL), 1);
        if (memcmp(ours1, ref1, 20) != 0 || memcmp(ours256, ref256, 32) != 0) {
            fail_msg("length %zu (pieces at %zu, %zu, %zu): %s differs", len, cut[1], cut[2],
                     cut[3], memcmp(ours1, ref1, 20) != 0 ? "SHA-1" : "SHA-256");
        }
    }
    free(buf);
}

static void test_sha_extensions(void **state)
{
    (void)state;
    if (!ts_sha_portable_only(false)) {
        /* Not a failure: the portable path is then the one every process uses. */
        printf("SKIPPED: this CPU has no SHA extensions; the portable path is tested below\n");
        if (getenv("TRUSTSHIM_NO_SKIP") != NULL && getenv("TS_SHA_NI_REQUIRED") != NULL) {
            fail_msg("SHA extensions required here (TS_SHA_NI_REQUIRED)");
        }
        return;
    }
    vectors();
    against_openssl();
}

static void test_sha_portable(void **state)
{
    (void)state;
    assert_false(ts_sha_portable_only(true));
    vectors();
    against_openssl();
    ts_sha_portable_only(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha_extensions),
        cmocka_unit_test(test_sha_portable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
