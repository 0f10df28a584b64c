/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest written back as JSON (ts_manifest_to_json): stable field order
 * and indentation so that an edit changes only the lines it must.
 */
#include "manifest_internal.h"

/* ------------------------------------------------------------- printing */

typedef struct out_buf {
    char *p;
    size_t len;
    size_t cap;
    bool failed;
} out_buf;

static void put_n(out_buf *o, const char *s, size_t n)
{
    if (o->failed) {
        return;
    }
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap > 0 ? o->cap : 1024;
        while (o->len + n + 1 > cap) {
            cap *= 2;
        }
        char *p = realloc(o->p, cap);
        if (p == NULL) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void put(out_buf *o, const char *s)
{
    put_n(o, s, strlen(s));
}

static void put_indent(out_buf *o, int level)
{
    static const char spaces[] = "        ";

    put_n(o, spaces, (size_t)level * 2);
}

/* A JSON string; invalid UTF-8 becomes U+FFFD so that the output always parses. */
static void put_string(out_buf *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    char esc[8];

    put(o, "\"");
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t n = ts_manifest_utf8_seq(p + i, len - i);
        if (n == 0) {
            put(o, "\xef\xbf\xbd");
            i++;
            continue;
        }
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put_n(o, esc, 2);
        } else if (c == '\n') {
            put(o, "\\n");
        } else if (c == '\r') {
            put(o, "\\r");
        } else if (c == '\t') {
            put(o, "\\t");
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            put(o, esc);
        } else {
            put_n(o, (const char *)p + i, n);
        }
        i += n;
    }
    put(o, "\"");
}

/* Writes `"key": ` at level, after a comma when *first is false. */
static void put_key(out_buf *o, int level, bool *first, const char *key)
{
    put(o, *first ? "\n" : ",\n");
    *first = false;
    put_indent(o, level);
    put_string(o, key);
    put(o, ": ");
}

static void put_string_field(out_buf *o, int level, bool *first, const char *key, const char *v)
{
    if (v != NULL) {
        put_key(o, level, first, key);
        put_string(o, v);
    }
}

static void put_string_array(out_buf *o, int level, char *const *items, size_t n)
{
    if (n == 0) {
        put(o, "[]");
        return;
    }
    put(o, "[");
    for (size_t i = 0; i < n; i++) {
        put(o, i == 0 ? "\n" : ",\n");
        put_indent(o, level + 1);
        put_string(o, items[i]);
    }
    put(o, "\n");
    put_indent(o, level);
    put(o, "]");
}

/* keystore_dirs: a plain string for a directory with no settings, else an object. */
static void put_dirs(out_buf *o, const ts_keystore_dir *dirs, size_t n)
{
    put(o, "[");
    for (size_t i = 0; i < n; i++) {
        const ts_keystore_dir *d = &dirs[i];
        bool first = true;

        put(o, i == 0 ? "\n" : ",\n");
        put_indent(o, 2);
        if (d->password == NULL && d->trust == TS_DIR_TRUST_FULL) {
            put_string(o, d->path);
            continue;
        }
        put(o, "{");
        put_string_field(o, 3, &first, "path", d->path);
        put_string_field(o, 3, &first, "password", d->password);
        if (d->trust == TS_DIR_TRUST_HOST) {
            put_string_field(o, 3, &first, "trust", "host");
        }
        put(o, "\n");
        put_indent(o, 2);
        put(o, "}");
    }
    put(o, "\n  ]");
}

static void put_cert(out_buf *o, const ts_manifest_cert *c)
{
    char hex[TS_SHA256_HEX_LEN + 1];
    bool first = true;

    put_indent(o, 2);
    put(o, "{");
    put_string_field(o, 3, &first, "alias", c->alias);
    ts_sha256_to_hex(c->sha256, hex);
    put_string_field(o, 3, &first, "sha256", hex);
    if (c->n_hosts > 0) {
        put_key(o, 3, &first, "hosts");
        put_string_array(o, 3, c->hosts, c->n_hosts);
    }
    put_string_field(o, 3, &first, "source", c->source);
    put_string_field(o, 3, &first, "added", c->added);
    if (c->file != NULL) {
        put_string_field(o, 3, &first, "file", c->file);
    } else {
        put_string_field(o, 3, &first, "pem", c->pem);
    }
    put(o, "\n");
    put_indent(o, 2);
    put(o, "}");
}

char *ts_manifest_to_json(const ts_manifest *m)
{
    out_buf o = {0};
    bool first = true;
    char num[32];

    put(&o, "{");
    put_key(&o, 1, &first, "version");
    snprintf(num, sizeof(num), "%d", m->version);
    put(&o, num);
    if (m->password != NULL && strcmp(m->password, TS_DEFAULT_PASSWORD) != 0) {
        put_string_field(&o, 1, &first, "password", m->password);
    }
    if (m->format == TS_FORMAT_JKS || m->format == TS_FORMAT_PKCS12) {
        put_string_field(&o, 1, &first, "format", m->format == TS_FORMAT_JKS ? "jks" : "pkcs12");
    }
    put_key(&o, 1, &first, "certificates");
    if (m->n_certs == 0) {
        put(&o, "[]");
    } else {
        put(&o, "[");
        for (size_t i = 0; i < m->n_certs; i++) {
            put(&o, i == 0 ? "\n" : ",\n");
            put_cert(&o, &m->certs[i]);
        }
        put(&o, "\n  ]");
    }
    if (m->n_distrust > 0) {
        put_key(&o, 1, &first, "distrust");
        put(&o, "[");
        for (size_t i = 0; i < m->n_distrust; i++) {
            char hex[TS_SHA256_HEX_LEN + 1];
            ts_sha256_to_hex(m->distrust[i], hex);
            put(&o, i == 0 ? "\n" : ",\n");
            put_indent(&o, 2);
            put_string(&o, hex);
        }
        put(&o, "\n  ]");
    }
    if (m->n_keystore_dirs > 0) {
        put_key(&o, 1, &first, "keystore_dirs");
        put_dirs(&o, m->keystore_dirs, m->n_keystore_dirs);
    }
    if (m->n_targets > 0) {
        put_key(&o, 1, &first, "targets");
        put(&o, "[");
        for (size_t i = 0; i < m->n_targets; i++) {
            const ts_target *t = &m->targets[i];
            bool tfirst = true;
            put(&o, i == 0 ? "\n" : ",\n");
            put_indent(&o, 2);
            put(&o, "{");
            put_string_field(&o, 3, &tfirst, "path", t->path);
            put_string_field(&o, 3, &tfirst, "password", t->password);
            if (!t->merge) {
                put_key(&o, 3, &tfirst, "merge");
                put(&o, "false");
            }
            put(&o, "\n");
            put_indent(&o, 2);
            put(&o, "}");
        }
        put(&o, "\n  ]");
    }
    put(&o, "\n}\n");
    if (o.failed) {
        free(o.p);
        return NULL;
    }
    return o.p;
}
