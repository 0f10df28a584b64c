/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_MANIFEST_H
#define TS_MANIFEST_H

/* The manifest: the only module that knows cJSON.  See docs/manifest.md. */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cert.h"
#include "keystore.h"
#include "ts_error.h"

#define TS_MANIFEST_VERSION 1
#define TS_MANIFEST_DEFAULT_PATH "/etc/trustshim/manifest.json"
#define TS_MANIFEST_MAX_SIZE (64u * 1024u * 1024u)

typedef struct ts_manifest_cert {
    char *alias;                         /* NULL: derived from the host or subject CN at merge */
    unsigned char sha256[TS_SHA256_LEN]; /* the pin */
    char *pem;                           /* inline PEM, or NULL */
    char *file; /* path as written (relative to the manifest's directory), or NULL */
    char **hosts;
    size_t n_hosts;
    char *source; /* free text, e.g. "fetch smtp://mail.example.test:587" */
    char *added;  /* RFC 3339 */
    ts_cert
        cert; /* the certificate itself, filled by ts_manifest_load_certs (der == NULL before) */
} ts_manifest_cert;

typedef struct ts_target {
    char *path;
    char *password; /* NULL: the manifest's password; "" is a password */
    bool merge;     /* true: the file's own entries + the manifest's; false: the manifest's only */
} ts_target;

/* What a keystore directory's stores (<dir>/<host>.ks, trackplus.ks) are served with. */
typedef enum ts_dir_trust {
    TS_DIR_TRUST_FULL = 0, /* the JVM's whole merged trust: the file's own entries, the JRE's
                              trust store and every manifest certificate (the default) */
    TS_DIR_TRUST_HOST,     /* the file's own entries and the certificates naming its host */
} ts_dir_trust;

typedef struct ts_keystore_dir {
    char *path;         /* absolute, as written */
    char *password;     /* NULL: the manifest's password; "" is a password */
    ts_dir_trust trust; /* "trust": "full" (default) or "host" */
} ts_keystore_dir;

typedef struct ts_manifest {
    int version;
    char *password; /* never NULL after parse/init: default TS_DEFAULT_PASSWORD; "" is a password */
    /* Format served to the JVM: TS_FORMAT_UNKNOWN (the default, "format" absent) keeps each
     * file's own format (JKS for a synthesized file); TS_FORMAT_JKS or TS_FORMAT_PKCS12 when
     * "format" says so. */
    ts_format format;
    ts_manifest_cert *certs;
    size_t n_certs;
    unsigned char (*distrust)[TS_SHA256_LEN];
    size_t n_distrust;
    ts_keystore_dir *keystore_dirs;
    size_t n_keystore_dirs;
    ts_target *targets;
    size_t n_targets;
} ts_manifest;

/* An empty, valid manifest (version 1, default password, each file's own format). */
int ts_manifest_init(ts_manifest *m);
void ts_manifest_free(ts_manifest *m);

/*
 * Parses and validates JSON text.  `path` is only used to name the file in
 * err->file.  Unknown fields, wrong types, a bad version, malformed sha256,
 * duplicate aliases or fingerprints, aliases that are not valid
 * (ts_alias_valid(.., false)), an entry with both or neither of pem/file:
 * each is an error with err->where the JSON path ("certificates[3].sha256")
 * and err->what what was expected.  Does not read certificate files.
 * Also refused: "version" other than 1, empty strings, control characters,
 * hosts that are not host names or IP addresses, "added" not RFC 3339,
 * relative keystore_dirs / targets paths, a key given twice in one object,
 * nesting deeper than the format, trailing text, NUL bytes, invalid UTF-8.
 * JSON syntax errors have err->where "line L, column C".
 * *m is overwritten (not freed first); on failure it is zeroed, so
 * ts_manifest_free(m) is safe either way.
 */
int ts_manifest_parse(const char *text, size_t len, const char *path, ts_manifest *m,
                      ts_error *err);

/*
 * Fills certs[i].cert: decodes inline PEM, or reads `file` relative to the
 * directory of manifest_path (absolute paths as they are).  A file may be a
 * bundle: the certificate whose SHA-256 matches the pin is taken.  No match is
 * "certificates[i].sha256: does not match the certificate (got <hex>)".
 * When check_owner is true each certificate file (and its directories) must
 * pass ts_open_safe(.., uid) and is read through the descriptor it checked (no
 * second lookup by name).  Entries already loaded (cert.der set) are
 * kept; on failure every entry is left unloaded.  Errors: err->file is
 * manifest_path, err->where "certificates[i].pem" / ".file" / ".sha256", and
 * err->what includes the certificate file's name and the lower-level reason.
 */
int ts_manifest_load_certs(ts_manifest *m, const char *manifest_path, bool check_owner,
                           unsigned uid, ts_error *err);

/* ts_read_file + ts_manifest_parse + ts_manifest_load_certs (no ownership checks). */
int ts_manifest_load(const char *path, ts_manifest *m, ts_error *err);

/*
 * JSON text: stable key order, 2-space indentation, trailing newline, only
 * the fields that differ from the defaults plus version and certificates.
 * malloc'd; NULL on out of memory.
 */
char *ts_manifest_to_json(const ts_manifest *m);

/* Index of the certificate with that fingerprint / alias, or -1. */
long ts_manifest_find_sha256(const ts_manifest *m, const unsigned char sha[TS_SHA256_LEN]);
long ts_manifest_find_alias(const ts_manifest *m, const char *alias);
bool ts_manifest_is_distrusted(const ts_manifest *m, const unsigned char sha[TS_SHA256_LEN]);
/* Whether some certificate lists host (case-insensitive) in hosts[]. */
bool ts_manifest_has_host(const ts_manifest *m, const char *host);

/*
 * Appends a certificate entry (deep copy of cert, stored inline as "pem";
 * alias/hosts/source/added copied).  The alias: the one given (it must be a
 * valid manifest alias), else made from the certificate's name (ts_cert_own_name:
 * the subject's CN, else its first SAN) by ts_alias_from_text; when taken, a -2, -3 ... suffix
 * makes it unique. hosts, source and added are validated as ts_manifest_parse does.  Fails on a
 * duplicate fingerprint, and on a certificate that is not DER as the loader takes it
 * (ts_cert_check_der).  On success *index is the new entry's index (index may be NULL).
 */
int ts_manifest_add_cert(ts_manifest *m, const ts_cert *cert, const char *alias,
                         const char *const *hosts, size_t n_hosts, const char *source,
                         const char *added, size_t *index, ts_error *err);
/* Removes certs[i]. */
void ts_manifest_remove_cert(ts_manifest *m, size_t i);
/*
 * Lists host in certs[i].hosts[] (validated as ts_manifest_parse does).
 * Returns 1 when added, 0 when it was listed already (case-insensitive),
 * -1 on a bad host name or out of memory (err says which).
 */
int ts_manifest_add_host(ts_manifest *m, size_t i, const char *host, ts_error *err);
/* distrust list: add (no-op if present) / remove (-1 if absent). */
int ts_manifest_distrust(ts_manifest *m, const unsigned char sha[TS_SHA256_LEN]);
int ts_manifest_undistrust(ts_manifest *m, const unsigned char sha[TS_SHA256_LEN]);

#endif
