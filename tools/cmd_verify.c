/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim verify: would a JVM under the library trust this server? */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cli.h"
#include "fetch.h"
#include "hostname.h"
#include "javasec.h"
#include "merge.h"

enum {
    OPT_BASE = 1,
    OPT_NO_BASE,
    OPT_TIMEOUT,
    OPT_JDK,
    OPT_SECPROPS,
    OPT_IDENTITY,
    OPT_CONNECT,
    OPT_SERVERNAME
};

/* "could not connect": not a verdict on the server's trust */
#define EXIT_NO_CONNECTION 3

static const ts_option options[] = {
    {"jdk", 0, TS_OPT_VALUE, OPT_JDK, "JAVA_HOME",
     "answer as this JDK (default: JAVA_HOME, else the java on PATH): its cacerts and its "
     "java.security"},
    {"security-properties", 0, TS_OPT_VALUE, OPT_SECPROPS, "[=]FILE",
     "as -Djava.security.properties=[=]FILE (default: taken from JAVA_TOOL_OPTIONS or "
     "JDK_JAVA_OPTIONS)"},
    {"identity", 0, TS_OPT_VALUE, OPT_IDENTITY, "https|ldap|mail|none",
     "whose host-name rules (default: ldap for ldap(s)://, mail for the mail schemes, else "
     "https)"},
    {"connect", 0, TS_OPT_VALUE, OPT_CONNECT, "HOST:PORT",
     "connect there instead of the URL's host and port (the name checked stays the URL's)"},
    {"servername", 0, TS_OPT_VALUE, OPT_SERVERNAME, "NAME",
     "the name sent (SNI) and checked (default: the URL's host)"},
    {"base", 0, TS_OPT_VALUE, OPT_BASE, "FILE", "base trust store (default: the JDK's cacerts)"},
    {"no-base", 0, TS_OPT_FLAG, OPT_NO_BASE, NULL, "trust only the manifest's certificates"},
    {"timeout", 0, TS_OPT_VALUE, OPT_TIMEOUT, "S",
     "seconds for all the network exchange, from connect to the last byte (default: 10)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int verify_main(int argc, char **argv);

const ts_command ts_cmd_verify = {
    "verify",
    verify_main,
    "would a JVM under the library trust this server?  (yes/no and why)",
    "URL [--jdk JAVA_HOME] [--security-properties [=]FILE] [--identity https|ldap|mail|none] "
    "[--connect HOST:PORT] [--servername NAME] [--base FILE | --no-base] [--timeout S]",
    "Answers as the chosen JDK would: builds the trust the library would serve it (its\n"
    "cacerts + manifest - distrusted), connects as fetch does (STARTTLS included) offering\n"
    "only the protocol versions and cipher suites its java.security leaves enabled\n"
    "(jdk.tls.disabledAlgorithms), verifies the chain and its dates as PKIX does, checks\n"
    "every certificate against jdk.certpath.disabledAlgorithms, and the host name as the\n"
    "client does: HTTPS and LDAP endpoint identification (sun.security.util.HostnameChecker)\n"
    "or Jakarta Mail's mail.<protocol>.ssl.checkserveridentity.  Says which rule fails.\n"
    "Exit status 0 trusted, 1 not trusted, 3 could not connect, 2 bad usage.",
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

/* The JDK's name of a certificate's signature algorithm ("SHA256withRSA"). */
static void jdk_sig_alg(X509 *x, char *out, size_t size)
{
    int md = NID_undef;
    int pk = NID_undef;
    const char *pkn;
    char mdn[32];
    size_t j = 0;
    if (!OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) || (md == NID_undef)) {
        snprintf(out, size, "%s", OBJ_nid2sn(X509_get_signature_nid(x)));
        return;
    }
    for (const char *p = OBJ_nid2sn(md); *p && (j + 1 < sizeof(mdn)); p++) {
        if (*p != '-') {
            mdn[j++] = (char)toupper((unsigned char)*p);
        }
    }
    mdn[j] = '\0';
    pkn = (pk == NID_X9_62_id_ecPublicKey) ? "ECDSA" : (pk == NID_dsa) ? "DSA" : "RSA";
    snprintf(out, size, "%swith%s", mdn, pkn);
}

static void jdk_key(X509 *x, char *alg, size_t size, int *bits)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    int id = k ? EVP_PKEY_get_base_id(k) : NID_undef;
    *bits = k ? EVP_PKEY_get_bits(k) : 0;
    snprintf(alg, size, "%s",
             (id == EVP_PKEY_RSA)       ? "RSA"
             : (id == EVP_PKEY_RSA_PSS) ? "RSASSA-PSS"
             : (id == EVP_PKEY_EC)      ? "EC"
             : (id == EVP_PKEY_DSA)     ? "DSA"
             : (id == EVP_PKEY_ED25519) ? "Ed25519"
             : (id == EVP_PKEY_ED448)   ? "Ed448"
                                        : "?");
}

/* -Djava.security.properties=... from the JVM's option variables, as the JVM would see it. */
static const char *secprops_from_env(char *out, size_t size)
{
    static const char *const vars[] = {"JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS"};
    static const char key[] = "-Djava.security.properties=";
    for (size_t i = 0; i < 2; i++) {
        const char *v = getenv(vars[i]);
        const char *k = v ? strstr(v, key) : NULL;
        if (k) {
            k += sizeof(key) - 1;
            snprintf(out, size, "%.*s", (int)strcspn(k, " \t"), k);
            return out;
        }
    }
    return NULL;
}

/* Cipher suites up to TLS 1.2 that the JDK has and its java.security leaves enabled. */
static char *jdk_cipher_list(const ts_javasec *js)
{
    static const char *const absent[] = {
        "CAMELLIA", "ARIA", "SEED", "IDEA", "PSK",
        "SRP",      "CCM",  "GOST", "KRB5", "_DSS_WITH_AES_256_GCM"};
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    STACK_OF(SSL_CIPHER) * sk;
    char *out = NULL;
    size_t len = 0;
    if (!ctx) {
        return NULL;
    }
    SSL_CTX_set_security_level(ctx, 0);
    if (SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL") != 1) {
        goto end;
    }
    sk = SSL_CTX_get_ciphers(ctx);
    for (int i = 0; sk && (i < sk_SSL_CIPHER_num(sk)); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        const char *std = SSL_CIPHER_standard_name(c);
        const char *name = SSL_CIPHER_get_name(c);
        char rule[256];
        bool skip = !std || (strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") == 0) ||
                    ts_javasec_cipher_disabled(js, std, rule, sizeof(rule));
        char *n;
        for (size_t k = 0; !skip && (k < sizeof(absent) / sizeof(absent[0])); k++) {
            skip = (strstr(std, absent[k]) != NULL);
        }
        if (skip) {
            continue;
        }
        n = realloc(out, len + strlen(name) + 2);
        if (!n) {
            free(out);
            out = NULL;
            goto end;
        }
        out = n;
        len += (size_t)sprintf(out + len, "%s%s", len ? ":" : "", name);
    }
end:
    SSL_CTX_free(ctx);
    return out;
}

static int verify_main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int version;
    } protocols[] = {
        {"TLSv1", TLS1_VERSION},
        {"TLSv1.1", TLS1_1_VERSION},
        {"TLSv1.2", TLS1_2_VERSION},
        {"TLSv1.3", TLS1_3_VERSION},
    };
    ts_optparse p;
    ts_manifest m;
    ts_keystore base;
    ts_keystore merged;
    ts_merge_opts mo;
    ts_merge_summary sum;
    ts_cert_list chain;
    ts_error err;
    ts_url u;
    ts_javasec js;
    ts_fetch_opts fo;
    ts_fetch_info info;
    struct timespec start;
    X509_STORE *store = NULL;
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *untrusted = NULL;
    X509 *leaf = NULL;
    verify_state vs = {NULL, false};
    const char *base_opt = NULL;
    const char *jdk_opt = NULL;
    const char *secprops = NULL;
    const char *servername = NULL;
    const char *host;
    char *ciphers = NULL;
    char connect_host[256] = "";
    unsigned connect_port = 0;
    bool identity_set = false;
    ts_identity identity = TS_IDENTITY_HTTPS;
    bool no_base = false;
    bool loaded = false;
    bool js_loaded = false;
    double timeout = 10;
    char java_home[4096] = "";
    char cacerts[4096] = "";
    char envprops[4096];
    char why[1024];
    char rule[512];
    char enabled[64] = "";
    int min_v = 0;
    int max_v = 0;
    const char *url;
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&base, 0, sizeof(base));
    memset(&merged, 0, sizeof(merged));
    memset(&chain, 0, sizeof(chain));
    memset(&js, 0, sizeof(js));
    ts_error_clear(&err);
    if (ts_opt_init(&p, &ts_cmd_verify, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        switch (o) {
        case OPT_BASE:
            base_opt = p.arg;
            break;
        case OPT_NO_BASE:
            no_base = true;
            break;
        case OPT_TIMEOUT:
            if (ts_opt_timeout(p.arg, &timeout) != TS_EXIT_OK) {
                goto end;
            }
            break;
        case OPT_JDK:
            jdk_opt = p.arg;
            break;
        case OPT_SECPROPS:
            secprops = p.arg;
            break;
        case OPT_IDENTITY:
            if (ts_identity_parse(p.arg, &identity) != 0) {
                ts_cli_error("--identity", "'%s' is not one of https, ldap, mail, none", p.arg);
                goto end;
            }
            identity_set = true;
            break;
        case OPT_CONNECT:
        case OPT_SERVERNAME:
            if (ts_opt_reach(o == OPT_CONNECT, p.arg, connect_host, sizeof(connect_host),
                             &connect_port, &servername) != TS_EXIT_OK) {
                goto end;
            }
            break;
        default:
            break;
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
    host = servername ? servername : u.host;
    if (!identity_set) {
        identity = (strncmp(u.scheme, "ldap", 4) == 0)                 ? TS_IDENTITY_LDAP
                   : (u.scheme[0] && (strcmp(u.scheme, "https") != 0)) ? TS_IDENTITY_MAIL
                                                                       : TS_IDENTITY_HTTPS;
    }
    /* the JDK: its java.security decides the handshake, its cacerts is the base */
    if (jdk_opt) {
        snprintf(java_home, sizeof(java_home), "%s", jdk_opt);
        if (ts_jdk_cacerts(java_home, cacerts, sizeof(cacerts)) != 0) {
            ts_cli_error(jdk_opt,
                         "not a JDK: no lib/security/cacerts (nor jre/lib/security/cacerts)");
            goto end;
        }
    } else if (ts_default_java_home(java_home, sizeof(java_home)) != 0) {
        java_home[0] = '\0';
    }
    if (!secprops) {
        secprops = secprops_from_env(envprops, sizeof(envprops));
    }
    if (ts_javasec_load(&js, java_home[0] ? java_home : NULL, secprops, why, sizeof(why)) != 0) {
        ts_cli_error(NULL, "%s", why);
        goto end;
    }
    js_loaded = true;
    for (size_t i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++) {
        if (!ts_javasec_protocol_disabled(&js, protocols[i].name, rule, sizeof(rule))) {
            min_v = min_v ? min_v : protocols[i].version;
            max_v = protocols[i].version;
            snprintf(enabled + strlen(enabled), sizeof(enabled) - strlen(enabled), "%s%s",
                     enabled[0] ? ", " : "", protocols[i].name);
        }
    }
    if (ts_load_manifest_or_report(ts_manifest_path(), &m) != TS_EXIT_OK) {
        goto end;
    }
    loaded = true;
    if (base_opt) {
        snprintf(cacerts, sizeof(cacerts), "%s", base_opt);
    } else if (no_base) {
        cacerts[0] = '\0';
    } else if (!cacerts[0] && (ts_default_cacerts(cacerts, sizeof(cacerts), &err) != 0)) {
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
    if (!min_v) {
        printf("no: %s is not trusted: this JDK's jdk.tls.disabledAlgorithms (%s) leaves no TLS "
               "version enabled\n",
               url, js.file[0] ? js.file : "built-in defaults");
        goto end;
    }
    ciphers = jdk_cipher_list(&js);
    store = X509_STORE_new();
    untrusted = sk_X509_new_null();
    ctx = X509_STORE_CTX_new();
    if (!store || !untrusted || !ctx || !ciphers) {
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
    printf("jdk: %s, version %d (java.security: %s%s%s; TLS versions enabled: %s)\n",
           java_home[0] ? java_home : "none found", js.feature,
           js.file[0] ? js.file : "built-in defaults", secprops ? ", " : "",
           secprops ? secprops : "", enabled);
    printf("trust: %zu certificates (base %zu, added %zu, duplicates %zu, distrusted %zu)\n",
           sum.total, sum.base, sum.added, sum.duplicates, sum.distrusted);
    fflush(stdout);
    memset(&fo, 0, sizeof(fo));
    fo.timeout = timeout;
    fo.connect_host = connect_host[0] ? connect_host : NULL;
    fo.connect_port = connect_port;
    fo.servername = servername;
    fo.min_version = min_v;
    fo.max_version = max_v;
    fo.cipher_list = ciphers;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (ts_fetch_chain(&u, &fo, &chain, &info, why, sizeof(why)) != 0) {
        /* would any client get through?  Then it is this JDK's settings that fail.  In the time
         * left: --timeout bounds the whole command */
        char why_any[1024];
        ts_fetch_opts any = fo;
        ts_fetch_info info_any;
        ts_cert_list ignored;
        struct timespec now;
        double spent;
        memset(&ignored, 0, sizeof(ignored));
        clock_gettime(CLOCK_MONOTONIC, &now);
        spent = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
        any.timeout = (timeout - spent > 0.05) ? timeout - spent : 0.05;
        any.min_version = 0;
        any.max_version = 0;
        any.cipher_list = NULL;
        if (ts_fetch_chain(&u, &any, &ignored, &info_any, why_any, sizeof(why_any)) != 0) {
            ts_cert_list_free(&ignored);
            /* the first attempt's reason: the second one may only have run out of time */
            ts_cli_error(url, "could not connect: %s", why);
            ret = EXIT_NO_CONNECTION;
            goto end;
        }
        ts_cert_list_free(&ignored);
        if (ts_javasec_protocol_disabled(&js, info_any.version, rule, sizeof(rule))) {
            printf("no: %s is not trusted: the server speaks %s at best, which this JDK disables "
                   "(%s); Java fails the handshake with protocol_version\n",
                   url, info_any.version, rule);
        } else if (ts_javasec_cipher_disabled(&js, info_any.cipher, rule, sizeof(rule))) {
            printf("no: %s is not trusted: the server accepts no cipher suite this JDK enables "
                   "(offered all, it chose %s, disabled by %s); Java fails the handshake with "
                   "handshake_failure\n",
                   url, info_any.cipher, rule);
        } else {
            printf("no: %s is not trusted: the handshake fails with what this JDK offers (%s%s%s), "
                   "and succeeds with %s %s\n",
                   url, why, (info.peer_alert >= 0) ? "; the server's alert: " : "",
                   (info.peer_alert >= 0) ? SSL_alert_desc_string_long(info.peer_alert) : "",
                   info_any.version, info_any.cipher);
        }
        goto end;
    }
    printf("tls: %s, %s\n", info.version, info.cipher);
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
    /* PKIX in Java accepts any trusted entry as an anchor, self-signed or not */
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_verify_cert(ctx) != 1) {
        int e = X509_STORE_CTX_get_error(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
        char name[512] = "";
        if (bad) {
            X509_NAME_oneline(X509_get_subject_name(bad), name, sizeof(name));
        }
        printf("no: %s is not trusted: %s (certificate %d%s%s)\n", url,
               X509_verify_cert_error_string(e), depth, name[0] ? ", " : "", name);
        goto end;
    }
    /* the algorithms of the path: the anchor's key counts, its signature does not.  A server
     * certificate that is itself trusted is taken as it is (PKIXValidator), unchecked. */
    if ((chain.count > 1) || (trusted_index(&merged, leaf) < 0)) {
        STACK_OF(X509) *path = X509_STORE_CTX_get0_chain(ctx);
        int n = sk_X509_num(path);
        X509 *anchor = sk_X509_value(path, n - 1);
        long in_base = cacerts[0] ? trusted_index(&base, anchor) : -1;
        for (int i = 0; i < n; i++) {
            X509 *x = sk_X509_value(path, i);
            char sig[64];
            char kalg[32];
            char name[512];
            ts_javasec_cert jc;
            jdk_sig_alg(x, sig, sizeof(sig));
            jdk_key(x, kalg, sizeof(kalg), &jc.key_bits);
            jc.sig_alg = (i == n - 1) ? NULL : sig;
            jc.key_alg = kalg;
            jc.jdk_ca = (in_base >= 0) && !base_opt;
            if (ts_javasec_cert_disabled(&js, &jc, rule, sizeof(rule))) {
                X509_NAME_oneline(X509_get_subject_name(x), name, sizeof(name));
                printf("no: %s is not trusted: certificate %d (%s, %s, %s %d bits) is disabled by "
                       "%s\n",
                       url, i, name, (i == n - 1) ? "the anchor" : sig, kalg, jc.key_bits, rule);
                goto end;
            }
        }
    }
    if (ts_hostname_check(&chain.items[0], host, identity, js.feature, why, sizeof(why)) != 0) {
        printf("no: %s is not trusted: host name %s (%s rules): %s\n", url, host,
               ts_identity_name(identity), why);
        goto end;
    }
    if (identity == TS_IDENTITY_NONE) {
        printf("yes: %s is trusted (anchor: %s; host name not checked)%s\n", url,
               anchor_alias(&merged, ctx),
               vs.anchor_out_of_date ? "; the anchor is out of date, which Java does not check"
                                     : "");
    } else {
        printf("yes: %s is trusted (anchor: %s; host name %s matches)%s\n", url,
               anchor_alias(&merged, ctx), host,
               vs.anchor_out_of_date ? "; the anchor is out of date, which Java does not check"
                                     : "");
    }
    ret = TS_EXIT_OK;
end:
    X509_free(leaf);
    sk_X509_pop_free(untrusted, X509_free);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    free(ciphers);
    ts_cert_list_free(&chain);
    ts_keystore_free(&merged);
    ts_keystore_free(&base);
    if (js_loaded) {
        ts_javasec_free(&js);
    }
    if (loaded) {
        ts_manifest_free(&m);
    }
    ts_opt_free(&p);
    return ret;
}
