/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the PEM decoder (preload/core/pem.c) with OpenSSL's
 * PEM_read_bio as its oracle: both read every block of the input until the end
 * or the first malformed block, and must agree on each block's name and bytes
 * and on how the input ends (tests/keystore/pem_oracle.c).  Seeds:
 * tests/fuzz/seeds.sh pem.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../keystore/pem_oracle.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];

    if (size > 1 << 20) {
        return 0;
    }
    if (pem_oracle_compare(data, size, why, sizeof(why)) != 0) {
        fprintf(stderr, "PEM decoders disagree: %s\n", why);
        abort();
    }
    return 0;
}
