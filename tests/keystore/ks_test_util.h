/* SPDX-License-Identifier: Apache-2.0 */
/* Fixtures for the keystore tests, made at test time with OpenSSL. */
#ifndef KS_TEST_UTIL_H
#define KS_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"

/* A fresh self-signed certificate (EC P-256, SHA-256) for cn; malloc'd DER. */
void ks_make_cert(const char *cn, bool ca, unsigned char **der, size_t *len);
/* The same with choices: issuer_cn NULL = self-issued; rsa_bits 0 = EC P-256; sha1 = SHA-1
 * signature. */
void ks_make_cert_ex(const char *cn, bool ca, const char *issuer_cn, int rsa_bits, bool sha1,
                     unsigned char **der, size_t *len);
/* Its PEM text, malloc'd, NUL-terminated. */
char *ks_der_to_pem(const unsigned char *der, size_t len);
/* A PKCS#7 SignedData holding the certificates of l; DER, or PEM when pem. */
void ks_make_pkcs7(const ts_cert_list *l, bool pem, unsigned char **out, size_t *len);
/* Concatenation helper: appends s (n bytes) to the malloc'd buffer *buf of *len bytes. */
void ks_append(unsigned char **buf, size_t *len, const void *s, size_t n);

#endif
