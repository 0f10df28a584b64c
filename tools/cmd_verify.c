/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim verify: would a JVM under the library trust this server? */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cli.h"
#include "fetch.h"
#include "merge.h"

enum { OPT_BASE = 1, OPT_NO_BASE, OPT_TIMEOUT };

static const ts_option options[] = {
    {"base", 0, TS_OPT_VALUE, OPT_BASE, "FILE",
     "base trust store (default: the cacerts of the JDK from JAVA_HOME or java on PATH)"},
    {"no-base", 0, TS_OPT_FLAG, OPT_NO_BASE, NULL, "trust only the manifest's certificates"},
    {"timeout", 0, TS_OPT_VALUE, OPT_TIMEOUT, "S",
     "seconds for the connection and for every read (default: 10)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int verify_main(int argc, char **argv);

const ts_command ts_cmd_verify = {
    "verify",
    verify_main,
    "would a JVM under the library trust this server?  (yes/no and why)",
    "URL [--base FILE | --no-base] [--timeout S]",
    "Builds the trust the library would serve (base + manifest - distrusted), connects as\n"
    "fetch does (STARTTLS included), and verifies the chain and the host name as PKIX\n"
    "would.  Exit status 0 for yes, 1 for no.",
    options,
    false,
};

static X509 *to_x509(const ts_cert *c)
{
    const unsigned char *p = c->der;
    return d2i_X509(NULL, &p, (long)c->der_len);
}

/* Index in ks of the entry holding x (same SHA-256), or -1. */
static long trusted_index(const ts_keystore *ks, X509 *x)
{
    unsigned char *der = NULL;
    ts_cert_list l;
    long i = -1;
    int n = i2d_X509(x, &der);
    memset(&l, 0, sizeof(l));
    if ((n > 0) && (ts_cert_list_push_der(&l, der, (size_t)n, NULL) == 0)) {
        i = ts_keystore_find_sha256(ks, l.items[0].sha256);
    }
    ts_cert_list_free(&l);
    OPENSSL_free(der);
    return i;
}

/* The alias of the trust anchor the verification ended at. */
static const char *anchor_alias(const ts_keystore *ks, X509_STORE_CTX *ctx)
{
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    long i;
    if (!chain || (sk_X509_num(chain) == 0)) {
        return "?";
    }
    i = trusted_index(ks, sk_X509_value(chain, sk_X509_num(chain) - 1));
    return (i >= 0) ? ks->items[i].alias : "?";
}

typedef struct verify_state {
    const ts_keystore *trusted;
    bool anchor_out_of_date; /* a trusted certificate's dates were passed over, as Java does */
} verify_state;

/*
 * Java's PKIX does not check the dates of a trust anchor, and trusts a server
 * whose own certificate is in the trust store without looking further
 * (sun.security.validator.PKIXValidator): out-of-date errors on a certificate
 * that is itself trusted are passed over.  Every other certificate's dates count.
 */
static int java_like(int ok, X509_STORE_CTX *ctx)
{
    int e = X509_STORE_CTX_get_error(ctx);
    verify_state *vs = X509_STORE_CTX_get_app_data(ctx);
    X509 *x = X509_STORE_CTX_get_current_cert(ctx);
    if (!ok && vs && x &&
        ((e == X509_V_ERR_CERT_HAS_EXPIRED) || (e == X509_V_ERR_CERT_NOT_YET_VALID)) &&
        (trusted_index(vs->trusted, x) >= 0)) {
        vs->anchor_out_of_date = true;
        return 1;
    }
    return ok;
}

static int verify_main(int argc, char **argv)
{
    ts_optparse p;
    ts_manifest m;
    ts_keystore base;
    ts_keystore merged;
    ts_merge_opts mo;
    ts_merge_summary sum;
    ts_cert_list chain;
    ts_error err;
    ts_url u;
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *untrusted = NULL;
    X509 *leaf = NULL;
    verify_state vs = {NULL, false};
    const char *base_opt = NULL;
    bool no_base = false;
    bool loaded = false;
    double timeout = 10;
    char cacerts[4096] = "";
    char why[512];
    const char *url;
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&base, 0, sizeof(base));
    memset(&merged, 0, sizeof(merged));
    memset(&chain, 0, sizeof(chain));
    ts_error_clear(&err);
    if (ts_opt_init(&p, &ts_cmd_verify, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_BASE) {
            base_opt = p.arg;
        } else if (o == OPT_NO_BASE) {
            no_base = true;
        } else if (o == OPT_TIMEOUT) {
            timeout = ts_parse_seconds(p.arg);
            if (timeout < 0) {
                ts_cli_error("--timeout", "'%s' is not a number of seconds", p.arg);
                goto end;
            }
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands != 1) {
        ts_cli_error("verify", p.n_operands ? "one URL only" : "no URL given");
        goto end;
    }
    url = p.operands[0];
    if (ts_url_parse(url, &u, why, sizeof(why)) != 0) {
        ts_cli_error(url, "%s", why);
        goto end;
    }
    if (base_opt && no_base) {
        ts_cli_error("verify", "--base and --no-base exclude each other");
        goto end;
    }
    if (ts_load_manifest_or_report(ts_manifest_path(), &m) != TS_EXIT_OK) {
        goto end;
    }
    loaded = true;
    if (base_opt) {
        snprintf(cacerts, sizeof(cacerts), "%s", base_opt);
    } else if (!no_base && (ts_default_cacerts(cacerts, sizeof(cacerts), &err) != 0)) {
        ts_cli_core_error("verify", &err);
        goto end;
    }
    if (cacerts[0] && (ts_load_keystore(cacerts, NULL, &base) != TS_EXIT_OK)) {
        goto end;
    }
    memset(&mo, 0, sizeof(mo));
    mo.timestamp_ms = ts_timestamp_ms();
    if (ts_merge(cacerts[0] ? &base : NULL, &m, &mo, &merged, &sum, &err) != 0) {
        ts_cli_core_error(ts_manifest_path(), &err);
        goto end;
    }
    ret = TS_EXIT_FAIL;
    store = X509_STORE_new();
    untrusted = sk_X509_new_null();
    ctx = X509_STORE_CTX_new();
    if (!store || !untrusted || !ctx) {
        goto end;
    }
    for (size_t i = 0; i < merged.count; i++) {
        X509 *x = to_x509(&merged.items[i].cert);
        if (!x || (X509_STORE_add_cert(store, x) != 1)) {
            X509_free(x);
            ts_cli_error(url, "cannot use trusted certificate '%s'", merged.items[i].alias);
            goto end;
        }
        X509_free(x);
    }
    if (ts_fetch_chain(&u, timeout, &chain, why, sizeof(why)) != 0) {
        ts_cli_error(url, "%s", why);
        goto end;
    }
    leaf = to_x509(&chain.items[0]);
    for (size_t i = 1; i < chain.count; i++) {
        X509 *x = to_x509(&chain.items[i]);
        if (!x || !sk_X509_push(untrusted, x)) {
            X509_free(x);
            goto end;
        }
    }
    if (!leaf || (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)) {
        goto end;
    }
    vs.trusted = &merged;
    X509_STORE_CTX_set_app_data(ctx, &vs);
    X509_STORE_CTX_set_verify_cb(ctx, java_like);
    {
        X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
        /* PKIX in Java accepts any trusted entry as an anchor, self-signed or not */
        X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
        if (u.host_is_ip) {
            X509_VERIFY_PARAM_set1_ip_asc(vp, u.host);
        } else {
            X509_VERIFY_PARAM_set1_host(vp, u.host, 0);
        }
    }
    printf("trust: %zu certificates (base %zu, added %zu, duplicates %zu, distrusted %zu)\n",
           sum.total, sum.base, sum.added, sum.duplicates, sum.distrusted);
    if (X509_verify_cert(ctx) == 1) {
        printf("yes: %s is trusted (anchor: %s; host name %s matches)%s\n", url,
               anchor_alias(&merged, ctx), u.host,
               vs.anchor_out_of_date ? "; the anchor is out of date, which Java does not check"
                                     : "");
        ret = TS_EXIT_OK;
    } else {
        int e = X509_STORE_CTX_get_error(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        char name[512] = "";
        if (bad) {
            X509_NAME_oneline(X509_get_subject_name(bad), name, sizeof(name));
        }
        printf("no: %s is not trusted: %s (certificate %d%s%s)\n", url,
               X509_verify_cert_error_string(e), depth, name[0] ? ", " : "", name);
        ret = TS_EXIT_FAIL;
    }
end:
    X509_free(leaf);
    sk_X509_pop_free(untrusted, X509_free);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ts_cert_list_free(&chain);
    ts_keystore_free(&merged);
    ts_keystore_free(&base);
    if (loaded) {
        ts_manifest_free(&m);
    }
    ts_opt_free(&p);
    return ret;
}
