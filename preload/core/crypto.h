/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_CRYPTO_H
#define TS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "cert.h"
#include "ts_error.h"

/*
 * What of the core needs libcrypto, behind one table, so that serving the
 * usual stores (JKS, JCEKS, PKCS12 without a MAC or encryption, PEM manifest
 * certificates) never loads it: loading libcrypto costs a JVM about 1.3 MiB
 * and its first use reads OpenSSL's configuration (docs/performance.md).
 * The CLI links the OpenSSL implementation (crypto_ossl.c) directly;
 * libtrustshim.so loads it from libtrustshim-crypto.so, next to itself, the
 * first time a store needs it (preload/crypto_dl.c).  Every function runs in
 * the core's own OpenSSL contexts (ossl.c) and leaves the error queue as it
 * found it.  Buffers it returns are malloc'd.
 */

#define TS_CRYPTO_ABI 1

typedef struct ts_der {
    unsigned char *p;
    size_t len;
} ts_der;

typedef struct ts_crypto {
    unsigned abi; /* TS_CRYPTO_ABI: the module and the library are of the same build */
    /* Whether OpenSSL's d2i_X509 reads der[0..len) as one certificate; *used: how much it read. */
    bool (*x509_parses)(const unsigned char *der, size_t len, size_t *used);
    /* The certificates of the DER PKCS#7 at der[0..len), as OpenSSL re-encodes them, into
     * *certs[*n] (free each and the array); *consumed: the structure's length once it parsed.
     * 0, or -1 with *why. */
    int (*pkcs7_certs)(const unsigned char *der, size_t len, size_t *consumed, ts_der **certs,
                       size_t *n, const char **why);
    /* ts_cert_describe (cert.h); cert_own_name is the reference of ts_cert_own_name, which
     * reads the DER itself (tests/keystore/test_cert.c compares them). */
    int (*cert_describe)(const ts_cert *c, ts_cert_info *info, ts_error *err);
    int (*cert_own_name)(const ts_cert *c, char *out, size_t size);
    /* A BER PKCS12 file as OpenSSL parses it and writes it back in DER; 0 or -1. */
    int (*p12_to_der)(const unsigned char *buf, size_t len, ts_der *out);
    /* The PKCS12 password-based encryption (or decryption) of in by the DER AlgorithmIdentifier
     * alg[0..alg_len) and pw (NULL: the zero-length password); 0 or -1. */
    int (*p12_pbe)(const unsigned char *alg, size_t alg_len, const char *pw,
                   const unsigned char *in, size_t in_len, ts_der *out, bool encrypt);
    /* A PKCS12 MAC (RFC 7292 B.2 key, then HMAC) of data with the digest whose OID contents are
     * md_oid[0..md_oid_len); out holds 64 bytes.  0; -3 an unknown digest; -1 failed. */
    int (*p12_mac)(const unsigned char *md_oid, size_t md_oid_len, const char *pw,
                   const unsigned char *salt, size_t salt_len, long iter, const unsigned char *data,
                   size_t len, unsigned char out[64], size_t *out_len);
} ts_crypto;

/* The table, or NULL with why in err (for example, libtrustshim-crypto.so cannot be loaded).
 * Defined by crypto_direct.c (the CLI, tests) or preload/crypto_dl.c (libtrustshim.so). */
const ts_crypto *ts_crypto_get(ts_error *err);

/* The OpenSSL implementation (crypto_ossl.c). */
extern const ts_crypto ts_crypto_ossl;

#endif
