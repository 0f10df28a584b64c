/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_SHA_H
#define TS_SHA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * SHA-1 and SHA-256 (FIPS 180-4), incremental: the two digests of every
 * served open (a certificate's SHA-256 pin, a JKS file's SHA-1 integrity
 * digest), without libcrypto.  On x86-64 CPUs with the SHA extensions the
 * compression runs on them (chosen once, by CPUID); elsewhere in portable C.
 */
typedef struct ts_sha1_ctx {
    uint32_t h[5];
    uint64_t bytes;
    unsigned char buf[64];
    size_t n;
} ts_sha1_ctx;

typedef struct ts_sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;
    unsigned char buf[64];
    size_t n;
} ts_sha256_ctx;

void ts_sha1_init(ts_sha1_ctx *c);
void ts_sha1_update(ts_sha1_ctx *c, const void *data, size_t len);
void ts_sha1_final(ts_sha1_ctx *c, unsigned char out[20]);

void ts_sha256_init(ts_sha256_ctx *c);
void ts_sha256_update(ts_sha256_ctx *c, const void *data, size_t len);
void ts_sha256_final(ts_sha256_ctx *c, unsigned char out[32]);

/* For tests only: true makes every later digest use the portable code; false chooses again by
 * CPUID.  Returns whether the SHA extensions are used after the call. */
bool ts_sha_portable_only(bool portable);

#endif
