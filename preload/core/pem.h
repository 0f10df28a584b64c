/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_PEM_H
#define TS_PEM_H

#include <stddef.h>

/*
 * PEM decoding (RFC 7468 blocks, RFC 1421 headers tolerated), without
 * OpenSSL: what OpenSSL 3's PEM_read_bio takes, this takes, with the same
 * name and the same bytes, and what it refuses, this refuses.  That is the
 * contract (tests/fuzz/fuzz_pem.c checks it against PEM_read_bio), because a
 * certificate file that `openssl x509` reads must read here too, and nothing
 * more: the same decoder serves the CLI and libtrustshim.so.
 */

/* One decoded block.  name points into the input (name_len bytes, no NUL
 * inside); data is malloc'd (free it), never empty. */
typedef struct ts_pem_block {
    const char *name;
    size_t name_len;
    unsigned char *data;
    size_t data_len;
} ts_pem_block;

typedef enum {
    TS_PEM_BLOCK = 1,     /* *out is the next block; *pos is past its END line */
    TS_PEM_NONE = 0,      /* no further BEGIN line in buf[*pos..len) */
    TS_PEM_MALFORMED = -1 /* a BEGIN line without a valid block: *why says how */
} ts_pem_result;

/* The next block of buf[*pos..len).  On TS_PEM_MALFORMED *why is a static
 * string ("bad base64", ...); out of memory is reported the same way. */
ts_pem_result ts_pem_next(const unsigned char *buf, size_t len, size_t *pos, ts_pem_block *out,
                          const char **why);

/* Whether the block is named name (its name has no NUL, so a C string compares). */
int ts_pem_name_is(const ts_pem_block *b, const char *name);

/* Standard base64 (RFC 4648, with padding) of in[0..len) into out, which holds
 * 4 * ((len + 2) / 3) bytes; no NUL is written.  Returns the length written. */
size_t ts_base64_encode(const unsigned char *in, size_t len, char *out);

#endif
