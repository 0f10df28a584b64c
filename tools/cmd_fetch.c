/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim fetch: see which certificates a server presents, and add one, pinned. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "fetch.h"
#include "hostname.h"

enum {
    OPT_ADD = 1,
    OPT_SHA256,
    OPT_TOFU,
    OPT_ALIAS,
    OPT_PICK,
    OPT_TIMEOUT,
    OPT_CONNECT,
    OPT_SERVERNAME,
    OPT_PEM,
    OPT_OUT,
    OPT_JSON,
    OPT_REPLACE
};

static const ts_option options[] = {
    {"add", 0, TS_OPT_FLAG, OPT_ADD, NULL, "add the chosen certificate to the manifest"},
    {"sha256", 0, TS_OPT_VALUE, OPT_SHA256, "HEX",
     "pin: refuse unless a presented certificate has this SHA-256, and add that one"},
    {"trust-on-first-use", 0, TS_OPT_FLAG, OPT_TOFU, NULL,
     "with --add and no --sha256: add without asking (needed when not on a terminal)"},
    {"alias", 0, TS_OPT_VALUE, OPT_ALIAS, "A",
     "alias of the added certificate, lowercased as keytool does (default: from the "
     "subject's CN, else its first subject alternative name)"},
    {"pick", 0, TS_OPT_VALUE, OPT_PICK, "last|leaf|all",
     "which certificates to add: the last presented (default: the self-signed one or the "
     "topmost issuer sent), the server's own, or all"},
    {"replace", 0, TS_OPT_FLAG, OPT_REPLACE, NULL,
     "with --add: the new certificate replaces the entry it renews (same host and subject), "
     "keeping its alias and hosts"},
    {"connect", 0, TS_OPT_VALUE, OPT_CONNECT, "HOST:PORT",
     "connect there instead of the URL's host and port (as openssl s_client -connect)"},
    {"servername", 0, TS_OPT_VALUE, OPT_SERVERNAME, "NAME",
     "the name sent in SNI and the host pinned for (default: the URL's host)"},
    {"pem", 0, TS_OPT_FLAG, OPT_PEM, NULL,
     "print the presented chain as PEM (leaf first) instead of describing it"},
    {"out", 'o', TS_OPT_VALUE, OPT_OUT, "FILE",
     "also write the chain as PEM to FILE (the chosen certificates with --pick or --sha256)"},
    {"json", 0, TS_OPT_FLAG, OPT_JSON, NULL, "describe the connection and the chain in JSON"},
    {"timeout", 0, TS_OPT_VALUE, OPT_TIMEOUT, "S",
     "seconds for the whole exchange, from connect to the last byte (default: 10)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int fetch_main(int argc, char **argv);

const ts_command ts_cmd_fetch = {
    "fetch",
    fetch_main,
    "show the certificates a server presents; with --add, add one pinned by SHA-256",
    "URL [--add] [--sha256 HEX] [--trust-on-first-use] [--alias A] [--pick last|leaf|all] "
    "[--replace] [--connect HOST:PORT] [--servername NAME] [--pem] [-o FILE] [--json] "
    "[--timeout S]",
    "URL: https://H, ldaps://H, smtps://H, imaps://H, pop3s://H (TLS from the first byte),\n"
    "smtp://H, submission://H (port 587), imap://H, pop3://H, ldap://H (STARTTLS), each\n"
    "with an optional :PORT, or HOST:PORT for plain TLS.  The chain is shown, not verified:\n"
    "this is how you obtain a certificate you do not trust yet.  Compare the SHA-256 with\n"
    "one obtained another way (the server's administrator) and pass it with --sha256.",
    options,
    false,
};

typedef enum { PICK_LAST, PICK_LEAF, PICK_ALL } pick_t;

static bool confirm(const char *url, size_t count)
{
    char line[64];
    if (count == 1) {
        fprintf(stderr, "Trust this certificate for %s? [y/N] ", url);
    } else {
        fprintf(stderr, "Trust these %zu certificates for %s? [y/N] ", count, url);
    }
    fflush(stderr);
    if (!fgets(line, sizeof(line), stdin)) {
        return false;
    }
    return (line[0] == 'y') || (line[0] == 'Y');
}

/* One line on the terminal while connecting and waiting, rewritten in place, cleared at the end. */
static void show_progress(void *arg, const char *msg)
{
    bool *shown = arg;
    fprintf(stderr, "\r\033[K%s\xe2\x80\xa6", msg);
    fflush(stderr);
    *shown = true;
}

static char *pem_of(const ts_cert *c)
{
    const unsigned char *p = c->der;
    X509 *x = d2i_X509(NULL, &p, (long)c->der_len);
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    char *data = NULL;
    long n;
    if (x && b && (PEM_write_bio_X509(b, x) == 1) && ((n = BIO_get_mem_data(b, &data)) > 0)) {
        out = malloc((size_t)n + 1);
        if (out) {
            memcpy(out, data, (size_t)n);
            out[n] = '\0';
        }
    }
    BIO_free(b);
    X509_free(x);
    return out;
}

/* "DNS:a, IP:127.0.0.1" (malloc'd; "" when the certificate has none) */
static char *names_text(const ts_cert *c, bool json)
{
    ts_cert_names n;
    size_t len = 0;
    char *out = calloc(1, 1);
    if (!out || (ts_cert_names_get(c, &n) != 0)) {
        return out;
    }
    for (size_t i = 0; i < n.count; i++) {
        size_t add = strlen(n.items[i].text) + 16;
        char *o = realloc(out, len + add);
        if (!o) {
            break;
        }
        out = o;
        len += (size_t)snprintf(out + len, add, json ? "%s%s:%s" : "%s%s:%s",
                                i ? (json ? "\n" : ", ") : "", ts_name_type_label(n.items[i].type),
                                n.items[i].text);
    }
    ts_cert_names_free(&n);
    return out;
}

/*
 * The manifest entry a renewed certificate replaces: one listing the host, not the same
 * certificate, with the same subject; else the only one for that host of the same kind
 * (CA or not).  -1 when none.
 */
static long renewed_entry(const ts_manifest *m, const ts_cert *c, const ts_cert_info *ci,
                          const char *host)
{
    long same_kind = -1;
    size_t n_kind = 0;
    if (!m) {
        return -1;
    }
    for (size_t i = 0; i < m->n_certs; i++) {
        const ts_manifest_cert *e = &m->certs[i];
        ts_cert_info ei;
        bool listed = false;
        if (!e->cert.der || (memcmp(e->sha256, c->sha256, TS_SHA256_LEN) == 0)) {
            continue;
        }
        for (size_t h = 0; h < e->n_hosts; h++) {
            listed = listed || (strcasecmp(e->hosts[h], host) == 0);
        }
        if (!listed || (ts_cert_describe(&e->cert, &ei, NULL) != 0)) {
            continue;
        }
        if (strcmp(ei.subject, ci->subject) == 0) {
            return (long)i;
        }
        if (ei.is_ca == ci->is_ca) {
            same_kind = (long)i;
            n_kind++;
        }
    }
    return (n_kind == 1) ? same_kind : -1;
}

static void print_json(const char *url, const ts_url *u, const char *connect_host,
                       unsigned connect_port, const char *servername, const ts_fetch_info *info,
                       const ts_cert_list *chain, size_t first, size_t count, const ts_manifest *m)
{
    printf("{\"url\": ");
    ts_json_string(stdout, url);
    printf(", \"connected_to\": ");
    {
        char where[300];
        const char *h = connect_host ? connect_host : u->host;
        snprintf(where, sizeof(where), "%s%s%s:%u", strchr(h, ':') ? "[" : "", h,
                 strchr(h, ':') ? "]" : "", connect_port ? connect_port : u->port);
        ts_json_string(stdout, where);
    }
    printf(", \"servername\": ");
    if (servername || !u->host_is_ip) {
        ts_json_string(stdout, servername ? servername : u->host);
    } else {
        printf("null");
    }
    printf(", \"protocol\": ");
    ts_json_string(stdout, info->version);
    printf(", \"cipher\": ");
    ts_json_string(stdout, info->cipher);
    printf(", \"certificates\": [");
    for (size_t i = 0; i < chain->count; i++) {
        const ts_cert *c = &chain->items[i];
        ts_cert_info ci;
        char hex[TS_SHA256_HEX_LEN + 1];
        char nb[32];
        char na[32];
        char *names = names_text(c, true);
        char *pem = pem_of(c);
        long have = m ? ts_manifest_find_sha256(m, c->sha256) : -1;
        if (ts_cert_describe(c, &ci, NULL) != 0) {
            memset(&ci, 0, sizeof(ci));
        }
        ts_sha256_to_hex(c->sha256, hex);
        strftime(nb, sizeof(nb), "%Y-%m-%dT%H:%M:%SZ", gmtime(&ci.not_before));
        strftime(na, sizeof(na), "%Y-%m-%dT%H:%M:%SZ", gmtime(&ci.not_after));
        printf("%s\n  {\"index\": %zu, \"subject\": ", i ? "," : "", i);
        ts_json_string(stdout, ci.subject);
        printf(", \"issuer\": ");
        ts_json_string(stdout, ci.issuer);
        printf(", \"not_before\": \"%s\", \"not_after\": \"%s\", \"sha256\": \"%s\", \"names\": [",
               nb, na, hex);
        for (char *save = NULL, *t = strtok_r(names, "\n", &save); t;
             t = strtok_r(NULL, "\n", &save)) {
            printf("%s", (t == names) ? "" : ", ");
            ts_json_string(stdout, t);
        }
        printf("], \"key\": \"%s %d\", \"ca\": %s, \"self_signed\": %s, \"chosen\": %s, "
               "\"pinned_as\": ",
               ci.key_type, ci.key_bits, ci.is_ca ? "true" : "false",
               ci.self_signed ? "true" : "false",
               ((i >= first) && (i < first + count)) ? "true" : "false");
        if (have >= 0) {
            ts_json_string(stdout, m->certs[have].alias ? m->certs[have].alias : "");
        } else {
            printf("null");
        }
        printf(", \"pem\": ");
        ts_json_string(stdout, pem);
        printf("}");
        free(names);
        free(pem);
    }
    printf("\n]}\n");
}

static int write_pem(const char *file, const ts_cert_list *chain, size_t first, size_t count)
{
    char *all = NULL;
    size_t len = 0;
    ts_error err;
    int ret = TS_EXIT_FAIL;
    ts_error_clear(&err);
    for (size_t i = first; i < first + count; i++) {
        char *pem = pem_of(&chain->items[i]);
        char *n = pem ? realloc(all, len + strlen(pem) + 1) : NULL;
        if (!n) {
            free(pem);
            goto end;
        }
        all = n;
        memcpy(all + len, pem, strlen(pem) + 1);
        len += strlen(pem);
        free(pem);
    }
    if (ts_write_atomic(file, all, len, 0644, false, 0, 0, false, &err) != 0) {
        ts_cli_core_error(file, &err);
        goto end;
    }
    ret = TS_EXIT_OK;
end:
    free(all);
    return ret;
}

/* Replaces entry k of m by cert (same alias unless one is given, hosts kept plus host). */
static int replace_entry(FILE *out, ts_manifest *m, long k, const ts_cert *cert, const char *alias,
                         const char *host, const char *url, const char *source, size_t *added)
{
    ts_manifest_cert *old = &m->certs[k];
    char *keep_alias = strdup(alias ? alias : (old->alias ? old->alias : ""));
    const char **hosts = calloc(old->n_hosts + 1, sizeof(char *));
    char **copies = calloc(old->n_hosts + 1, sizeof(char *));
    size_t n = 0;
    size_t hosts_added = 0;
    char hex[TS_SHA256_HEX_LEN + 1];
    bool listed = false;
    int ret = TS_EXIT_FAIL;
    if (!keep_alias || !hosts || !copies) {
        goto end;
    }
    for (size_t h = 0; h < old->n_hosts; h++) {
        copies[n] = strdup(old->hosts[h]);
        if (!copies[n]) {
            goto end;
        }
        listed = listed || (strcasecmp(old->hosts[h], host) == 0);
        hosts[n] = copies[n];
        n++;
    }
    if (!listed) {
        hosts[n++] = host;
    }
    ts_sha256_to_hex(old->sha256, hex);
    fprintf(out, "removed %s (sha256 %s), replaced by the certificate below\n",
            old->alias ? old->alias : "(derived alias)", hex);
    ts_manifest_remove_cert(m, (size_t)k);
    ret = ts_add_certs(out, m, url, cert, 1, keep_alias[0] ? keep_alias : NULL, hosts, n, source,
                       true, added, &hosts_added);
end:
    for (size_t h = 0; copies && (h < n); h++) {
        free(copies[h]);
    }
    free(copies);
    free(hosts);
    free(keep_alias);
    return ret;
}

int ts_opt_reach(bool connect, const char *arg, char *host, size_t size, unsigned *port,
                 const char **servername)
{
    if (connect) {
        if (ts_parse_host_port(arg, host, size, port) != 0) {
            ts_cli_error("--connect", "'%s' is not HOST:PORT", arg);
            return TS_EXIT_USAGE;
        }
    } else {
        if (!ts_host_valid(arg)) {
            ts_cli_error("--servername", "'%s' is not a host name", arg);
            return TS_EXIT_USAGE;
        }
        *servername = arg;
    }
    return TS_EXIT_OK;
}

static int fetch_main(int argc, char **argv)
{
    ts_optparse p;
    ts_url u;
    ts_cert_list chain;
    ts_edit e;
    ts_error err;
    ts_fetch_opts fo;
    ts_fetch_info info;
    ts_manifest known; /* the manifest as it is, read to tell what is pinned already */
    bool have_known = false;
    unsigned char pin[TS_SHA256_LEN];
    bool have_pin = false;
    bool add = false;
    bool tofu = false;
    bool mismatch = false;
    bool pem = false;
    bool json = false;
    bool replace = false;
    bool pick_given = false;
    bool progress_shown = false;
    const char *alias = NULL;
    char alias_buf[256];
    const char *out_file = NULL;
    const char *servername = NULL;
    const char *pin_host;
    char connect_host[256] = "";
    unsigned connect_port = 0;
    pick_t pick = PICK_LAST;
    double timeout = 10;
    char why[1024];
    const char *url;
    size_t first = 0;
    size_t count = 0;
    size_t added = 0;
    size_t hosts_added = 0;
    size_t new_certs = 0;
    long renews[64];
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&chain, 0, sizeof(chain));
    memset(&e, 0, sizeof(e));
    memset(&known, 0, sizeof(known));
    e.lock_fd = -1;
    ts_error_clear(&err);
    if (ts_opt_init(&p, &ts_cmd_fetch, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        switch (o) {
        case OPT_ADD:
            add = true;
            break;
        case OPT_SHA256:
            if (ts_sha256_from_hex(p.arg, pin) != 0) {
                ts_cli_error("--sha256",
                             "'%s' is not a SHA-256 fingerprint (64 hex digits, ':' allowed)",
                             p.arg);
                goto end;
            }
            have_pin = true;
            break;
        case OPT_TOFU:
            tofu = true;
            break;
        case OPT_ALIAS:
            alias = p.arg;
            break;
        case OPT_PICK:
            pick_given = true;
            if (strcmp(p.arg, "last") == 0) {
                pick = PICK_LAST;
            } else if (strcmp(p.arg, "leaf") == 0) {
                pick = PICK_LEAF;
            } else if (strcmp(p.arg, "all") == 0) {
                pick = PICK_ALL;
            } else {
                ts_cli_error("--pick", "'%s' is not one of last, leaf, all", p.arg);
                goto end;
            }
            break;
        case OPT_TIMEOUT:
            if (ts_opt_timeout(p.arg, &timeout) != TS_EXIT_OK) {
                goto end;
            }
            break;
        case OPT_CONNECT:
        case OPT_SERVERNAME:
            if (ts_opt_reach(o == OPT_CONNECT, p.arg, connect_host, sizeof(connect_host),
                             &connect_port, &servername) != TS_EXIT_OK) {
                goto end;
            }
            break;
        case OPT_PEM:
            pem = true;
            break;
        case OPT_OUT:
            out_file = p.arg;
            break;
        case OPT_JSON:
            json = true;
            break;
        case OPT_REPLACE:
            replace = true;
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
        ts_cli_error("fetch", p.n_operands ? "one URL only" : "no URL given");
        goto end;
    }
    url = p.operands[0];
    if (ts_url_parse(url, &u, why, sizeof(why)) != 0) {
        ts_cli_error(url, "%s", why);
        goto end;
    }
    if (alias) {
        if (!ts_alias_option(alias, alias_buf, sizeof(alias_buf))) {
            goto end;
        }
        alias = alias_buf;
    }
    if ((pem || json) && add) {
        ts_cli_error("fetch", "--%s only shows; add with a separate --add", pem ? "pem" : "json");
        goto end;
    }
    if (pem && json) {
        ts_cli_error("fetch", "--pem and --json exclude each other");
        goto end;
    }
    if (replace && !add) {
        ts_cli_error("fetch", "--replace goes with --add");
        goto end;
    }
    pin_host = servername ? servername : u.host;
    /* before connecting (and asking on a terminal): there must be a manifest to add to */
    if (add && (access(ts_manifest_path(), F_OK) != 0) && (errno == ENOENT)) {
        ts_cli_error(ts_manifest_path(), "no such manifest (create it with 'trustshim init')");
        goto end;
    }
    ret = TS_EXIT_FAIL;
    memset(&fo, 0, sizeof(fo));
    fo.timeout = timeout;
    fo.connect_host = connect_host[0] ? connect_host : NULL;
    fo.connect_port = connect_port;
    fo.servername = servername;
    if (isatty(STDERR_FILENO)) {
        fo.progress = show_progress;
        fo.progress_arg = &progress_shown;
    }
    if (ts_fetch_chain(&u, &fo, &chain, &info, why, sizeof(why)) != 0) {
        if (progress_shown) {
            fputs("\r\033[K", stderr);
        }
        ts_cli_error(url, "%s", why);
        goto end;
    }
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    /* what is pinned already (a manifest that does not load is the edit's business) */
    if (access(ts_manifest_path(), F_OK) == 0) {
        have_known = (ts_manifest_load(ts_manifest_path(), &known, &err) == 0);
        if (!have_known) {
            ts_manifest_free(&known);
            memset(&known, 0, sizeof(known));
        }
        ts_error_clear(&err);
    }
    /* what to add; on a pin mismatch nothing is marked, and the chain is still shown */
    if (have_pin) {
        size_t i;
        for (i = 0; i < chain.count; i++) {
            if (memcmp(chain.items[i].sha256, pin, TS_SHA256_LEN) == 0) {
                break;
            }
        }
        mismatch = (i == chain.count);
        first = i;
        count = mismatch ? 0 : 1;
    } else if (pick == PICK_LEAF) {
        first = 0;
        count = 1;
    } else if (pick == PICK_ALL) {
        first = 0;
        count = chain.count;
    } else {
        first = chain.count - 1;
        count = 1;
    }
    if (out_file && !mismatch &&
        (write_pem(out_file, &chain, (pick_given || have_pin) ? first : 0,
                   (pick_given || have_pin) ? count : chain.count) != TS_EXIT_OK)) {
        goto end;
    }
    if (json) {
        print_json(url, &u, fo.connect_host, connect_port, servername, &info, &chain, first, count,
                   have_known ? &known : NULL);
    } else if (pem) {
        for (size_t i = 0; i < chain.count; i++) {
            char *text = pem_of(&chain.items[i]);
            fputs(text ? text : "", stdout);
            free(text);
        }
    } else {
        if (connect_host[0] || servername) {
            printf("connected to %s:%u%s%s: %s, %s\n", connect_host[0] ? connect_host : u.host,
                   connect_port ? connect_port : u.port, servername ? ", server name " : "",
                   servername ? servername : "", info.version, info.cipher);
        } else {
            printf("connected: %s, %s\n", info.version, info.cipher);
        }
        printf("%s presented %zu certificate%s:\n", url, chain.count, chain.count == 1 ? "" : "s");
    }
    for (size_t i = 0; i < chain.count; i++) {
        ts_cert_info ci;
        bool chosen = (i >= first) && (i < first + count);
        long have = have_known ? ts_manifest_find_sha256(&known, chain.items[i].sha256) : -1;
        if (ts_cert_describe(&chain.items[i], &ci, &err) != 0) {
            ts_cli_core_error(url, &err);
            goto end;
        }
        if (chosen && (i - first < sizeof(renews) / sizeof(renews[0]))) {
            renews[i - first] = (have >= 0) ? -1
                                            : renewed_entry(have_known ? &known : NULL,
                                                            &chain.items[i], &ci, pin_host);
        }
        if (json || pem) {
            continue;
        }
        printf("[%zu]%s\n", i, chosen ? (add ? " (to add)" : " (chosen)") : "");
        ts_print_cert(stdout, "  ", &chain.items[i], &ci);
        {
            char *names = names_text(&chain.items[i], false);
            if (names && names[0]) {
                printf("  names:    %s\n", names);
            }
            free(names);
        }
        if (have >= 0) {
            printf("  pinned:   already in the manifest as %s\n",
                   known.certs[have].alias ? known.certs[have].alias : "(derived alias)");
        } else if (chosen && (i - first < sizeof(renews) / sizeof(renews[0])) &&
                   (renews[i - first] >= 0)) {
            const ts_manifest_cert *old = &known.certs[renews[i - first]];
            ts_cert_info oi;
            char d[32] = "?";
            if (ts_cert_describe(&old->cert, &oi, NULL) == 0) {
                ts_format_date(oi.not_after, d, sizeof(d));
            }
            printf("  renews:   %s (for %s, expires %s)%s\n", old->alias ? old->alias : "(derived)",
                   pin_host, d,
                   replace ? ": replaced by this one"
                           : "; add with --add --replace to swap them, keeping its alias and "
                             "hosts");
        }
    }
    fflush(stdout);
    if (mismatch) {
        char hex[TS_SHA256_HEX_LEN + 1];
        ts_sha256_to_hex(pin, hex);
        ts_cli_error(url, "pin mismatch: no certificate presented has SHA-256 %s%s", hex,
                     add ? "; nothing added" : "");
        goto end;
    }
    if (!add) {
        if (json || pem) {
            /* nothing more: the output is for a program */
        } else if (have_pin) {
            printf("pin matches certificate [%zu]\n", first);
        } else if (count == 1) {
            char hex[TS_SHA256_HEX_LEN + 1];
            ts_sha256_to_hex(chain.items[first].sha256, hex);
            printf(
                "to trust [%zu], confirm its SHA-256 with the server's administrator, then run:\n"
                "  trustshim fetch %s --add --sha256 %s\n",
                first, url, hex);
        }
        ret = TS_EXIT_OK;
        goto end;
    }
    for (size_t i = first; i < first + count; i++) {
        new_certs += (!have_known || (ts_manifest_find_sha256(&known, chain.items[i].sha256) < 0));
    }
    if (replace) {
        bool any = false;
        for (size_t i = 0; (i < count) && (i < sizeof(renews) / sizeof(renews[0])); i++) {
            any = any || (renews[i] >= 0);
        }
        if (!any && (new_certs > 0)) {
            ts_cli_error(url,
                         "--replace: no entry for %s in the manifest is renewed by %s; "
                         "nothing changed",
                         pin_host, (count == 1) ? "this certificate" : "these certificates");
            goto end;
        }
    }
    /* already pinned: no new trust, nothing to confirm */
    if (!have_pin && !tofu && (new_certs > 0)) {
        if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
            ts_cli_error(
                url, "refusing to add a certificate that is not pinned: no terminal to confirm; "
                     "give --sha256 HEX (checked with the server's administrator) or "
                     "--trust-on-first-use");
            goto end;
        }
        if (!confirm(url, new_certs)) {
            ts_cli_error(url, "not confirmed; nothing added");
            goto end;
        }
    }
    ret = ts_edit_begin(&e, ts_manifest_path());
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    {
        const char *hosts[1] = {pin_host};
        char source[600];
        snprintf(source, sizeof(source), "fetch %s", url);
        if (!replace) {
            ret = ts_add_certs(e.report, &e.m, url, chain.items + first, count, alias, hosts, 1,
                               source, true, &added, &hosts_added);
        }
        for (size_t i = 0; replace && (i < count); i++) {
            long k = -1;
            /* the entry found before is looked up again under the lock, by its fingerprint */
            if ((i < sizeof(renews) / sizeof(renews[0])) && (renews[i] >= 0)) {
                k = ts_manifest_find_sha256(&e.m, known.certs[renews[i]].sha256);
            }
            if (k >= 0) {
                ret = replace_entry(e.report, &e.m, k, &chain.items[first + i],
                                    (i == 0) ? alias : NULL, pin_host, url, source, &added);
            } else {
                ret = ts_add_certs(e.report, &e.m, url, chain.items + first + i, 1,
                                   (i == 0) ? alias : NULL, hosts, 1, source, true, &added,
                                   &hosts_added);
            }
            if (ret != TS_EXIT_OK) {
                break;
            }
        }
        if (ret != TS_EXIT_OK) {
            goto end;
        }
    }
    ret = ts_edit_finish(&e, (added > 0) || (hosts_added > 0));
end:
    ts_edit_end(&e);
    if (have_known) {
        ts_manifest_free(&known);
    }
    ts_cert_list_free(&chain);
    ts_opt_free(&p);
    return ret;
}
