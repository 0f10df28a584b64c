/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_KEYSTORE_H
#define TS_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "ts_error.h"

/* The default password of the JDK's cacerts. */
#define TS_DEFAULT_PASSWORD "changeit"
/* Used when SOURCE_DATE_EPOCH is not set: 2020-01-01T00:00:00Z, in ms. */
#define TS_DEFAULT_TIMESTAMP_MS INT64_C(1577836800000)

/*
 * Entry creation time from a SOURCE_DATE_EPOCH value (the caller reads the
 * environment; the core does not): s NULL or "" gives TS_DEFAULT_TIMESTAMP_MS;
 * ASCII digits only, a value of at most 9223372036854775 (INT64_MAX / 1000),
 * give that many seconds in ms.  Anything else (a sign, spaces, a fraction,
 * too large) fails with *ms = TS_DEFAULT_TIMESTAMP_MS, so a caller that
 * cannot report it can ignore the result.  Returns 0 or -1; err->what says
 * what was expected.
 */
int ts_timestamp_from_epoch_string(const char *s, int64_t *ms, ts_error *err);

typedef enum ts_format {
    TS_FORMAT_UNKNOWN = 0,
    TS_FORMAT_JKS,
    TS_FORMAT_PKCS12,
    TS_FORMAT_JCEKS, /* read and edited in place; written only from a JCEKS base */
} ts_format;

/* One certificate the JVM trusts from a keystore. */
typedef struct ts_entry {
    char *alias;
    int64_t created_ms; /* Java time: ms since the epoch */
    ts_cert cert;
    /* false: a trusted-certificate entry; true: a private-key entry, cert being
     * the first certificate of its chain (sun.security.validator.TrustStoreUtil
     * trusts it too).  Key entries are never written as trusted entries. */
    bool key_entry;
} ts_entry;

typedef struct ts_keystore {
    ts_entry *items;
    size_t count;
    size_t cap;
    size_t skipped; /* secret keys, keys without a certificate, non-anchor bags, closed safes,
                       shadowed or unreachable entries left out when decoding */
} ts_keystore;

/* From the bytes, not the name: FEEDFEED is JKS, CECECECE JCEKS, a DER SEQUENCE is PKCS12. */
ts_format ts_keystore_detect(const unsigned char *buf, size_t len);
const char *ts_format_name(ts_format f); /* "jks", "pkcs12", "jceks", "unknown" */
/* "jks" / "pkcs12" (any case; "p12" too) -> 0, else -1.  JCEKS is never asked
 * for: a JCEKS file is served as JCEKS, the only way one is written. */
int ts_format_from_name(const char *name, ts_format *out);

/*
 * Decodes a JKS (v1, v2), JCEKS or PKCS12 keystore into the certificates the
 * JVM trusts from it, appending them to out: every trusted-certificate entry,
 * and the first certificate of every private-key entry's chain, flagged
 * key_entry (what sun.security.validator.TrustStoreUtil takes).
 *  - password NULL: as the JVM does with no trustStorePassword: a JKS digest is
 *    not checked; a PKCS12 MAC is not checked and encrypted bags are skipped.
 *  - password given: a JKS digest mismatch fails with
 *    "keystore digest mismatch: wrong password or tampered file"; PKCS12 is
 *    verified and decrypted with it ("" is a password, distinct from NULL).
 *  - PKCS12 cert bags are trust anchors only with the attribute
 *    2.16.840.1.113894.746875.1.1; the certificate of a key bag is the cert
 *    bag with the same localKeyId, else the same friendlyName (as the JDK
 *    pairs them); other bags count in out->skipped.
 *  - Secret keys (JCEKS tag 3, PKCS12 secret bags) and private keys without a
 *    certificate count in out->skipped.
 *  - Entries sharing an alias: only the last is kept (the JVM's map keeps
 *    only that one); the others count in out->skipped.
 * Any malformed input is an error naming the byte offset; nothing is appended then.
 * Details:
 *  - JKS/JCEKS: the 20-byte digest must be present and end the file even when
 *    it is not checked; aliases are kept as stored (modified UTF-8 bytes); an
 *    entry whose alias has an ASCII uppercase letter is skipped (the JVM lists
 *    it but, looking aliases up lowercased, never trusts it); certificates are
 *    checked for DER framing only (the JVM parses them).
 *  - PKCS12: aliases are the friendlyName lowercased (A-Z only), or the
 *    SHA-256 hex when there is none; created_ms is TS_DEFAULT_TIMESTAMP_MS
 *    (PKCS12 stores no date); each skipped encrypted SafeContents (no
 *    password) counts 1 in skipped.  Legacy encryptions (RC2, RC4, DES) are
 *    run by OpenSSL's legacy provider in a library context of the core's own.
 */
int ts_keystore_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                       ts_error *err);

/* Appends a copy of (alias, created_ms, der).  der is checked to be one DER
 * SEQUENCE (framing only, cheap); use ts_certs_parse for untrusted input. */
int ts_keystore_add(ts_keystore *ks, const char *alias, int64_t created_ms,
                    const unsigned char *der, size_t der_len, ts_error *err);
/* Appends a copy of e. */
int ts_keystore_add_entry(ts_keystore *ks, const ts_entry *e, ts_error *err);
/* Index of the first entry with that fingerprint, or -1 (a linear scan). */
long ts_keystore_find_sha256(const ts_keystore *ks, const unsigned char sha[TS_SHA256_LEN]);
void ts_keystore_free(ts_keystore *ks);

/*
 * Encodes ks as a store of trusted-certificate entries.  The aliases must
 * already obey ts_alias_valid(.., true) and be unique (ts_merge ensures it),
 * and no entry may be a key_entry; otherwise the error names the entry
 * (err->where "entry 7").  Checking is O(n log n).
 *  - TS_FORMAT_JKS: version 2, entries in ks order, SHA-1 integrity digest
 *    keyed with password (NULL means TS_DEFAULT_PASSWORD).
 *  - TS_FORMAT_JCEKS: the same with the JCEKS magic.
 *  - TS_FORMAT_PKCS12: a JDK 18+ style trust store: no MAC, unencrypted cert
 *    bags, each with friendlyName and the trusted-usage attribute
 *    (anyExtendedKeyUsage); password is not used.
 * *out is malloc'd.  Same input, same bytes.
 */
int ts_keystore_encode(const ts_keystore *ks, ts_format format, const char *password,
                       unsigned char **out, size_t *out_len, ts_error *err);

/* Aliases.
 * Valid: 1..255 bytes of printable ASCII (0x20..0x7e), no uppercase letter,
 * not containing " [jdk" unless allow_jdk (entries of the JDK's own cacerts keep theirs). */
bool ts_alias_valid(const char *alias, bool allow_jdk);
/*
 * Makes a valid alias out of any text (a CN, a host name): ASCII letters
 * lowercased, [a-z0-9.-_] kept, the Latin letters of U+00C0..U+017F spelled in
 * ASCII (é e, ü u, ß ss, Œ oe), runs of anything else become one '-', trimmed
 * of '-', at most 64 bytes; "cert" when nothing is left.  An IPv6 address
 * (brackets allowed) gives its canonical lowercase text ("2001:db8::1").  out has room for size
 * bytes (>= 65).
 */
void ts_alias_from_text(const char *text, char *out, size_t size);

#endif
