/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for certificate input (PEM, DER, PKCS#7): ts_certs_parse,
 * as add reads a file, against ts_certs_parse_pinned, as the manifest loader
 * reads it.  Invariants: what the full parse accepts the pinned one accepts,
 * with the same fingerprints in the same order (one definition of a valid
 * certificate); each certificate describes, and its PEM parses back to it.
 * Seeds: tests/fuzz/seeds.sh certs.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_cert_list full = {0}, pinned = {0};
    ts_error err;
    int rf = ts_certs_parse(data, size, &full, &err);
    int rp = ts_certs_parse_pinned(data, size, &pinned, &err);

    if (rf == 0) {
        if (rp != 0 || pinned.count != full.count) {
            abort(); /* add would store what the loader refuses */
        }
        for (size_t i = 0; i < full.count; i++) {
            ts_cert_list back = {0};
            ts_cert_info info;
            char *pem = ts_cert_to_pem(&full.items[i]);

            if (memcmp(full.items[i].sha256, pinned.items[i].sha256, TS_SHA256_LEN) != 0 ||
                pem == NULL ||
                ts_certs_parse((const unsigned char *)pem, strlen(pem), &back, &err) != 0 ||
                back.count != 1 ||
                memcmp(back.items[0].sha256, full.items[i].sha256, TS_SHA256_LEN) != 0) {
                abort();
            }
            (void)ts_cert_describe(&full.items[i], &info, &err);
            free(pem);
            ts_cert_list_free(&back);
        }
    }
    ts_cert_list_free(&full);
    ts_cert_list_free(&pinned);
    return 0;
}
