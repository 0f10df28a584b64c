/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest: JSON in, validated structs out, certificates loaded.  The only
 * file that knows cJSON (manifest_scan.c checks the text before it, and
 * manifest_write.c writes JSON itself).  Validation is strict on purpose: a typo
 * in a field name must not silently drop trust, so everything unexpected is an
 * error naming the JSON path and what was expected.
 */
#include "manifest_internal.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"

/* Largest certificate file a manifest may name. */
#define CERT_FILE_MAX (16u * 1024u * 1024u)

static const char *const top_fields[] = {"version",  "password",      "format", "certificates",
                                         "distrust", "keystore_dirs", "targets"};
enum { F_VERSION, F_PASSWORD, F_FORMAT, F_CERTS, F_DISTRUST, F_DIRS, F_TARGETS, F_TOP_N };

static const char *const cert_fields[] = {"alias", "sha256", "pem",  "file",
                                          "hosts", "source", "added"};
enum { C_ALIAS, C_SHA256, C_PEM, C_FILE, C_HOSTS, C_SOURCE, C_ADDED, C_N };

static const char *const target_fields[] = {"path", "password", "merge"};
enum { T_PATH, T_PASSWORD, T_MERGE, T_N };

static const char *const dir_fields[] = {"path", "password", "trust"};
enum { D_PATH, D_PASSWORD, D_TRUST, D_N };

/* ---------------------------------------------------------------- helpers */

#define SHA_EXPECTED                                                                               \
    "expected 64 hexadecimal digits (the certificate's SHA-256, ':' separators allowed)"

/* Key names are untrusted text: keep error lines printable and short. */
static void printable(const char *s, char *out, size_t size)
{
    size_t o = 0;

    for (; *s != '\0' && o + 5 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7f) {
            out[o++] = (char)c;
        } else {
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
        }
    }
    if (*s != '\0' && o + 4 < size) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

static void path_field(char *out, const char *parent, const char *name)
{
    char safe[80];

    printable(name, safe, sizeof(safe));
    fmt(out, WHERE_MAX, "%s%s%s", parent, parent[0] != '\0' ? "." : "", safe);
}

static void path_index(char *out, const char *parent, size_t i)
{
    fmt(out, WHERE_MAX, "%s[%zu]", parent, i);
}

static cJSON *parse_json(const char *text, size_t len, ts_error *err)
{
    const char *end = NULL;
    cJSON *root;

    if (ts_manifest_check_syntax(text, len, err) != 0) {
        return NULL;
    }
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root == NULL) {
        /* The text is valid JSON: only running out of memory gets here. */
        ts_error_set(err, "", "cannot parse the JSON (out of memory?)");
        return NULL;
    }
    return root;
}

/* ------------------------------------------------------ field validation */

/*
 * out[i] = the member named names[i], or NULL.  Unknown or repeated keys are
 * errors (cJSON keeps both copies of a repeated key; we must not pick one).
 */
static int object_fields(const cJSON *obj, const char *where, const char *const *names, size_t n,
                         const cJSON **out, ts_error *err)
{
    char w[WHERE_MAX];

    if (!cJSON_IsObject(obj)) {
        return ts_error_set(err, where, "expected an object");
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
    }
    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        size_t i;
        for (i = 0; i < n; i++) {
            if (strcmp(c->string, names[i]) == 0) {
                break;
            }
        }
        path_field(w, where, c->string);
        if (i == n) {
            char list[256];
            size_t used = 0;
            for (size_t k = 0; k < n; k++) {
                used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
                                         k > 0 ? ", " : "", names[k]);
            }
            return ts_error_set(err, w, "unknown field (expected one of %s)", list);
        }
        if (out[i] != NULL) {
            return ts_error_set(err, w, "field given twice in the same object");
        }
        out[i] = c;
    }
    return 0;
}

typedef enum text_kind {
    TEXT_LINE,     /* no control characters */
    TEXT_PEM,      /* newlines, CR and tabs allowed */
    TEXT_PASSWORD, /* as TEXT_LINE, but may be empty: the JDK accepts an empty password */
} text_kind;

static int get_string(const cJSON *v, const char *where, text_kind kind, const char *expected,
                      char **out, ts_error *err)
{
    const char *s;

    if (!cJSON_IsString(v) || v->valuestring == NULL) {
        return ts_error_set(err, where, "expected %s", expected);
    }
    s = v->valuestring;
    if (s[0] == '\0' && kind != TEXT_PASSWORD) {
        return ts_error_set(err, where, "must not be empty: expected %s", expected);
    }
    for (size_t i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        bool allowed = kind == TEXT_PEM && (c == '\n' || c == '\r' || c == '\t');
        if ((c < 0x20 || c == 0x7f) && !allowed) {
            return ts_error_set(err, where,
                                "control character (0x%02x) at position %zu: expected %s", c, i + 1,
                                expected);
        }
    }
    *out = xstrdup(s);
    if (*out == NULL) {
        return oom(err, where);
    }
    return 0;
}

/* NULL when a is a valid manifest alias, else what is wrong (in buf). */
static const char *alias_problem(const char *a, char *buf, size_t size)
{
    size_t len = strlen(a);

    if (len == 0) {
        return "must not be empty";
    }
    if (len > 255) {
        snprintf(buf, size, "too long (%zu bytes): at most 255", len);
        return buf;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c >= 0x80) {
            snprintf(buf, size, "must be ASCII (byte 0x%02x at position %zu)", c, i + 1);
            return buf;
        }
        if (c < 0x20 || c == 0x7f) {
            snprintf(buf, size, "must not contain control characters (0x%02x at position %zu)", c,
                     i + 1);
            return buf;
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (a[i] >= 'A' && a[i] <= 'Z') {
            char lower[64];
            size_t k;
            for (k = 0; k < len && k + 1 < sizeof(lower); k++) {
                lower[k] = (a[k] >= 'A' && a[k] <= 'Z') ? (char)(a[k] - 'A' + 'a') : a[k];
            }
            lower[k] = '\0';
            snprintf(
                buf, size,
                "must be lowercase (Java lowercases aliases when looking them up): write \"%s%s\"",
                lower, k < len ? "..." : "");
            return buf;
        }
    }
    if (strstr(a, " [jdk") != NULL) {
        return "must not contain \" [jdk\" (it marks the JDK's own root certificates)";
    }
    if (!ts_alias_valid(a, false)) {
        return "is not a valid alias: expected printable lowercase ASCII";
    }
    return NULL;
}

/* A DNS name (LDH labels, '_' tolerated) or an IPv4/IPv6 address. */
bool ts_manifest_host_valid(const char *h)
{
    unsigned char addr[16];
    size_t len = strlen(h), label = 0;

    if (len == 0 || len > 253) {
        return false;
    }
    if (strchr(h, ':') != NULL) {
        return inet_pton(AF_INET6, h, addr) == 1;
    }
    for (size_t i = 0; i <= len; i++) {
        char c = h[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || h[i - 1] == '-' || h[i - label] == '-') {
                return false;
            }
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '_') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int digits_at(const char *s, size_t n, int *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

/* RFC 3339 date-time: 2024-05-01T12:00:00Z, fractions and offsets allowed. */
static bool rfc3339_valid(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, oh, om;
    size_t i = 19;

    if (strlen(s) < 20 || digits_at(s, 4, &y) || s[4] != '-' || digits_at(s + 5, 2, &mo) ||
        s[7] != '-' || digits_at(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        digits_at(s + 11, 2, &h) || s[13] != ':' || digits_at(s + 14, 2, &mi) || s[16] != ':' ||
        digits_at(s + 17, 2, &sec)) {
        return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && is_leap(y)) || h > 23 ||
        mi > 59 || sec > 60) {
        return false;
    }
    if (s[i] == '.') {
        size_t start = ++i;
        while (s[i] >= '0' && s[i] <= '9') {
            i++;
        }
        if (i == start) {
            return false;
        }
    }
    if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') {
        return true;
    }
    if ((s[i] != '+' && s[i] != '-') || strlen(s + i) != 6 || digits_at(s + i + 1, 2, &oh) ||
        s[i + 3] != ':' || digits_at(s + i + 4, 2, &om)) {
        return false;
    }
    return oh <= 23 && om <= 59;
}

#define ADDED_EXPECTED "expected an RFC 3339 date-time such as 2024-05-01T12:00:00Z"

/* Finding duplicates in O(n log n): sort (key, index) pairs. */
typedef struct dup_item {
    const void *key;
    size_t index;
} dup_item;

typedef int (*key_cmp)(const void *a, const void *b);

static int cmp_str_nocase(const void *a, const void *b)
{
    return strcasecmp(a, b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int cmp_sha(const void *a, const void *b)
{
    return memcmp(a, b, TS_SHA256_LEN);
}

static int dup_item_cmp(const void *a, const void *b, void *arg)
{
    const dup_item *x = a, *y = b;
    int c = ((key_cmp)arg)(x->key, y->key);

    if (c != 0) {
        return c;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * Looks for two equal keys among n records of `stride` bytes starting at
 * base: the key is the record's first bytes (by_pointer false, compared by
 * cmp) or the char * stored there (by_pointer true; NULL pointers are
 * skipped).  Finds the pair (first, second) with the smallest second index:
 * the duplicate a reader meets first.  Returns 1 when found, 0 when all keys
 * differ, -1 out of memory.
 */
static int first_dup(const void *base, size_t n, size_t stride, bool by_pointer, key_cmp cmp,
                     size_t *first, size_t *second)
{
    dup_item *items;
    size_t count = 0;
    bool found = false;

    if (n < 2) {
        return 0;
    }
    items = malloc(n * sizeof(*items));
    if (items == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const void *rec = (const char *)base + i * stride;
        const void *key = by_pointer ? *(const char *const *)rec : rec;
        if (key != NULL) {
            items[count].key = key;
            items[count++].index = i;
        }
    }
    qsort_r(items, count, sizeof(*items), dup_item_cmp, (void *)cmp);
    for (size_t i = 1; i < count; i++) {
        if (cmp(items[i - 1].key, items[i].key) != 0) {
            continue;
        }
        /* Sorted by index within a group: its first two are the earliest pair. */
        if (!found || items[i].index < *second) {
            *first = items[i - 1].index;
            *second = items[i].index;
            found = true;
        }
        while (i + 1 < count && cmp(items[i].key, items[i + 1].key) == 0) {
            i++;
        }
    }
    free(items);
    return found ? 1 : 0;
}

/*
 * Checks that v is an array and allocates *out for its elements (nothing
 * for an empty array).  Returns the element count, or -1.
 */
static long array_start(const cJSON *v, const char *where, const char *expected, size_t elem_size,
                        void **out, ts_error *err)
{
    size_t n = 0;

    if (!cJSON_IsArray(v)) {
        ts_error_set(err, where, "expected %s", expected);
        return -1;
    }
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        n++;
    }
    if (n == 0) {
        return 0;
    }
    *out = calloc(n, elem_size);
    if (*out == NULL) {
        oom(err, where);
        return -1;
    }
    return (long)n;
}

/* --------------------------------------------------------------- parsing */

static int parse_hosts(const cJSON *v, const char *where, ts_manifest_cert *mc, ts_error *err)
{
    char w[WHERE_MAX];
    size_t first, second;
    long n =
        array_start(v, where, "an array of host names", sizeof(char *), (void **)&mc->hosts, err);
    int found;

    if (n <= 0) {
        return (int)n;
    }
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        path_index(w, where, mc->n_hosts);
        if (get_string(c, w, TEXT_LINE, "a host name", &mc->hosts[mc->n_hosts], err) != 0) {
            return -1;
        }
        mc->n_hosts++;
        if (!ts_manifest_host_valid(mc->hosts[mc->n_hosts - 1])) {
            return ts_error_set(err, w, HOST_EXPECTED);
        }
    }
    found =
        first_dup(mc->hosts, mc->n_hosts, sizeof(char *), true, cmp_str_nocase, &first, &second);
    if (found < 0) {
        return oom(err, where);
    }
    if (found > 0) {
        path_index(w, where, second);
        return ts_error_set(err, w, "host listed twice (also %s[%zu])", where, first);
    }
    return 0;
}

static int parse_cert(const cJSON *obj, const char *where, ts_manifest_cert *mc, ts_error *err)
{
    const cJSON *f[C_N];
    char w[WHERE_MAX], buf[160];
    const char *problem;

    if (object_fields(obj, where, cert_fields, C_N, f, err) != 0) {
        return -1;
    }
    if (f[C_ALIAS] != NULL) {
        path_field(w, where, "alias");
        if (!cJSON_IsString(f[C_ALIAS])) {
            return ts_error_set(err, w, "expected a string (the keystore alias)");
        }
        problem = alias_problem(f[C_ALIAS]->valuestring, buf, sizeof(buf));
        if (problem != NULL) {
            return ts_error_set(err, w, "%s", problem);
        }
        if (get_string(f[C_ALIAS], w, TEXT_LINE, "an alias", &mc->alias, err) != 0) {
            return -1;
        }
    }
    path_field(w, where, "sha256");
    if (f[C_SHA256] == NULL) {
        return ts_error_set(err, w, "missing: " SHA_EXPECTED);
    }
    if (!cJSON_IsString(f[C_SHA256])) {
        return ts_error_set(err, w, SHA_EXPECTED);
    }
    problem = ts_sha256_parse_hex(f[C_SHA256]->valuestring, mc->sha256, buf, sizeof(buf));
    if (problem != NULL) {
        return ts_error_set(err, w, SHA_EXPECTED ", %s", problem);
    }
    if (f[C_PEM] != NULL && f[C_FILE] != NULL) {
        return ts_error_set(err, where,
                            "has both \"pem\" and \"file\": expected exactly one of them");
    }
    if (f[C_PEM] == NULL && f[C_FILE] == NULL) {
        return ts_error_set(err, where,
                            "has neither \"pem\" nor \"file\": expected the certificate inline "
                            "(\"pem\") or a path to it (\"file\")");
    }
    if (f[C_PEM] != NULL) {
        path_field(w, where, "pem");
        if (get_string(f[C_PEM], w, TEXT_PEM, "the certificate in PEM", &mc->pem, err) != 0) {
            return -1;
        }
    } else {
        path_field(w, where, "file");
        if (get_string(f[C_FILE], w, TEXT_LINE, "a path (relative to the manifest's directory)",
                       &mc->file, err) != 0) {
            return -1;
        }
    }
    if (f[C_HOSTS] != NULL) {
        path_field(w, where, "hosts");
        if (parse_hosts(f[C_HOSTS], w, mc, err) != 0) {
            return -1;
        }
    }
    if (f[C_SOURCE] != NULL) {
        path_field(w, where, "source");
        if (get_string(f[C_SOURCE], w, TEXT_LINE, "a string (where the certificate came from)",
                       &mc->source, err) != 0) {
            return -1;
        }
    }
    if (f[C_ADDED] != NULL) {
        path_field(w, where, "added");
        if (get_string(f[C_ADDED], w, TEXT_LINE, ADDED_EXPECTED "", &mc->added, err) != 0) {
            return -1;
        }
        if (!rfc3339_valid(mc->added)) {
            return ts_error_set(err, w, ADDED_EXPECTED);
        }
    }
    return 0;
}

/* Reports the first duplicate found by first_dup at "<name>[second]<suffix>". */
static int dup_error(int found, const char *name, const char *suffix, size_t first, size_t second,
                     const char *what, ts_error *err)
{
    char w[WHERE_MAX];

    if (found < 0) {
        return oom(err, name);
    }
    if (found == 0) {
        return 0;
    }
    fmt(w, sizeof(w), "%s[%zu]%s", name, second, suffix);
    return ts_error_set(err, w, "%s (also %s[%zu]%s)", what, name, first, suffix);
}

static int parse_certs(const cJSON *v, ts_manifest *m, ts_error *err)
{
    char w[WHERE_MAX];
    size_t first = 0, second = 0;
    long n = array_start(v, "certificates", "an array of objects", sizeof(*m->certs),
                         (void **)&m->certs, err);
    int found;

    if (n <= 0) {
        return (int)n;
    }
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        path_index(w, "certificates", m->n_certs);
        m->n_certs++;
        if (parse_cert(c, w, &m->certs[m->n_certs - 1], err) != 0) {
            return -1;
        }
    }
    found = first_dup(&m->certs[0].alias, m->n_certs, sizeof(*m->certs), true, cmp_str_nocase,
                      &first, &second);
    if (found > 0) {
        fmt(w, sizeof(w), "certificates[%zu].alias", second);
        return ts_error_set(err, w, "duplicate alias \"%s\": already used by certificates[%zu]",
                            m->certs[second].alias, first);
    }
    if (found == 0) {
        found = first_dup(&m->certs[0].sha256, m->n_certs, sizeof(*m->certs), false, cmp_sha,
                          &first, &second);
    }
    return dup_error(found, "certificates", ".sha256", first, second,
                     "duplicate certificate: same sha256", err);
}

static int parse_distrust(const cJSON *v, ts_manifest *m, ts_error *err)
{
    char w[WHERE_MAX], buf[160];
    size_t first = 0, second = 0;
    long n = array_start(v, "distrust", "an array of SHA-256 fingerprints", sizeof(*m->distrust),
                         (void **)&m->distrust, err);

    if (n <= 0) {
        return (int)n;
    }
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        path_index(w, "distrust", m->n_distrust);
        if (!cJSON_IsString(c)) {
            return ts_error_set(err, w, SHA_EXPECTED);
        }
        const char *problem =
            ts_sha256_parse_hex(c->valuestring, m->distrust[m->n_distrust], buf, sizeof(buf));
        if (problem != NULL) {
            return ts_error_set(err, w, SHA_EXPECTED ", %s", problem);
        }
        m->n_distrust++;
    }
    int found = first_dup(m->distrust, m->n_distrust, sizeof(*m->distrust), false, cmp_sha, &first,
                          &second);
    return dup_error(found, "distrust", "", first, second, "fingerprint listed twice", err);
}

#define PATH_EXPECTED "expected an absolute path (starting with /)"

static int get_abs_path(const cJSON *v, const char *where, char **out, ts_error *err)
{
    if (get_string(v, where, TEXT_LINE, "an absolute path (starting with /)", out, err) != 0) {
        return -1;
    }
    if ((*out)[0] != '/') {
        return ts_error_set(err, where, PATH_EXPECTED);
    }
    return 0;
}

#define DIR_EXPECTED "an absolute path, or an object with \"path\", \"password\", \"trust\""

/* A keystore directory: "/path", or {"path": "/path", "password": "...", "trust": "host"}. */
static int parse_dir(const cJSON *v, const char *where, ts_keystore_dir *d, ts_error *err)
{
    char w[WHERE_MAX];
    const cJSON *f[D_N];

    d->trust = TS_DIR_TRUST_FULL;
    if (cJSON_IsString(v)) {
        return get_abs_path(v, where, &d->path, err);
    }
    if (!cJSON_IsObject(v)) {
        return ts_error_set(err, where, "expected " DIR_EXPECTED);
    }
    if (object_fields(v, where, dir_fields, D_N, f, err) != 0) {
        return -1;
    }
    path_field(w, where, "path");
    if (f[D_PATH] == NULL) {
        return ts_error_set(err, w, "missing: " PATH_EXPECTED);
    }
    if (get_abs_path(f[D_PATH], w, &d->path, err) != 0) {
        return -1;
    }
    if (f[D_PASSWORD] != NULL) {
        path_field(w, where, "password");
        if (get_string(f[D_PASSWORD], w, TEXT_PASSWORD,
                       "a string (the password of the directory's keystores)", &d->password,
                       err) != 0) {
            return -1;
        }
    }
    if (f[D_TRUST] != NULL) {
        const cJSON *t = f[D_TRUST];

        path_field(w, where, "trust");
        if (cJSON_IsString(t) && strcmp(t->valuestring, "full") == 0) {
            d->trust = TS_DIR_TRUST_FULL;
        } else if (cJSON_IsString(t) && strcmp(t->valuestring, "host") == 0) {
            d->trust = TS_DIR_TRUST_HOST;
        } else {
            return ts_error_set(err, w, "expected \"full\" or \"host\"");
        }
    }
    return 0;
}

static int parse_dirs(const cJSON *v, ts_manifest *m, ts_error *err)
{
    char w[WHERE_MAX];
    size_t first = 0, second = 0;
    long n = array_start(v, "keystore_dirs", "an array of keystore directories",
                         sizeof(*m->keystore_dirs), (void **)&m->keystore_dirs, err);

    if (n <= 0) {
        return (int)n;
    }
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        path_index(w, "keystore_dirs", m->n_keystore_dirs);
        m->n_keystore_dirs++;
        if (parse_dir(c, w, &m->keystore_dirs[m->n_keystore_dirs - 1], err) != 0) {
            return -1;
        }
    }
    int found = first_dup(&m->keystore_dirs[0].path, m->n_keystore_dirs, sizeof(*m->keystore_dirs),
                          true, cmp_str, &first, &second);
    return dup_error(found, "keystore_dirs", "", first, second, "path listed twice", err);
}

static int parse_target(const cJSON *obj, const char *where, ts_target *t, ts_error *err)
{
    char w[WHERE_MAX];
    const cJSON *f[T_N];

    t->merge = true;
    if (object_fields(obj, where, target_fields, T_N, f, err) != 0) {
        return -1;
    }
    path_field(w, where, "path");
    if (f[T_PATH] == NULL) {
        return ts_error_set(err, w, "missing: " PATH_EXPECTED);
    }
    if (get_abs_path(f[T_PATH], w, &t->path, err) != 0) {
        return -1;
    }
    if (f[T_PASSWORD] != NULL) {
        path_field(w, where, "password");
        if (get_string(f[T_PASSWORD], w, TEXT_PASSWORD, "a string (the keystore's password)",
                       &t->password, err) != 0) {
            return -1;
        }
    }
    if (f[T_MERGE] != NULL) {
        path_field(w, where, "merge");
        if (!cJSON_IsBool(f[T_MERGE])) {
            return ts_error_set(err, w, "expected true or false");
        }
        t->merge = cJSON_IsTrue(f[T_MERGE]);
    }
    return 0;
}

static int parse_targets(const cJSON *v, ts_manifest *m, ts_error *err)
{
    char w[WHERE_MAX];
    size_t first = 0, second = 0;
    long n = array_start(v, "targets", "an array of objects", sizeof(*m->targets),
                         (void **)&m->targets, err);

    if (n <= 0) {
        return (int)n;
    }
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        path_index(w, "targets", m->n_targets);
        m->n_targets++;
        if (parse_target(c, w, &m->targets[m->n_targets - 1], err) != 0) {
            return -1;
        }
    }
    int found = first_dup(&m->targets[0].path, m->n_targets, sizeof(*m->targets), true, cmp_str,
                          &first, &second);
    return dup_error(found, "targets", ".path", first, second, "path listed twice", err);
}

static int parse_version(const cJSON *root, ts_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "version");

    if (v == NULL) {
        return ts_error_set(err, "version", "missing: expected %d", TS_MANIFEST_VERSION);
    }
    if (!cJSON_IsNumber(v)) {
        return ts_error_set(err, "version", "expected the number %d", TS_MANIFEST_VERSION);
    }
    if (v->valuedouble != (double)TS_MANIFEST_VERSION) {
        return ts_error_set(err, "version", "unsupported version %g: expected %d", v->valuedouble,
                            TS_MANIFEST_VERSION);
    }
    return 0;
}

static int parse_root(const cJSON *root, ts_manifest *m, ts_error *err)
{
    const cJSON *f[F_TOP_N];

    /* The version first: a newer file should say so, not list unknown fields. */
    if (parse_version(root, err) != 0) {
        return -1;
    }
    if (object_fields(root, "", top_fields, F_TOP_N, f, err) != 0) {
        return -1;
    }
    m->version = TS_MANIFEST_VERSION;
    if (f[F_PASSWORD] != NULL) {
        char *pw = NULL;
        if (get_string(f[F_PASSWORD], "password", TEXT_PASSWORD, "a string (the keystore password)",
                       &pw, err) != 0) {
            return -1;
        }
        free(m->password);
        m->password = pw;
    }
    if (f[F_FORMAT] != NULL) {
        const cJSON *v = f[F_FORMAT];
        if (cJSON_IsString(v) && strcmp(v->valuestring, "jks") == 0) {
            m->format = TS_FORMAT_JKS;
        } else if (cJSON_IsString(v) && strcmp(v->valuestring, "pkcs12") == 0) {
            m->format = TS_FORMAT_PKCS12;
        } else {
            return ts_error_set(err, "format", "expected \"jks\" or \"pkcs12\"");
        }
    }
    if (f[F_CERTS] != NULL && parse_certs(f[F_CERTS], m, err) != 0) {
        return -1;
    }
    if (f[F_DISTRUST] != NULL && parse_distrust(f[F_DISTRUST], m, err) != 0) {
        return -1;
    }
    if (f[F_DIRS] != NULL && parse_dirs(f[F_DIRS], m, err) != 0) {
        return -1;
    }
    if (f[F_TARGETS] != NULL && parse_targets(f[F_TARGETS], m, err) != 0) {
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ public API */

int ts_manifest_init(ts_manifest *m)
{
    memset(m, 0, sizeof(*m));
    m->version = TS_MANIFEST_VERSION;
    m->format = TS_FORMAT_UNKNOWN;
    m->password = xstrdup(TS_DEFAULT_PASSWORD);
    return m->password != NULL ? 0 : -1;
}

void ts_manifest_cert_free(ts_manifest_cert *c)
{
    free(c->alias);
    free(c->pem);
    free(c->file);
    for (size_t k = 0; k < c->n_hosts; k++) {
        free(c->hosts[k]);
    }
    free(c->hosts);
    free(c->source);
    free(c->added);
    if (c->cert.der != NULL) {
        ts_cert_free(&c->cert);
    }
    memset(c, 0, sizeof(*c));
}

void ts_manifest_free(ts_manifest *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t i = 0; i < m->n_certs; i++) {
        ts_manifest_cert_free(&m->certs[i]);
    }
    free(m->certs);
    free(m->distrust);
    for (size_t i = 0; i < m->n_keystore_dirs; i++) {
        free(m->keystore_dirs[i].path);
        free(m->keystore_dirs[i].password);
    }
    free(m->keystore_dirs);
    for (size_t i = 0; i < m->n_targets; i++) {
        free(m->targets[i].path);
        free(m->targets[i].password);
    }
    free(m->targets);
    free(m->password);
    memset(m, 0, sizeof(*m));
}

int ts_manifest_parse(const char *text, size_t len, const char *path, ts_manifest *m, ts_error *err)
{
    ts_manifest tmp;
    cJSON *root;
    int rc;

    ts_error_clear(err);
    ts_error_set_file(err, path);
    memset(m, 0, sizeof(*m));
    root = parse_json(text, len, err);
    if (root == NULL) {
        return -1;
    }
    if (ts_manifest_init(&tmp) != 0) {
        cJSON_Delete(root);
        return oom(err, "");
    }
    rc = parse_root(root, &tmp, err);
    cJSON_Delete(root);
    if (rc != 0) {
        ts_manifest_free(&tmp);
        return -1;
    }
    *m = tmp;
    return 0;
}

/* A certificate file's path: relative ones are relative to the manifest's directory. */
static int cert_file_path(const char *manifest_path, const char *file, char *out, size_t size)
{
    char dir[4096];
    int n;

    if (file[0] == '/') {
        n = snprintf(out, size, "%s", file);
    } else {
        ts_dirname(manifest_path != NULL ? manifest_path : "", dir, sizeof(dir));
        n = snprintf(out, size, "%s/%s", dir, file);
    }
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Moves a lower-level error (its file and where) into what, under the JSON path. */
static int rewrap(ts_error *err, const ts_error *inner, const char *where,
                  const char *manifest_path)
{
    char what[sizeof(inner->what)];

    if (err == NULL) {
        return -1;
    }
    fmt(what, sizeof(what), "%s%s%s%s%s", inner->file, inner->file[0] != '\0' ? ": " : "",
        inner->where, inner->where[0] != '\0' ? ": " : "", inner->what);
    ts_error_clear(err);
    ts_error_set_file(err, manifest_path);
    return ts_error_set(err, where, "%s", what);
}

/*
 * Bundles already read during one ts_manifest_load_certs call: several entries
 * often pin certificates of the same bundle (ca-certificates.crt holds ~140),
 * and decoding it again for each would make loading quadratic.
 */
typedef struct bundle {
    char *path;
    ts_cert_list list;
} bundle;

typedef struct bundle_cache {
    bundle *items;
    size_t count;
} bundle_cache;

static void bundle_cache_free(bundle_cache *c)
{
    for (size_t i = 0; i < c->count; i++) {
        free(c->items[i].path);
        ts_cert_list_free(&c->items[i].list);
    }
    free(c->items);
}

/* Takes list into the cache when it is a bundle; returns 0 when it did. */
static int bundle_cache_keep(bundle_cache *c, const char *path, ts_cert_list *list)
{
    bundle *grown;
    char *copy;

    if (list->count < 2 || (copy = xstrdup(path)) == NULL) {
        return -1;
    }
    grown = realloc(c->items, (c->count + 1) * sizeof(*c->items));
    if (grown == NULL) {
        free(copy);
        return -1;
    }
    c->items = grown;
    c->items[c->count].path = copy;
    c->items[c->count].list = *list;
    c->count++;
    memset(list, 0, sizeof(*list));
    return 0;
}

static const ts_cert_list *bundle_cache_find(const bundle_cache *c, const char *path)
{
    for (size_t i = 0; i < c->count; i++) {
        if (strcmp(c->items[i].path, path) == 0) {
            return &c->items[i].list;
        }
    }
    return NULL;
}

/* The certificates an entry's pem or file holds: *found points into own or the cache. */
static int entry_certs(const ts_manifest_cert *mc, size_t i, const char *manifest_path,
                       bool check_owner, unsigned uid, bundle_cache *cache, ts_cert_list *own,
                       const ts_cert_list **found, ts_error *err)
{
    char where[WHERE_MAX], full[4096];
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_error inner;
    int rc;

    ts_error_clear(&inner);
    if (mc->pem != NULL) {
        fmt(where, sizeof(where), "certificates[%zu].pem", i);
        if (ts_certs_parse_pinned((const unsigned char *)mc->pem, strlen(mc->pem), own, &inner) !=
            0) {
            return rewrap(err, &inner, where, manifest_path);
        }
        *found = own;
        return 0;
    }
    fmt(where, sizeof(where), "certificates[%zu].file", i);
    if (cert_file_path(manifest_path, mc->file, full, sizeof(full)) != 0) {
        return ts_error_set(err, where, "path too long");
    }
    *found = bundle_cache_find(cache, full);
    if (*found != NULL) {
        return 0;
    }
    /* Checked and read through one descriptor: no second lookup by name to race. */
    rc = check_owner ? ts_read_file_safe(full, (uid_t)uid, CERT_FILE_MAX, &buf, &len, NULL, &inner)
                     : ts_read_file(full, CERT_FILE_MAX, &buf, &len, &inner);
    if (rc != 0) {
        return rewrap(err, &inner, where, manifest_path);
    }
    rc = ts_certs_parse_pinned(buf, len, own, &inner);
    free(buf);
    if (rc != 0) {
        ts_error_set_file(&inner, full);
        return rewrap(err, &inner, where, manifest_path);
    }
    *found = own;
    if (bundle_cache_keep(cache, full, own) == 0) {
        *found = &cache->items[cache->count - 1].list;
    }
    return 0;
}

static int load_one(ts_manifest_cert *mc, size_t i, const char *manifest_path, bool check_owner,
                    unsigned uid, bundle_cache *cache, ts_error *err)
{
    char where[WHERE_MAX], hex[TS_SHA256_HEX_LEN + 1];
    ts_cert_list own = {0};
    const ts_cert_list *list = NULL;
    int rc = -1;

    if (entry_certs(mc, i, manifest_path, check_owner, uid, cache, &own, &list, err) != 0) {
        ts_cert_list_free(&own);
        return -1;
    }
    fmt(where, sizeof(where), "certificates[%zu].sha256", i);
    for (size_t k = 0; k < list->count; k++) {
        if (memcmp(list->items[k].sha256, mc->sha256, TS_SHA256_LEN) == 0) {
            rc = ts_cert_copy(&mc->cert, &list->items[k]) == 0 ? 0 : oom(err, where);
            goto end;
        }
    }
    ts_sha256_to_hex(list->items[0].sha256, hex);
    if (list->count == 1) {
        ts_error_set(err, where, "does not match the certificate (got %s)", hex);
    } else {
        ts_error_set(err, where,
                     "does not match the certificate (got %s; none of the %zu certificates in the "
                     "bundle matches)",
                     hex, list->count);
    }
end:
    ts_cert_list_free(&own);
    return rc;
}

int ts_manifest_load_certs(ts_manifest *m, const char *manifest_path, bool check_owner,
                           unsigned uid, ts_error *err)
{
    bundle_cache cache = {0};
    size_t i;

    ts_error_clear(err);
    ts_error_set_file(err, manifest_path);
    for (i = 0; i < m->n_certs; i++) {
        if (m->certs[i].cert.der != NULL) {
            continue;
        }
        if (load_one(&m->certs[i], i, manifest_path, check_owner, uid, &cache, err) != 0) {
            break;
        }
    }
    bundle_cache_free(&cache);
    if (i == m->n_certs) {
        return 0;
    }
    /* Nothing half-done: a failed load leaves every certificate unloaded. */
    for (size_t k = 0; k < i; k++) {
        if (m->certs[k].cert.der != NULL) {
            ts_cert_free(&m->certs[k].cert);
            memset(&m->certs[k].cert, 0, sizeof(m->certs[k].cert));
        }
    }
    return -1;
}

int ts_manifest_load(const char *path, ts_manifest *m, ts_error *err)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    int rc;

    ts_error_clear(err);
    memset(m, 0, sizeof(*m));
    if (ts_read_file(path, TS_MANIFEST_MAX_SIZE, &buf, &len, err) != 0) {
        return -1;
    }
    rc = ts_manifest_parse((const char *)buf, len, path, m, err);
    free(buf);
    if (rc == 0 && ts_manifest_load_certs(m, path, false, 0, err) != 0) {
        ts_manifest_free(m);
        rc = -1;
    }
    return rc;
}

/* --------------------------------------------------------------- lookups */

long ts_manifest_find_sha256(const ts_manifest *m, const unsigned char sha[TS_SHA256_LEN])
{
    for (size_t i = 0; i < m->n_certs; i++) {
        if (memcmp(m->certs[i].sha256, sha, TS_SHA256_LEN) == 0) {
            return (long)i;
        }
    }
    return -1;
}

long ts_manifest_find_alias(const ts_manifest *m, const char *alias)
{
    for (size_t i = 0; i < m->n_certs; i++) {
        if (m->certs[i].alias != NULL && strcasecmp(m->certs[i].alias, alias) == 0) {
            return (long)i;
        }
    }
    return -1;
}

bool ts_manifest_is_distrusted(const ts_manifest *m, const unsigned char sha[TS_SHA256_LEN])
{
    for (size_t i = 0; i < m->n_distrust; i++) {
        if (memcmp(m->distrust[i], sha, TS_SHA256_LEN) == 0) {
            return true;
        }
    }
    return false;
}

bool ts_manifest_has_host(const ts_manifest *m, const char *host)
{
    for (size_t i = 0; i < m->n_certs; i++) {
        for (size_t k = 0; k < m->certs[i].n_hosts; k++) {
            if (strcasecmp(m->certs[i].hosts[k], host) == 0) {
                return true;
            }
        }
    }
    return false;
}

int ts_manifest_check_entry(const char *alias, const char *const *hosts, size_t n_hosts,
                            const char *source, const char *added, ts_error *err)
{
    char buf[160], w[WHERE_MAX];
    const char *problem;

    if (alias != NULL && (problem = alias_problem(alias, buf, sizeof(buf))) != NULL) {
        return ts_error_set(err, "alias", "%s", problem);
    }
    for (size_t i = 0; i < n_hosts; i++) {
        path_index(w, "hosts", i);
        if (!ts_manifest_host_valid(hosts[i])) {
            return ts_error_set(err, w, HOST_EXPECTED);
        }
        for (size_t k = 0; k < i; k++) {
            if (strcasecmp(hosts[k], hosts[i]) == 0) {
                return ts_error_set(err, w, "host listed twice (also hosts[%zu])", k);
            }
        }
    }
    if (source != NULL) {
        for (const char *p = source; *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                return ts_error_set(err, "source", "must not contain control characters");
            }
        }
        if (source[0] == '\0') {
            return ts_error_set(err, "source", "must not be empty");
        }
    }
    if (added != NULL && !rfc3339_valid(added)) {
        return ts_error_set(err, "added", ADDED_EXPECTED);
    }
    return 0;
}
