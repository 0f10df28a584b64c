/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The names a certificate is for, and whether a host name matches them the way
 * a Java client checks it: the JDK's sun.security.util.HostnameChecker (HTTPS
 * and LDAP endpoint identification), or Jakarta Mail's checkserveridentity,
 * which on JDK 9 and later cannot reach HostnameChecker (the package is not
 * exported) and falls back to its own rules.  tests/cli/verify_java.sh holds
 * these rules against the real checkers, case by case, on every JDK found.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "hostname.h"

static X509 *to_x509(const ts_cert *c)
{
    const unsigned char *p = c->der;
    return d2i_X509(NULL, &p, (long)c->der_len);
}

static int names_push(ts_cert_names *n, int type, const char *text)
{
    ts_cert_name *items;
    if (n->count == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 8;
        items = realloc(n->items, cap * sizeof(*items));
        if (!items) {
            return -1;
        }
        n->items = items;
        n->cap = cap;
    }
    n->items[n->count].type = type;
    n->items[n->count].text = strdup(text);
    if (!n->items[n->count].text) {
        return -1;
    }
    n->count++;
    return 0;
}

int ts_cert_names_get(const ts_cert *c, ts_cert_names *n)
{
    X509 *x = to_x509(c);
    GENERAL_NAMES *gens = NULL;
    X509_NAME *subj;
    int ret = -1;
    memset(n, 0, sizeof(*n));
    if (!x) {
        return -1;
    }
    gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens && (i < sk_GENERAL_NAME_num(gens)); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        char text[512];
        const ASN1_IA5STRING *ia5 = NULL;
        int type = TS_NAME_DNS;
        if (g->type == GEN_DNS) {
            ia5 = g->d.dNSName;
        } else if (g->type == GEN_EMAIL) {
            ia5 = g->d.rfc822Name;
            type = TS_NAME_EMAIL;
        } else if (g->type == GEN_URI) {
            ia5 = g->d.uniformResourceIdentifier;
            type = TS_NAME_URI;
        }
        if (ia5) {
            snprintf(text, sizeof(text), "%.*s", ia5->length, (const char *)ia5->data);
            if (names_push(n, type, text) != 0) {
                goto end;
            }
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *ip = g->d.iPAddress;
            if (((ip->length == 4) && inet_ntop(AF_INET, ip->data, text, sizeof(text))) ||
                ((ip->length == 16) && inet_ntop(AF_INET6, ip->data, text, sizeof(text)))) {
                if (names_push(n, TS_NAME_IP, text) != 0) {
                    goto end;
                }
            }
        }
    }
    /* the most specific (last) CN is the one HostnameChecker falls back to */
    subj = X509_get_subject_name(x);
    {
        int i = -1;
        int last = -1;
        while ((i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0) {
            last = i;
        }
        if (last >= 0) {
            unsigned char *utf8 = NULL;
            int len = ASN1_STRING_to_UTF8(
                &utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, last)));
            if (len >= 0) {
                char *cn = malloc((size_t)len + 1);
                if (!cn) {
                    OPENSSL_free(utf8);
                    goto end;
                }
                memcpy(cn, utf8, (size_t)len);
                cn[len] = '\0';
                n->cn = cn;
            }
            OPENSSL_free(utf8);
        }
    }
    ret = 0;
end:
    GENERAL_NAMES_free(gens);
    X509_free(x);
    if (ret != 0) {
        ts_cert_names_free(n);
    }
    return ret;
}

void ts_cert_names_free(ts_cert_names *n)
{
    for (size_t i = 0; i < n->count; i++) {
        free(n->items[i].text);
    }
    free(n->items);
    free(n->cn);
    memset(n, 0, sizeof(*n));
}

const char *ts_name_type_label(int type)
{
    switch (type) {
    case TS_NAME_DNS:
        return "DNS";
    case TS_NAME_IP:
        return "IP";
    case TS_NAME_EMAIL:
        return "email";
    default:
        return "URI";
    }
}

/* The address in s (IPv4 or IPv6 literal) into out (16 bytes); its length, or 0 when none. */
static int ip_literal(const char *s, unsigned char out[16])
{
    if (inet_pton(AF_INET, s, out) == 1) {
        return 4;
    }
    if (inet_pton(AF_INET6, s, out) == 1) {
        return 16;
    }
    return 0;
}

/* HostnameChecker.matchWildCards: the template's '*'s each match any run of characters. */
static bool match_wildcards(const char *name, size_t nlen, const char *tpl, size_t tlen)
{
    const char *star = memchr(tpl, '*', tlen);
    bool beginning = true;
    if (!star) {
        return (nlen == tlen) && (strncasecmp(name, tpl, nlen) == 0);
    }
    while (star) {
        size_t before = (size_t)(star - tpl);
        const char *found = NULL;
        /* the first occurrence of the part before the '*' */
        for (size_t i = 0; (i + before <= nlen); i++) {
            if (strncasecmp(name + i, tpl, before) == 0) {
                found = name + i;
                break;
            }
        }
        if (!found || (beginning && (found != name))) {
            return false;
        }
        beginning = false;
        nlen -= (size_t)(found - name) + before;
        name = found + before;
        tlen -= before + 1;
        tpl = star + 1;
        star = memchr(tpl, '*', tlen);
    }
    return (nlen >= tlen) && (strncasecmp(name + nlen - tlen, tpl, tlen) == 0);
}

/* HostnameChecker.matchAllWildcards (TLS before JDK 19): as many labels, '*'s in any of them. */
static bool all_labels_matched(const char *name, const char *tpl)
{
    for (;;) {
        size_t nl = strcspn(name, ".");
        size_t tl = strcspn(tpl, ".");
        if (!match_wildcards(name, nl, tpl, tl)) {
            return false;
        }
        name += nl;
        tpl += tl;
        /* StringTokenizer: empty labels do not count */
        while (*name == '.') {
            name++;
        }
        while (*tpl == '.') {
            tpl++;
        }
        if (!*name || !*tpl) {
            return !*name && !*tpl;
        }
    }
}

/*
 * HostnameChecker.isMatched.  LDAP, and TLS from JDK 19 on (RFC 6125, JDK-7192189): a wildcard
 * only in the leftmost label, the rest equal.  TLS before: a wildcard in any label.
 */
static bool jdk_matched(const char *name, const char *tpl, bool all_labels)
{
    const char *tdot = strchr(tpl, '.');
    const char *ndot = strchr(name, '.');
    const char *last_star = strrchr(tpl, '*');
    size_t tl = tdot ? (size_t)(tdot - tpl) : strlen(tpl);
    size_t nl = ndot ? (size_t)(ndot - name) : strlen(name);
    if ((strcmp(tpl, "*") == 0) || (strcmp(tpl, "*.") == 0)) {
        return false;
    }
    /* a wildcard needs a dot after it */
    if (last_star && !strchr(last_star, '.')) {
        return false;
    }
    if (all_labels) {
        return all_labels_matched(name, tpl);
    }
    if (last_star && (last_star > tdot)) {
        return false;
    }
    if (!match_wildcards(name, nl, tpl, tl)) {
        return false;
    }
    return strcasecmp(tdot ? tdot : "", ndot ? ndot : "") == 0;
}

/* Jakarta Mail's SocketFetcher.matchServer: "*.tail" matches any name ending in ".tail". */
static bool mail_matched(const char *server, const char *name)
{
    if (strncmp(name, "*.", 2) == 0) {
        const char *tail = name + 2;
        size_t sl = strlen(server);
        size_t tl = strlen(tail);
        if ((tl == 0) || (sl < tl + 1)) {
            return false;
        }
        return (server[sl - tl - 1] == '.') && (strcasecmp(server + sl - tl, tail) == 0);
    }
    return strcasecmp(server, name) == 0;
}

/* Jakarta Mail reads the CN with the regular expression "CN=([^,]*)" from the RFC 2253 name. */
static void mail_cn(const ts_cert *c, char *out, size_t size)
{
    X509 *x = to_x509(c);
    BIO *b = BIO_new(BIO_s_mem());
    char buf[1024];
    int n = 0;
    out[0] = '\0';
    if (x && b &&
        (X509_NAME_print_ex(b, X509_get_subject_name(x), 0,
                            XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)) {
        n = BIO_read(b, buf, sizeof(buf) - 1);
    }
    if (n > 0) {
        char *cn;
        buf[n] = '\0';
        cn = strstr(buf, "CN=");
        if (cn) {
            size_t len = strcspn(cn + 3, ",");
            snprintf(out, size, "%.*s", (int)len, cn + 3);
            /* Pattern.matcher(...).group(1).trim() */
            while (out[0] == ' ') {
                memmove(out, out + 1, strlen(out));
            }
            for (size_t e = strlen(out); (e > 0) && (out[e - 1] == ' '); e--) {
                out[e - 1] = '\0';
            }
        }
    }
    BIO_free(b);
    X509_free(x);
}

const char *ts_identity_name(ts_identity how)
{
    switch (how) {
    case TS_IDENTITY_HTTPS:
        return "https";
    case TS_IDENTITY_LDAP:
        return "ldap";
    case TS_IDENTITY_MAIL:
        return "mail";
    case TS_IDENTITY_NONE:
    default:
        return "none";
    }
}

int ts_identity_parse(const char *s, ts_identity *how)
{
    for (int i = TS_IDENTITY_HTTPS; i <= TS_IDENTITY_NONE; i++) {
        if (strcmp(s, ts_identity_name((ts_identity)i)) == 0) {
            *how = (ts_identity)i;
            return 0;
        }
    }
    return -1;
}

int ts_hostname_check(const ts_cert *leaf, const char *host, ts_identity how, int jdk_feature,
                      char *why, size_t size)
{
    bool all_labels = (how == TS_IDENTITY_HTTPS) && (jdk_feature < 19);
    ts_cert_names n;
    unsigned char want[16];
    int wlen;
    bool found_dns = false;
    int ret = -1;
    why[0] = '\0';
    if (how == TS_IDENTITY_NONE) {
        return 0;
    }
    if (ts_cert_names_get(leaf, &n) != 0) {
        snprintf(why, size, "cannot read the names of the server's certificate");
        return -1;
    }
    if (how == TS_IDENTITY_MAIL) {
        char cn[512];
        for (size_t i = 0; i < n.count; i++) {
            if (n.items[i].type == TS_NAME_DNS) {
                found_dns = true;
                if (mail_matched(host, n.items[i].text)) {
                    ret = 0;
                    goto end;
                }
            }
        }
        if (found_dns) {
            snprintf(why, size,
                     "no DNS name of the certificate matches %s (Jakarta Mail's "
                     "checkserveridentity: DNS names only, IP addresses are not read; "
                     "\"*.\" covers any number of labels)",
                     host);
            goto end;
        }
        mail_cn(leaf, cn, sizeof(cn));
        if (cn[0] && mail_matched(host, cn)) {
            ret = 0;
            goto end;
        }
        snprintf(why, size,
                 "the certificate has no DNS name and its CN '%s' is not %s (Jakarta Mail's "
                 "checkserveridentity)",
                 cn, host);
        goto end;
    }
    wlen = ip_literal(host, want);
    if (wlen > 0) {
        bool any = false;
        for (size_t i = 0; i < n.count; i++) {
            unsigned char got[16];
            if (n.items[i].type != TS_NAME_IP) {
                continue;
            }
            any = true;
            if ((ip_literal(n.items[i].text, got) == wlen) &&
                (memcmp(got, want, (size_t)wlen) == 0)) {
                ret = 0;
                goto end;
            }
        }
        snprintf(why, size,
                 "%s is an IP address and the certificate has %s (HostnameChecker: an address "
                 "matches only an IP subject alternative name, never a DNS name or the CN)",
                 host, any ? "no IP name equal to it" : "no IP subject alternative name");
        goto end;
    }
    for (size_t i = 0; i < n.count; i++) {
        if (n.items[i].type == TS_NAME_DNS) {
            found_dns = true;
            if (jdk_matched(host, n.items[i].text, all_labels)) {
                ret = 0;
                goto end;
            }
        }
    }
    if (found_dns) {
        snprintf(why, size,
                 "no DNS subject alternative name matches %s (HostnameChecker: the CN is not read "
                 "when DNS names are present; %s)",
                 host,
                 all_labels ? "a '*' stands for part of one label, in any label (JDK before 19)"
                            : "a '*' stands for part of the leftmost label only");
        goto end;
    }
    if (n.cn && jdk_matched(host, n.cn, all_labels)) {
        ret = 0;
        goto end;
    }
    snprintf(why, size,
             "the certificate has no DNS subject alternative name and its CN '%s' does not match "
             "%s (HostnameChecker)",
             n.cn ? n.cn : "", host);
end:
    ts_cert_names_free(&n);
    return ret;
}
