/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the manifest's "file" entries and the bundle cache
 * (ts_manifest_load_certs): the input is a manifest whose entries name files
 * of a directory made at start (bundle.pem: three certificates, one.der,
 * chain.p7b, bad.pem, empty.pem, a symlink, a subdirectory).  "@1" .. "@4" in
 * the input stand for the pins of its four certificates.  Invariant: what
 * loads holds, for every entry, the certificate its pin names.
 * Run with -dict=tests/fuzz/manifest.dict.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], manifest_path[128];
static char pins[4][TS_SHA256_HEX_LEN + 1];

static void put(const char *name, const void *data, size_t len)
{
    char p[160];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", dir, name);
    f = fopen(p, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        abort();
    }
}

static void setup(void)
{
    ts_cert c[4];
    char *bundle = NULL;
    size_t blen = 0;
    char p[160];

    fuzz_temp_dir("ts-fuzz-files", dir, sizeof(dir));
    snprintf(manifest_path, sizeof(manifest_path), "%s/manifest.json", dir);
    for (int i = 0; i < 4; i++) {
        char cn[16];

        snprintf(cn, sizeof(cn), "c%d", i + 1);
        fuzz_make_cert(cn, &c[i]);
        ts_sha256_to_hex(c[i].sha256, pins[i]);
    }
    for (int i = 0; i < 3; i++) {
        char *pem = ts_cert_to_pem(&c[i]);
        size_t n = strlen(pem);

        bundle = realloc(bundle, blen + n + 8);
        memcpy(bundle + blen, "text\n", 5);
        memcpy(bundle + blen + 5, pem, n);
        blen += n + 5;
        free(pem);
    }
    put("bundle.pem", bundle, blen);
    put("one.der", c[3].der, c[3].der_len);
    put("bad.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", 58);
    put("empty.pem", "", 0);
    {
        /* chain.p7b: certificates 2 and 4 */
        PKCS7 *p7 = PKCS7_new();
        unsigned char *der = NULL;
        int n;

        if (p7 == NULL || PKCS7_set_type(p7, NID_pkcs7_signed) != 1 ||
            PKCS7_content_new(p7, NID_pkcs7_data) != 1) {
            abort();
        }
        for (int i = 1; i < 4; i += 2) {
            const unsigned char *q = c[i].der;
            X509 *x = d2i_X509(NULL, &q, (long)c[i].der_len);

            if (x == NULL || PKCS7_add_certificate(p7, x) != 1) {
                abort();
            }
            X509_free(x);
        }
        n = i2d_PKCS7(p7, &der);
        if (n <= 0) {
            abort();
        }
        put("chain.p7b", der, (size_t)n);
        OPENSSL_free(der);
        PKCS7_free(p7);
    }
    snprintf(p, sizeof(p), "%s/sub", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/sub/link.pem", dir);
    if (symlink("../bundle.pem", p) != 0) {
        abort();
    }
    for (int i = 0; i < 4; i++) {
        ts_cert_free(&c[i]);
    }
    free(bundle);
}

/* The input with "@1".."@4" replaced by the pins; malloc'd, NUL-terminated. */
static char *expand(const uint8_t *data, size_t size, size_t *len)
{
    char *out = malloc(size * TS_SHA256_HEX_LEN + 1);
    size_t o = 0;

    if (out == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '@' && i + 1 < size && data[i + 1] >= '1' && data[i + 1] <= '4') {
            memcpy(out + o, pins[data[i + 1] - '1'], TS_SHA256_HEX_LEN);
            o += TS_SHA256_HEX_LEN;
            i++;
        } else {
            out[o++] = (char)data[i];
        }
    }
    out[o] = '\0';
    *len = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_manifest m;
    ts_error err;
    size_t len = 0;
    char *json;

    if (dir[0] == '\0') {
        setup();
    }
    json = expand(data, size, &len);
    if (json == NULL) {
        return 0;
    }
    if (ts_manifest_parse(json, len, manifest_path, &m, &err) == 0 &&
        ts_manifest_load_certs(&m, manifest_path, (size & 1) != 0, (unsigned)getuid(), &err) == 0) {
        for (size_t i = 0; i < m.n_certs; i++) {
            if (m.certs[i].cert.der == NULL ||
                memcmp(m.certs[i].cert.sha256, m.certs[i].sha256, TS_SHA256_LEN) != 0) {
                abort();
            }
        }
    }
    ts_manifest_free(&m);
    free(json);
    return 0;
}
