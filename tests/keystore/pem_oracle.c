/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The oracle of the PEM decoder (preload/core/pem.c): OpenSSL's PEM_read_bio,
 * which the decoder replaced.  Both read every block of the input until the
 * end or the first malformed block; they must agree on how many blocks, each
 * block's name and bytes, and whether it ended malformed.  Included by the
 * cmocka test (tests/keystore/test_pem.c) and the fuzz target
 * (tests/fuzz/fuzz_pem.c).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "pem.h"

/* 0 when both agree on buf[0..len); else -1 and what differs in why[size]. */
static int pem_oracle_compare(const unsigned char *buf, size_t len, char *why, size_t size)
{
    BIO *bio = BIO_new_mem_buf(buf, (int)len);
    size_t pos = 0, block = 0;
    int rc = -1;

    if (bio == NULL) {
        snprintf(why, size, "BIO_new_mem_buf failed");
        return -1;
    }
    for (;; block++) {
        char *name = NULL, *header = NULL;
        unsigned char *data = NULL;
        long dlen = 0;
        bool o_ok, o_end = false;
        ts_pem_block b;
        const char *mine_why = NULL;
        ts_pem_result r;

        ERR_set_mark();
        o_ok = PEM_read_bio(bio, &name, &header, &data, &dlen) == 1;
        if (!o_ok) {
            unsigned long e = ERR_peek_last_error();

            o_end = ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
        }
        ERR_pop_to_mark();
        r = ts_pem_next(buf, len, &pos, &b, &mine_why);
        if (o_ok != (r == TS_PEM_BLOCK) || (!o_ok && o_end != (r == TS_PEM_NONE))) {
            snprintf(why, size, "block %zu: OpenSSL %s, ours %s (%s)", block + 1,
                     o_ok    ? "reads a block"
                     : o_end ? "sees no further block"
                             : "refuses it",
                     r == TS_PEM_BLOCK  ? "reads a block"
                     : r == TS_PEM_NONE ? "sees no further block"
                                        : "refuses it",
                     mine_why != NULL ? mine_why : "");
        } else if (o_ok && (strlen(name) != b.name_len || memcmp(name, b.name, b.name_len) != 0)) {
            snprintf(why, size, "block %zu: name \"%s\" vs \"%.*s\"", block + 1, name,
                     (int)b.name_len, b.name);
        } else if (o_ok && ((size_t)dlen != b.data_len || memcmp(data, b.data, b.data_len) != 0)) {
            snprintf(why, size, "block %zu: %ld bytes vs %zu, or other bytes", block + 1, dlen,
                     b.data_len);
        } else if (!o_ok) {
            rc = 0; /* both ended the same way */
        } else {
            rc = 1; /* same block: on to the next */
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        free(b.data);
        if (rc != 1) {
            break;
        }
        rc = -1;
    }
    BIO_free(bio);
    return rc;
}
