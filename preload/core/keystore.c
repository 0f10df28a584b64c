/* SPDX-License-Identifier: Apache-2.0 */
/* Keystore entries, format detection, alias rules and the encode/decode dispatch. */
#include "keystore.h"
#include "keystore_internal.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALIAS_MAX 255
#define ALIAS_FROM_TEXT_MAX 64

ts_format ts_keystore_detect(const unsigned char *buf, size_t len)
{
    if (buf == NULL) {
        return TS_FORMAT_UNKNOWN;
    }
    if (len >= 4 && buf[0] == 0xfe && buf[1] == 0xed && buf[2] == 0xfe && buf[3] == 0xed) {
        return TS_FORMAT_JKS;
    }
    if (len >= 4 && buf[0] == 0xce && buf[1] == 0xce && buf[2] == 0xce && buf[3] == 0xce) {
        return TS_FORMAT_JCEKS;
    }
    if (len >= 2 && buf[0] == 0x30) {
        return TS_FORMAT_PKCS12;
    }
    return TS_FORMAT_UNKNOWN;
}

const char *ts_format_name(ts_format f)
{
    switch (f) {
    case TS_FORMAT_JKS:
        return "jks";
    case TS_FORMAT_PKCS12:
        return "pkcs12";
    case TS_FORMAT_JCEKS:
        return "jceks";
    default:
        return "unknown";
    }
}

int ts_format_from_name(const char *name, ts_format *out)
{
    if (name == NULL) {
        return -1;
    }
    if (strcasecmp(name, "jks") == 0) {
        *out = TS_FORMAT_JKS;
        return 0;
    }
    if (strcasecmp(name, "pkcs12") == 0 || strcasecmp(name, "p12") == 0) {
        *out = TS_FORMAT_PKCS12;
        return 0;
    }

    return -1;
}

bool ts_der_is_sequence(const unsigned char *der, size_t len)
{
    size_t body, hdr;

    if (der == NULL || len < 2 || der[0] != 0x30) {
        return false;
    }
    if (der[1] < 0x80) {
        hdr = 2;
        body = der[1];
    } else {
        size_t n = der[1] & 0x7fu;

        /* DER: long form only when needed, no leading zero, at most 4 bytes here. */
        if (n == 0 || n > 4 || len < 2 + n || der[2] == 0) {
            return false;
        }
        body = 0;
        for (size_t i = 0; i < n; i++) {
            body = (body << 8) | der[2 + i];
        }
        if (body < 0x80) {
            return false;
        }
        hdr = 2 + n;
    }
    return body == len - hdr;
}

static int ks_reserve(ts_keystore *ks, size_t extra)
{
    void *items = ks->items;
    int rc = ts_grow(&items, &ks->cap, ks->count, extra, sizeof(ts_entry));

    ks->items = items;
    return rc;
}

int ts_ks_push(ts_keystore *ks, const char *alias, size_t alias_len, int64_t created_ms,
               const unsigned char *der, size_t der_len)
{
    return ts_ks_push_sha(ks, alias, alias_len, created_ms, der, der_len, NULL);
}

int ts_ks_push_sha(ts_keystore *ks, const char *alias, size_t alias_len, int64_t created_ms,
                   const unsigned char *der, size_t der_len, const unsigned char *sha)
{
    ts_entry *e;

    if (ks_reserve(ks, 1) != 0) {
        return -1;
    }
    e = &ks->items[ks->count];
    memset(e, 0, sizeof(*e));
    e->alias = malloc(alias_len + 1);
    e->cert.der = malloc(der_len > 0 ? der_len : 1);
    if (sha != NULL) {
        memcpy(e->cert.sha256, sha, TS_SHA256_LEN);
    }
    if (e->alias == NULL || e->cert.der == NULL ||
        (sha == NULL && ts_sha256(der, der_len, e->cert.sha256) != 0)) {
        free(e->alias);
        free(e->cert.der);
        return -1;
    }
    memcpy(e->alias, alias, alias_len);
    e->alias[alias_len] = '\0';
    memcpy(e->cert.der, der, der_len);
    e->cert.der_len = der_len;
    e->created_ms = created_ms;
    ks->count++;
    return 0;
}

int ts_keystore_add(ts_keystore *ks, const char *alias, int64_t created_ms,
                    const unsigned char *der, size_t der_len, ts_error *err)
{
    if (alias == NULL) {
        return ts_error_set(err, "", "entry has no alias");
    }
    if (!ts_der_is_sequence(der, der_len)) {
        return ts_error_set(err, "", "alias \"%s\": certificate is not a DER SEQUENCE", alias);
    }
    if (ts_ks_push(ks, alias, strlen(alias), created_ms, der, der_len) != 0) {
        return ts_error_set(err, "", "out of memory");
    }
    return 0;
}

int ts_keystore_add_entry(ts_keystore *ks, const ts_entry *e, ts_error *err)
{
    ts_entry *n;

    if (e == NULL || e->alias == NULL || e->cert.der == NULL) {
        return ts_error_set(err, "", "incomplete keystore entry");
    }
    if (ks_reserve(ks, 1) != 0) {
        return ts_error_set(err, "", "out of memory");
    }
    n = &ks->items[ks->count];
    n->alias = strdup(e->alias);
    if (n->alias == NULL) {
        return ts_error_set(err, "", "out of memory");
    }
    if (ts_cert_copy(&n->cert, &e->cert) != 0) {
        free(n->alias);
        return ts_error_set(err, "", "out of memory");
    }
    n->created_ms = e->created_ms;
    n->key_entry = e->key_entry;
    ks->count++;
    return 0;
}

long ts_keystore_find_sha256(const ts_keystore *ks, const unsigned char sha[TS_SHA256_LEN])
{
    for (size_t i = 0; i < ks->count; i++) {
        if (memcmp(ks->items[i].cert.sha256, sha, TS_SHA256_LEN) == 0) {
            return (long)i;
        }
    }
    return -1;
}

void ts_keystore_free(ts_keystore *ks)
{
    if (ks == NULL) {
        return;
    }
    for (size_t i = 0; i < ks->count; i++) {
        free(ks->items[i].alias);
        ts_cert_free(&ks->items[i].cert);
    }
    free(ks->items);
    memset(ks, 0, sizeof(*ks));
}

static int cmp_alias_index(const void *a, const void *b, void *arg)
{
    const ts_entry *items = arg;
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    int c = strcmp(items[ia].alias, items[ib].alias);

    if (c != 0) {
        return c;
    }
    return (ia > ib) - (ia < ib);
}

/* Entry indices sorted by alias (ties by index), malloc'd; NULL when out of memory. */
static size_t *sorted_alias_index(const ts_keystore *ks)
{
    size_t *idx = malloc((ks->count > 0 ? ks->count : 1) * sizeof(size_t));

    if (idx == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < ks->count; i++) {
        idx[i] = i;
    }
    qsort_r(idx, ks->count, sizeof(size_t), cmp_alias_index, ks->items);
    return idx;
}

/*
 * The JVM keeps keystore entries in a map: of entries with the same alias the
 * last one read is the only one it sees.  Drop the others (counted in
 * skipped) so that a merge never trusts more than the JVM did.  O(n log n).
 */
static int drop_shadowed(ts_keystore *ks)
{
    size_t *idx, kept = 0;
    bool *drop;

    if (ks->count < 2) {
        return 0;
    }
    idx = sorted_alias_index(ks);
    drop = calloc(ks->count, sizeof(bool));
    if (idx == NULL || drop == NULL) {
        free(idx);
        free(drop);
        return -1;
    }
    for (size_t i = 0; i + 1 < ks->count; i++) {
        if (strcmp(ks->items[idx[i]].alias, ks->items[idx[i + 1]].alias) == 0) {
            drop[idx[i]] = true; /* a later entry has the same alias */
        }
    }
    for (size_t i = 0; i < ks->count; i++) {
        if (drop[i]) {
            free(ks->items[i].alias);
            ts_cert_free(&ks->items[i].cert);
            ks->skipped++;
        } else {
            ks->items[kept++] = ks->items[i];
        }
    }
    ks->count = kept;
    free(idx);
    free(drop);
    return 0;
}

int ts_keystore_decode(const unsigned char *buf, size_t len, const char *password, ts_keystore *out,
                       ts_error *err)
{
    ts_keystore tmp = {0};
    int rc;

    if (buf == NULL || len == 0) {
        return ts_error_set(err, "offset 0", "empty file: expected a JKS or PKCS12 keystore");
    }
    switch (ts_keystore_detect(buf, len)) {
    case TS_FORMAT_JKS:
    case TS_FORMAT_JCEKS:
        rc = ts_jks_decode(buf, len, password, &tmp, err);
        break;
    case TS_FORMAT_PKCS12:
        rc = ts_p12_decode(buf, len, password, &tmp, err);
        break;
    default:
        return ts_error_set(err, "offset 0",
                            "unknown keystore format: expected JKS (magic FEEDFEED), JCEKS "
                            "(CECECECE) or PKCS12 (DER SEQUENCE)");
    }
    if (rc == 0 && (drop_shadowed(&tmp) != 0 || ks_reserve(out, tmp.count) != 0)) {
        rc = ts_error_set(err, "", "out of memory");
    }
    if (rc != 0) {
        ts_keystore_free(&tmp);
        return -1;
    }
    /* The entries' buffers move to out. */
    if (tmp.count > 0) {
        memcpy(out->items + out->count, tmp.items, tmp.count * sizeof(ts_entry));
    }
    out->count += tmp.count;
    out->skipped += tmp.skipped;
    free(tmp.items);
    return 0;
}

/* Every alias valid and unique, every entry with a certificate: O(n log n). */
static int check_entries(const ts_keystore *ks, ts_error *err)
{
    size_t *idx;
    char where[48];
    int rc = 0;

    for (size_t i = 0; i < ks->count; i++) {
        const ts_entry *e = &ks->items[i];

        snprintf(where, sizeof(where), "entry %zu", i);
        if (e->alias == NULL) {
            return ts_error_set(err, where, "entry has no alias");
        }
        if (!ts_alias_valid(e->alias, true)) {
            return ts_error_set(err, where,
                                "alias \"%.64s\" is not valid: expected 1..255 printable ASCII "
                                "characters without uppercase letters",
                                e->alias);
        }
        if (e->cert.der == NULL || e->cert.der_len == 0 || e->cert.der_len > INT32_MAX) {
            return ts_error_set(err, where, "alias \"%s\": no certificate", e->alias);
        }
        if (e->key_entry) {
            return ts_error_set(err, where,
                                "alias \"%s\" is a private-key entry: only trusted certificates "
                                "can be encoded",
                                e->alias);
        }
    }
    if (ks->count < 2) {
        return 0;
    }
    idx = sorted_alias_index(ks);
    if (idx == NULL) {
        return ts_error_set(err, "", "out of memory");
    }
    for (size_t i = 1; i < ks->count; i++) {
        if (strcmp(ks->items[idx[i - 1]].alias, ks->items[idx[i]].alias) == 0) {
            snprintf(where, sizeof(where), "entry %zu", idx[i]);
            rc = ts_error_set(err, where, "alias \"%s\" is already used by entry %zu",
                              ks->items[idx[i]].alias, idx[i - 1]);
            break;
        }
    }
    free(idx);
    return rc;
}

int ts_keystore_encode(const ts_keystore *ks, ts_format format, const char *password,
                       unsigned char **out, size_t *out_len, ts_error *err)
{
    if (ks == NULL || out == NULL || out_len == NULL) {
        return ts_error_set(err, "", "no keystore to encode");
    }
    *out = NULL;
    *out_len = 0;
    if (check_entries(ks, err) != 0) {
        return -1;
    }
    switch (format) {
    case TS_FORMAT_JKS:
    case TS_FORMAT_JCEKS:
        return ts_jks_encode(ks, format == TS_FORMAT_JCEKS,
                             password != NULL ? password : TS_DEFAULT_PASSWORD, out, out_len, err);
    case TS_FORMAT_PKCS12:
        return ts_p12_encode(ks, out, out_len, err);
    default:
        return ts_error_set(err, "", "cannot encode format \"%s\": expected jks, jceks or pkcs12",
                            ts_format_name(format));
    }
}

int ts_timestamp_from_epoch_string(const char *s, int64_t *ms, ts_error *err)
{
    const int64_t max_s = INT64_MAX / 1000;
    int64_t v = 0;
    size_t n = 0;

    *ms = TS_DEFAULT_TIMESTAMP_MS;
    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    for (; s[n] >= '0' && s[n] <= '9'; n++) {
        if (v > (max_s - (s[n] - '0')) / 10) {
            return ts_error_set(
                err, "", "\"%.40s\": expected seconds since 1970-01-01 UTC, at most %" PRId64, s,
                max_s);
        }
        v = v * 10 + (s[n] - '0');
    }
    if (s[n] != '\0') {
        return ts_error_set(err, "",
                            "\"%.40s\": expected seconds since 1970-01-01 UTC (digits only)", s);
    }
    *ms = v * 1000;
    return 0;
}

bool ts_alias_valid(const char *alias, bool allow_jdk)
{
    size_t n;

    if (alias == NULL) {
        return false;
    }
    n = strlen(alias);
    if (n == 0 || n > ALIAS_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)alias[i];

        if (c < 0x20 || c > 0x7e || (c >= 'A' && c <= 'Z')) {
            return false;
        }
    }
    return allow_jdk || strstr(alias, " [jdk") == NULL;
}

/*
 * ASCII for the Latin letters of U+00C0..U+017F (Latin-1 Supplement and Latin Extended-A), as
 * ranges of code points that share one spelling: an alias made from "Société Générale" or
 * "Müller GmbH" keeps its letters.  A code point in no range is not a letter (x, ÷).
 */
static const struct {
    unsigned short first, last;
    const char *ascii;
} latin[] = {
    {0xc0, 0xc5, "a"},   {0xc6, 0xc6, "ae"},   {0xc7, 0xc7, "c"},   {0xc8, 0xcb, "e"},
    {0xcc, 0xcf, "i"},   {0xd0, 0xd0, "d"},    {0xd1, 0xd1, "n"},   {0xd2, 0xd6, "o"},
    {0xd8, 0xd8, "o"},   {0xd9, 0xdc, "u"},    {0xdd, 0xdd, "y"},   {0xde, 0xde, "th"},
    {0xdf, 0xdf, "ss"},  {0xe0, 0xe5, "a"},    {0xe6, 0xe6, "ae"},  {0xe7, 0xe7, "c"},
    {0xe8, 0xeb, "e"},   {0xec, 0xef, "i"},    {0xf0, 0xf0, "d"},   {0xf1, 0xf1, "n"},
    {0xf2, 0xf6, "o"},   {0xf8, 0xf8, "o"},    {0xf9, 0xfc, "u"},   {0xfd, 0xfd, "y"},
    {0xfe, 0xfe, "th"},  {0xff, 0xff, "y"},    {0x100, 0x105, "a"}, {0x106, 0x10d, "c"},
    {0x10e, 0x111, "d"}, {0x112, 0x11b, "e"},  {0x11c, 0x123, "g"}, {0x124, 0x127, "h"},
    {0x128, 0x131, "i"}, {0x132, 0x133, "ij"}, {0x134, 0x135, "j"}, {0x136, 0x138, "k"},
    {0x139, 0x142, "l"}, {0x143, 0x14b, "n"},  {0x14c, 0x151, "o"}, {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"}, {0x15a, 0x161, "s"},  {0x162, 0x167, "t"}, {0x168, 0x173, "u"},
    {0x174, 0x175, "w"}, {0x176, 0x178, "y"},  {0x179, 0x17e, "z"}, {0x17f, 0x17f, "s"},
};

/* The ASCII spelling of the UTF-8 sequence at *p (advanced past it), or NULL for none. */
static const char *transliterate(const char **p)
{
    const unsigned char *s = (const unsigned char *)*p;
    unsigned cp;

    /* two-byte sequences only: U+0080..U+07FF holds every letter of the table */
    if (s[0] < 0xc2 || s[0] > 0xdf || (s[1] & 0xc0) != 0x80) {
        return NULL;
    }
    cp = ((unsigned)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
    *p += 1; /* the caller's loop steps over the second byte */
    for (size_t i = 0; i < sizeof(latin) / sizeof(latin[0]); i++) {
        if (cp >= latin[i].first && cp <= latin[i].last) {
            return latin[i].ascii;
        }
    }
    return NULL;
}

/* An IPv6 literal ("[::1]", "2001:DB8::1") in its canonical text: ':' is fine in an alias, and
 * "2001-db8-1" would not say which address it was. */
static bool ipv6_alias(const char *text, char *out, size_t size)
{
    char buf[INET6_ADDRSTRLEN + 2];
    unsigned char addr[16];
    size_t n = strlen(text);

    if (n >= 2 && text[0] == '[' && text[n - 1] == ']') {
        text++;
        n -= 2;
    }
    if (n == 0 || n >= sizeof(buf) || memchr(text, ':', n) == NULL) {
        return false;
    }
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET6, buf, addr) != 1 ||
        inet_ntop(AF_INET6, addr, buf, sizeof(buf)) == NULL || strlen(buf) >= size) {
        return false;
    }
    snprintf(out, size, "%s", buf);
    return true;
}

void ts_alias_from_text(const char *text, char *out, size_t size)
{
    size_t limit, n = 0;
    bool pending_dash = false;

    if (out == NULL || size == 0) {
        return;
    }
    if (text != NULL && ipv6_alias(text, out, size)) {
        return;
    }
    limit = size - 1 < ALIAS_FROM_TEXT_MAX ? size - 1 : ALIAS_FROM_TEXT_MAX;
    for (const char *p = text != NULL ? text : ""; *p != '\0' && n < limit; p++) {
        char c = *p;
        const char *spelled = ((unsigned char)c >= 0x80) ? transliterate(&p) : NULL;

        if (spelled != NULL) {
            size_t k = strlen(spelled);
            if (pending_dash && n > 0) {
                if (n + 1 + k > limit) {
                    break;
                }
                out[n++] = '-';
            }
            if (n + k > limit) {
                break;
            }
            memcpy(out + n, spelled, k);
            n += k;
            pending_dash = false;
            continue;
        }
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_') {
            /* A run of other characters becomes one '-', never a leading one. */
            if (pending_dash && c != '-' && n > 0) {
                if (n + 1 >= limit) {
                    break; /* no room for the separator and what follows it */
                }
                out[n++] = '-';
            }
            pending_dash = false;
            out[n++] = c;
        } else {
            pending_dash = true;
        }
    }
    while (n > 0 && out[n - 1] == '-') {
        n--;
    }
    {
        size_t start = 0;

        while (start < n && out[start] == '-') {
            start++;
        }
        memmove(out, out + start, n - start);
        n -= start;
    }
    if (n == 0) {
        snprintf(out, size, "cert");
        return;
    }
    out[n] = '\0';
}
