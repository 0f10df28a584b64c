/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ts_merge, and ts_store_build (what is served) on the same inputs: dedupe, distrust, host
 * selection, aliases, summary, determinism, the file's password.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "keystore.h"
#include "manifest.h"
#include "merge.h"
#include "mf_util.h"
#include "store.h"

#define STAMP INT64_C(1700000000000)

/* Appends a loaded entry directly (bypassing add_cert's checks, like a hand-written manifest). */
static void push(ts_manifest *m, const ts_cert *c, const char *alias, const char *h1,
                 const char *h2)
{
    ts_manifest_cert *mc;

    m->certs = realloc(m->certs, (m->n_certs + 1) * sizeof(*m->certs));
    assert_non_null(m->certs);
    mc = &m->certs[m->n_certs++];
    memset(mc, 0, sizeof(*mc));
    mc->alias = alias != NULL ? strdup(alias) : NULL;
    memcpy(mc->sha256, c->sha256, TS_SHA256_LEN);
    mc->file = strdup("unused.pem");
    mc->hosts = calloc(2, sizeof(char *));
    if (h1 != NULL) {
        mc->hosts[mc->n_hosts++] = strdup(h1);
    }
    if (h2 != NULL) {
        mc->hosts[mc->n_hosts++] = strdup(h2);
    }
    assert_int_equal(ts_cert_copy(&mc->cert, c), 0);
}

static void base_add(ts_keystore *ks, const char *alias, int64_t ms, const ts_cert *c)
{
    ts_error err;

    assert_int_equal(ts_keystore_add(ks, alias, ms, c->der, c->der_len, &err), 0);
}

typedef struct want {
    const char *alias;
    const ts_cert *cert;
    int64_t ms;
} want;

/* dated: the format keeps entries' dates (JKS, JCEKS; not PKCS12). */
static void expect_entries(const ts_keystore *ks, const want *w, size_t n, bool dated)
{
    if (ks->count != n) {
        for (size_t i = 0; i < ks->count; i++) {
            print_message("  [%zu] %s\n", i, ks->items[i].alias);
        }
        fail_msg("%zu entries, expected %zu", ks->count, n);
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ks->items[i].alias, w[i].alias) != 0) {
            fail_msg("entry %zu: alias \"%s\", expected \"%s\"", i, ks->items[i].alias, w[i].alias);
        }
        assert_memory_equal(ks->items[i].cert.sha256, w[i].cert->sha256, TS_SHA256_LEN);
        assert_int_equal(ks->items[i].cert.der_len, w[i].cert->der_len);
        if (dated) {
            assert_int_equal(ks->items[i].created_ms, w[i].ms);
        }
    }
}

typedef struct fixture {
    ts_cert b1, b2, b3, b4, m1, m2, m3, m4, m5, m6, m7;
    ts_keystore base;
    ts_manifest m;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    mf_make_cert("Base One", &f->b1);
    mf_make_cert("DigiCert Root", &f->b2);
    mf_make_cert("Distrusted Root", &f->b3);
    mf_make_cert("Base One Again", &f->b4);
    mf_make_cert("m1", &f->m1);
    mf_make_cert("a.example.test", &f->m2);
    mf_make_cert("Third Party", &f->m3);
    mf_make_cert("m4", &f->m4);
    mf_make_cert("m5", &f->m5);
    mf_make_cert("a.example.test", &f->m6); /* renewed: the same CN, another certificate */
    mf_make_cert("m7", &f->m7);

    base_add(&f->base, "Base One", 1000, &f->b1);
    base_add(&f->base, "DigiCert Root [JDK]", 2000, &f->b2);
    base_add(&f->base, "dup-of-b1", 3000, &f->b1);  /* repeated base entry */
    base_add(&f->base, "distrusted", 4000, &f->b3); /* in distrust[] */
    base_add(&f->base, "base one", 5000, &f->b4);   /* same alias, other cert */

    ts_manifest_init(&f->m);
    push(&f->m, &f->b2, "mine", NULL, NULL);           /* 0: already in the base */
    push(&f->m, &f->m1, "base one", NULL, NULL);       /* 1: alias clash with the base */
    push(&f->m, &f->m2, NULL, "a.example.test", NULL); /* 2: alias from the CN */
    push(&f->m, &f->m3, NULL, NULL, NULL);             /* 3: alias from the CN */
    push(&f->m, &f->m4, "m4", "a.example.test", NULL); /* 4: distrusted */
    push(&f->m, &f->m5, NULL, "B.example.test",
         "A.example.test");                            /* 5: from the CN, not the host */
    push(&f->m, &f->m6, NULL, "a.example.test", NULL); /* 6: same derived alias as 2 */
    push(&f->m, &f->m7, "third-party", NULL, NULL);    /* 7: explicit, wins over 3 */
    ts_manifest_distrust(&f->m, f->b3.sha256);
    ts_manifest_distrust(&f->m, f->m4.sha256);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ts_cert *all[] = {&f->b1, &f->b2, &f->b3, &f->b4, &f->m1, &f->m2,
                      &f->m3, &f->m4, &f->m5, &f->m6, &f->m7};

    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        ts_cert_free(all[i]);
    }
    ts_keystore_free(&f->base);
    ts_manifest_free(&f->m);
    free(f);
    return 0;
}

static void test_merge_all(void **state)
{
    fixture *f = *state;
    ts_merge_opts opts = {NULL, STAMP};
    ts_merge_summary s;
    ts_keystore out;
    ts_error err;
    const want w[] = {
        {"base one", &f->b1, 1000},
        {"digicert root [jdk]", &f->b2, 2000},
        {"base one-2", &f->b4, 5000},
        {"base one-3", &f->m1, STAMP},
        {"a.example.test", &f->m2, STAMP},
        {"third-party-2", &f->m3, STAMP},
        {"m5", &f->m5, STAMP},
        {"a.example.test-2", &f->m6, STAMP},
        {"third-party", &f->m7, STAMP},
    };

    assert_int_equal(ts_merge(&f->base, &f->m, &opts, &out, &s, &err), 0);
    expect_entries(&out, w, sizeof(w) / sizeof(w[0]), true);
    assert_int_equal(s.base, 5);
    assert_int_equal(s.manifest, 8);
    assert_int_equal(s.added, 6);
    assert_int_equal(s.duplicates, 2); /* b1 repeated in the base, manifest[0] already there */
    assert_int_equal(s.distrusted, 2); /* b3 from the base, m4 from the manifest */
    assert_int_equal(s.total, 9);
    assert_int_equal(s.base + s.manifest, s.total + s.duplicates + s.distrusted);
    for (size_t i = 3; i < out.count; i++) {
        assert_true(ts_alias_valid(out.items[i].alias, false));
    }
    ts_keystore_free(&out);

    /* No base at all. */
    assert_int_equal(ts_merge(NULL, &f->m, &opts, &out, &s, &err), 0);
    assert_int_equal(s.base, 0);
    assert_int_equal(s.added, 7);
    assert_int_equal(s.duplicates, 0);
    assert_int_equal(s.distrusted, 1);
    assert_int_equal(out.count, 7);
    assert_string_equal(out.items[0].alias, "mine");
    assert_string_equal(out.items[1].alias, "base one");
    ts_keystore_free(&out);
}

static void test_merge_host(void **state)
{
    fixture *f = *state;
    ts_merge_opts opts = {"A.Example.TEST", STAMP};
    ts_merge_summary s;
    ts_keystore out;
    ts_error err;
    const want w[] = {
        {"base one", &f->b1, 1000},   {"digicert root [jdk]", &f->b2, 2000},
        {"base one-2", &f->b4, 5000}, {"a.example.test", &f->m2, STAMP},
        {"m5", &f->m5, STAMP},        {"a.example.test-2", &f->m6, STAMP},
    };

    assert_int_equal(ts_merge(&f->base, &f->m, &opts, &out, &s, &err), 0);
    expect_entries(&out, w, sizeof(w) / sizeof(w[0]), true);
    assert_int_equal(s.manifest, 4); /* m2, m4 (distrusted), m5, m6 */
    assert_int_equal(s.added, 3);
    assert_int_equal(s.distrusted, 2);
    assert_int_equal(s.duplicates, 1);
    assert_int_equal(s.base + s.manifest, s.total + s.duplicates + s.distrusted);
    ts_keystore_free(&out);

    opts.host = "b.example.test";
    assert_int_equal(ts_merge(NULL, &f->m, &opts, &out, &s, &err), 0);
    assert_int_equal(out.count, 1);
    assert_string_equal(out.items[0].alias, "m5");
    ts_keystore_free(&out);

    opts.host = "nobody.example.test";
    assert_int_equal(ts_merge(NULL, &f->m, &opts, &out, &s, &err), 0);
    assert_int_equal(out.count, 0);
    assert_int_equal(s.manifest, 0);
    ts_keystore_free(&out);
}

static void test_merge_unloaded(void **state)
{
    fixture *f = *state;
    ts_merge_opts opts = {NULL, STAMP};
    ts_keystore out;
    ts_error err;
    ts_cert saved = f->m.certs[3].cert;

    memset(&f->m.certs[3].cert, 0, sizeof(ts_cert));
    assert_int_equal(ts_merge(&f->base, &f->m, &opts, &out, NULL, &err), -1);
    assert_string_equal(err.what, "certificates[3]: certificate not loaded");
    assert_int_equal(out.count, 0);
    /* Not selected for this host: not needed. */
    opts.host = "a.example.test";
    assert_int_equal(ts_merge(&f->base, &f->m, &opts, &out, NULL, &err), 0);
    ts_keystore_free(&out);
    f->m.certs[3].cert = saved;
}

/* What is served (ts_store_build): the file's entries minus the distrusted, then the manifest's
 * additions, under the file's own password; the same inputs give the same bytes. */
static void test_served(void **state)
{
    fixture *f = *state;
    static const ts_format formats[] = {TS_FORMAT_JKS, TS_FORMAT_PKCS12};
    ts_store_in in = {0};
    ts_merge_summary s;
    ts_store_fail why;
    ts_keystore back;
    unsigned char *base_bytes, *out1, *out2;
    size_t base_len, len1, len2;
    ts_error err;
    ts_keystore base_clean;
    /* The file's entries keep their aliases and dates; the additions' aliases are those of
     * test_merge_all, unique against the file's. */
    const want w[] = {
        {"base one", &f->b1, 1000},          {"digicert root [jdk]", &f->b2, 2000},
        {"base one-2", &f->m1, STAMP},       {"a.example.test", &f->m2, STAMP},
        {"third-party-2", &f->m3, STAMP},    {"m5", &f->m5, STAMP},
        {"a.example.test-2", &f->m6, STAMP}, {"third-party", &f->m7, STAMP},
    };

    /* The base as a real JKS file would hold it (unique, lowercase aliases). */
    memset(&base_clean, 0, sizeof(base_clean));
    base_add(&base_clean, "base one", 1000, &f->b1);
    base_add(&base_clean, "digicert root [jdk]", 2000, &f->b2);
    base_add(&base_clean, "distrusted", 4000, &f->b3);
    assert_int_equal(
        ts_keystore_encode(&base_clean, TS_FORMAT_JKS, "changeit", &base_bytes, &base_len, &err),
        0);
    in.base = base_bytes;
    in.base_len = base_len;
    in.password = "changeit";
    in.m = &f->m;
    in.merge = true;
    in.timestamp_ms = STAMP;

    /* JKS: the file edited in place; PKCS12: converted (it holds trusted entries only). */
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        in.format = formats[k];
        assert_int_equal(ts_store_build(&in, &out1, &len1, &s, &why, &err), 0);
        assert_int_equal(ts_store_build(&in, &out2, &len2, NULL, &why, &err), 0);
        assert_int_equal(ts_keystore_detect(out1, len1), formats[k]);
        assert_int_equal(len1, len2);
        assert_memory_equal(out1, out2, len1);
        assert_int_equal(s.base, 3);
        assert_int_equal(s.distrusted, 2);
        assert_int_equal(s.duplicates, 1);
        assert_int_equal(s.added, 6);
        assert_int_equal(s.total, 8);
        assert_int_equal(s.base_skipped, 0);
        assert_int_equal(s.base + s.manifest, s.total + s.duplicates + s.distrusted);

        /* What was written, read back with the file's own password; only JKS keeps dates. */
        memset(&back, 0, sizeof(back));
        assert_int_equal(ts_keystore_decode(out1, len1, "changeit", &back, &err), 0);
        expect_entries(&back, w, sizeof(w) / sizeof(w[0]), formats[k] == TS_FORMAT_JKS);
        ts_keystore_free(&back);
        if (formats[k] == TS_FORMAT_JKS) {
            /* Its digest is keyed with that password (a converted PKCS12 has no MAC). */
            memset(&back, 0, sizeof(back));
            assert_int_equal(ts_keystore_decode(out1, len1, "wrong", &back, &err), -1);
            ts_keystore_free(&back);
        }
        free(out1);
        free(out2);
    }

    /* Another timestamp changes the bytes (it is really used). */
    in.format = TS_FORMAT_UNKNOWN;
    assert_int_equal(ts_store_build(&in, &out1, &len1, NULL, &why, &err), 0);
    in.timestamp_ms = STAMP + 1;
    assert_int_equal(ts_store_build(&in, &out2, &len2, NULL, &why, &err), 0);
    assert_int_equal(len1, len2);
    assert_true(memcmp(out1, out2, len1) != 0);
    free(out1);
    free(out2);

    /* No base. */
    in.base = NULL;
    in.base_len = 0;
    assert_int_equal(ts_store_build(&in, &out1, &len1, &s, &why, &err), 0);
    assert_int_equal(ts_keystore_detect(out1, len1), TS_FORMAT_JKS);
    assert_int_equal(s.total, 7);
    free(out1);

    /* A PKCS12 base whose cert bags lack the trust attribute: 0 trusted entries, 3 that decoding
     * skips.  The merge reports them beside base; the served store keeps them (they are the
     * file's) and so refuses to convert it to JKS. */
    {
        unsigned char *p12 = NULL;
        size_t p12_len = 0;
        ts_keystore decoded, merged;

        mf_make_p12_without_trust(&base_clean, &p12, &p12_len);
        memset(&decoded, 0, sizeof(decoded));
        assert_int_equal(ts_keystore_decode(p12, p12_len, NULL, &decoded, &err), 0);
        assert_int_equal(
            ts_merge(&decoded, &f->m, &(ts_merge_opts){NULL, STAMP}, &merged, &s, &err), 0);
        assert_int_equal(s.base, 0);
        assert_int_equal(s.base_skipped, 3);
        ts_keystore_free(&merged);
        ts_keystore_free(&decoded);

        in.base = p12;
        in.base_len = p12_len;
        in.password = NULL; /* no MAC: none needed */
        in.format = TS_FORMAT_JKS;
        assert_int_equal(ts_store_build(&in, &out1, &len1, &s, &why, &err), -1);
        assert_int_equal(why, TS_STORE_CONVERT);
        in.format = TS_FORMAT_UNKNOWN;
        assert_int_equal(ts_store_build(&in, &out1, &len1, &s, &why, &err), 0);
        assert_int_equal(s.base, 0);
        assert_int_equal(s.added, 7);
        assert_int_equal(s.total, 7);
        memset(&back, 0, sizeof(back));
        assert_int_equal(ts_keystore_decode(out1, len1, NULL, &back, &err), 0);
        assert_int_equal(back.count, 7);
        assert_int_equal(back.skipped, 3);
        ts_keystore_free(&back);
        free(out1);
        free(p12);
    }

    /* A password that does not verify the file is the decoder's error, and nothing is produced. */
    in.base = base_bytes;
    in.base_len = base_len;
    in.password = "wrong";
    assert_int_equal(ts_store_build(&in, &out1, &len1, &s, &why, &err), -1);
    assert_null(out1);
    assert_int_equal(why, TS_STORE_INTEGRITY);
    assert_non_null(strstr(err.what, "keystore digest mismatch"));

    free(base_bytes);
    ts_keystore_free(&base_clean);
}

/* Many certificates asking for the same alias; one explicit alias in the middle of their range. */
static void test_alias_clashes(void **state)
{
    enum { N = 400 };
    ts_manifest m;
    ts_cert c;
    ts_merge_opts opts = {NULL, STAMP};
    ts_keystore base, out;
    ts_error err;
    char name[32];

    (void)state;
    ts_manifest_init(&m);
    memset(&base, 0, sizeof(base));
    for (int i = 0; i < N; i++) {
        mf_make_cert("Same Name", &c);
        push(&m, &c, i == N - 1 ? "same-name-7" : NULL, NULL, NULL);
        if (i == 0) {
            base_add(&base, "Same-Name", 1, &c); /* the base holds the first one already */
        }
        ts_cert_free(&c);
    }
    mf_make_cert("Base", &c);
    base_add(&base, "same-name-2", 2, &c);
    ts_cert_free(&c);

    assert_int_equal(ts_merge(&base, &m, &opts, &out, NULL, &err), 0);
    assert_int_equal(out.count, N + 1);
    assert_string_equal(out.items[0].alias, "same-name");
    assert_string_equal(out.items[1].alias, "same-name-2");
    assert_string_equal(out.items[N].alias, "same-name-7");
    /* Every alias unique; derived ones skip -2 (base) and -7 (explicit). */
    for (size_t i = 0; i < out.count; i++) {
        for (size_t k = i + 1; k < out.count; k++) {
            assert_string_not_equal(out.items[i].alias, out.items[k].alias);
        }
    }
    assert_string_equal(out.items[2].alias, "same-name-3");
    assert_string_equal(out.items[5].alias, "same-name-6");
    assert_string_equal(out.items[6].alias, "same-name-8");
    snprintf(name, sizeof(name), "same-name-%d", N + 1);
    assert_string_equal(out.items[N - 1].alias, name);
    ts_keystore_free(&out);
    ts_keystore_free(&base);
    ts_manifest_free(&m);
}

/*
 * Base aliases: lowercased, printable ASCII kept (" [jdk" too), each run of
 * other bytes one '-'; " [jdk" survives only there.
 */
static void test_base_aliases(void **state)
{
    ts_keystore base, out;
    ts_manifest m;
    ts_cert a, b, c, d, e, f;
    ts_merge_opts opts = {NULL, STAMP};
    ts_error err;

    (void)state;
    mf_make_cert("a", &a);
    mf_make_cert("b", &b);
    mf_make_cert("c", &c);
    mf_make_cert("d", &d);
    mf_make_cert("e", &e);
    mf_make_cert("f", &f);
    memset(&base, 0, sizeof(base));
    base_add(&base, "Caf\xc3\xa9 Root", 1, &a);
    base_add(&base, "Equifax [JDK]", 2, &b);
    /* As in Debian's /etc/ssl/certs/java/cacerts (UTF-8 of "f\u0151tan\u00fas\u00edtv\u00e1ny"). */
    base_add(&base,
             "debian:netlock_arany_=class_gold=_f\xc5\x91tan\xc3\xbas\xc3\xadtv\xc3\xa1ny.pem", 3,
             &d);
    base_add(&base, "tab\there\x7f", 4, &e);
    base_add(&base, "Caf\xc3\xa8 Root", 5, &f); /* the same once replaced: a suffix */
    ts_manifest_init(&m);
    push(&m, &c, "x [jdk]", NULL, NULL); /* invalid for a manifest: rebuilt */
    assert_int_equal(ts_merge(&base, &m, &opts, &out, NULL, &err), 0);
    assert_int_equal(out.count, 6);
    assert_string_equal(out.items[0].alias, "caf- root");
    assert_string_equal(out.items[1].alias, "equifax [jdk]");
    assert_string_equal(out.items[2].alias, "debian:netlock_arany_=class_gold=_f-tan-s-tv-ny.pem");
    assert_string_equal(out.items[3].alias, "tab-here-");
    assert_string_equal(out.items[4].alias, "caf- root-2");
    for (size_t i = 0; i < 5; i++) {
        assert_true(ts_alias_valid(out.items[i].alias, true));
    }
    assert_true(ts_alias_valid(out.items[5].alias, false));
    assert_null(strstr(out.items[5].alias, "[jdk"));
    ts_keystore_free(&out);
    ts_keystore_free(&base);
    ts_manifest_free(&m);
    ts_cert_free(&a);
    ts_cert_free(&b);
    ts_cert_free(&c);
    ts_cert_free(&d);
    ts_cert_free(&e);
    ts_cert_free(&f);
}

static int final_teardown(void **state)
{
    (void)state;
    mf_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_merge_unloaded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_served, setup, teardown),
        cmocka_unit_test(test_alias_clashes),
        cmocka_unit_test(test_base_aliases),
    };
    return cmocka_run_group_tests(tests, NULL, final_teardown);
}
