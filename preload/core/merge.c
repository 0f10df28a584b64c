/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base + manifest - distrust -> one keystore with unique, valid aliases.
 * Runs inside the JVM at its first trust-store open, and a manifest may hold
 * thousands of certificates: fingerprints and aliases live in fixed-size
 * open-addressing tables sized up front, so the whole merge is linear.
 */
#include "merge.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALIAS_MAX TS_ALIAS_MAX

/* A zeroed table of a power-of-two number of slots, at least twice n: never full. */
static void *table_alloc(size_t n, size_t slot_size, size_t *mask)
{
    size_t size = 16;

    while (size < 2 * n + 2) {
        size *= 2;
    }
    *mask = size - 1;
    return calloc(size, slot_size);
}

/* -------------------------------------------------- set of fingerprints */

typedef struct fp_set {
    const unsigned char **slots;
    size_t mask;
} fp_set;

static int fp_set_init(fp_set *s, size_t n)
{
    s->slots = table_alloc(n, sizeof(*s->slots), &s->mask);
    return s->slots != NULL ? 0 : -1;
}

static size_t fp_slot(const fp_set *s, const unsigned char *sha)
{
    /* A SHA-256 is already uniformly distributed: its first bytes are the hash. */
    size_t h = 0;

    memcpy(&h, sha, sizeof(h));
    h &= s->mask;
    while (s->slots[h] != NULL && memcmp(s->slots[h], sha, TS_SHA256_LEN) != 0) {
        h = (h + 1) & s->mask;
    }
    return h;
}

static bool fp_contains(const fp_set *s, const unsigned char *sha)
{
    return s->slots[fp_slot(s, sha)] != NULL;
}

/* false when sha was already there.  sha must outlive the set. */
static bool fp_insert(fp_set *s, const unsigned char *sha)
{
    size_t h = fp_slot(s, sha);

    if (s->slots[h] != NULL) {
        return false;
    }
    s->slots[h] = sha;
    return true;
}

/* ------------------------------------------------------- set of aliases */

typedef struct alias_slot {
    char *alias;
    unsigned next_suffix; /* where to resume when this alias is the base of a suffixed one */
} alias_slot;

typedef struct alias_set {
    alias_slot *slots;
    size_t mask;
} alias_set;

static int alias_set_init(alias_set *s, size_t n)
{
    s->slots = table_alloc(n, sizeof(*s->slots), &s->mask);
    return s->slots != NULL ? 0 : -1;
}

static void alias_set_free(alias_set *s)
{
    if (s->slots != NULL) {
        for (size_t i = 0; i <= s->mask; i++) {
            free(s->slots[i].alias);
        }
    }
    free(s->slots);
}

static alias_slot *alias_lookup(const alias_set *s, const char *alias)
{
    size_t h = 14695981039346656037u;

    for (const unsigned char *p = (const unsigned char *)alias; *p != '\0'; p++) {
        h = (h ^ *p) * 1099511628211u;
    }
    h &= s->mask;
    while (s->slots[h].alias != NULL && strcmp(s->slots[h].alias, alias) != 0) {
        h = (h + 1) & s->mask;
    }
    return &s->slots[h];
}

/*
 * Takes base, or base-2, base-3 ... whichever is free, into out.  The suffix
 * search resumes where the last one for the same base stopped, so that many
 * certificates sharing one name stay linear.  The table never grows: it was
 * sized for every entry.  Returns -1 out of memory.
 */
static int alias_take(alias_set *s, const char *base, char out[ALIAS_MAX + 1])
{
    alias_slot *slot = alias_lookup(s, base), *free_slot;
    unsigned n;

    if (slot->alias == NULL) {
        slot->alias = strdup(base);
        snprintf(out, ALIAS_MAX + 1, "%s", base);
        return slot->alias != NULL ? 0 : -1;
    }
    for (n = slot->next_suffix > 2 ? slot->next_suffix : 2;; n++) {
        char suffix[16];
        int len = snprintf(suffix, sizeof(suffix), "-%u", n);
        snprintf(out, ALIAS_MAX + 1, "%.*s%s", ALIAS_MAX - len, base, suffix);
        free_slot = alias_lookup(s, out);
        if (free_slot->alias == NULL) {
            break;
        }
    }
    free_slot->alias = strdup(out);
    slot->next_suffix = n + 1;
    return free_slot->alias != NULL ? 0 : -1;
}

/* ---------------------------------------------------------------- dates */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned mp = m > 2 ? m - 3 : m + 9;
    unsigned doy = (153 * mp + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + (int64_t)doe - 719468;
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* An RFC 3339 date-time (already validated by the manifest's parser) as Java ms. */
static bool rfc3339_ms(const char *s, int64_t *ms)
{
    size_t i = 19;
    int64_t v, frac = 0;
    int scale = 100;

    if (s == NULL || strlen(s) < 20) {
        return false;
    }
    for (size_t k = 0; k < 19; k++) {
        if (k != 4 && k != 7 && k != 10 && k != 13 && k != 16 && (s[k] < '0' || s[k] > '9')) {
            return false;
        }
    }
    v = days_from_civil(two(s) * 100 + two(s + 2), (unsigned)two(s + 5), (unsigned)two(s + 8));
    v = ((v * 24 + two(s + 11)) * 60 + two(s + 14)) * 60 + two(s + 17);
    if (s[i] == '.') {
        for (i++; s[i] >= '0' && s[i] <= '9'; i++) {
            frac += (s[i] - '0') * scale;
            scale /= 10;
        }
    }
    if (s[i] == '+' || s[i] == '-') {
        if (strlen(s + i) != 6) {
            return false;
        }
        int off = (two(s + i + 1) * 60 + two(s + i + 4)) * 60;
        v += s[i] == '+' ? -off : off;
    } else if (s[i] != 'Z' && s[i] != 'z') {
        return false;
    }
    *ms = v * 1000 + frac;
    return true;
}

/* ------------------------------------------------------------- merging */

/*
 * The alias a base entry keeps: ASCII letters lowercased, other printable
 * ASCII (':', '=', ' ', " [jdk" ...) kept, and each run of anything else
 * (non-ASCII, control bytes) replaced by one '-', so that an alias such as
 * Debian's "debian:netlock_arany_=class_gold=_főtanúsítvány.pem"
 * stays recognisable: "debian:netlock_arany_=class_gold=_f-tan-s-tv-ny.pem".
 * At most ALIAS_MAX bytes; "cert" when empty.
 */
static void base_alias(const char *alias, char out[ALIAS_MAX + 1])
{
    size_t n = 0;
    bool in_run = false;

    for (const unsigned char *p = (const unsigned char *)alias; *p != '\0' && n < ALIAS_MAX; p++) {
        unsigned char c = *p;
        if (c >= 0x20 && c <= 0x7e) {
            out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
            in_run = false;
        } else if (!in_run) {
            out[n++] = '-';
            in_run = true;
        }
    }
    out[n] = '\0';
    if (n == 0) {
        ts_alias_from_text("", out, ALIAS_MAX + 1);
    }
}

void ts_manifest_cert_alias(const ts_manifest_cert *c, char out[TS_ALIAS_MAX + 1])
{
    char name[256];

    if (c->alias != NULL) {
        if (ts_alias_valid(c->alias, false)) {
            snprintf(out, TS_ALIAS_MAX + 1, "%s", c->alias);
        } else {
            ts_alias_from_text(c->alias, out, TS_ALIAS_MAX + 1);
        }
        return;
    }
    /* As the CLI names a new entry: a CA fetched from mail.example.test is not
     * "mail.example.test", so the certificate's own name, not hosts[0]. */
    if (ts_cert_own_name(&c->cert, name, sizeof(name)) != 0) {
        name[0] = '\0';
    }
    ts_alias_from_text(name, out, TS_ALIAS_MAX + 1);
}

static bool selected(const ts_manifest_cert *c, const char *host)
{
    if (host == NULL) {
        return true;
    }
    for (size_t i = 0; i < c->n_hosts; i++) {
        if (strcasecmp(c->hosts[i], host) == 0) {
            return true;
        }
    }
    return false;
}

/* What ends up in the result, before it is copied into the keystore. */
typedef struct plan_entry {
    const ts_cert *cert;
    int64_t created_ms;
    char alias[ALIAS_MAX + 1];
} plan_entry;

enum { SKIP = 0, KEEP_EXPLICIT, KEEP_DERIVED };

int ts_merge(const ts_keystore *base, const ts_manifest *m, const ts_merge_opts *opts,
             ts_keystore *out, ts_merge_summary *summary, ts_error *err)
{
    size_t n_base = base != NULL ? base->count : 0;
    size_t n_man = m != NULL ? m->n_certs : 0;
    const char *host = opts != NULL ? opts->host : NULL;
    int64_t stamp = opts != NULL ? opts->timestamp_ms : TS_DEFAULT_TIMESTAMP_MS;
    ts_merge_summary sum;
    fp_set distrust = {0}, seen = {0};
    alias_set aliases = {0};
    plan_entry *plan = NULL;
    unsigned char *keep = NULL;
    size_t n_plan = 0, n_base_kept;
    int ret = -1;

    memset(&sum, 0, sizeof(sum));
    memset(out, 0, sizeof(*out));
    sum.base = n_base;
    sum.base_skipped = base != NULL ? base->skipped : 0;
    for (size_t i = 0; i < n_man; i++) {
        if (selected(&m->certs[i], host) && m->certs[i].cert.der == NULL) {
            return ts_error_set(err, "", "certificates[%zu]: certificate not loaded", i);
        }
    }
    if (fp_set_init(&distrust, m != NULL ? m->n_distrust : 0) != 0 ||
        fp_set_init(&seen, n_base + n_man) != 0 || alias_set_init(&aliases, n_base + n_man) != 0) {
        goto oom;
    }
    plan = calloc(n_base + n_man + 1, sizeof(*plan));
    keep = calloc(n_man + 1, 1);
    if (plan == NULL || keep == NULL) {
        goto oom;
    }
    for (size_t i = 0; m != NULL && i < m->n_distrust; i++) {
        fp_insert(&distrust, m->distrust[i]);
    }

    for (size_t i = 0; i < n_base; i++) {
        const ts_entry *e = &base->items[i];
        char want[ALIAS_MAX + 1];
        if (e->key_entry) {
            /* Only trusted entries are written here; distrust never removes a key. */
            sum.base--;
            sum.base_skipped++;
            continue;
        }
        if (fp_contains(&distrust, e->cert.sha256)) {
            sum.distrusted++;
            continue;
        }
        if (!fp_insert(&seen, e->cert.sha256)) {
            sum.duplicates++;
            continue;
        }
        base_alias(e->alias != NULL ? e->alias : "", want);
        plan_entry *p = &plan[n_plan++];
        p->cert = &e->cert;
        p->created_ms = e->created_ms;
        if (alias_take(&aliases, want, p->alias) != 0) {
            goto oom;
        }
    }
    n_base_kept = n_plan;

    for (size_t i = 0; i < n_man; i++) {
        const ts_manifest_cert *c = &m->certs[i];
        if (!selected(c, host)) {
            continue;
        }
        sum.manifest++;
        if (fp_contains(&distrust, c->cert.sha256)) {
            sum.distrusted++;
        } else if (!fp_insert(&seen, c->cert.sha256)) {
            sum.duplicates++;
        } else {
            keep[i] =
                c->alias != NULL && ts_alias_valid(c->alias, false) ? KEEP_EXPLICIT : KEEP_DERIVED;
            sum.added++;
        }
    }
    /* Explicit aliases claim their names before derived ones. */
    for (int pass = KEEP_EXPLICIT; pass <= KEEP_DERIVED; pass++) {
        size_t slot = n_base_kept;
        for (size_t i = 0; i < n_man; i++) {
            if (keep[i] == SKIP) {
                continue;
            }
            plan_entry *p = &plan[slot++];
            if (keep[i] != pass) {
                continue;
            }
            char want[ALIAS_MAX + 1];
            ts_manifest_cert_alias(&m->certs[i], want);
            p->cert = &m->certs[i].cert;
            if (!rfc3339_ms(m->certs[i].added, &p->created_ms)) {
                p->created_ms = stamp;
            }
            if (alias_take(&aliases, want, p->alias) != 0) {
                goto oom;
            }
        }
    }
    n_plan += sum.added;

    for (size_t i = 0; i < n_plan; i++) {
        ts_entry e = {0};
        e.alias = plan[i].alias;
        e.created_ms = plan[i].created_ms;
        e.cert = *plan[i].cert;
        if (ts_keystore_add_entry(out, &e, err) != 0) {
            ts_keystore_free(out);
            memset(out, 0, sizeof(*out));
            goto end;
        }
    }
    sum.total = n_plan;
    if (summary != NULL) {
        *summary = sum;
    }
    ret = 0;
    goto end;
oom:
    ts_error_set(err, "", "out of memory");
end:
    free(distrust.slots);
    free(seen.slots);
    alias_set_free(&aliases);
    free(plan);
    free(keep);
    return ret;
}

/* ------------------------------------------------- additions to a store */

/*
 * The key an alias is compared by, as the JVM looks aliases up
 * (toLowerCase(Locale.ENGLISH)): ASCII lowercased, and the Kelvin sign
 * (U+212A, which lowercases to 'k') folded; other bytes kept, since no other
 * non-ASCII character lowercases into the ASCII aliases added here.
 */
static void alias_key(const char *alias, size_t len, char out[ALIAS_MAX * 3 + 1])
{
    size_t n = 0;

    for (size_t i = 0; i < len && n < ALIAS_MAX * 3; i++) {
        unsigned char c = (unsigned char)alias[i];

        if (c == 0xe2 && i + 2 < len && (unsigned char)alias[i + 1] == 0x84 &&
            (unsigned char)alias[i + 2] == 0xaa) {
            out[n++] = 'k';
            i += 2;
        } else {
            out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
        }
    }
    out[n] = '\0';
}

int ts_merge_additions(const ts_keystore *present, const ts_keystore *also, const ts_manifest *m,
                       const ts_merge_opts *opts, ts_keystore *out, ts_merge_summary *sum,
                       ts_error *err)
{
    size_t n_present = present != NULL ? present->count : 0;
    size_t n_also = also != NULL ? also->count : 0;
    size_t n_man = m != NULL ? m->n_certs : 0;
    const char *host = opts != NULL ? opts->host : NULL;
    int64_t stamp = opts != NULL ? opts->timestamp_ms : TS_DEFAULT_TIMESTAMP_MS;
    fp_set distrust = {0}, seen = {0};
    alias_set aliases = {0};
    unsigned char *keep = NULL;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n_man; i++) {
        if (selected(&m->certs[i], host) && m->certs[i].cert.der == NULL) {
            return ts_error_set(err, "", "certificates[%zu]: certificate not loaded", i);
        }
    }
    if (fp_set_init(&distrust, m != NULL ? m->n_distrust : 0) != 0 ||
        fp_set_init(&seen, n_present + n_also + n_man) != 0 ||
        alias_set_init(&aliases, n_present + n_also + n_man) != 0) {
        goto oom;
    }
    keep = calloc(n_man + 1, 1);
    if (keep == NULL) {
        goto oom;
    }
    for (size_t i = 0; m != NULL && i < m->n_distrust; i++) {
        fp_insert(&distrust, m->distrust[i]);
    }
    for (size_t i = 0; i < n_present; i++) {
        const ts_entry *e = &present->items[i];
        char key[ALIAS_MAX * 3 + 1];
        alias_slot *slot;

        if (e->cert.der != NULL) {
            fp_insert(&seen, e->cert.sha256);
        }
        alias_key(e->alias, strlen(e->alias), key);
        slot = alias_lookup(&aliases, key);
        if (slot->alias == NULL && (slot->alias = strdup(key)) == NULL) {
            goto oom;
        }
    }
    for (size_t i = 0; i < n_also; i++) {
        const ts_entry *e = &also->items[i];
        char want[ALIAS_MAX + 1], alias[ALIAS_MAX + 1];
        ts_entry add;

        sum->manifest++;
        if (fp_contains(&distrust, e->cert.sha256)) {
            sum->distrusted++;
            continue;
        }
        if (!fp_insert(&seen, e->cert.sha256)) {
            sum->duplicates++;
            continue;
        }
        base_alias(e->alias != NULL ? e->alias : "", want);
        if (alias_take(&aliases, want, alias) != 0) {
            goto oom;
        }
        add = *e;
        add.alias = alias;
        add.key_entry = false;
        if (ts_keystore_add_entry(out, &add, err) != 0) {
            goto fail;
        }
        sum->added++;
    }
    for (size_t i = 0; i < n_man; i++) {
        const ts_manifest_cert *c = &m->certs[i];

        if (!selected(c, host)) {
            continue;
        }
        sum->manifest++;
        if (fp_contains(&distrust, c->cert.sha256)) {
            sum->distrusted++;
        } else if (!fp_insert(&seen, c->cert.sha256)) {
            sum->duplicates++;
        } else {
            keep[i] =
                c->alias != NULL && ts_alias_valid(c->alias, false) ? KEEP_EXPLICIT : KEEP_DERIVED;
        }
    }
    /* Explicit aliases claim their names first; entries keep manifest order. */
    {
        char(*names)[ALIAS_MAX + 1] = calloc(n_man + 1, ALIAS_MAX + 1);

        if (names == NULL) {
            goto oom;
        }
        for (int pass = KEEP_EXPLICIT; pass <= KEEP_DERIVED; pass++) {
            for (size_t i = 0; i < n_man; i++) {
                char want[ALIAS_MAX + 1];

                if (keep[i] != pass) {
                    continue;
                }
                ts_manifest_cert_alias(&m->certs[i], want);
                if (alias_take(&aliases, want, names[i]) != 0) {
                    free(names);
                    goto oom;
                }
            }
        }
        for (size_t i = 0; i < n_man; i++) {
            ts_entry add = {0};

            if (keep[i] == SKIP) {
                continue;
            }
            add.alias = names[i];
            add.cert = m->certs[i].cert;
            add.key_entry = false;
            if (!rfc3339_ms(m->certs[i].added, &add.created_ms)) {
                add.created_ms = stamp;
            }
            if (ts_keystore_add_entry(out, &add, err) != 0) {
                free(names);
                goto fail;
            }
            sum->added++;
        }
        free(names);
    }
    ret = 0;
    goto end;
oom:
    ts_error_set(err, "", "out of memory");
fail:
    ts_keystore_free(out);
end:
    free(distrust.slots);
    free(seen.slots);
    alias_set_free(&aliases);
    free(keep);
    return ret;
}
