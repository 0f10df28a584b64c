/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How long the trust core takes for what the preload does at the first open
 * of cacerts: parse the manifest and load its certificates, then build the
 * served store (ts_store_build: read the base keystore, work out the
 * additions, write the file again with them and its digest recomputed with
 * its password).  Manifest sizes 10, 1,000 and 10,000 (certificates made once
 * with OpenSSL before any timing: EC P-256, self-signed, one shared key).
 * Prints the median of several runs.
 *
 *   bench_core [--runs N] [--base FILE] [--password P] [--max N]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fileio.h"
#include "keystore.h"
#include "manifest.h"
#include "merge.h"
#include "store.h"

#define DEFAULT_BASE "/etc/ssl/certs/java/cacerts"
#define DEFAULT_PASSWORD "changeit"

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 != 0 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, const ts_error *err)
{
    char line[2048];

    fprintf(stderr, "bench_core: %s%s%s\n", what, err != NULL ? ": " : "",
            err != NULL ? ts_error_str(err, line, sizeof(line)) : "");
    exit(1);
}

/* Growing text buffer for the manifest JSON. */
typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void append(text *t, const char *s)
{
    size_t n = strlen(s);

    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (t->p == NULL) {
            die("out of memory", NULL);
        }
    }
    memcpy(t->p + t->len, s, n + 1);
    t->len += n;
}

/* n self-signed certificates as PEM text, CN=bench-<i>.example.test. */
static char **make_pems(size_t n)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    char **pems = calloc(n, sizeof(*pems));

    if (key == NULL || pems == NULL) {
        die("cannot make a key", NULL);
    }
    for (size_t i = 0; i < n; i++) {
        X509 *x = X509_new();
        X509_NAME *name = X509_NAME_new();
        char cn[64];
        unsigned char *der = NULL;
        int len = 0;
        ts_cert c;

        snprintf(cn, sizeof(cn), "bench-%zu.example.test", i);
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), (long)i + 1);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
        X509_set_subject_name(x, name);
        X509_set_issuer_name(x, name);
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
        X509_set_pubkey(x, key);
        if (X509_sign(x, key, EVP_sha256()) <= 0 || (len = i2d_X509(x, &der)) <= 0) {
            die("cannot sign a certificate", NULL);
        }
        c.der = der;
        c.der_len = (size_t)len;
        pems[i] = ts_cert_to_pem(&c);
        if (pems[i] == NULL) {
            die("ts_cert_to_pem failed", NULL);
        }
        OPENSSL_free(der);
        X509_NAME_free(name);
        X509_free(x);
    }
    EVP_PKEY_free(key);
    return pems;
}

/* The manifest JSON for the first n certificates, pinned, with a host each. */
static char *manifest_json(char **pems, size_t n)
{
    text t = {0};
    char buf[256];

    append(&t, "{\n  \"version\": 1,\n  \"certificates\": [\n");
    for (size_t i = 0; i < n; i++) {
        ts_cert_list l = {0};
        char hex[TS_SHA256_HEX_LEN + 1];
        ts_error err;

        if (ts_certs_parse((const unsigned char *)pems[i], strlen(pems[i]), &l, &err) != 0) {
            die("cannot parse a generated certificate", &err);
        }
        ts_sha256_to_hex(l.items[0].sha256, hex);
        ts_cert_list_free(&l);
        snprintf(buf, sizeof(buf),
                 "    {\"hosts\": [\"bench-%zu.example.test\"], \"sha256\": \"%s\", \"pem\": \"", i,
                 hex);
        append(&t, buf);
        for (const char *p = pems[i]; *p != '\0'; p++) {
            char ch[2] = {*p, '\0'};
            append(&t, *p == '\n' ? "\\n" : ch);
        }
        append(&t, i + 1 < n ? "\"},\n" : "\"}\n");
    }
    append(&t, "  ]\n}\n");
    return t.p;
}

typedef struct result {
    double parse_ms; /* parse and validate the JSON */
    double load_ms;  /* decode and pin-check every certificate (ts_certs_parse) */
    double build_ms; /* ts_store_build: read the base, merge, write the JKS */
    double merge_ms; /* the additions alone (ts_merge_additions), on a decoded base */
    size_t entries;
} result;

static result run(const unsigned char *base, size_t base_len, const char *password,
                  const char *json, int runs)
{
    double *parse = calloc((size_t)runs, sizeof(double));
    double *load = calloc((size_t)runs, sizeof(double));
    double *build = calloc((size_t)runs, sizeof(double));
    double *merge = calloc((size_t)runs, sizeof(double));
    result r = {0};

    if (parse == NULL || load == NULL || build == NULL || merge == NULL) {
        die("out of memory", NULL);
    }
    for (int k = 0; k < runs; k++) {
        ts_merge_opts opts = {NULL, TS_DEFAULT_TIMESTAMP_MS};
        ts_merge_summary sum, add_sum = {0};
        ts_store_in in = {0};
        ts_store_fail why;
        ts_keystore decoded = {0}, added = {0};
        unsigned char *out = NULL;
        size_t out_len = 0;
        ts_manifest m;
        ts_error err;
        double t0, t1, t2;

        t0 = now_ms();
        if (ts_manifest_parse(json, strlen(json), "bench.json", &m, &err) != 0) {
            die("manifest", &err);
        }
        double tp = now_ms();
        if (ts_manifest_load_certs(&m, "bench.json", false, 0, &err) != 0) {
            die("manifest", &err);
        }
        t1 = now_ms();

        /* As the preload asks for cacerts: the manifest's (guessed) password, the file's format. */
        in.base = base;
        in.base_len = base_len;
        in.password = password;
        in.password_guessed = true;
        in.m = &m;
        in.merge = true;
        in.timestamp_ms = opts.timestamp_ms;
        if (ts_store_build(&in, &out, &out_len, &sum, &why, &err) != 0) {
            die(ts_store_fail_name(why), &err);
        }
        t2 = now_ms();
        parse[k] = tp - t0;
        load[k] = t1 - tp;
        build[k] = t2 - t1;
        r.entries = sum.total;
        free(out);

        /* The merge step alone, on an already decoded base: what to add to it. */
        if (base_len > 0 && ts_keystore_decode(base, base_len, NULL, &decoded, &err) != 0) {
            die("decode", &err);
        }
        t0 = now_ms();
        if (ts_merge_additions(base_len > 0 ? &decoded : NULL, NULL, &m, &opts, &added, &add_sum,
                               &err) != 0) {
            die("merge", &err);
        }
        merge[k] = now_ms() - t0;
        ts_keystore_free(&added);
        ts_keystore_free(&decoded);
        ts_manifest_free(&m);
    }
    r.parse_ms = median(parse, runs);
    r.load_ms = median(load, runs);
    r.build_ms = median(build, runs);
    r.merge_ms = median(merge, runs);
    free(parse);
    free(load);
    free(build);
    free(merge);
    return r;
}

int main(int argc, char **argv)
{
    const char *base_path = DEFAULT_BASE;
    const char *password = DEFAULT_PASSWORD;
    size_t sizes[] = {0, 10, 1000, 10000};
    size_t max = 10000;
    int runs = 21;
    unsigned char *base = NULL;
    size_t base_len = 0;
    ts_keystore ks = {0};
    ts_error err;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--base") == 0 && i + 1 < argc) {
            base_path = argv[++i];
        } else if (strcmp(argv[i], "--password") == 0 && i + 1 < argc) {
            password = argv[++i];
        } else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
            max = (size_t)strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr,
                    "usage: bench_core [--runs N] [--base FILE] [--password P] [--max N]\n");
            return 2;
        }
    }
    if (runs < 1) {
        runs = 1;
    }
    if (ts_read_file(base_path, 64u << 20, &base, &base_len, &err) != 0) {
        die("cannot read the base keystore", &err);
    }
    if (ts_keystore_decode(base, base_len, NULL, &ks, &err) != 0) {
        die("cannot decode the base keystore", &err);
    }
    printf("trustshim core benchmark: median of %d runs (10,000: fewer), times in ms\n", runs);
    printf("base: %s (%s, %zu entries, %zu bytes)\n", base_path,
           ts_format_name(ts_keystore_detect(base, base_len)), ks.count, base_len);
    ts_keystore_free(&ks);

    double t0 = now_ms();
    char **pems = make_pems(max);
    printf("made %zu certificates in %.0f ms (not timed below)\n\n", max, now_ms() - t0);

    printf("%14s | %10s | %10s | %13s | %8s | %11s | %8s\n", "manifest certs", "parse JSON",
           "load certs", "build store", "merge", "first open", "entries");
    printf("%14s | %10s | %10s | %13s | %8s | %11s | %8s\n", "", "", "+ pins", "(JKS edit)",
           "alone", "total", "");
    printf("---------------+------------+------------+---------------+----------+-------------+----"
           "-----\n");
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        if (n > max) {
            break;
        }
        char *json = manifest_json(pems, n);
        int r_runs = n >= 10000 ? (runs < 5 ? runs : 5) : runs;
        result r = run(base, base_len, password, json, r_runs);
        printf("%14zu | %10.2f | %10.2f | %13.2f | %8.2f | %11.2f | %8zu\n", n, r.parse_ms,
               r.load_ms, r.build_ms, r.merge_ms, r.parse_ms + r.load_ms + r.build_ms, r.entries);
        free(json);
    }
    printf("\nfirst open total = what the core does once per process at the first open of a\n"
           "trust store: parse + load certs + build the served store (ts_store_build).\n");
    for (size_t i = 0; i < max; i++) {
        free(pems[i]);
    }
    free(pems);
    free(base);
    return 0;
}
