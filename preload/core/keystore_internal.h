/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by keystore.c, jks.c and p12.c only; not part of the core's API. */
#ifndef TS_KEYSTORE_INTERNAL_H
#define TS_KEYSTORE_INTERNAL_H

#include "keystore.h"

#include <stdint.h>

/*
 * Appends an entry taking a copy of alias (alias_len bytes, no NUL inside) and
 * der; sha256 of der is computed.  The DER is not parsed: callers that read
 * a keystore check only its outer framing (ts_der_is_sequence), as the
 * JVM parses it anyway.  0, or -1 when out of memory.
 */
int ts_ks_push(ts_keystore *ks, const char *alias, size_t alias_len, int64_t created_ms,
               const unsigned char *der, size_t der_len);
/* The same with der's SHA-256 already known (sha; NULL: computed). */
int ts_ks_push_sha(ts_keystore *ks, const char *alias, size_t alias_len, int64_t created_ms,
                   const unsigned char *der, size_t der_len, const unsigned char *sha);

/* Whether der is one DER SEQUENCE whose length covers exactly len bytes. */
bool ts_der_is_sequence(const unsigned char *der, size_t len);

/* SHA-256 of buf (sha.c); always 0. */
int ts_sha256(const unsigned char *buf, size_t len, unsigned char out[TS_SHA256_LEN]);

/* Makes room for extra more elements of elem bytes in *items (count used, *cap
 * allocated), doubling; 0, or -1 on overflow or out of memory (*items kept). */
int ts_grow(void **items, size_t *cap, size_t count, size_t extra, size_t elem);

/* Format decoders/encoders: decode appends to an empty keystore (the caller
 * moves the result, so that a failure appends nothing). */
int ts_jks_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                  ts_error *err);
int ts_jks_encode(const ts_keystore *ks, bool jceks, const char *password, unsigned char **out,
                  size_t *out_len, ts_error *err);

/* The JKS / JCEKS digest: SHA-1(password as UTF-16BE || "Mighty Aphrodite" || data).
 * 0, or -1 (password not valid UTF-8, OpenSSL failed). */
int ts_jks_digest(const char *password, const unsigned char *data, size_t len,
                  unsigned char md[20]);

/* One entry of a JKS / JCEKS file, pointing into the file's bytes. */
typedef struct ts_jks_entry {
    uint32_t tag;               /* 1 private key, 2 trusted certificate, 3 secret key (JCEKS) */
    size_t start, end;          /* the entry's bytes: [start, end) */
    const unsigned char *alias; /* modified UTF-8, alias_len bytes, no NUL inside */
    size_t alias_len;
    int64_t created_ms;
    const unsigned char
        *der; /* tag 2: the certificate; tag 1: the chain's first one (NULL: empty chain) */
    size_t der_len;
} ts_jks_entry;

typedef struct ts_jks_file {
    bool jceks;       /* magic CECECECE */
    uint32_t version; /* 1 or 2 */
    ts_jks_entry *entries;
    size_t count;
    size_t body_len; /* bytes before the digest */
} ts_jks_file;

/* Reads the structure of a JKS or JCEKS file (every entry kind).  password
 * NULL: the digest is not checked.  0; -1 malformed; -2 the digest does not
 * match password.  err says where. */
int ts_jks_scan(const unsigned char *buf, size_t len, const char *password, ts_jks_file *f,
                ts_error *err);
void ts_jks_file_free(ts_jks_file *f);
/* f's file (buf) again without the entries marked in drop[], plus add's
 * entries as trusted certificates in the file's version, the count fixed and
 * the digest computed with password.  *out is malloc'd. */
int ts_jks_edit(const unsigned char *buf, const ts_jks_file *f, const bool *drop,
                const ts_keystore *add, const char *password, unsigned char **out, size_t *out_len,
                ts_error *err);

/* Length of the one Java-serialized object (stream header included) at the
 * start of buf, or 0 when it does not follow the serialization grammar. */
size_t ts_jserial_object_len(const unsigned char *buf, size_t len);
int ts_p12_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                  ts_error *err);
int ts_p12_encode(const ts_keystore *ks, unsigned char **out, size_t *out_len, ts_error *err);

/* ---- PKCS12, read as its parts so that an edit keeps every other byte ---- */

enum {
    TS_P12_BAG_OTHER = 0,    /* CRL, unknown, non-X.509 certificate, nested safes */
    TS_P12_BAG_TRUSTED_CERT, /* X.509 cert bag with the JDK's trusted-usage attribute */
    TS_P12_BAG_CERT,         /* X.509 cert bag without it (a key's chain) */
    TS_P12_BAG_KEY,          /* keyBag or pkcs8ShroudedKeyBag */
    TS_P12_BAG_SECRET,
};

typedef struct ts_p12_bag {
    const unsigned char *der; /* the SafeBag's bytes */
    size_t len;
    int kind;
    bool trusted;
    const unsigned char *cert; /* X.509 cert bags: the certificate */
    size_t cert_len;
    unsigned char sha256[TS_SHA256_LEN];
    char *name;       /* friendlyName as UTF-8, or NULL */
    char unnamed[12]; /* no friendlyName: the alias the JDK gives it ("1", "2", ...), or "" */
    const unsigned char *key_id; /* localKeyId, or NULL */
    size_t key_id_len;
    bool drop; /* set by the caller: left out by ts_p12_write */
} ts_p12_bag;

enum { TS_P12_SAFE_DATA = 0, TS_P12_SAFE_ENCRYPTED, TS_P12_SAFE_OTHER };

typedef struct ts_p12_safe {
    const unsigned char *der; /* the ContentInfo's bytes */
    size_t len;
    int type;
    bool opened; /* bags known: a data safe, or an encrypted one decrypted */
    ts_p12_bag *bags;
    size_t n_bags, cap_bags;
    /* encrypted safes */
    const unsigned char *alg; /* the DER AlgorithmIdentifier */
    size_t alg_len;
    const unsigned char *ct; /* the ciphertext */
    size_t ct_len;
    unsigned char *ct_owned; /* ct when it was gathered from a constructed string */
    unsigned char *plain;    /* the decrypted SafeContents */
    size_t plain_len;
    const unsigned char *ed_head, *ver_end, *alg_start, *alg_end, *ed_tail, *ed_end;
} ts_p12_safe;

typedef struct ts_p12_file {
    unsigned char *norm;           /* the DER OpenSSL wrote when the input was not DER */
    const unsigned char *authsafe; /* the MAC'd bytes */
    size_t authsafe_len;
    ts_p12_safe *safes;
    size_t n_safes, cap_safes;
    const unsigned char *mac; /* MacData's bytes, or NULL */
    size_t mac_len;
    const char *pw; /* the password form that verified (NULL: the zero-length one) */
    bool pw_set;
} ts_p12_file;

/*
 * Reads a PKCS12 file's structure.  password NULL: the MAC is not checked and
 * encrypted safes stay closed; given: the MAC is verified and every encrypted
 * safe decrypted (an empty password is tried as the JDK does, "" then none).
 * 0; -1 malformed; -2 wrong password or tampered; -3 an algorithm that cannot
 * run (PBMAC1, unknown digest, cipher); -5 out of memory (f is then empty).
 * The file's bytes must outlive f.  The process's OpenSSL error queue is left as it was.
 */
int ts_p12_open(const unsigned char *buf, size_t len, const char *password, ts_p12_file *f,
                ts_error *err);
void ts_p12_file_free(ts_p12_file *f);
/*
 * f again, without the bags marked drop, plus one unencrypted SafeContents of
 * add's entries as trusted certificate bags; every untouched ContentInfo is
 * copied as is; a changed encrypted one is re-encrypted with its algorithm and
 * parameters; the MAC (if any) recomputed with its digest, salt and
 * iterations.  password: used when f was opened without one that verified.
 */
/* The cert bag the JDK pairs with key bag k (same localKeyId, else friendlyName), or NULL. */
const ts_p12_bag *ts_p12_key_cert(const ts_p12_file *f, const ts_p12_bag *k);
int ts_p12_write(const ts_p12_file *f, const ts_keystore *add, const char *password,
                 unsigned char **out, size_t *out_len, ts_error *err);

#endif
