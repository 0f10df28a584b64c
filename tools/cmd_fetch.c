/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim fetch: see which certificates a server presents, and add one, pinned. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fetch.h"

enum { OPT_ADD = 1, OPT_SHA256, OPT_TOFU, OPT_ALIAS, OPT_PICK, OPT_TIMEOUT };

static const ts_option options[] = {
    {"add", 0, TS_OPT_FLAG, OPT_ADD, NULL, "add the chosen certificate to the manifest"},
    {"sha256", 0, TS_OPT_VALUE, OPT_SHA256, "HEX",
     "pin: refuse unless a presented certificate has this SHA-256, and add that one"},
    {"trust-on-first-use", 0, TS_OPT_FLAG, OPT_TOFU, NULL,
     "with --add and no --sha256: add without asking (needed when not on a terminal)"},
    {"alias", 0, TS_OPT_VALUE, OPT_ALIAS, "A",
     "alias of the added certificate (default: from the host)"},
    {"pick", 0, TS_OPT_VALUE, OPT_PICK, "last|leaf|all",
     "which certificates to add: the last presented (default: the self-signed one or the "
     "topmost issuer sent), the server's own, or all"},
    {"timeout", 0, TS_OPT_VALUE, OPT_TIMEOUT, "S",
     "seconds for the connection and for every read (default: 10)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int fetch_main(int argc, char **argv);

const ts_command ts_cmd_fetch = {
    "fetch",
    fetch_main,
    "show the certificates a server presents; with --add, add one pinned by SHA-256",
    "URL [--add] [--sha256 HEX] [--trust-on-first-use] [--alias A] [--pick last|leaf|all] "
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

static int fetch_main(int argc, char **argv)
{
    ts_optparse p;
    ts_url u;
    ts_cert_list chain;
    ts_edit e;
    ts_error err;
    unsigned char pin[TS_SHA256_LEN];
    bool have_pin = false;
    bool add = false;
    bool tofu = false;
    bool mismatch = false;
    const char *alias = NULL;
    pick_t pick = PICK_LAST;
    double timeout = 10;
    char why[512];
    const char *url;
    size_t first = 0;
    size_t count = 0;
    size_t added = 0;
    size_t hosts_added = 0;
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&chain, 0, sizeof(chain));
    memset(&e, 0, sizeof(e));
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
            timeout = ts_parse_seconds(p.arg);
            if (timeout < 0) {
                ts_cli_error("--timeout", "'%s' is not a number of seconds", p.arg);
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
        ts_cli_error("fetch", p.n_operands ? "one URL only" : "no URL given");
        goto end;
    }
    url = p.operands[0];
    if (ts_url_parse(url, &u, why, sizeof(why)) != 0) {
        ts_cli_error(url, "%s", why);
        goto end;
    }
    if (alias && !ts_alias_valid(alias, false)) {
        ts_cli_error("--alias", "'%s' is not a valid alias: printable ASCII, no uppercase letter",
                     alias);
        goto end;
    }
    /* before connecting (and asking on a terminal): there must be a manifest to add to */
    if (add && (access(ts_manifest_path(), F_OK) != 0) && (errno == ENOENT)) {
        ts_cli_error(ts_manifest_path(), "no such manifest (create it with 'trustshim init')");
        goto end;
    }
    ret = TS_EXIT_FAIL;
    if (ts_fetch_chain(&u, timeout, &chain, why, sizeof(why)) != 0) {
        ts_cli_error(url, "%s", why);
        goto end;
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
    printf("%s presented %zu certificate%s:\n", url, chain.count, chain.count == 1 ? "" : "s");
    for (size_t i = 0; i < chain.count; i++) {
        ts_cert_info info;
        if (ts_cert_describe(&chain.items[i], &info, &err) != 0) {
            ts_cli_core_error(url, &err);
            goto end;
        }
        printf("[%zu]%s\n", i,
               ((i >= first) && (i < first + count)) ? (add ? " (to add)" : " (chosen)") : "");
        ts_print_cert(stdout, "  ", &chain.items[i], &info);
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
        if (have_pin) {
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
    if (!have_pin && !tofu) {
        if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
            ts_cli_error(
                url, "refusing to add a certificate that is not pinned: no terminal to confirm; "
                     "give --sha256 HEX (checked with the server's administrator) or "
                     "--trust-on-first-use");
            goto end;
        }
        if (!confirm(url, count)) {
            ts_cli_error(url, "not confirmed; nothing added");
            goto end;
        }
    }
    ret = ts_edit_begin(&e, ts_manifest_path());
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    {
        const char *hosts[1] = {u.host};
        char source[600];
        snprintf(source, sizeof(source), "fetch %s", url);
        ret = ts_add_certs(e.report, &e.m, url, chain.items + first, count, alias, hosts, 1, source,
                           true, &added, &hosts_added);
        if (ret != TS_EXIT_OK) {
            goto end;
        }
    }
    ret = ts_edit_finish(&e, (added > 0) || (hosts_added > 0));
end:
    ts_edit_end(&e);
    ts_cert_list_free(&chain);
    ts_opt_free(&p);
    return ret;
}
