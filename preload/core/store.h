/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_STORE_H
#define TS_STORE_H

/*
 * The served store: the file on disk plus the manifest, never less.
 * An additive edit of the file's own bytes: every entry it holds (trusted
 * certificates, private keys with their chains, secret keys) stays as it was,
 * only distrusted trusted-certificate entries go, the additions are appended
 * as trusted-certificate entries, and the integrity check (JKS/JCEKS digest,
 * PKCS12 MAC) is recomputed with the file's own password, so that the
 * application's password keeps working.  When that cannot be done faithfully
 * the build fails with a reason (ts_store_fail) and the caller serves the
 * file unchanged.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keystore.h"
#include "manifest.h"
#include "merge.h"
#include "ts_error.h"

typedef enum ts_store_fail {
    TS_STORE_OK = 0,
    TS_STORE_FORMAT,      /* the file is not a keystore we can read: damaged or unknown */
    TS_STORE_INTEGRITY,   /* the password does not verify the file: wrong, or the file tampered */
    TS_STORE_PASSWORD,    /* a password is needed (JKS/JCEKS digest, PKCS12 MAC or encrypted
                             safe) and none was given */
    TS_STORE_UNSUPPORTED, /* an algorithm that cannot run here (PBMAC1, an unknown cipher) */
    TS_STORE_NOMEM,
    TS_STORE_CONVERT,  /* another format was asked for, but the file holds key or secret
                          entries, which are never converted: ask for the file's format */
    TS_STORE_NOCRYPTO, /* the store needs libcrypto (a PKCS12 MAC, encryption, BER) and
                          libtrustshim.so cannot load libtrustshim-crypto.so */
} ts_store_fail;

typedef struct ts_store_in {
    const unsigned char *base; /* the file's bytes; NULL: none (a synthesized store); an empty
                                  file (non-NULL, 0 bytes) is a damaged one */
    size_t base_len;
    const char *password;  /* store password; NULL: none known; "" is a password */
    bool password_guessed; /* password is a default, not one set for this store: when it does
                              not verify the file and the empty password does (a store made
                              "without a password", pyca's and OpenSSL's -passout pass:), the
                              file's own empty password is used, so every verdict stays */
    const ts_keystore *also_trust; /* more certificates to add as trusted entries (the JRE's
                                      trust store, for keystore directories); may be NULL */
    const ts_manifest *m;          /* certificates and distrust; may be NULL */
    const char *host;     /* NULL: every manifest certificate; else only those naming host */
    bool merge;           /* false: the base's entries are not kept (targets[].merge) */
    int64_t timestamp_ms; /* date of added entries without an `added` date */
    ts_format format;     /* TS_FORMAT_UNKNOWN: the base's format (JKS without a base) */
} ts_store_in;

/*
 * Builds the served store (*out malloc'd) from in; 0, or -1 with *why and err
 * saying why (err->what is one line, naming what fixes it where it can).
 * sum (may be NULL): base = entries of the file (every kind), manifest =
 * certificates offered (the manifest's selected ones plus also_trust's),
 * added, duplicates (offered but already served), distrusted (removed from the
 * file or not added), total = entries served:
 * base + manifest == total + duplicates + distrusted.
 * Rules:
 *  - JKS, JCEKS: needs the password (the digest is recomputed); one that does
 *    not verify the file is TS_STORE_INTEGRITY.
 *  - PKCS12: a MAC needs the password and is verified with it (RFC 9579
 *    PBMAC1: TS_STORE_UNSUPPORTED); without a MAC no password is needed unless
 *    an encrypted safe would have to be looked into (something is added or
 *    distrusted: its aliases and certificates must be known).  Added entries go
 *    into one new unencrypted SafeContents; a safe that loses a distrusted
 *    certificate is rewritten (re-encrypted with its own algorithm and
 *    parameters).  Every other ContentInfo is copied byte for byte.
 *  - Added aliases are lowercase ASCII, unique against every alias of the
 *    file, compared as the JVM does (case-insensitively).
 *  - Added manifest entries are dated with their `added` date, else
 *    timestamp_ms.
 *  - format other than the file's: converted only when the file holds
 *    nothing but trusted certificates (else TS_STORE_CONVERT).
 * The process's OpenSSL error queue is left as it was.
 */
int ts_store_build(const ts_store_in *in, unsigned char **out, size_t *out_len,
                   ts_merge_summary *sum, ts_store_fail *why, ts_error *err);

/* "format", "integrity", ... for messages and JSON. */
const char *ts_store_fail_name(ts_store_fail why);

#endif
