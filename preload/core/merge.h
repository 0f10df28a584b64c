/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_MERGE_H
#define TS_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "keystore.h"
#include "manifest.h"
#include "ts_error.h"

typedef struct ts_merge_opts {
    /* NULL: every manifest certificate (a trust store such as cacerts);
     * a host: only the certificates whose hosts[] names it (<host>.ks). */
    const char *host;
    /* Creation time of the manifest's entries (Java ms); the caller derives it
     * from SOURCE_DATE_EPOCH or uses TS_DEFAULT_TIMESTAMP_MS. */
    int64_t timestamp_ms;
} ts_merge_opts;

/* Always: base + manifest == total + duplicates + distrusted. */
typedef struct ts_merge_summary {
    size_t base;       /* trusted entries in the base */
    size_t added;      /* manifest entries added */
    size_t duplicates; /* entries left out because the same certificate is already in the result:
                          manifest entries already in the base (kept once, under the base's alias)
                          and repeated entries of the base itself */
    size_t distrusted; /* entries (base or manifest) left out because their fingerprint is in
                          distrust[] */
    size_t total;      /* entries in the result */
    size_t manifest;   /* manifest certificates selected (all, or those naming opts->host) */
    /* Not counted in base: what decoding the base left out (its ts_keystore.skipped: private
     * keys, PKCS12 certificates without the trust attribute, encrypted bags without a
     * password ...), so that "base 0" can be explained. */
    size_t base_skipped;
} ts_merge_summary;

/*
 * out = base (may be NULL) + manifest certificates (selected by opts->host)
 *       - distrusted fingerprints,
 * deduplicated by fingerprint (the base's entry wins), base entries first in
 * their order, then the manifest's in manifest order.  Aliases: lowercased;
 * base aliases keep " [jdk" suffixes; manifest aliases get -2, -3 ... on a
 * clash.  The manifest's certificates must be loaded (ts_manifest_load_certs).
 * Details:
 *  - A fingerprint both in certificates[] and distrust[] is left out.
 *  - Base aliases: ASCII letters lowercased, other printable ASCII kept, each
 *    run of other bytes (non-ASCII, control) replaced by one '-', at most 255
 *    bytes ("cert" when empty); a repeated base alias gets a suffix too.
 *  - Manifest entries without an alias get one from hosts[0], else the
 *    subject's CN.  Explicit manifest aliases are placed before derived ones,
 *    so a derived alias never takes an explicit one's name.
 *  - Manifest entries are dated with their `added` date (RFC 3339), else
 *    opts->timestamp_ms; base entries keep theirs.
 *  - Base key_entry entries are left out (counted in base_skipped, not base):
 *    this path writes trusted entries only, and distrust never removes a key.
 *  - Hash tables throughout: linear in the number of entries.
 * out must be empty (zeroed); on failure it stays empty.  summary may be NULL.
 */
int ts_merge(const ts_keystore *base, const ts_manifest *m, const ts_merge_opts *opts,
             ts_keystore *out, ts_merge_summary *summary, ts_error *err);

/* Longest alias a merge gives. */
#define TS_ALIAS_MAX 255
/*
 * The alias a manifest entry asks for, before a merge makes it unique (-2, -3 ...): its own
 * (made valid by ts_alias_from_text if it is not), else made from the certificate's own name
 * (ts_cert_own_name: subject CN, else first SAN) as the CLI names new entries; never from hosts[].
 */
void ts_manifest_cert_alias(const ts_manifest_cert *c, char out[TS_ALIAS_MAX + 1]);

/*
 * What to append to an existing store as trusted-certificate entries.
 * present: what the store keeps (every alias, whatever its kind, is reserved;
 * an entry with a certificate (cert.der set) also makes that certificate
 * present); then also's entries, then the manifest's (selected by opts->host),
 * each left out when distrusted or already present or added (by fingerprint).
 * Aliases: lowercase ASCII, unique against present compared case-insensitively
 * (as the JVM looks them up), suffixed -2, -3 ... on a clash.  Manifest
 * entries are dated with their `added` date, else opts->timestamp_ms; also's
 * keep their dates.  out must be empty; sum's manifest, added, duplicates and
 * distrusted are increased (sum must not be NULL).
 */
int ts_merge_additions(const ts_keystore *present, const ts_keystore *also, const ts_manifest *m,
                       const ts_merge_opts *opts, ts_keystore *out, ts_merge_summary *sum,
                       ts_error *err);

#endif
