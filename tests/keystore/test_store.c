/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ts_store_build: the served store is the file plus the manifest.  PKCS12 files
 * are made here with OpenSSL (trusted bags with the JDK's attribute, encrypted
 * with AES, 3DES or RC2-40, a key with its certificate, a MAC or none); the
 * JDK-judged checks are in jdk_store.sh.  Also the Java-serialization skipper
 * behind JCEKS secret keys, and the additions' aliases and dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "keystore_internal.h"
#include "merge.h"
#include "mf_util.h"
#include "store.h"

#define PW "s3cret\xc3\xa9" /* non-ASCII on purpose */

typedef struct fixture {
    ts_cert t0, t1, add; /* trusted in the file (t0 gets distrusted), added by the manifest */
    ts_cert keycert;
    EVP_PKEY *key;
    ts_manifest m;
    OSSL_LIB_CTX *legacy; /* the test's own, to make RC2 files */
    OSSL_PROVIDER *providers[2];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    mf_make_cert("Trusted Zero", &f->t0);
    mf_make_cert("Trusted One", &f->t1);
    mf_make_cert("Added", &f->add);
    mf_make_cert("Key Holder", &f->keycert);
    f->key = EVP_EC_gen("P-256");
    assert_non_null(f->key);
    assert_int_equal(ts_manifest_init(&f->m), 0);
    assert_int_equal(ts_manifest_add_cert(&f->m, &f->add, "added", NULL, 0, NULL,
                                          "2024-05-01T12:00:00.250+02:00", NULL, NULL),
                     0);
    assert_int_equal(ts_manifest_add_cert(&f->m, &f->t1, NULL, NULL, 0, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ts_manifest_distrust(&f->m, f->t0.sha256), 0);
    f->legacy = OSSL_LIB_CTX_new();
    assert_non_null(f->legacy);
    f->providers[0] = OSSL_PROVIDER_load(f->legacy, "default");
    f->providers[1] = OSSL_PROVIDER_load(f->legacy, "legacy");
    assert_non_null(f->providers[0]);
    assert_non_null(f->providers[1]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    ts_cert_free(&f->t0);
    ts_cert_free(&f->t1);
    ts_cert_free(&f->add);
    ts_cert_free(&f->keycert);
    EVP_PKEY_free(f->key);
    ts_manifest_free(&f->m);
    OSSL_PROVIDER_unload(f->providers[1]);
    OSSL_PROVIDER_unload(f->providers[0]);
    OSSL_LIB_CTX_free(f->legacy);
    free(f);
    mf_cleanup();
    return 0;
}

static X509 *x509_of(const ts_cert *c)
{
    const unsigned char *p = c->der;
    X509 *x = d2i_X509(NULL, &p, (long)c->der_len);

    assert_non_null(x);
    return x;
}

/* A SafeBag of c with the JDK's trusted-usage attribute (anyExtendedKeyUsage) and a name. */
static PKCS12_SAFEBAG *trusted_bag(const ts_cert *c, const char *name)
{
    X509 *x = x509_of(c);
    PKCS12_SAFEBAG *bag = PKCS12_SAFEBAG_create_cert(x);
    ASN1_OBJECT *any = OBJ_txt2obj("2.5.29.37.0", 1);

    assert_non_null(bag);
    assert_non_null(any);
    assert_int_equal(PKCS12_add_friendlyname_asc(bag, name, -1), 1);
    /* len -1: the data is the ASN1_OBJECT itself. */
    assert_int_equal(PKCS12_add1_attr_by_txt(bag, "2.16.840.1.113894.746875.1.1", V_ASN1_OBJECT,
                                             (const unsigned char *)any, -1),
                     1);
    ASN1_OBJECT_free(any);
    X509_free(x);
    return bag;
}

typedef struct p12_opts {
    int cert_nid;      /* encryption of the trusted safe: -1 none, else a PBE or cipher NID */
    const EVP_MD *mac; /* NULL: no MAC */
    bool with_key;     /* a shrouded key and its certificate (localKeyId) in a data safe */
    const char *pw;    /* NULL: PW */
    bool null_pw;      /* keyed with the zero-length password, OpenSSL's NULL (pyca's None) */
} p12_opts;

/* A PKCS12 file: [trusted t0, t1] (maybe encrypted), [key + its certificate]. */
static void make_p12(const fixture *f, const p12_opts *o, unsigned char **out, size_t *len)
{
    STACK_OF(PKCS12_SAFEBAG) *trusted = sk_PKCS12_SAFEBAG_new_null();
    STACK_OF(PKCS7) *safes = sk_PKCS7_new_null();
    PKCS7 *p7;
    PKCS12 *p12;
    unsigned char *der = NULL;
    int n;
    const char *pw = o->null_pw ? NULL : o->pw != NULL ? o->pw : PW;

    sk_PKCS12_SAFEBAG_push(trusted, trusted_bag(&f->t0, "Trusted Zero"));
    sk_PKCS12_SAFEBAG_push(trusted, trusted_bag(&f->t1, "trusted one"));
    if (o->cert_nid == -1) {
        p7 = PKCS12_pack_p7data(trusted);
    } else {
        p7 = PKCS12_pack_p7encdata_ex(o->cert_nid, pw, -1, NULL, 0, 2048, trusted, f->legacy, NULL);
    }
    assert_non_null(p7);
    sk_PKCS7_push(safes, p7);
    sk_PKCS12_SAFEBAG_pop_free(trusted, PKCS12_SAFEBAG_free);
    if (o->with_key) {
        STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
        X509 *x = x509_of(&f->keycert);
        unsigned char id[] = {1, 2, 3, 4};
        PKCS12_SAFEBAG *cb = PKCS12_add_cert(&bags, x);
        PKCS12_SAFEBAG *kb =
            PKCS12_add_key_ex(&bags, f->key, 0, 2048, NID_aes_256_cbc, pw, NULL, NULL);

        assert_non_null(cb);
        assert_non_null(kb);
        assert_int_equal(PKCS12_add_localkeyid(cb, id, sizeof(id)), 1);
        assert_int_equal(PKCS12_add_localkeyid(kb, id, sizeof(id)), 1);
        assert_int_equal(PKCS12_add_friendlyname_asc(kb, "MyKey", -1), 1);
        p7 = PKCS12_pack_p7data(bags);
        assert_non_null(p7);
        sk_PKCS7_push(safes, p7);
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
        X509_free(x);
    }
    p12 = PKCS12_add_safes(safes, 0);
    assert_non_null(p12);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    if (o->mac != NULL) {
        assert_int_equal(PKCS12_set_mac(p12, pw, -1, NULL, 0, 2048, o->mac), 1);
    }
    n = i2d_PKCS12(p12, &der);
    assert_true(n > 0);
    *out = malloc((size_t)n);
    assert_non_null(*out);
    memcpy(*out, der, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(der);
    PKCS12_free(p12);
}

static const ts_entry *find_cert(const ts_keystore *ks, const ts_cert *c)
{
    long i = ts_keystore_find_sha256(ks, c->sha256);

    return i < 0 ? NULL : &ks->items[i];
}

/* The entry of c, which must be there. */
static const ts_entry *must_find(const ts_keystore *ks, const ts_cert *c)
{
    long i = ts_keystore_find_sha256(ks, c->sha256);

    if (i < 0) {
        fail_msg("certificate not found");
        abort();
    }
    return &ks->items[i];
}

static void assert_invariant(const ts_merge_summary *s)
{
    assert_int_equal(s->base + s->manifest, s->total + s->duplicates + s->distrusted);
}

/* What the preload would pass for a file: its bytes, a password, the manifest, merged. */
static ts_store_in store_in(const unsigned char *base, size_t len, const char *password,
                            const ts_manifest *m)
{
    ts_store_in in = {0};

    in.base = base;
    in.base_len = len;
    in.password = password;
    in.m = m;
    in.merge = true;
    return in;
}

/* Builds with in; 0 and the outcome, the process's OpenSSL error queue untouched. */
static int build(const ts_store_in *in, unsigned char **out, size_t *len, ts_merge_summary *s,
                 ts_store_fail *why, ts_error *err)
{
    int rc;

    ERR_clear_error();
    ERR_raise_data(ERR_LIB_USER, 42, "the application's own error");
    rc = ts_store_build(in, out, len, s, why, err);
    assert_int_equal(ERR_GET_REASON(ERR_peek_last_error()), 42);
    assert_int_equal(ERR_GET_REASON(ERR_get_error()), 42);
    assert_int_equal(ERR_peek_error(), 0);
    return rc;
}

static void test_p12_matrix(void **state)
{
    fixture *f = *state;
    const int nids[] = {-1, NID_aes_256_cbc, NID_pbe_WithSHA1And3_Key_TripleDES_CBC,
                        NID_pbe_WithSHA1And40BitRC2_CBC, NID_pbe_WithSHA1And128BitRC4};
    const EVP_MD *macs[] = {NULL, EVP_sha256(), EVP_sha1()};

    for (size_t i = 0; i < sizeof(nids) / sizeof(nids[0]); i++) {
        for (size_t k = 0; k < sizeof(macs) / sizeof(macs[0]); k++) {
            p12_opts o = {nids[i], macs[k], true, NULL, false};
            unsigned char *in_bytes, *out = NULL;
            size_t in_len, out_len;
            ts_store_in in = {0};
            ts_merge_summary s;
            ts_store_fail why;
            ts_error err;
            ts_keystore back = {0};
            const ts_entry *e;
            ts_p12_file pf;

            make_p12(f, &o, &in_bytes, &in_len);
            in = store_in(in_bytes, in_len, PW, &f->m);
            in.timestamp_ms = 7;
            ts_error_clear(&err);
            if (build(&in, &out, &out_len, &s, &why, &err) != 0) {
                fail_msg("cipher %d mac %zu: %s (%s)", nids[i], k, err.what,
                         ts_store_fail_name(why));
            }
            assert_int_equal(why, TS_STORE_OK);
            assert_invariant(&s);
            assert_int_equal(s.base, 3); /* two trusted, one key */
            assert_int_equal(s.distrusted, 1);
            assert_int_equal(s.added, 1); /* t1 is there already */
            assert_int_equal(s.duplicates, 1);
            assert_int_equal(s.total, 3);
            /* The legacy algorithms ran in the core's own context, never the default one. */
            assert_int_equal(OSSL_PROVIDER_available(NULL, "legacy"), 0);
            /* Decoded with the password: t1, the key's certificate, the addition; not t0. */
            assert_int_equal(ts_keystore_decode(out, out_len, PW, &back, &err), 0);
            assert_null(find_cert(&back, &f->t0));
            assert_non_null(find_cert(&back, &f->t1));
            e = must_find(&back, &f->keycert);
            assert_true(e->key_entry);
            assert_string_equal(e->alias, "mykey");
            e = must_find(&back, &f->add);
            assert_false(e->key_entry);
            assert_string_equal(e->alias, "added");
            ts_keystore_free(&back);
            /* OpenSSL agrees with the MAC; the key's safe is there byte for byte. */
            if (macs[k] != NULL) {
                const unsigned char *p = out;
                PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)out_len);

                assert_non_null(p12);
                assert_int_equal(PKCS12_verify_mac(p12, PW, -1), 1);
                PKCS12_free(p12);
            }
            assert_int_equal(ts_p12_open(in_bytes, in_len, NULL, &pf, &err), 0);
            assert_int_equal(pf.n_safes, 2);
            assert_non_null(memmem(out, out_len, pf.safes[1].der, pf.safes[1].len));
            ts_p12_file_free(&pf);
            /* Wrong password: integrity; none: needed when there is a MAC or a closed safe.
             * Neither (as the JDK loads such a file with any password): served. */
            free(out);
            out = NULL;
            in.password = "wrong";
            if (macs[k] != NULL || nids[i] != -1) {
                assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), -1);
                assert_int_equal(why, TS_STORE_INTEGRITY);
                in.password = NULL;
                assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), -1);
                assert_int_equal(why, TS_STORE_PASSWORD);
                assert_null(out);
            } else {
                assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
                free(out);
                in.password = NULL;
                assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
                free(out);
            }
            free(in_bytes);
        }
    }
}

/* No MAC, nothing encrypted: no password is needed; a MAC-less file with a closed safe and
 * nothing to do is served as it is. */
static void test_p12_without_password(void **state)
{
    fixture *f = *state;
    p12_opts plain = {-1, NULL, true, NULL, false},
             closed = {NID_aes_256_cbc, NULL, false, NULL, false};
    unsigned char *in_bytes, *out = NULL;
    size_t in_len, out_len;
    ts_store_in in = {0};
    ts_merge_summary s;
    ts_store_fail why;
    ts_error err;
    ts_manifest empty;
    ts_keystore back = {0};

    make_p12(f, &plain, &in_bytes, &in_len);
    in = store_in(in_bytes, in_len, NULL, &f->m);
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
    assert_int_equal(ts_keystore_decode(out, out_len, NULL, &back, &err), 0);
    assert_null(find_cert(&back, &f->t0));
    assert_non_null(find_cert(&back, &f->add));
    ts_keystore_free(&back);
    free(out);
    free(in_bytes);

    make_p12(f, &closed, &in_bytes, &in_len);
    in.base = in_bytes;
    in.base_len = in_len;
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), -1);
    assert_int_equal(why, TS_STORE_PASSWORD);
    assert_non_null(strstr(err.what, "encrypted safe"));
    assert_int_equal(ts_manifest_init(&empty), 0);
    in.m = &empty;
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
    assert_int_equal(out_len, in_len);
    assert_memory_equal(out, in_bytes, in_len);
    ts_manifest_free(&empty);
    free(out);
    free(in_bytes);
}

/*
 * A store made "without a password" (MAC and encryption keyed with the empty password, as pyca
 * and `openssl pkcs12 -passout pass:` write it) while the password is the manifest's default:
 * served with its own empty password, so a null or "" reader keeps reading it and the default
 * one keeps failing.  A password set for the store is never second-guessed.
 */
static void test_p12_empty_password_guessed(void **state)
{
    fixture *f = *state;

    for (int variant = 0; variant < 2; variant++) {
        p12_opts o = {NID_aes_256_cbc, EVP_sha256(), true, "", variant == 1};
        unsigned char *in_bytes, *out = NULL;
        size_t in_len, out_len;
        ts_merge_summary s;
        ts_store_fail why;
        ts_error err;
        ts_keystore back = {0};
        ts_store_in in;

        make_p12(f, &o, &in_bytes, &in_len);
        in = store_in(in_bytes, in_len, "changeit", &f->m);
        assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), -1);
        assert_int_equal(why, TS_STORE_INTEGRITY);
        in.password_guessed = true;
        assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
        assert_int_equal(why, TS_STORE_OK);
        assert_invariant(&s);
        assert_int_not_equal(ts_keystore_decode(out, out_len, "changeit", &back, &err), 0);
        ts_keystore_free(&back);
        memset(&back, 0, sizeof(back));
        assert_int_equal(ts_keystore_decode(out, out_len, "", &back, &err), 0);
        assert_null(find_cert(&back, &f->t0));
        assert_non_null(find_cert(&back, &f->t1));
        assert_non_null(find_cert(&back, &f->add));
        ts_keystore_free(&back);
        free(out);
        free(in_bytes);
    }
}

static void test_p12_pbmac1(void **state)
{
    fixture *f = *state;
    /* sha256 and PBMAC1 OIDs have the same length: one rewritten in place. */
    static const unsigned char sha256_oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                               0x65, 0x03, 0x04, 0x02, 0x01};
    static const unsigned char pbmac1_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                               0xf7, 0x0d, 0x01, 0x05, 0x0e};
    p12_opts o = {-1, EVP_sha256(), false, NULL, false};
    unsigned char *in_bytes, *out = NULL, *at;
    size_t in_len, out_len;
    ts_store_in in = {0};
    ts_store_fail why;
    ts_error err;

    make_p12(f, &o, &in_bytes, &in_len);
    at = memmem(in_bytes, in_len, sha256_oid, sizeof(sha256_oid));
    assert_non_null(at);
    memcpy(at, pbmac1_oid, sizeof(pbmac1_oid));
    in = store_in(in_bytes, in_len, PW, &f->m);
    assert_int_equal(build(&in, &out, &out_len, NULL, &why, &err), -1);
    assert_int_equal(why, TS_STORE_UNSUPPORTED);
    assert_non_null(strstr(err.what, "PBMAC1"));
    free(in_bytes);
}

/* An empty file is a damaged store, not a missing one: a keystore rewritten in place is empty for
 * a moment, and the JDK fails on it; served as no file it would lose every entry. */
static void test_empty_file(void **state)
{
    fixture *f = *state;
    static const unsigned char nothing[1] = {0};
    unsigned char *out = NULL;
    size_t out_len = 0;
    ts_store_in in = store_in(nothing, 0, PW, &f->m);
    ts_store_fail why;
    ts_error err;

    assert_int_equal(build(&in, &out, &out_len, NULL, &why, &err), -1);
    assert_int_equal(why, TS_STORE_FORMAT);
    assert_non_null(strstr(err.what, "the file is empty"));
    assert_null(out);
    /* No file at all is still a store of the manifest's certificates. */
    in.base = NULL;
    assert_int_equal(build(&in, &out, &out_len, NULL, &why, &err), 0);
    assert_int_equal(ts_keystore_detect(out, out_len), TS_FORMAT_JKS);
    free(out);
}

/* JKS: every entry kept, the digest made with the password; conversion only without keys. */
static void test_jks_and_conversion(void **state)
{
    fixture *f = *state;
    ts_keystore ks = {0}, back = {0};
    unsigned char *jks, *out = NULL;
    size_t jks_len, out_len;
    ts_store_in in = {0};
    ts_merge_summary s;
    ts_store_fail why;
    ts_error err;

    assert_int_equal(ts_keystore_add(&ks, "trusted zero", 1, f->t0.der, f->t0.der_len, &err), 0);
    assert_int_equal(ts_keystore_add(&ks, "other", 2, f->keycert.der, f->keycert.der_len, &err), 0);
    assert_int_equal(ts_keystore_encode(&ks, TS_FORMAT_JKS, "", &jks, &jks_len, &err), 0);
    ts_keystore_free(&ks);
    in = store_in(jks, jks_len, "", &f->m); /* "": a password, not none */
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
    assert_invariant(&s);
    assert_int_equal(ts_keystore_decode(out, out_len, "", &back, &err), 0);
    assert_int_equal(back.count, 3); /* other, added, t1 */
    assert_null(find_cert(&back, &f->t0));
    assert_int_equal(must_find(&back, &f->keycert)->created_ms, 2);
    /* Dated as the manifest says: 2024-05-01T12:00:00.250+02:00 */
    assert_int_equal(must_find(&back, &f->add)->created_ms, INT64_C(1714557600250));
    ts_keystore_free(&back);
    /* The magic and version are the file's. */
    assert_memory_equal(out, jks, 8);
    free(out);
    /* Trusted entries only: converted on request. */
    in.format = TS_FORMAT_PKCS12;
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
    assert_int_equal(ts_keystore_detect(out, out_len), TS_FORMAT_PKCS12);
    assert_invariant(&s);
    free(out);
    in.password = NULL;
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), -1);
    assert_int_equal(why, TS_STORE_PASSWORD);
    in.format = TS_FORMAT_UNKNOWN;
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), -1);
    assert_int_equal(why, TS_STORE_PASSWORD);
    in.password = "changeit";
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), -1);
    assert_int_equal(why, TS_STORE_INTEGRITY);
    free(jks);
}

/* Without a distrust list only the base's certificates of an addition's length are hashed
 * (store.c): one the manifest holds too is still not added twice, one of the same length but other
 * bytes stays, and the others keep their entries. */
static void test_jks_without_distrust(void **state)
{
    fixture *f = *state;
    ts_keystore ks = {0}, back = {0};
    ts_manifest m;
    ts_cert same_len, other;
    unsigned char *jks, *out = NULL;
    size_t jks_len, out_len;
    ts_store_in in = {0};
    ts_merge_summary s;
    ts_store_fail why;
    ts_error err;

    mf_make_cert("Trusted Two", &same_len); /* as long as "Trusted One"'s, most likely */
    mf_make_cert("A certificate of quite another length", &other);
    assert_int_equal(ts_manifest_init(&m), 0);
    assert_int_equal(ts_manifest_add_cert(&m, &f->add, "added", NULL, 0, NULL, NULL, NULL, NULL),
                     0);
    assert_int_equal(ts_manifest_add_cert(&m, &f->t1, NULL, NULL, 0, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(ts_keystore_add(&ks, "one", 1, f->t1.der, f->t1.der_len, &err), 0);
    assert_int_equal(ts_keystore_add(&ks, "two", 1, same_len.der, same_len.der_len, &err), 0);
    assert_int_equal(ts_keystore_add(&ks, "other", 1, other.der, other.der_len, &err), 0);
    assert_int_equal(ts_keystore_encode(&ks, TS_FORMAT_JKS, "changeit", &jks, &jks_len, &err), 0);
    in = store_in(jks, jks_len, "changeit", &m);
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
    assert_invariant(&s);
    assert_int_equal(s.base, 3);
    assert_int_equal(s.added, 1);
    assert_int_equal(s.duplicates, 1); /* t1 */
    assert_int_equal(s.total, 4);
    assert_int_equal(ts_keystore_decode(out, out_len, "changeit", &back, &err), 0);
    assert_int_equal(back.count, 4);
    assert_string_equal(must_find(&back, &f->t1)->alias, "one");
    assert_string_equal(must_find(&back, &same_len)->alias, "two");
    assert_string_equal(must_find(&back, &other)->alias, "other");
    must_find(&back, &f->add);
    ts_keystore_free(&back);
    ts_keystore_free(&ks);
    ts_manifest_free(&m);
    ts_cert_free(&same_len);
    ts_cert_free(&other);
    free(out);
    free(jks);
}

static void test_p12_with_key_not_converted(void **state)
{
    fixture *f = *state;
    p12_opts o = {-1, EVP_sha256(), true, NULL, false};
    unsigned char *in_bytes, *out = NULL;
    size_t in_len, out_len;
    ts_store_in in = {0};
    ts_store_fail why;
    ts_error err;

    make_p12(f, &o, &in_bytes, &in_len);
    in = store_in(in_bytes, in_len, PW, &f->m);
    in.format = TS_FORMAT_JKS;
    assert_int_equal(build(&in, &out, &out_len, NULL, &why, &err), -1);
    assert_int_equal(why, TS_STORE_CONVERT);
    assert_non_null(strstr(err.what, "serve it as pkcs12"));
    free(in_bytes);
}

/* No base, or merge false: the manifest only, in the format asked for (JKS by default). */
static void test_synthesized(void **state)
{
    fixture *f = *state;
    ts_keystore also = {0}, back = {0};
    unsigned char *out = NULL;
    size_t out_len;
    ts_store_in in = {0};
    ts_merge_summary s;
    ts_store_fail why;
    ts_error err;

    assert_int_equal(
        ts_keystore_add(&also, "jre root [jdk]", 5, f->keycert.der, f->keycert.der_len, &err), 0);
    assert_int_equal(ts_keystore_add(&also, "jre distrusted", 5, f->t0.der, f->t0.der_len, &err),
                     0);
    in.m = &f->m;
    in.also_trust = &also;
    in.password = "x";
    in.timestamp_ms = 99;
    assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
    assert_int_equal(ts_keystore_detect(out, out_len), TS_FORMAT_JKS);
    assert_invariant(&s);
    assert_int_equal(s.added, 3);
    assert_int_equal(s.distrusted, 1);
    assert_int_equal(ts_keystore_decode(out, out_len, "x", &back, &err), 0);
    assert_int_equal(back.count, 3);
    assert_int_equal(must_find(&back, &f->t1)->created_ms, 99); /* no `added` date */
    assert_int_equal(must_find(&back, &f->keycert)->created_ms, 5);
    ts_keystore_free(&back);
    free(out);
    /* A base with merge false: its entries are not kept, its format is. */
    {
        p12_opts o = {-1, NULL, true, NULL, false};
        unsigned char *p12;
        size_t p12_len;

        make_p12(f, &o, &p12, &p12_len);
        in.base = p12;
        in.base_len = p12_len;
        in.merge = false;
        assert_int_equal(build(&in, &out, &out_len, &s, &why, &err), 0);
        assert_int_equal(ts_keystore_detect(out, out_len), TS_FORMAT_PKCS12);
        assert_int_equal(ts_keystore_decode(out, out_len, NULL, &back, &err), 0);
        assert_int_equal(back.count, 3);
        assert_null(find_cert(&back, &f->t0));
        ts_keystore_free(&back);
        free(out);
        free(p12);
    }
    ts_keystore_free(&also);
}

/* Added aliases never take one the file has, compared as the JVM looks them up. */
static void test_alias_uniqueness(void **state)
{
    fixture *f = *state;
    ts_keystore present = {0}, out = {0};
    ts_merge_summary s;
    ts_merge_opts mo = {NULL, 0};
    ts_error err;

    memset(&s, 0, sizeof(s));
    assert_int_equal(ts_ks_push(&present, "ADDED", 5, 0, f->t0.der, f->t0.der_len), 0);
    assert_int_equal(ts_ks_push(&present, "added-2", 7, 0, f->keycert.der, f->keycert.der_len), 0);
    assert_int_equal(ts_merge_additions(&present, NULL, &f->m, &mo, &out, &s, &err), 0);
    assert_int_equal(out.count, 2);
    assert_string_equal(out.items[0].alias, "added-3");
    ts_keystore_free(&out);
    ts_keystore_free(&present);
    /* The Kelvin sign lowercases to 'k' in Java. */
    assert_int_equal(ts_ks_push(&present, "\xe2\x84\xaa", 3, 0, f->t0.der, f->t0.der_len), 0);
    {
        ts_manifest m;

        assert_int_equal(ts_manifest_init(&m), 0);
        assert_int_equal(ts_manifest_add_cert(&m, &f->add, "k", NULL, 0, NULL, NULL, NULL, NULL),
                         0);
        memset(&s, 0, sizeof(s));
        assert_int_equal(ts_merge_additions(&present, NULL, &m, &mo, &out, &s, &err), 0);
        assert_string_equal(out.items[0].alias, "k-2");
        ts_manifest_free(&m);
    }
    ts_keystore_free(&out);
    ts_keystore_free(&present);
}

/* The Java-serialization skipper: exact lengths, every truncation refused, bounded nesting. */
static void test_jserial(void **state)
{
    /* class "X" (fields: int a, byte[] b), an X, then a second X through the handle. */
    static const unsigned char
        obj
            [] =
                {
                    0xac, 0xed, 0x00, 0x05, 0x73, /* TC_OBJECT */
                    0x72, 0x00, 0x01, 'X',  1,    2,    3,    4,    5,
                    6,    7,    8,    0x02, /* TC_CLASSDESC
                                               X,
                                               SC_SERIALIZABLE
                                             */
                    0x00, 0x02, 'I',  0x00, 0x01, 'a',  '[',  0x00, 0x01,
                    'b',  0x74, 0x00, 0x02, '[',  'B',  0x78, 0x70, /* no annotation, no superclass
                                                                     */
                    0x00, 0x00, 0x00, 0x2a,                         /* a */
                    0x75, 0x72, 0x00, 0x02, '[',  'B',  1,    2,    3,
                    4,    5,    6,    7,    8,    0x02, 0x00, 0x00, 0x78,
                    0x70, 0x00, 0x00, 0x00, 0x03, 9,    9,    9, /* b = byte[3] */
                };
    unsigned char buf[sizeof(obj) + 8];
    unsigned char *deep;
    size_t n;

    (void)state;
    memcpy(buf, obj, sizeof(obj));
    memset(buf + sizeof(obj), 0x55, 8); /* what follows is not read */
    assert_int_equal(ts_jserial_object_len(buf, sizeof(buf)), sizeof(obj));
    for (size_t cut = 0; cut < sizeof(obj); cut++) {
        assert_int_equal(ts_jserial_object_len(obj, cut), 0);
    }
    /* A reference to a handle that does not exist, a TC_RESET: refused. */
    memcpy(buf, obj, sizeof(obj));
    buf[5] = 0x71;
    assert_int_equal(ts_jserial_object_len(buf, sizeof(obj)), 0);
    buf[5] = 0x79;
    assert_int_equal(ts_jserial_object_len(buf, sizeof(obj)), 0);
    /* 100000 nested Object[1] arrays: refused at the depth limit, no stack overflow. */
    {
        static const unsigned char first[] = {0x75, 0x72, 0x00, 0x02, '[', 'L', 1,    2,
                                              3,    4,    5,    6,    7,   8,   0x02, 0x00,
                                              0x00, 0x78, 0x70, 0,    0,   0,   1};
        static const unsigned char next[] = {0x75, 0x71, 0x00, 0x7e, 0x00, 0x00, 0, 0, 0, 1};

        n = 4 + sizeof(first) + 100000 * sizeof(next) + 1;
        deep = malloc(n);
        assert_non_null(deep);
        memcpy(deep, "\xac\xed\x00\x05", 4);
        memcpy(deep + 4, first, sizeof(first));
        for (size_t i = 0; i < 100000; i++) {
            memcpy(deep + 4 + sizeof(first) + i * sizeof(next), next, sizeof(next));
        }
        deep[n - 1] = 0x70; /* the innermost element: null */
        assert_int_equal(ts_jserial_object_len(deep, n), 0);
        /* Shallow enough, the same shape is read to its end. */
        assert_int_equal(ts_jserial_object_len(deep, 4 + sizeof(first)), 0);
        memcpy(deep + 4 + sizeof(first) + 3 * sizeof(next), "\x70", 1);
        assert_int_equal(ts_jserial_object_len(deep, n), 4 + sizeof(first) + 3 * sizeof(next) + 1);
    }
    free(deep);
}

/* The old path: a key entry is never written as a trusted entry, nor removed by distrust. */
static void test_merge_key_entries(void **state)
{
    fixture *f = *state;
    ts_keystore base = {0}, out = {0};
    ts_merge_summary s;
    ts_merge_opts mo = {NULL, 0};
    ts_error err;

    assert_int_equal(ts_keystore_add(&base, "mykey", 1, f->t0.der, f->t0.der_len, &err), 0);
    base.items[0].key_entry = true;
    assert_int_equal(ts_merge(&base, &f->m, &mo, &out, &s, &err), 0);
    assert_null(find_cert(&out, &f->t0));
    assert_int_equal(s.base, 0);
    assert_int_equal(s.base_skipped, 1);
    assert_int_equal(s.distrusted, 0);
    assert_int_equal(s.base + s.manifest, s.total + s.duplicates + s.distrusted);
    for (size_t i = 0; i < out.count; i++) {
        assert_false(out.items[i].key_entry);
    }
    ts_keystore_free(&out);
    ts_keystore_free(&base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p12_matrix),
        cmocka_unit_test(test_p12_without_password),
        cmocka_unit_test(test_p12_empty_password_guessed),
        cmocka_unit_test(test_p12_pbmac1),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_jks_and_conversion),
        cmocka_unit_test(test_jks_without_distrust),
        cmocka_unit_test(test_p12_with_key_not_converted),
        cmocka_unit_test(test_synthesized),
        cmocka_unit_test(test_alias_uniqueness),
        cmocka_unit_test(test_jserial),
        cmocka_unit_test(test_merge_key_entries),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
