/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the untrusted-input parsers of the core:
 * ts_keystore_decode (JKS, PKCS12) and ts_certs_parse (PEM, DER, PKCS#7).
 * A keystore that decodes must merge and encode (JKS and PKCS12) without error.
 * The first byte picks the entry point and password.  Built with clang only:
 *   CC=clang cmake -S . -B build-fuzz && cmake --build build-fuzz --target fuzz_keystore
 *   build-fuzz/bin/fuzz_keystore -max_total_time=60 CORPUS_DIR
 * A corpus: any keystores and certificate files with one selector byte in front.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"
#include "keystore.h"
#include "merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_error err;

    if (size < 1) {
        return 0;
    }
    ts_error_clear(&err);
    switch (data[0] % 4) {
    case 0:
    case 1: {
        ts_keystore ks = {0};
        unsigned char *out = NULL;
        size_t out_len = 0;

        if (ts_keystore_decode(data + 1, size - 1, data[0] % 4 == 0 ? NULL : "changeit", &ks,
                               &err) == 0) {
            ts_keystore merged = {0};
            ts_merge_opts opts = {NULL, TS_DEFAULT_TIMESTAMP_MS};

            /* What decodes must re-encode when the aliases allow it. */
            (void)ts_keystore_encode(&ks, TS_FORMAT_JKS, NULL, &out, &out_len, &err);
            free(out);
            out = NULL;
            /* And once merged (aliases made valid and unique), always, in both formats. */
            if (ts_merge(&ks, NULL, &opts, &merged, NULL, &err) != 0) {
                abort();
            }
            for (int f = TS_FORMAT_JKS; f <= TS_FORMAT_PKCS12; f++) {
                if (ts_keystore_encode(&merged, (ts_format)f, NULL, &out, &out_len, &err) != 0) {
                    abort();
                }
                free(out);
                out = NULL;
            }
            ts_keystore_free(&merged);
        }
        ts_keystore_free(&ks);
        break;
    }
    default: {
        ts_cert_list l = {0};

        if (ts_certs_parse(data + 1, size - 1, &l, &err) == 0) {
            for (size_t i = 0; i < l.count; i++) {
                ts_cert_info info;
                char *pem = ts_cert_to_pem(&l.items[i]);

                free(pem);
                (void)ts_cert_describe(&l.items[i], &info, &err);
            }
        }
        ts_cert_list_free(&l);
        break;
    }
    }
    return 0;
}
