/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for ts_render: the input is the base keystore's bytes, the
 * manifest is fixed (two certificates, one of them distrusted) but for
 * the base's first certificate, distrusted when the first byte says so.  The first byte picks the
 * base password (none / "changeit" / a non-ASCII one) and the output format.
 * Invariant ("faithful serving", docs/how-it-works.md): when the base decodes,
 * the output decodes with the served password and holds exactly every
 * trusted entry of the base plus the manifest's certificates, minus the
 * distrusted ones.  When the base does not decode, ts_render fails.
 * TODO: move to ts_store_build (preload/core/store.h) once it lands.
 * Seeds: tests/fuzz/seeds.sh keystore.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keystore.h"
#include "manifest.h"
#include "merge.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ts_manifest fixed;
static const char *const passwords[] = {NULL, "changeit", "p\xc3\xa4sswort-\xe6\x97\xa5"};

static bool has(const ts_keystore *ks, const unsigned char sha[TS_SHA256_LEN])
{
    return ts_keystore_find_sha256(ks, sha) >= 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_keystore base = {0}, out = {0};
    ts_merge_opts opts = {NULL, TS_DEFAULT_TIMESTAMP_MS};
    unsigned char *bytes = NULL;
    size_t len = 0;
    ts_error err;
    const char *pw;
    ts_format format;
    int base_ok, r;
    bool distrust_base;

    if (fixed.certs == NULL) {
        static const char *const cns[] = {"one", "two"};

        fuzz_make_manifest(&fixed, cns, 2);
        if (ts_manifest_distrust(&fixed, fixed.certs[1].sha256) != 0) {
            abort();
        }
    }
    if (size < 1) {
        return 0;
    }
    pw = passwords[data[0] % 3];
    format = (data[0] & 0x80) ? TS_FORMAT_PKCS12 : TS_FORMAT_JKS;
    /* No bytes at all: no base (what render --no-base does). */
    base_ok = size == 1 || ts_keystore_decode(data + 1, size - 1, pw, &base, &err) == 0;
    /* Now and then the base's first certificate distrusted too. */
    distrust_base = base_ok && base.count > 0 && (data[0] & 0x40) != 0 &&
                    !ts_manifest_is_distrusted(&fixed, base.items[0].cert.sha256);
    if (distrust_base && ts_manifest_distrust(&fixed, base.items[0].cert.sha256) != 0) {
        abort();
    }
    r = ts_render(data + 1, size - 1, pw, &fixed, &opts, format, "changeit", &bytes, &len, NULL,
                  &err);
    if (r == 0 && !base_ok) {
        abort(); /* served something from a base that does not decode */
    }
    if (r == 0) {
        if (ts_keystore_decode(bytes, len, "changeit", &out, &err) != 0) {
            abort();
        }
        /* every trusted-certificate entry of the base, unless distrusted (ts_render, the old
         * path, serves no private-key entry: ts_store_build keeps them) */
        for (size_t i = 0; i < base.count; i++) {
            bool gone = ts_manifest_is_distrusted(&fixed, base.items[i].cert.sha256);

            if (base.items[i].key_entry) {
                continue;
            }
            if (has(&out, base.items[i].cert.sha256) == gone) {
                abort();
            }
        }
        /* every manifest certificate, unless distrusted */
        for (size_t i = 0; i < fixed.n_certs; i++) {
            bool gone = ts_manifest_is_distrusted(&fixed, fixed.certs[i].sha256);
            if (has(&out, fixed.certs[i].sha256) == gone) {
                abort();
            }
        }
        /* and nothing else */
        for (size_t i = 0; i < out.count; i++) {
            if (!has(&base, out.items[i].cert.sha256) &&
                ts_manifest_find_sha256(&fixed, out.items[i].cert.sha256) < 0) {
                abort();
            }
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
