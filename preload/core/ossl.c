/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core's OpenSSL library contexts: every OpenSSL call of the core runs in
 * one of them, never in the process's default context.  The library lives
 * inside a JVM or another program that may use libcrypto itself: touching the
 * default context would read the system's configuration file (openssl.cnf),
 * load its providers (about 0.8 ms and some MiB of a JVM that never uses
 * OpenSSL otherwise) and could change what the program's own OpenSSL calls do.
 * OSSL_LIB_CTX_new reads no configuration (only the default context does).
 *
 * Two contexts, each made on first use and then kept for the life of the
 * process (the only state the core holds; made once, then only read):
 *  - the main one, with the default provider and SHA-1 and SHA-256 fetched
 *    once (PKCS12 MACs; JKS digests and certificate pins use sha.c);
 *  - the legacy one, with the default and legacy providers, for RC2, RC4 and
 *    DES (JDK 8's keytool, `openssl pkcs12 -legacy`), made only when a store
 *    needs it, so that a process that never meets such a store never loads
 *    the legacy provider at all.  A separate context rather than the legacy
 *    provider loaded into the main one later: the main context is then never
 *    changed after it was published, so readers need no lock.
 * Two threads may race to make a context: one wins (compare-and-swap), the
 * other frees its own.  Both are made inside a build, under the preload's
 * build lock, so a fork never sees OpenSSL's locks held (issue 9, item 4).
 */
#include "ossl.h"

#include <stdbool.h>
#include <stdlib.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

typedef struct ts_ossl {
    OSSL_LIB_CTX *ctx;
    OSSL_PROVIDER *prov[2]; /* default, legacy (NULL in the main context) */
    EVP_MD *sha1, *sha256;  /* main context only */
} ts_ossl;

static ts_ossl *main_ossl, *legacy_ossl;

static void ossl_free(ts_ossl *o)
{
    if (o == NULL) {
        return;
    }
    EVP_MD_free(o->sha1);
    EVP_MD_free(o->sha256);
    /* Providers first: LeakSanitizer finds them otherwise. */
    for (int i = 1; i >= 0; i--) {
        if (o->prov[i] != NULL) {
            OSSL_PROVIDER_unload(o->prov[i]);
        }
    }
    OSSL_LIB_CTX_free(o->ctx);
    free(o);
}

static ts_ossl *ossl_get(ts_ossl **slot, bool legacy)
{
    ts_ossl *o = __atomic_load_n(slot, __ATOMIC_ACQUIRE), *expected = NULL;
    bool ok;

    if (o != NULL) {
        return o;
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return NULL;
    }
    ERR_set_mark();
    o->ctx = OSSL_LIB_CTX_new();
    ok = o->ctx != NULL && (o->prov[0] = OSSL_PROVIDER_load(o->ctx, "default")) != NULL;
    if (ok && legacy) {
        ok = (o->prov[1] = OSSL_PROVIDER_load(o->ctx, "legacy")) != NULL;
    } else if (ok) {
        ok = (o->sha1 = EVP_MD_fetch(o->ctx, "SHA1", NULL)) != NULL &&
             (o->sha256 = EVP_MD_fetch(o->ctx, "SHA256", NULL)) != NULL;
    }
    ERR_pop_to_mark();
    if (!ok || !__atomic_compare_exchange_n(slot, &expected, o, false, __ATOMIC_ACQ_REL,
                                            __ATOMIC_ACQUIRE)) {
        ossl_free(o);
        return expected; /* the winner's, or NULL when it could not be made */
    }
    return o;
}

OSSL_LIB_CTX *ts_ossl_ctx(void)
{
    ts_ossl *o = ossl_get(&main_ossl, false);

    return o != NULL ? o->ctx : NULL;
}

OSSL_LIB_CTX *ts_ossl_legacy_ctx(void)
{
    ts_ossl *o = ossl_get(&legacy_ossl, true);

    return o != NULL ? o->ctx : NULL;
}

EVP_MD *ts_ossl_md_fetch(int nid)
{
    ts_ossl *o = ossl_get(&main_ossl, false);
    EVP_MD *kept = o == NULL           ? NULL
                   : nid == NID_sha1   ? o->sha1
                   : nid == NID_sha256 ? o->sha256
                                       : NULL;
    const char *name = OBJ_nid2sn(nid);

    if (kept != NULL) {
        return EVP_MD_up_ref(kept) == 1 ? kept : NULL;
    }
    return o != NULL && name != NULL && nid != NID_undef ? EVP_MD_fetch(o->ctx, name, NULL) : NULL;
}

X509 *ts_ossl_d2i_x509(const unsigned char **p, long len)
{
    OSSL_LIB_CTX *ctx = ts_ossl_ctx();
    X509 *x = ctx != NULL ? X509_new_ex(ctx, NULL) : NULL;

    /* Decoded into x: the certificate and its public key keep the core's context (plain
     * d2i_X509 would leave them in the default one, which a signature check then loads). */
    if (x != NULL &&
        ASN1_item_d2i_ex((ASN1_VALUE **)&x, p, len, ASN1_ITEM_rptr(X509), ctx, NULL) == NULL) {
        X509_free(x); /* NULL already when the decoder freed it */
        x = NULL;
    }
    return x;
}
