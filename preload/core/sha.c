/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-1 and SHA-256 after FIPS 180-4, and on x86-64 with the SHA extensions
 * (SHA1RNDS4, SHA1NEXTE, SHA1MSG1/2, SHA256RNDS2, SHA256MSG1/2, as Intel's
 * instruction reference defines them).  They replaced OpenSSL's SHA1_* and
 * SHA256_*, so that serving a JKS or password-less PKCS12 store needs no
 * libcrypto in the process (docs/performance.md).  The extensions make a
 * difference: the first open of cacerts hashes about 170 KB twice.
 *
 * The one piece of state is which compression function to use, found once
 * (cpu_has_sha) and then only read (a race finds the same answer twice).
 */
#include "sha.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TS_SHA_X86 1
#include <cpuid.h>
#include <dlfcn.h>
#include <immintrin.h>
/* dlsym@GLIBC_2.34 is newer than glibc 2.28 (RHEL 8): the original version, as in preload/libc.c.
 */
__asm__(".symver dlsym,dlsym@GLIBC_2.2.5");
#endif

static inline uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static inline uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* ------------------------------------------------------------ portable */

static void sha1_blocks_c(uint32_t h[5], const unsigned char *p, size_t blocks)
{
    for (; blocks > 0; blocks--, p += 64) {
        uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

        for (int t = 0; t < 16; t++) {
            w[t] = load_be32(p + 4 * t);
        }
        for (int t = 16; t < 80; t++) {
            w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        }
        for (int t = 0; t < 80; t++) {
            uint32_t f, k, tmp;

            if (t < 20) {
                f = (b & c) | (~b & d);
                k = 0x5a827999;
            } else if (t < 40) {
                f = b ^ c ^ d;
                k = 0x6ed9eba1;
            } else if (t < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8f1bbcdc;
            } else {
                f = b ^ c ^ d;
                k = 0xca62c1d6;
            }
            tmp = rotl(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = tmp;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
}

/* The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static void sha256_blocks_c(uint32_t h[8], const unsigned char *p, size_t blocks)
{
    for (; blocks > 0; blocks--, p += 64) {
        uint32_t w[64], s[8];

        for (int t = 0; t < 16; t++) {
            w[t] = load_be32(p + 4 * t);
        }
        for (int t = 16; t < 64; t++) {
            uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
            uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);

            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        memcpy(s, h, sizeof(s));
        for (int t = 0; t < 64; t++) {
            uint32_t e = s[4], a = s[0];
            uint32_t t1 = s[7] + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) +
                          ((e & s[5]) ^ (~e & s[6])) + k256[t] + w[t];
            uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) +
                          ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));

            s[7] = s[6];
            s[6] = s[5];
            s[5] = s[4];
            s[4] = s[3] + t1;
            s[3] = s[2];
            s[2] = s[1];
            s[1] = s[0];
            s[0] = t1 + t2;
        }
        for (int i = 0; i < 8; i++) {
            h[i] += s[i];
        }
    }
}

/* ------------------------------------------------------------ SHA extensions */

#ifdef TS_SHA_X86
#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/*
 * SHA-1, four rounds an instruction.  The state ABCD lives in one register
 * with A in its highest lane, as SHA1RNDS4 wants; E is not kept: the E of
 * four rounds on is the A of four rounds before rotated by 30, which
 * SHA1NEXTE adds to the highest lane of the next four message words.
 */
SHA_TARGET static void sha1_blocks_x86(uint32_t h[5], const unsigned char *p, size_t blocks)
{
    /* Reverses the 16 bytes: big-endian words, the first in the highest lane. */
    const __m128i swap = _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0x1b);
    __m128i e0 = _mm_set_epi32((int)h[4], 0, 0, 0);

    for (; blocks > 0; blocks--, p += 64) {
        __m128i w[4], abcd_in = abcd, before = abcd, x;

        for (int i = 0; i < 4; i++) {
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
        }
        /* Twenty groups of four rounds; SHA1RNDS4's function (and constant) changes every five
         * groups and must be an immediate, hence a macro.  Unrolled, the message words stay in
         * registers: 20% faster here. */
#define SHA1_GROUP(F)                                                                              \
    do {                                                                                           \
        if (g >= 4) {                                                                              \
            /* w[t] = rol1(w[t-3] ^ w[t-8] ^ w[t-14] ^ w[t-16]), four at a time */                 \
            __m128i m = _mm_sha1msg1_epu32(w[g & 3], w[(g + 1) & 3]);                              \
            m = _mm_xor_si128(m, w[(g + 2) & 3]);                                                  \
            w[g & 3] = _mm_sha1msg2_epu32(m, w[(g + 3) & 3]);                                      \
        }                                                                                          \
        x = g == 0 ? _mm_add_epi32(e0, w[0]) : _mm_sha1nexte_epu32(before, w[g & 3]);              \
        before = abcd;                                                                             \
        abcd = _mm_sha1rnds4_epu32(abcd, x, F);                                                    \
    } while (0)
        int g = 0;
#pragma GCC unroll 5
        for (; g < 5; g++) {
            SHA1_GROUP(0);
        }
#pragma GCC unroll 5
        for (; g < 10; g++) {
            SHA1_GROUP(1);
        }
#pragma GCC unroll 5
        for (; g < 15; g++) {
            SHA1_GROUP(2);
        }
#pragma GCC unroll 5
        for (; g < 20; g++) {
            SHA1_GROUP(3);
        }
#undef SHA1_GROUP
        e0 = _mm_sha1nexte_epu32(before, e0);
        abcd = _mm_add_epi32(abcd, abcd_in);
    }
    _mm_storeu_si128((__m128i *)h, _mm_shuffle_epi32(abcd, 0x1b));
    h[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

/*
 * SHA-256, two rounds an instruction.  SHA256RNDS2 takes the state as
 * {A,B,E,F} and {C,D,G,H} (A and C in the highest lanes) and returns the new
 * {A,B,E,F}; the old one is then the new {C,D,G,H}, so the two registers
 * swap roles every two rounds.
 */
SHA_TARGET static void sha256_blocks_x86(uint32_t h[8], const unsigned char *p, size_t blocks)
{
    /* Byte-swaps each 32-bit word: w0 stays in the lowest lane. */
    const __m128i swap = _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xb1);       /* B A D C */
    __m128i hgfe = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1b); /* H G F E */
    __m128i abef = _mm_alignr_epi8(dcba, hgfe, 8);    /* F E B A: A highest */
    __m128i cdgh = _mm_blend_epi16(hgfe, dcba, 0xf0); /* H G D C: C highest */

    for (; blocks > 0; blocks--, p += 64) {
        __m128i w[4], abef_in = abef, cdgh_in = cdgh;

        for (int i = 0; i < 4; i++) {
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
        }
#pragma GCC unroll 16
        for (int g = 0; g < 16; g++) {
            __m128i wk;

            if (g >= 4) {
                /* w[t] = w[t-16] + s0(w[t-15]) + w[t-7] + s1(w[t-2]), four at a time */
                __m128i m = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);

                m = _mm_add_epi32(m, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(m, w[(g + 3) & 3]);
            }
            wk = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)(k256 + 4 * g)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0e));
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }
    /* Back to A B C D and E F G H. */
    dcba = _mm_shuffle_epi32(abef, 0x1b);                              /* A B E F (lowest first) */
    hgfe = _mm_shuffle_epi32(cdgh, 0xb1);                              /* G H C D */
    _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(dcba, hgfe, 0xf0)); /* A B C D */
    _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(hgfe, dcba, 8)); /* E F G H */
}

/* glibc's record of a CPUID leaf (<sys/platform/x86.h>, glibc 2.33 and later; declared here so
 * that older headers build): the CPUID bits, and those the system can use. */
struct glibc_cpuid_leaf {
    unsigned cpuid[4]; /* eax, ebx, ecx, edx */
    unsigned active[4];
};
typedef const struct glibc_cpuid_leaf *(*glibc_leaf_fn)(unsigned index);

/*
 * SHA (leaf 7, EBX bit 29), SSSE3 and SSE4.1 (leaf 1, ECX bits 9 and 19).
 * From what glibc found at start when it has it: in a virtual machine each
 * CPUID instruction traps to the hypervisor (about 6 us each here, 23 us for
 * this test against 2 us for glibc's answer, of a first open's 500 us).
 */
static bool cpu_has_sha(void)
{
    glibc_leaf_fn leaf = (glibc_leaf_fn)dlsym(RTLD_DEFAULT, "__x86_get_cpuid_feature_leaf");
    unsigned a, b, c, d;

    if (leaf != NULL) {
        const struct glibc_cpuid_leaf *l1 = leaf(0), *l7 = leaf(1); /* CPUID_INDEX_1, _7 */

        return l1 != NULL && l7 != NULL && (l1->active[2] & (1u << 9)) != 0 &&
               (l1->active[2] & (1u << 19)) != 0 && (l7->active[1] & (1u << 29)) != 0;
    }
    if (__get_cpuid(1, &a, &b, &c, &d) == 0 || (c & (1u << 9)) == 0 || (c & (1u << 19)) == 0) {
        return false;
    }
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) != 0 && (b & (1u << 29)) != 0;
}
#endif

/* 0: not chosen yet; 1: portable; 2: SHA extensions. */
static int sha_impl;

static bool use_x86(void)
{
    int impl = __atomic_load_n(&sha_impl, __ATOMIC_RELAXED);

    if (impl == 0) {
#ifdef TS_SHA_X86
        impl = cpu_has_sha() ? 2 : 1;
#else
        impl = 1;
#endif
        __atomic_store_n(&sha_impl, impl, __ATOMIC_RELAXED);
    }
    return impl == 2;
}

bool ts_sha_portable_only(bool portable)
{
    __atomic_store_n(&sha_impl, portable ? 1 : 0, __ATOMIC_RELAXED);
    return use_x86();
}

static void sha1_blocks(uint32_t h[5], const unsigned char *p, size_t blocks)
{
#ifdef TS_SHA_X86
    if (use_x86()) {
        sha1_blocks_x86(h, p, blocks);
        return;
    }
#endif
    sha1_blocks_c(h, p, blocks);
}

static void sha256_blocks(uint32_t h[8], const unsigned char *p, size_t blocks)
{
#ifdef TS_SHA_X86
    if (use_x86()) {
        sha256_blocks_x86(h, p, blocks);
        return;
    }
#endif
    sha256_blocks_c(h, p, blocks);
}

/* ------------------------------------------------------------ buffering and padding */

typedef void (*blocks_fn)(uint32_t *h, const unsigned char *p, size_t blocks);

static void update(uint32_t *h, unsigned char buf[64], size_t *n, uint64_t *bytes, blocks_fn fn,
                   const unsigned char *p, size_t len)
{
    *bytes += len;
    if (*n > 0) {
        size_t take = 64 - *n < len ? 64 - *n : len;

        memcpy(buf + *n, p, take);
        *n += take;
        p += take;
        len -= take;
        if (*n < 64) {
            return;
        }
        fn(h, buf, 1);
        *n = 0;
    }
    if (len >= 64) {
        fn(h, p, len / 64);
        p += len & ~(size_t)63;
        len &= 63;
    }
    memcpy(buf, p, len);
    *n = len;
}

/* The padding of FIPS 180-4 5.1.1 (0x80, zeros, the length in bits, big-endian), then the
 * state's words big-endian into out. */
static void finish(uint32_t *h, unsigned char buf[64], size_t n, uint64_t bytes, blocks_fn fn,
                   unsigned char *out, int words)
{
    uint64_t bits = bytes * 8;

    buf[n++] = 0x80;
    if (n > 56) {
        memset(buf + n, 0, 64 - n);
        fn(h, buf, 1);
        n = 0;
    }
    memset(buf + n, 0, 56 - n);
    store_be32(buf + 56, (uint32_t)(bits >> 32));
    store_be32(buf + 60, (uint32_t)bits);
    fn(h, buf, 1);
    for (int i = 0; i < words; i++) {
        store_be32(out + 4 * i, h[i]);
    }
}

static void sha1_fn(uint32_t *h, const unsigned char *p, size_t blocks)
{
    sha1_blocks(h, p, blocks);
}

static void sha256_fn(uint32_t *h, const unsigned char *p, size_t blocks)
{
    sha256_blocks(h, p, blocks);
}

void ts_sha1_init(ts_sha1_ctx *c)
{
    static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};

    memcpy(c->h, iv, sizeof(iv));
    c->bytes = 0;
    c->n = 0;
}

void ts_sha1_update(ts_sha1_ctx *c, const void *data, size_t len)
{
    update(c->h, c->buf, &c->n, &c->bytes, sha1_fn, data, len);
}

void ts_sha1_final(ts_sha1_ctx *c, unsigned char out[20])
{
    finish(c->h, c->buf, c->n, c->bytes, sha1_fn, out, 5);
    memset(c, 0, sizeof(*c));
}

void ts_sha256_init(ts_sha256_ctx *c)
{
    /* The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

    memcpy(c->h, iv, sizeof(iv));
    c->bytes = 0;
    c->n = 0;
}

void ts_sha256_update(ts_sha256_ctx *c, const void *data, size_t len)
{
    update(c->h, c->buf, &c->n, &c->bytes, sha256_fn, data, len);
}

void ts_sha256_final(ts_sha256_ctx *c, unsigned char out[32])
{
    finish(c->h, c->buf, c->n, c->bytes, sha256_fn, out, 8);
    memset(c, 0, sizeof(*c));
}
