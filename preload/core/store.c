/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The served store as an additive edit of the file's bytes (see store.h).
 * The codecs (jks.c, p12.c) read a file as its parts and write it back with
 * some entries dropped and others appended; this file decides which, from the
 * manifest, and turns every reason not to serve into a ts_store_fail.
 */
#include "store.h"
#include "keystore_internal.h"

#include <stdlib.h>
#include <string.h>

const char *ts_store_fail_name(ts_store_fail why)
{
    switch (why) {
    case TS_STORE_OK:
        return "ok";
    case TS_STORE_FORMAT:
        return "format";
    case TS_STORE_INTEGRITY:
        return "integrity";
    case TS_STORE_PASSWORD:
        return "password";
    case TS_STORE_UNSUPPORTED:
        return "unsupported";
    case TS_STORE_NOMEM:
        return "nomem";
    case TS_STORE_CONVERT:
        return "convert";
    case TS_STORE_NOCRYPTO:
        return "nocrypto";
    default:
        return "unknown";
    }
}

/* Appends an alias (and, when der is set, a certificate, of SHA-256 sha when known) to what the
 * store keeps. */
static int present_add(ts_keystore *ks, const void *alias, size_t alias_len,
                       const unsigned char *der, size_t der_len, const unsigned char *sha)
{
    ts_entry *e;
    void *items;

    if (der != NULL) {
        return ts_ks_push_sha(ks, alias, alias_len, 0, der, der_len, sha);
    }
    items = ks->items;
    if (ts_grow(&items, &ks->cap, ks->count, 1, sizeof(ts_entry)) != 0) {
        return -1;
    }
    ks->items = items;
    e = &ks->items[ks->count];
    memset(e, 0, sizeof(*e));
    e->alias = malloc(alias_len + 1);
    if (e->alias == NULL) {
        return -1;
    }
    memcpy(e->alias, alias, alias_len);
    e->alias[alias_len] = '\0';
    ks->count++;
    return 0;
}

static bool distrusted(const ts_manifest *m, const unsigned char sha[TS_SHA256_LEN])
{
    return m != NULL && ts_manifest_is_distrusted(m, sha);
}

static bool has_ascii_upper(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 'A' && s[i] <= 'Z') {
            return true;
        }
    }
    return false;
}

/*
 * The DER lengths of the certificates a merge may add (the manifest's and
 * also_trust's), sorted: a certificate of the base of another length cannot be
 * one of them, so its SHA-256 is not needed unless something is distrusted.
 * Hashing every base certificate was a third of a cacerts build.
 */
typedef struct length_set {
    size_t *v;
    size_t n;
} length_set;

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return (x > y) - (x < y);
}

static int lengths_init(length_set *s, const ts_store_in *in)
{
    size_t n_man = in->m != NULL ? in->m->n_certs : 0;
    size_t n_also = in->also_trust != NULL ? in->also_trust->count : 0;

    s->n = 0;
    s->v = malloc((n_man + n_also + 1) * sizeof(*s->v));
    if (s->v == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n_man; i++) {
        s->v[s->n++] = in->m->certs[i].cert.der_len;
    }
    for (size_t i = 0; i < n_also; i++) {
        s->v[s->n++] = in->also_trust->items[i].cert.der_len;
    }
    qsort(s->v, s->n, sizeof(*s->v), cmp_size);
    return 0;
}

static bool lengths_has(const length_set *s, size_t len)
{
    return bsearch(&len, s->v, s->n, sizeof(*s->v), cmp_size) != NULL;
}

static int fail(ts_store_fail *why, ts_store_fail code)
{
    *why = code;
    return -1;
}

static int build_jks(const ts_store_in *in, const ts_merge_opts *mo, unsigned char **out,
                     size_t *out_len, ts_merge_summary *sum, ts_store_fail *why, ts_error *err)
{
    ts_jks_file f;
    ts_keystore present = {0}, add = {0};
    length_set lengths = {0};
    bool *drop = NULL, all_sha = in->m != NULL && in->m->n_distrust > 0;
    int rc;

    if (in->password == NULL) {
        /* Without it the digest cannot be made again, and the JVM would refuse a wrong one. */
        rc = ts_jks_scan(in->base, in->base_len, NULL, &f, err);
        ts_jks_file_free(&f);
        if (rc != 0) {
            return fail(why, TS_STORE_FORMAT);
        }
        ts_error_set(err, "",
                     "the store password is needed to rewrite its integrity digest: none given");
        return fail(why, TS_STORE_PASSWORD);
    }
    rc = ts_jks_scan(in->base, in->base_len, in->password, &f, err);
    if (rc != 0) {
        return fail(why, rc == -2 ? TS_STORE_INTEGRITY : TS_STORE_FORMAT);
    }
    drop = calloc(f.count + 1, sizeof(bool));
    if (drop == NULL || lengths_init(&lengths, in) != 0) {
        goto nomem;
    }
    sum->base = f.count;
    for (size_t i = 0; i < f.count; i++) {
        const ts_jks_entry *e = &f.entries[i];
        const unsigned char *cert = e->der;
        unsigned char sha[TS_SHA256_LEN];
        bool have_sha = false;

        if (e->tag == 2 && !all_sha && !lengths_has(&lengths, e->der_len)) {
            /* Neither distrusted nor one the merge could add again: its alias is all it needs. */
            cert = NULL;
        } else if (e->tag == 2) {
            if (ts_sha256(e->der, e->der_len, sha) != 0) {
                goto nomem;
            }
            have_sha = true;
            if (distrusted(in->m, sha)) {
                drop[i] = true;
                sum->distrusted++;
                continue;
            }
        }
        /* An entry the JVM cannot look up (uppercase alias) trusts nothing: its certificate is
         * not "already there", though its alias stays taken. */
        if (has_ascii_upper(e->alias, e->alias_len)) {
            cert = NULL;
        }
        if (present_add(&present, e->alias, e->alias_len, cert, cert != NULL ? e->der_len : 0,
                        have_sha ? sha : NULL) != 0) {
            goto nomem;
        }
    }
    if (ts_merge_additions(&present, in->also_trust, in->m, mo, &add, sum, err) != 0 ||
        ts_jks_edit(in->base, &f, drop, &add, in->password, out, out_len, err) != 0) {
        *why = TS_STORE_NOMEM;
        goto end;
    }
    {
        size_t removed = 0;

        for (size_t i = 0; i < f.count; i++) {
            removed += drop[i] ? 1 : 0;
        }
        sum->total = f.count - removed + add.count;
    }
    rc = 0;
    goto done;
nomem:
    ts_error_set(err, "", "out of memory");
    *why = TS_STORE_NOMEM;
end:
    rc = -1;
done:
    free(drop);
    free(lengths.v);
    ts_keystore_free(&present);
    ts_keystore_free(&add);
    ts_jks_file_free(&f);
    return rc;
}

static ts_store_fail p12_fail(int rc)
{
    switch (rc) {
    case -2:
        return TS_STORE_INTEGRITY;
    case -3:
        return TS_STORE_UNSUPPORTED;
    case -5:
        return TS_STORE_NOMEM;
    case -6:
        return TS_STORE_NOCRYPTO;
    default:
        return TS_STORE_FORMAT;
    }
}

static int build_p12(const ts_store_in *in, const ts_merge_opts *mo, unsigned char **out,
                     size_t *out_len, ts_merge_summary *sum, ts_store_fail *why, ts_error *err)
{
    ts_p12_file f;
    ts_keystore present = {0}, add = {0};
    size_t closed = 0, removed = 0, entries = 0;
    int rc = ts_p12_open(in->base, in->base_len, in->password, &f, err);

    if (rc != 0) {
        ts_p12_file_free(&f);
        return fail(why, p12_fail(rc));
    }
    rc = -1;
    if (f.mac != NULL && in->password == NULL) {
        ts_error_set(err, "", "the store password is needed to rewrite its MAC: none given");
        *why = TS_STORE_PASSWORD;
        goto end;
    }
    for (size_t i = 0; i < f.n_safes; i++) {
        ts_p12_safe *s = &f.safes[i];

        closed += s->opened ? 0 : 1;
        for (size_t k = 0; k < s->n_bags; k++) {
            ts_p12_bag *b = &s->bags[k];
            const ts_p12_bag *cert = NULL;

            if (b->kind == TS_P12_BAG_TRUSTED_CERT || b->kind == TS_P12_BAG_KEY ||
                b->kind == TS_P12_BAG_SECRET) {
                entries++;
            }
            if (b->kind == TS_P12_BAG_TRUSTED_CERT && distrusted(in->m, b->sha256)) {
                b->drop = true;
                removed++;
                continue;
            }
            if (b->kind == TS_P12_BAG_TRUSTED_CERT) {
                cert = b;
            } else if (b->kind == TS_P12_BAG_KEY) {
                cert = ts_p12_key_cert(&f, b);
            }
            const char *alias = b->name != NULL ? b->name : b->unnamed;

            if (alias[0] == '\0' && cert == NULL) {
                continue;
            }
            if (present_add(&present, alias, strlen(alias), cert != NULL ? cert->cert : NULL,
                            cert != NULL ? cert->cert_len : 0, NULL) != 0) {
                ts_error_set(err, "", "out of memory");
                *why = TS_STORE_NOMEM;
                goto end;
            }
        }
    }
    sum->base = entries;
    sum->distrusted = removed;
    if (ts_merge_additions(&present, in->also_trust, in->m, mo, &add, sum, err) != 0) {
        *why = TS_STORE_NOMEM;
        goto end;
    }
    if (closed > 0 && (add.count > 0 || (in->m != NULL && in->m->n_distrust > 0))) {
        /* Its aliases and certificates are unknown: an addition could take an alias it holds,
         * and it could hold a distrusted certificate. */
        ts_error_set(err, "",
                     "the store password is needed to look into its %zu encrypted safe%s: none "
                     "given",
                     closed, closed == 1 ? "" : "s");
        *why = TS_STORE_PASSWORD;
        goto end;
    }
    rc = ts_p12_write(&f, &add, in->password, out, out_len, err);
    if (rc != 0) {
        *why = rc == -6 ? TS_STORE_NOCRYPTO : TS_STORE_UNSUPPORTED;
        rc = -1;
        goto end;
    }
    sum->total = entries - removed + add.count;
    rc = 0;
end:
    ts_keystore_free(&present);
    ts_keystore_free(&add);
    ts_p12_file_free(&f);
    return rc;
}

/* Whether a decoded file holds anything but trusted certificates the JVM reads. */
static bool holds_more_than_trust(const ts_keystore *ks)
{
    if (ks->skipped > 0) {
        return true;
    }
    for (size_t i = 0; i < ks->count; i++) {
        if (ks->items[i].key_entry) {
            return true;
        }
    }
    return false;
}

/* Another format than the file's: the old path (decode, merge, encode), trusted entries only. */
static int build_converted(const ts_store_in *in, const ts_merge_opts *mo, ts_format fmt,
                           unsigned char **out, size_t *out_len, ts_merge_summary *sum,
                           ts_store_fail *why, ts_error *err)
{
    ts_keystore base = {0}, merged = {0};
    ts_format from = ts_keystore_detect(in->base, in->base_len);
    int rc = -1;

    if (in->password == NULL && from != TS_FORMAT_PKCS12) {
        ts_error_set(err, "", "the store password is needed to verify its digest: none given");
        return fail(why, TS_STORE_PASSWORD);
    }
    if (ts_keystore_decode(in->base, in->base_len, in->password, &base, err) != 0) {
        /* Tell a password that does not verify from a damaged file. */
        ts_error e2;

        ts_keystore_free(&base);
        memset(&base, 0, sizeof(base));
        ts_error_clear(&e2);
        if (ts_keystore_decode(in->base, in->base_len, NULL, &base, &e2) == 0) {
            ts_keystore_free(&base);
            return fail(why, strstr(err->what, "cannot decrypt") != NULL &&
                                     strstr(err->what, "MAC") == NULL
                                 ? TS_STORE_UNSUPPORTED
                                 : TS_STORE_INTEGRITY);
        }
        return fail(why, TS_STORE_FORMAT);
    }
    if (holds_more_than_trust(&base)) {
        ts_error_set(err, "",
                     "holds private-key or secret-key entries (or entries the JVM cannot read), "
                     "which are never converted from %s to %s: serve it as %s",
                     ts_format_name(from), ts_format_name(fmt), ts_format_name(from));
        *why = TS_STORE_CONVERT;
        goto end;
    }
    for (size_t i = 0; in->also_trust != NULL && i < in->also_trust->count; i++) {
        ts_entry e = in->also_trust->items[i];

        e.key_entry = false;
        if (ts_keystore_add_entry(&base, &e, err) != 0) {
            *why = TS_STORE_NOMEM;
            goto end;
        }
    }
    if (ts_merge(&base, in->m, mo, &merged, sum, err) != 0 ||
        ts_keystore_encode(&merged, fmt, in->password, out, out_len, err) != 0) {
        *why = TS_STORE_NOMEM;
        goto end;
    }
    rc = 0;
end:
    ts_keystore_free(&base);
    ts_keystore_free(&merged);
    return rc;
}

/* No base (or merge false): the manifest's certificates (and also_trust's) only. */
static int build_synthesized(const ts_store_in *in, const ts_merge_opts *mo, ts_format fmt,
                             unsigned char **out, size_t *out_len, ts_merge_summary *sum,
                             ts_store_fail *why, ts_error *err)
{
    ts_keystore add = {0};
    int rc = -1;

    if (ts_merge_additions(NULL, in->also_trust, in->m, mo, &add, sum, err) != 0) {
        return fail(why, TS_STORE_NOMEM);
    }
    if (ts_keystore_encode(&add, fmt, in->password, out, out_len, err) != 0) {
        *why = TS_STORE_NOMEM;
    } else {
        sum->total = add.count;
        rc = 0;
    }
    ts_keystore_free(&add);
    return rc;
}

static int store_build(const ts_store_in *in, unsigned char **out, size_t *out_len,
                       ts_merge_summary *sum, ts_store_fail *why, ts_error *err_out);

int ts_store_build(const ts_store_in *in, unsigned char **out, size_t *out_len,
                   ts_merge_summary *sum, ts_store_fail *why, ts_error *err)
{
    ts_store_fail reason = TS_STORE_OK;
    int rc = store_build(in, out, out_len, sum, &reason, err);

    if (rc != 0 && reason == TS_STORE_INTEGRITY && in->password_guessed && in->password != NULL &&
        in->password[0] != '\0') {
        /* The served copy keeps the file's own password, so serving a store whose password
         * turns out to be empty changes no application's verdict. */
        ts_store_in empty = *in;
        ts_store_fail again = TS_STORE_OK;

        empty.password = "";
        empty.password_guessed = false;
        if (store_build(&empty, out, out_len, sum, &again, NULL) == 0) {
            reason = TS_STORE_OK;
            rc = 0;
        }
    }
    if (why != NULL) {
        *why = reason;
    }
    return rc;
}

static int store_build(const ts_store_in *in, unsigned char **out, size_t *out_len,
                       ts_merge_summary *sum, ts_store_fail *why, ts_error *err_out)
{
    /* Always a real one: the reason is read back from it below. */
    ts_error err_buf, *err = &err_buf;
    ts_merge_summary s;
    ts_store_fail reason = TS_STORE_OK;
    ts_merge_opts mo;
    /* An empty file is a file: the JDK fails on it (EOF), so must we (a keystore rewritten in
     * place is empty for a moment; served as no file it would lose every entry). */
    bool have_base = in->base != NULL;
    ts_format base_fmt = have_base ? ts_keystore_detect(in->base, in->base_len) : TS_FORMAT_UNKNOWN;
    ts_format fmt = in->format;
    int rc;

    memset(&s, 0, sizeof(s));
    ts_error_clear(err);
    *out = NULL;
    *out_len = 0;
    mo.host = in->host;
    mo.timestamp_ms = in->timestamp_ms;
    if (fmt == TS_FORMAT_UNKNOWN) {
        fmt = base_fmt != TS_FORMAT_UNKNOWN ? base_fmt : TS_FORMAT_JKS;
    }
    if (!have_base || !in->merge) {
        rc = build_synthesized(in, &mo, fmt, out, out_len, &s, &reason, err);
    } else if (in->base_len == 0) {
        ts_error_set(err, "",
                     "the file is empty (being written?): expected a JKS, JCEKS or "
                     "PKCS12 keystore");
        rc = fail(&reason, TS_STORE_FORMAT);
    } else if (base_fmt == TS_FORMAT_UNKNOWN) {
        ts_error_set(err, "offset 0",
                     "unknown keystore format: expected JKS (magic FEEDFEED), JCEKS (CECECECE) "
                     "or PKCS12 (DER SEQUENCE)");
        rc = fail(&reason, TS_STORE_FORMAT);
    } else if (fmt != base_fmt) {
        rc = build_converted(in, &mo, fmt, out, out_len, &s, &reason, err);
    } else if (fmt == TS_FORMAT_PKCS12) {
        rc = build_p12(in, &mo, out, out_len, &s, &reason, err);
    } else {
        rc = build_jks(in, &mo, out, out_len, &s, &reason, err);
    }
    if (rc != 0) {
        free(*out);
        *out = NULL;
        *out_len = 0;
        if (reason == TS_STORE_OK) {
            reason = TS_STORE_FORMAT;
        }
    }
    if (why != NULL) {
        *why = reason;
    }
    if (err_out != NULL && rc != 0) {
        memcpy(err_out->where, err->where, sizeof(err->where));
        memcpy(err_out->what, err->what, sizeof(err->what));
    }
    if (sum != NULL) {
        *sum = s;
    }
    return rc;
}
