/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OpenSSL's legacy algorithms (RC2, RC4, DES), which JDK 8's keytool and
 * `openssl pkcs12 -legacy` use to encrypt PKCS12 certificates.  They live in
 * the "legacy" provider, which must never enter the process's default library
 * context: the JVM or another library in the process may rely on it not being
 * there.  So the core keeps a context of its own, made without reading any
 * configuration file, with the default and legacy providers, the first time a
 * store needs it, and kept for the life of the process (the one piece of
 * state the core holds; made once, then only read).
 */
#include "keystore_internal.h"

#include <openssl/err.h>
#include <openssl/provider.h>

static OSSL_LIB_CTX *legacy_ctx;

OSSL_LIB_CTX *ts_ossl_legacy_ctx(void)
{
    OSSL_LIB_CTX *ctx = __atomic_load_n(&legacy_ctx, __ATOMIC_ACQUIRE), *expected = NULL;
    OSSL_PROVIDER *def = NULL, *legacy = NULL;

    if (ctx != NULL) {
        return ctx;
    }
    ERR_set_mark();
    /* OSSL_LIB_CTX_new reads no configuration: only the default context does. */
    ctx = OSSL_LIB_CTX_new();
    if (ctx != NULL) {
        def = OSSL_PROVIDER_load(ctx, "default");
        legacy = OSSL_PROVIDER_load(ctx, "legacy");
    }
    ERR_pop_to_mark();
    /* Two threads may race here: one context wins, the other is freed. */
    if (def == NULL || legacy == NULL ||
        !__atomic_compare_exchange_n(&legacy_ctx, &expected, ctx, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        if (legacy != NULL) {
            OSSL_PROVIDER_unload(legacy);
        }
        if (def != NULL) {
            OSSL_PROVIDER_unload(def);
        }
        OSSL_LIB_CTX_free(ctx);
        return expected; /* NULL when the providers could not be loaded */
    }
    return ctx;
}
