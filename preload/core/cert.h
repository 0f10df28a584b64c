/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_CERT_H
#define TS_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ts_error.h"

#define TS_SHA256_LEN 32
#define TS_SHA256_HEX_LEN 64

/* One X.509 certificate, identified by the SHA-256 of its DER. */
typedef struct ts_cert {
    unsigned char *der;
    size_t der_len;
    unsigned char sha256[TS_SHA256_LEN];
} ts_cert;

typedef struct ts_cert_list {
    ts_cert *items;
    size_t count;
    size_t cap;
} ts_cert_list;

/*
 * Appends every certificate found in buf to out.  The format is detected from
 * the bytes: PEM (any number of CERTIFICATE / X509 CERTIFICATE / TRUSTED
 * CERTIFICATE / PKCS7 blocks, with any text between them), DER X.509, or DER
 * PKCS#7 (.p7b).  Every certificate of a bundle counts.  Fails, appending
 * nothing, on a malformed block or when no certificate is found; err->where
 * names the PEM block ("PEM block 2") or byte offset.
 * Other PEM blocks (keys, CRLs) are ignored.  Each certificate is parsed with
 * OpenSSL (d2i_X509: some tens of microseconds each with OpenSSL 3.0); the
 * DER kept is the bytes as given ("TRUSTED CERTIFICATE": without the trust
 * settings that follow the certificate).
 * A certificate must be DER: every length definite, in its shortest form, on
 * at most 4 bytes, as the JDK reads it.  BER that OpenSSL would read (an
 * indefinite or over-long length) is refused with a message saying how to
 * re-encode it; this one definition is shared by ts_certs_parse_pinned and
 * ts_cert_list_push_der, so what add or fetch stores is what the loader takes.
 */
int ts_certs_parse(const unsigned char *buf, size_t len, ts_cert_list *out, ts_error *err);

/*
 * ts_certs_parse for certificates pinned by SHA-256 (the manifest's): the same
 * formats and errors, but an X.509 certificate's DER is checked for its
 * structure (Certificate, and TBSCertificate up to the public key) instead of
 * being parsed in full, which in OpenSSL 3 costs ~50-100 us a certificate
 * (10,000 of them would hold up a JVM's first TLS handshake for a second).
 * The caller must then compare each SHA-256 with its pin: the pin says these
 * are the bytes that were fully checked when the certificate was added.
 */
int ts_certs_parse_pinned(const unsigned char *buf, size_t len, ts_cert_list *out, ts_error *err);

/* Whether der is one X.509 certificate in DER, as ts_certs_parse checks it (the one definition
 * of a manifest certificate); 0, or -1 with err->what saying what is wrong and how to fix it. */
int ts_cert_check_der(const unsigned char *der, size_t len, ts_error *err);

/* Copies der into a new entry of l (computing its SHA-256).  The DER is checked to be one X.509
 * certificate in DER, as ts_certs_parse checks it. */
int ts_cert_list_push_der(ts_cert_list *l, const unsigned char *der, size_t len, ts_error *err);
void ts_cert_list_free(ts_cert_list *l);

/* Deep copy; 0 or -1 (out of memory). */
int ts_cert_copy(ts_cert *dst, const ts_cert *src);
void ts_cert_free(ts_cert *c);

/* Lowercase hex, NUL-terminated. */
void ts_sha256_to_hex(const unsigned char sha[TS_SHA256_LEN], char out[TS_SHA256_HEX_LEN + 1]);

/*
 * Parses 64 hex digits, either case, optionally separated by ':' (keytool's
 * form) into sha.  Returns 0, or -1 when s is anything else.
 */
int ts_sha256_from_hex(const char *s, unsigned char sha[TS_SHA256_LEN]);

/*
 * ts_sha256_from_hex that says why: NULL on success, else what is wrong with s
 * for an error message ("got 63 hexadecimal digits", "invalid character 'g'
 * at position 5", "expected ':' at position 3", ...), formatted into buf
 * (size bytes) when it needs to be.  sha is written only on success.
 */
const char *ts_sha256_parse_hex(const char *s, unsigned char sha[TS_SHA256_LEN], char *buf,
                                size_t size);

/* The value of one hexadecimal digit (either case), or -1. */
int ts_hex_digit(int c);

/* PEM text ("-----BEGIN CERTIFICATE-----...") of one certificate; malloc'd, NUL-terminated. */
char *ts_cert_to_pem(const ts_cert *c);

/* What a person wants to know about a certificate (for the CLI and default aliases). */
typedef struct ts_cert_info {
    char subject[512]; /* RFC 2253, e.g. "CN=mail.example.test,O=Example" */
    char issuer[512];
    char common_name[256]; /* subject CN, or "" */
    time_t not_before;
    time_t not_after;
    bool is_ca;        /* basicConstraints CA:TRUE */
    bool self_signed;  /* subject == issuer and the signature verifies with its own key */
    char key_type[16]; /* "RSA", "EC", "Ed25519", ... */
    int key_bits;
    bool sha1_signature;
} ts_cert_info;

int ts_cert_describe(const ts_cert *c, ts_cert_info *info, ts_error *err);

/*
 * The name a person knows a certificate by, for its default alias: the subject's CN, else the
 * first DNS name or IP address (text form) of its subject alternative names, else "".
 * 0, or -1 when c is not a certificate (out is "" then).
 */
int ts_cert_own_name(const ts_cert *c, char *out, size_t size);

#endif
