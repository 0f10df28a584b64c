/* SPDX-License-Identifier: Apache-2.0 */
/* Fixtures for the manifest and merge tests, made at test time with OpenSSL. */
#ifndef MF_UTIL_H
#define MF_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "cert.h"
#include "keystore.h"
#include "manifest.h"

/*
 * A self-signed certificate (EC P-256, SHA-256) with subject CN=cn (no CN when
 * cn is NULL) and a distinct serial.  One key is shared by all of them: making
 * thousands stays fast.  Aborts on failure.
 */
void mf_make_cert(const char *cn, ts_cert *out);
/* Its PEM text, malloc'd. */
char *mf_cert_pem(const ts_cert *c);
/* Lowercase hex of c's SHA-256 into out (65 bytes). */
void mf_hex(const ts_cert *c, char out[TS_SHA256_HEX_LEN + 1]);
/* A private temporary directory (mode 0700) under /tmp; rm -rf'd by mf_rmtree. */
char *mf_tmpdir(void);
void mf_rmtree(const char *dir);
/* Writes text to path with mode; aborts on failure. */
void mf_write(const char *path, const char *text, unsigned mode);
/* malloc'd printf. */
char *mf_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * ks's certificates as a password-less PKCS12 made by OpenSSL (PKCS12_create:
 * no MAC, unencrypted cert bags) without the JDK's trust attribute: none is a
 * trust anchor.  *out is malloc'd; aborts on failure.
 */
void mf_make_p12_without_trust(const ts_keystore *ks, unsigned char **out, size_t *len);
/* Frees what mf_make_cert's shared key holds (call at exit for LeakSanitizer). */
void mf_cleanup(void);

#endif
