/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core keeps OpenSSL to itself: building a served store leaves the
 * process's default library context, its error queue and its configuration as
 * they were.  The fixtures are made in a child process, so that this process
 * has not used OpenSSL at all when the builds run; OPENSSL_CONF names a file
 * whose opening is recorded (fopen is interposed here), and the test checks
 * at the end that the recorder does see it once the default context loads it.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "keystore_internal.h"
#include "ks_test_util.h"
#include "store.h"

#define PW "s3cret"

static char conf_path[64];
static int conf_opened;

static void note_open(const char *path)
{
    if (path != NULL && conf_path[0] != '\0' && strcmp(path, conf_path) == 0) {
        conf_opened++;
    }
}

FILE *fopen(const char *path, const char *mode);
FILE *fopen64(const char *path, const char *mode);

FILE *fopen(const char *path, const char *mode)
{
    FILE *(*real)(const char *, const char *) =
        (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");

    note_open(path);
    return real(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    FILE *(*real)(const char *, const char *) =
        (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen64");

    note_open(path);
    return real(path, mode);
}

/* The fixtures, as bytes: three certificates, a JKS of the first two, a PKCS12 of the first two
 * in a safe encrypted with RC2-40 (the legacy provider) and a SHA-1 MAC. */
enum { F_T0, F_T1, F_ADD, F_ADD_PEM, F_JKS, F_P12, F_N };
static unsigned char *fx[F_N];
static size_t fx_len[F_N];

static PKCS12_SAFEBAG *trusted_bag(const unsigned char *der, size_t len, const char *name)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    PKCS12_SAFEBAG *bag = PKCS12_SAFEBAG_create_cert(x);
    ASN1_OBJECT *any = OBJ_txt2obj("2.5.29.37.0", 1);

    if (bag == NULL || any == NULL || PKCS12_add_friendlyname_asc(bag, name, -1) != 1 ||
        PKCS12_add1_attr_by_txt(bag, "2.16.840.1.113894.746875.1.1", V_ASN1_OBJECT,
                                (const unsigned char *)any, -1) != 1) {
        abort();
    }
    ASN1_OBJECT_free(any);
    X509_free(x);
    return bag;
}

static void make_fixtures(void)
{
    OSSL_LIB_CTX *legacy = OSSL_LIB_CTX_new();
    OSSL_PROVIDER *d = OSSL_PROVIDER_load(legacy, "default"),
                  *l = OSSL_PROVIDER_load(legacy, "legacy");
    STACK_OF(PKCS12_SAFEBAG) *bags = sk_PKCS12_SAFEBAG_new_null();
    STACK_OF(PKCS7) *safes = sk_PKCS7_new_null();
    ts_keystore ks = {0};
    ts_error err;
    PKCS12 *p12;
    unsigned char *der = NULL;
    int n;

    ks_make_cert("Trusted Zero", true, &fx[F_T0], &fx_len[F_T0]);
    ks_make_cert("Trusted One", true, &fx[F_T1], &fx_len[F_T1]);
    ks_make_cert("Added", true, &fx[F_ADD], &fx_len[F_ADD]);
    fx[F_ADD_PEM] = (unsigned char *)ks_der_to_pem(fx[F_ADD], fx_len[F_ADD]);
    fx_len[F_ADD_PEM] = strlen((char *)fx[F_ADD_PEM]);
    if (d == NULL || l == NULL ||
        ts_keystore_add(&ks, "zero", 0, fx[F_T0], fx_len[F_T0], &err) != 0 ||
        ts_keystore_add(&ks, "one", 0, fx[F_T1], fx_len[F_T1], &err) != 0 ||
        ts_keystore_encode(&ks, TS_FORMAT_JKS, "changeit", &fx[F_JKS], &fx_len[F_JKS], &err) != 0) {
        abort();
    }
    ts_keystore_free(&ks);
    sk_PKCS12_SAFEBAG_push(bags, trusted_bag(fx[F_T0], fx_len[F_T0], "zero"));
    sk_PKCS12_SAFEBAG_push(bags, trusted_bag(fx[F_T1], fx_len[F_T1], "one"));
    sk_PKCS7_push(safes, PKCS12_pack_p7encdata_ex(NID_pbe_WithSHA1And40BitRC2_CBC, PW, -1, NULL, 0,
                                                  2048, bags, legacy, NULL));
    p12 = PKCS12_add_safes(safes, 0);
    if (p12 == NULL || PKCS12_set_mac(p12, PW, -1, NULL, 0, 2048, EVP_sha1()) != 1 ||
        (n = i2d_PKCS12(p12, &der)) <= 0) {
        abort();
    }
    fx[F_P12] = der;
    fx_len[F_P12] = (size_t)n;
    PKCS12_free(p12);
    sk_PKCS7_pop_free(safes, PKCS7_free);
    sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    OSSL_PROVIDER_unload(l);
    OSSL_PROVIDER_unload(d);
    OSSL_LIB_CTX_free(legacy);
}

static void write_all(int fd, const void *p, size_t n)
{
    const unsigned char *b = p;

    while (n > 0) {
        ssize_t w = write(fd, b, n);

        if (w <= 0) {
            _exit(3);
        }
        b += w;
        n -= (size_t)w;
    }
}

static void read_all(int fd, void *p, size_t n)
{
    unsigned char *b = p;

    while (n > 0) {
        ssize_t r = read(fd, b, n);

        if (r <= 0) {
            fprintf(stderr, "fixture child died\n");
            exit(1);
        }
        b += r;
        n -= (size_t)r;
    }
}

/* Makes the fixtures in a child and reads them here. */
static void fixtures_from_child(void)
{
    int p[2], status;
    pid_t pid;

    if (pipe(p) != 0 || (pid = fork()) < 0) {
        perror("fixtures");
        exit(1);
    }
    if (pid == 0) {
        close(p[0]);
        make_fixtures();
        for (int i = 0; i < F_N; i++) {
            write_all(p[1], &fx_len[i], sizeof(fx_len[i]));
            write_all(p[1], fx[i], fx_len[i]);
        }
        _exit(0);
    }
    close(p[1]);
    for (int i = 0; i < F_N; i++) {
        read_all(p[0], &fx_len[i], sizeof(fx_len[i]));
        fx[i] = malloc(fx_len[i]);
        if (fx[i] == NULL) {
            exit(1);
        }
        read_all(p[0], fx[i], fx_len[i]);
    }
    close(p[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "fixture child failed\n");
        exit(1);
    }
}

static char dir[] = "/tmp/ts-ossl-XXXXXX";

static void write_file(const char *name, const void *p, size_t n)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Builds base as the preload does: the manifest (distrusting t0, adding `add` from a PEM file)
 * loaded from its file, then the store; checks what was merged. */
static void build_one(int base, const char *password)
{
    ts_manifest m;
    ts_store_in in = {0};
    unsigned char *out = NULL;
    size_t out_len = 0;
    ts_merge_summary sum;
    ts_store_fail why;
    ts_error err;
    unsigned char sha[TS_SHA256_LEN];
    char add_hex[TS_SHA256_HEX_LEN + 1], t0_hex[TS_SHA256_HEX_LEN + 1], json[512], path[128];

    assert_int_equal(ts_sha256(fx[F_ADD], fx_len[F_ADD], sha), 0);
    ts_sha256_to_hex(sha, add_hex);
    assert_int_equal(ts_sha256(fx[F_T0], fx_len[F_T0], sha), 0);
    ts_sha256_to_hex(sha, t0_hex);
    snprintf(json, sizeof(json),
             "{ \"version\": 1, \"certificates\": [ { \"alias\": \"added\", \"sha256\": \"%s\", "
             "\"file\": \"add.pem\" } ], \"distrust\": [ \"%s\" ] }",
             add_hex, t0_hex);
    write_file("add.pem", fx[F_ADD_PEM], fx_len[F_ADD_PEM]);
    write_file("manifest.json", json, strlen(json));
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    if (ts_manifest_load(path, &m, &err) != 0) {
        fail_msg("manifest: %s: %s", err.where, err.what);
    }
    in.base = fx[base];
    in.base_len = fx_len[base];
    in.password = password;
    in.m = &m;
    in.merge = true;
    if (ts_store_build(&in, &out, &out_len, &sum, &why, &err) != 0) {
        fail_msg("build: %s (%s)", err.what, ts_store_fail_name(why));
    }
    assert_int_equal(sum.distrusted, 1);
    assert_int_equal(sum.added, 1);
    assert_int_equal(sum.total, 2);
    free(out);
    ts_manifest_free(&m);
}

static void test_private(void **state)
{
    unsigned long before;

    (void)state;
    /* An error of the program's own, which must still be there, alone, after the builds. */
    ERR_raise(ERR_LIB_USER, 42);
    before = ERR_peek_error();
    assert_int_not_equal(before, 0);

    /* JKS (the cacerts path: digests only): no configuration read, no context touched. */
    build_one(F_JKS, "changeit");
    assert_int_equal(conf_opened, 0);
    assert_int_equal(ERR_peek_error(), before);
    assert_int_equal(ERR_peek_last_error(), before);

    /* PKCS12 with RC2-40 and a MAC, t0 distrusted: decrypted and re-encrypted in the core's
     * contexts (on OpenSSL 3.0 EVP's ENGINE lookup reads the configuration here: see
     * docs/performance.md), the legacy provider never in the default context. */
    build_one(F_P12, PW);
    assert_int_equal(ERR_peek_error(), before);
    assert_int_equal(ERR_peek_last_error(), before);
    assert_int_equal(ERR_get_error(), before);
    assert_int_equal(ERR_get_error(), 0);
    assert_int_equal(OSSL_PROVIDER_available(NULL, "legacy"), 0);

    /* The recorder works: the default context's first fetch reads OPENSSL_CONF. */
    {
        EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);

        assert_non_null(md);
        EVP_MD_free(md);
    }
    assert_true(conf_opened > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private),
    };
    FILE *f;
    int rc;

    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(conf_path, sizeof(conf_path), "%s/openssl.cnf", dir);
    f = fopen(conf_path, "w");
    if (f == NULL) {
        perror(conf_path);
        return 1;
    }
    fputs("# written by test_ossl_private: its opening is what the test looks for\n", f);
    fclose(f);
    conf_opened = 0;
    setenv("OPENSSL_CONF", conf_path, 1);
    fixtures_from_child();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(conf_path);
    snprintf(conf_path, sizeof(conf_path), "%s/add.pem", dir);
    unlink(conf_path);
    snprintf(conf_path, sizeof(conf_path), "%s/manifest.json", dir);
    unlink(conf_path);
    rmdir(dir);
    return rc;
}
