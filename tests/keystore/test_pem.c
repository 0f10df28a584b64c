/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The PEM decoder (preload/core/pem.c) against OpenSSL's PEM_read_bio, which
 * it replaced: chosen cases of what OpenSSL takes and refuses, then many
 * generated bundles, mutated, each decoded by both (pem_oracle.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pem_oracle.c"

/* A block decodes (ok) or is refused, and OpenSSL agrees. */
static void expect(const char *text, size_t len, bool ok, const char *data)
{
    char why[256];
    size_t pos = 0;
    ts_pem_block b;
    const char *no = NULL;
    ts_pem_result r = ts_pem_next((const unsigned char *)text, len, &pos, &b, &no);

    if (pem_oracle_compare((const unsigned char *)text, len, why, sizeof(why)) != 0) {
        fail_msg("OpenSSL disagrees on \"%.*s\": %s", (int)len, text, why);
    }
    assert_int_equal(r, ok ? TS_PEM_BLOCK : TS_PEM_MALFORMED);
    if (ok) {
        assert_int_equal(b.data_len, strlen(data));
        assert_memory_equal(b.data, data, b.data_len);
        free(b.data);
    } else {
        assert_non_null(no);
    }
}

#define EXPECT(text, ok, data) expect(text, sizeof(text) - 1, ok, data)
#define B "-----BEGIN CERTIFICATE-----\n"
#define E "-----END CERTIFICATE-----\n"

static void test_accepted(void **state)
{
    (void)state;
    EXPECT(B "QUJD\n" E, true, "ABC");
    EXPECT("text before\n" B "QUJD\n" E "text after", true, "ABC");
    EXPECT("-----BEGIN CERTIFICATE-----  \r\nQU JD\r\n" E, true, "ABC");
    EXPECT("\xef\xbb\xbf" B "QUI=\n" E, true, "AB");
    EXPECT(B "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nQQ==\n" E, true, "A");
    EXPECT(B "\nQUJD\n" E, true, "ABC");               /* a blank line before the data */
    EXPECT(B "QUJDQUJD\nQUJD\n" E, true, "ABCABCABC"); /* no headers: any line lengths */
    EXPECT(B "QUJD\t\n" E "\n", true, "ABC");          /* trailing whitespace */
    EXPECT(B "QUJD\n-----END CERTIFICATE-----   \n", true, "ABC");
    EXPECT(B "QUJD\n-ignored!\n" E, true, "ABC"); /* a '-' ends the data */
    EXPECT(B "QUJ\nD\n" E, true, "ABC");          /* quads across lines */
}

static void test_refused(void **state)
{
    (void)state;
    EXPECT(B "QUJD\n", false, NULL);                                 /* no END line */
    EXPECT(B "QUJD\n-----END X509 CERTIFICATE-----\n", false, NULL); /* another name */
    EXPECT(B "QU!D\n" E, false, NULL);                               /* not base64 */
    EXPECT(B "QUJ\n" E, false, NULL);                                /* not a multiple of 4 */
    EXPECT(B "QQ==QUJD\n" E, false, NULL);                           /* data after padding */
    EXPECT(B "Q===\n" E, false, NULL);
    EXPECT(B E, false, NULL);                                  /* no data */
    EXPECT(B "Proc-Type: 4,ENCRYPTED\nQUJD\n" E, false, NULL); /* headers, no blank line */
    EXPECT(B "X: y\n\nQUJD\n\nQUJD\n" E, false, NULL);         /* a second blank line */
    EXPECT(B "\nQUJD\nQUJDQUJD\n" E, false, NULL);             /* a short line, then more */
    EXPECT(B "\nQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD\n" E, false,
           NULL); /* longer than 64 after a blank line */
}

static void test_messages(void **state)
{
    static const char bad[] = B "QU!D\n" E;
    static const char open_end[] = B "QUJD\n";
    static const char other[] = B "QUJD\n-----END PKCS7-----\n";
    size_t pos = 0;
    ts_pem_block b;
    const char *why = NULL;

    (void)state;
    assert_int_equal(ts_pem_next((const unsigned char *)bad, sizeof(bad) - 1, &pos, &b, &why),
                     TS_PEM_MALFORMED);
    assert_string_equal(why, "bad base64");
    pos = 0;
    assert_int_equal(
        ts_pem_next((const unsigned char *)open_end, sizeof(open_end) - 1, &pos, &b, &why),
        TS_PEM_MALFORMED);
    assert_string_equal(why, "missing END line");
    pos = 0;
    assert_int_equal(ts_pem_next((const unsigned char *)other, sizeof(other) - 1, &pos, &b, &why),
                     TS_PEM_MALFORMED);
    assert_string_equal(why, "END line does not match the BEGIN line");
    pos = 0;
    assert_int_equal(ts_pem_next((const unsigned char *)"no PEM", 6, &pos, &b, &why), TS_PEM_NONE);
}

static void test_base64_encode(void **state)
{
    unsigned char in[256];
    char out[400];

    (void)state;
    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (unsigned char)(i * 7 + 3);
    }
    for (size_t n = 0; n <= sizeof(in); n++) {
        unsigned char ref[400];
        int m = EVP_EncodeBlock(ref, in, (int)n);

        assert_int_equal(ts_base64_encode(in, n, out), (size_t)m);
        assert_memory_equal(out, ref, (size_t)m);
    }
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

/* A well-formed block of random bytes, in one of the shapes tools write, into o; its length. */
static size_t gen_block(char *o)
{
    static const char *names[] = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "PKCS7",
                                  "PRIVATE KEY"};
    unsigned char d[300];
    char b64[400];
    size_t n = 0, dl = rnd() % sizeof(d), bl, w;
    const char *name = names[rnd() % 5];

    for (size_t i = 0; i < dl; i++) {
        d[i] = (unsigned char)rnd();
    }
    bl = ts_base64_encode(d, dl, b64);
    n += (size_t)sprintf(o + n, "-----BEGIN %s-----%s", name, rnd() % 8 == 0 ? " \r\n" : "\n");
    if (rnd() % 6 == 0) {
        n += (size_t)sprintf(o + n, "Proc-Type: 4,ENCRYPTED\nDEK-Info: X\n\n");
    } else if (rnd() % 10 == 0) {
        o[n++] = '\n';
    }
    w = rnd() % 5 == 0 ? 1 + rnd() % 80 : 64;
    for (size_t i = 0; i < bl; i += w) {
        size_t m = bl - i < w ? bl - i : w;

        memcpy(o + n, b64 + i, m);
        n += m;
        n += (size_t)sprintf(o + n, rnd() % 10 == 0 ? "\r\n" : "\n");
    }
    n += (size_t)sprintf(o + n, "-----END %s-----\n", rnd() % 30 == 0 ? names[rnd() % 5] : name);
    return n;
}

/* Bundles of one to three blocks with text between, each then given up to three random edits. */
static void test_generated(void **state)
{
    static char buf[8192];
    static const char edits[] = "A=-\n\r \t:\0!\x80\xef";
    size_t decoded = 0, refused = 0;
    char why[256];

    (void)state;
    for (int it = 0; it < 50000; it++) {
        size_t len = 0, pos = 0;
        int blocks = 1 + (int)(rnd() % 3), n_edits = (int)(rnd() % 4);
        ts_pem_block b;
        const char *no;
        ts_pem_result r;

        for (int i = 0; i < blocks; i++) {
            if (rnd() % 3 == 0) {
                len += (size_t)sprintf(buf + len, "text: between %d\n", i);
            }
            len += gen_block(buf + len);
        }
        /* A long line now and then: OpenSSL reads lines in pieces of 254 bytes. */
        if (rnd() % 20 == 0) {
            size_t at = rnd() % len, m = 240 + rnd() % 30;

            memmove(buf + at + m, buf + at, len - at);
            memset(buf + at, "A :"[rnd() % 3], m);
            len += m;
        }
        for (int e = 0; e < n_edits && len > 0; e++) {
            size_t at = rnd() % len;
            char c = edits[rnd() % (sizeof(edits) - 1)];

            switch (rnd() % 3) {
            case 0:
                buf[at] = c;
                break;
            case 1:
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = c;
                len++;
                break;
            default:
                memmove(buf + at, buf + at + 1, len - at - 1);
                len--;
            }
        }
        if (pem_oracle_compare((const unsigned char *)buf, len, why, sizeof(why)) != 0) {
            fail_msg("case %d: %s", it, why);
        }
        while ((r = ts_pem_next((const unsigned char *)buf, len, &pos, &b, &no)) == TS_PEM_BLOCK) {
            decoded++;
            free(b.data);
        }
        refused += r == TS_PEM_MALFORMED;
    }
    /* Both outcomes were exercised, many times. */
    assert_true(decoded > 20000);
    assert_true(refused > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),  cmocka_unit_test(test_refused),
        cmocka_unit_test(test_messages),  cmocka_unit_test(test_base64_encode),
        cmocka_unit_test(test_generated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
