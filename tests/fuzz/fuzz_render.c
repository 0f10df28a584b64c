/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for ts_store_build, what the library serves and `render` writes: the input is
 * a selector byte and the base keystore's bytes (none: a synthesized store); the manifest is
 * fixed (certificate "one" listing host one.example, "two" distrusted).  The selector:
 *   bits 0-1  the store password: none, "changeit", a non-ASCII one, "" (seeds use 0 to 2)
 *   bit 2     the password is a guess (the manifest's, not one set for the store)
 *   bit 3     merge off (targets[].merge false: the manifest's certificates only)
 *   bits 4-5  the format asked for: the file's own, JKS, PKCS12, the file's own
 *   bit 6     the base's first certificate distrusted too
 *   bit 7     host one.example (a keystore directory's <host>.ks with trust "host")
 * Invariant, the served contract (docs/how-it-works.md, "Faithful serving"), judged by the
 * decoder as the JVM reads a store: a store is served only when the base decodes with the
 * password that verifies it (the given one, or "" when the given one was a guess and the file's
 * own is empty), and then the output decodes with that same password, in the format asked for
 * (else the file's, merged or not, else JKS), and holds: every private-key entry of the base under
 * its alias, distrusted or not; every trusted entry of the base, unless distrusted; every selected
 * manifest certificate, unless distrusted; nothing else, no distrusted trusted entry, no alias
 * twice (compared as the JVM does, ignoring case); and its summary adds up.  A build that fails
 * says why.  Seeds: tests/fuzz/seeds.sh render.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keystore.h"
#include "manifest.h"
#include "store.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ts_manifest fixed;
static const char *const passwords[] = {NULL, "changeit", "p\xc3\xa4sswort-\xe6\x97\xa5", ""};
static const ts_format formats[] = {TS_FORMAT_UNKNOWN, TS_FORMAT_JKS, TS_FORMAT_PKCS12,
                                    TS_FORMAT_UNKNOWN};
static const char host[] = "one.example";

static bool has(const ts_keystore *ks, const unsigned char sha[TS_SHA256_LEN])
{
    return ts_keystore_find_sha256(ks, sha) >= 0;
}

/* Whether ks holds a private-key entry for sha under alias. */
static bool has_key_entry(const ts_keystore *ks, const unsigned char sha[TS_SHA256_LEN],
                          const char *alias)
{
    for (size_t i = 0; i < ks->count; i++) {
        if (ks->items[i].key_entry && strcmp(ks->items[i].alias, alias) == 0 &&
            memcmp(ks->items[i].cert.sha256, sha, TS_SHA256_LEN) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether manifest certificate i is offered: every one, or with a host those listing it. */
static bool selected(size_t i, const char *h)
{
    if (h == NULL) {
        return true;
    }
    for (size_t k = 0; k < fixed.certs[i].n_hosts; k++) {
        if (strcasecmp(fixed.certs[i].hosts[k], h) == 0) {
            return true;
        }
    }
    return false;
}

static bool offered(const unsigned char sha[TS_SHA256_LEN], const char *h)
{
    long i = ts_manifest_find_sha256(&fixed, sha);
    return i >= 0 && selected((size_t)i, h) && !ts_manifest_is_distrusted(&fixed, sha);
}

static void make_fixed(void)
{
    static const char *const cns[] = {"one", "two"};
    ts_error err;

    fuzz_make_manifest(&fixed, cns, 2);
    if (ts_manifest_add_host(&fixed, 0, host, &err) != 1 ||
        ts_manifest_distrust(&fixed, fixed.certs[1].sha256) != 0) {
        abort();
    }
}

/* The checks on a served store out, built from base (the JVM's view of the file, NULL when it
 * was not merged). */
static void check_served(const ts_keystore *base, const ts_keystore *out, const char *h)
{
    /* the base's entries: key entries all, trusted ones unless distrusted */
    for (size_t i = 0; base != NULL && i < base->count; i++) {
        const ts_entry *e = &base->items[i];
        bool gone = ts_manifest_is_distrusted(&fixed, e->cert.sha256);

        if (e->key_entry ? !has_key_entry(out, e->cert.sha256, e->alias)
                         : has(out, e->cert.sha256) == gone) {
            abort();
        }
    }
    /* the manifest's, unless distrusted or not selected (and not in the base) */
    for (size_t i = 0; i < fixed.n_certs; i++) {
        bool in_base = base != NULL && has(base, fixed.certs[i].sha256);
        if (offered(fixed.certs[i].sha256, h) && !has(out, fixed.certs[i].sha256)) {
            abort();
        }
        if (!offered(fixed.certs[i].sha256, h) && !in_base && has(out, fixed.certs[i].sha256)) {
            abort();
        }
    }
    /* and nothing else; no distrusted trusted entry; each alias once */
    for (size_t i = 0; i < out->count; i++) {
        const ts_entry *e = &out->items[i];

        if (e->key_entry
                ? (base == NULL || !has_key_entry(base, e->cert.sha256, e->alias))
                : (ts_manifest_is_distrusted(&fixed, e->cert.sha256) ||
                   (!offered(e->cert.sha256, h) && (base == NULL || !has(base, e->cert.sha256))))) {
            abort();
        }
        for (size_t k = i + 1; k < out->count; k++) {
            if (strcasecmp(e->alias, out->items[k].alias) == 0) {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_keystore base = {0}, out = {0};
    ts_store_in in;
    ts_merge_summary sum;
    ts_store_fail why = TS_STORE_OK;
    unsigned char *bytes = NULL;
    size_t len = 0;
    ts_error err;
    const char *used; /* the password that verifies the base, NULL when none does */
    bool verified = true, distrust_base = false;
    ts_format want;
    int r;

    if (fixed.certs == NULL) {
        make_fixed();
    }
    if (size < 1) {
        return 0;
    }
    memset(&in, 0, sizeof(in));
    in.base = size > 1 ? data + 1 : NULL;
    in.base_len = size - 1;
    in.password = passwords[data[0] & 3];
    in.password_guessed = (data[0] & 0x04) != 0;
    in.merge = (data[0] & 0x08) == 0;
    in.format = formats[(data[0] >> 4) & 3];
    in.host = (data[0] & 0x80) != 0 ? host : NULL;
    in.m = &fixed;
    in.timestamp_ms = TS_DEFAULT_TIMESTAMP_MS;
    used = in.password;
    if (in.base != NULL && in.merge) {
        verified = ts_keystore_decode(in.base, in.base_len, used, &base, &err) == 0;
        if (!verified && in.password_guessed && used != NULL && used[0] != '\0') {
            ts_keystore_free(&base);
            memset(&base, 0, sizeof(base));
            used = "";
            verified = ts_keystore_decode(in.base, in.base_len, used, &base, &err) == 0;
        }
        /* Now and then the base's first certificate distrusted too. */
        distrust_base = verified && base.count > 0 && (data[0] & 0x40) != 0 &&
                        !ts_manifest_is_distrusted(&fixed, base.items[0].cert.sha256);
        if (distrust_base && ts_manifest_distrust(&fixed, base.items[0].cert.sha256) != 0) {
            abort();
        }
    }
    r = ts_store_build(&in, &bytes, &len, &sum, &why, &err);
    if (r != 0) {
        if (why == TS_STORE_OK || bytes != NULL) {
            abort(); /* a failure says why, and serves nothing */
        }
    } else {
        if (!verified) {
            abort(); /* served from a base that the password does not open */
        }
        want = in.format;
        if (want == TS_FORMAT_UNKNOWN) {
            want = (in.base != NULL) ? ts_keystore_detect(in.base, in.base_len) : TS_FORMAT_JKS;
            want = (want == TS_FORMAT_UNKNOWN) ? TS_FORMAT_JKS : want;
        }
        if (ts_keystore_detect(bytes, len) != want ||
            ts_keystore_decode(bytes, len, used, &out, &err) != 0) {
            abort();
        }
        check_served((in.base != NULL && in.merge) ? &base : NULL, &out, in.host);
        if (sum.base + sum.manifest != sum.total + sum.duplicates + sum.distrusted ||
            out.count > sum.total) {
            abort();
        }
    }
    if (distrust_base) {
        (void)ts_manifest_undistrust(&fixed, base.items[0].cert.sha256);
    }
    free(bytes);
    ts_keystore_free(&base);
    ts_keystore_free(&out);
    return 0;
}
