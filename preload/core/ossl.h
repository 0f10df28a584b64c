/* SPDX-License-Identifier: Apache-2.0 */
/* The core's own OpenSSL library contexts (ossl.c); for crypto_ossl.c only. */
#ifndef TS_OSSL_H
#define TS_OSSL_H

#include <openssl/evp.h>
#include <openssl/types.h>
#include <openssl/x509.h>

/* Made on first use without reading any configuration; NULL when they cannot be made.  Every
 * OpenSSL call of the core goes through them, never through the process's default context. */
OSSL_LIB_CTX *ts_ossl_ctx(void);        /* the default provider */
OSSL_LIB_CTX *ts_ossl_legacy_ctx(void); /* the default and legacy providers */
/* The digest of nid in the main context (SHA-1/SHA-256 fetched once and kept); EVP_MD_free it. */
EVP_MD *ts_ossl_md_fetch(int nid);
/* d2i_X509 in the main context. */
X509 *ts_ossl_d2i_x509(const unsigned char **p, long len);

#endif
