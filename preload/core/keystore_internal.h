/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by keystore.c, jks.c and p12.c only; not part of the core's API. */
#ifndef TS_KEYSTORE_INTERNAL_H
#define TS_KEYSTORE_INTERNAL_H

#include "keystore.h"

/*
 * Appends an entry taking a copy of alias (alias_len bytes, no NUL inside) and
 * der; sha256 of der is computed.  The DER is not parsed: callers that read
 * a keystore check only its outer framing (ts_der_is_sequence), as the
 * JVM parses it anyway.  0, or -1 when out of memory.
 */
int ts_ks_push(ts_keystore *ks, const char *alias, size_t alias_len, int64_t created_ms,
               const unsigned char *der, size_t der_len);

/* Whether der is one DER SEQUENCE whose length covers exactly len bytes. */
bool ts_der_is_sequence(const unsigned char *der, size_t len);

/* SHA-256 of buf; 0, or -1 (OpenSSL failed; its error queue is cleared). */
int ts_sha256(const unsigned char *buf, size_t len, unsigned char out[TS_SHA256_LEN]);

/* Makes room for extra more elements of elem bytes in *items (count used, *cap
 * allocated), doubling; 0, or -1 on overflow or out of memory (*items kept). */
int ts_grow(void **items, size_t *cap, size_t count, size_t extra, size_t elem);

/* Format decoders/encoders: decode appends to an empty keystore (the caller
 * moves the result, so that a failure appends nothing). */
int ts_jks_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                  ts_error *err);
int ts_jks_encode(const ts_keystore *ks, const char *password, unsigned char **out, size_t *out_len,
                  ts_error *err);
int ts_p12_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                  ts_error *err);
int ts_p12_encode(const ts_keystore *ks, unsigned char **out, size_t *out_len, ts_error *err);

#endif
