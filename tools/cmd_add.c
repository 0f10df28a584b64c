/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim add: every certificate in each file becomes an entry pinned by its SHA-256. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "fileio.h"

enum { OPT_ALIAS = 1, OPT_HOST };

static const ts_option options[] = {
    {"alias", 0, TS_OPT_VALUE, OPT_ALIAS, "A",
     "alias of the (first) certificate, lowercased as keytool does (default: from the "
     "subject's CN, else its first subject alternative name)"},
    {"host", 0, TS_OPT_VALUE, OPT_HOST, "H",
     "host name the certificate is for (repeatable; per-host keystores <host>.ks)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int add_main(int argc, char **argv);

const ts_command ts_cmd_add = {
    "add",
    add_main,
    "add the certificates in files (PEM, DER, bundle, PKCS#7)",
    "FILE... [--alias A] [--host H]...",
    "Every certificate in each FILE becomes a manifest entry pinned by its SHA-256.\n"
    "A certificate already in the manifest is reported and left as it is, except that the\n"
    "--host names it does not list yet are added to its hosts.  FILE '-' is standard input.\n"
    "A certificate must be DER, as the JDK reads it: BER is refused with how to re-encode it.",
    options,
    false,
};

bool ts_host_valid(const char *h)
{
    size_t n = strlen(h);
    if ((n == 0) || (n > 253)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!isalnum(c) && (c != '.') && (c != '-') && (c != '_') && (c != '*') && (c != ':')) {
            return false;
        }
    }
    return true;
}

/* alias for the k-th new certificate of this command: A, A-2, A-3 ... unused in m */
static int next_alias(const ts_manifest *m, const char *base, size_t k, char *out, size_t size)
{
    for (size_t n = k + 1; n < k + 1000; n++) {
        if (n == 1) {
            snprintf(out, size, "%s", base);
        } else {
            snprintf(out, size, "%s-%zu", base, n);
        }
        if (ts_manifest_find_alias(m, out) < 0) {
            return 0;
        }
        if (n == 1) {
            return -1; /* the alias asked for is taken */
        }
    }
    return -1;
}

int ts_add_certs(FILE *out, ts_manifest *m, const char *subject, const ts_cert *certs, size_t n,
                 const char *alias, const char *const *hosts, size_t n_hosts, const char *source,
                 bool fetched, size_t *added, size_t *hosts_added)
{
    ts_error err;
    char when[32];
    size_t k = 0;
    time_t now = time(NULL);

    ts_now_rfc3339(when, sizeof(when));
    for (size_t i = 0; i < n; i++) {
        ts_cert_info info;
        char hex[TS_SHA256_HEX_LEN + 1];
        char want[300];
        size_t idx = 0;
        long have = ts_manifest_find_sha256(m, certs[i].sha256);

        ts_error_clear(&err);
        ts_sha256_to_hex(certs[i].sha256, hex);
        if (ts_cert_describe(&certs[i], &info, &err) != 0) {
            ts_cli_core_error(subject, &err);
            return TS_EXIT_USAGE;
        }
        if (have >= 0) {
            /* the hosts asked for are listed (per-host keystores need them); the rest of the
             * entry (alias, source, added) stays as it is */
            const char *a = m->certs[have].alias;
            size_t listed = 0;
            for (size_t h = 0; h < n_hosts; h++) {
                int r = ts_manifest_add_host(m, (size_t)have, hosts[h], &err);
                if (r < 0) {
                    ts_cli_core_error(subject, &err);
                    return TS_EXIT_USAGE;
                }
                if (r > 0) {
                    fprintf(out,
                            "already in the manifest as %s (sha256 %s): now also for host %s\n",
                            a ? a : "(derived)", hex, hosts[h]);
                    listed++;
                }
            }
            if (listed == 0) {
                fprintf(out, "already in the manifest as %s: %s (sha256 %s); nothing changed\n",
                        a ? a : "(derived)", info.subject, hex);
            }
            *hosts_added += listed;
            continue;
        }
        if (alias && (next_alias(m, alias, *added + k, want, sizeof(want)) != 0)) {
            ts_cli_error(subject, "alias '%s' is already used by another certificate", alias);
            return TS_EXIT_USAGE;
        }
        if (ts_manifest_add_cert(m, &certs[i], alias ? want : NULL, hosts, n_hosts, source, when,
                                 &idx, &err) != 0) {
            ts_cli_core_error(subject, &err);
            return TS_EXIT_USAGE;
        }
        k++;
        if (!fetched) {
            fprintf(out, "added %s\n", m->certs[idx].alias ? m->certs[idx].alias : "(derived)");
            ts_print_cert(out, "  ", &certs[i], &info);
        } else {
            fprintf(out, "added %s (sha256 %s)\n",
                    m->certs[idx].alias ? m->certs[idx].alias : "(derived)", hex);
        }
        if (n_hosts > 0) {
            fprintf(out, "  hosts:    ");
            for (size_t h = 0; h < n_hosts; h++) {
                fprintf(out, "%s%s", h ? ", " : "", hosts[h]);
            }
            fprintf(out, "\n");
        }
        ts_warn_cert(m->certs[idx].alias, &info, now);
    }
    *added += k;
    return TS_EXIT_OK;
}

static int add_main(int argc, char **argv)
{
    ts_optparse p;
    ts_edit e;
    ts_error err;
    ts_cert_list *lists = NULL;
    const char **hosts = NULL;
    size_t n_hosts = 0;
    const char *alias = NULL;
    char alias_buf[256];
    size_t added = 0;
    size_t hosts_added = 0;
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&e, 0, sizeof(e));
    e.lock_fd = -1;
    ts_error_clear(&err);
    if (ts_opt_init(&p, &ts_cmd_add, argc, argv) != 0) {
        goto end;
    }
    hosts = calloc((size_t)argc, sizeof(char *));
    if (!hosts) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        switch (o) {
        case OPT_ALIAS:
            alias = p.arg;
            break;
        case OPT_HOST:
            hosts[n_hosts++] = p.arg;
            break;
        default:
            break;
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands == 0) {
        ts_cli_error("add", "no FILE given (see 'trustshim add --help')");
        goto end;
    }
    if (alias) {
        if (!ts_alias_option(alias, alias_buf, sizeof(alias_buf))) {
            goto end;
        }
        alias = alias_buf;
    }
    for (size_t h = 0; h < n_hosts; h++) {
        if (!ts_host_valid(hosts[h])) {
            ts_cli_error("--host", "'%s' is not a host name", hosts[h]);
            goto end;
        }
    }
    /* every input is read and parsed before the manifest is touched */
    lists = calloc((size_t)p.n_operands, sizeof(*lists));
    if (!lists) {
        goto end;
    }
    for (int i = 0; i < p.n_operands; i++) {
        unsigned char *buf = NULL;
        size_t len = 0;
        int r;
        if (strcmp(p.operands[i], "-") == 0) {
            if (ts_read_stdin(TS_MANIFEST_MAX_SIZE, &buf, &len) != 0) {
                goto end;
            }
        } else if (ts_read_file(p.operands[i], TS_MANIFEST_MAX_SIZE, &buf, &len, &err) != 0) {
            ts_cli_core_error(p.operands[i], &err);
            goto end;
        }
        r = ts_certs_parse(buf, len, &lists[i], &err);
        free(buf);
        if (r != 0) {
            ts_cli_core_error(p.operands[i], &err);
            goto end;
        }
    }
    ret = ts_edit_begin(&e, ts_manifest_path());
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    ret = TS_EXIT_USAGE;
    for (int i = 0; i < p.n_operands; i++) {
        char abs[4096];
        char source[4200];
        if (strcmp(p.operands[i], "-") == 0) {
            snprintf(abs, sizeof(abs), "(standard input)");
        } else if (ts_absolute_path(p.operands[i], abs, sizeof(abs)) != 0) {
            snprintf(abs, sizeof(abs), "%s", p.operands[i]);
        }
        snprintf(source, sizeof(source), "add %s", abs);
        if (ts_add_certs(e.report, &e.m, p.operands[i], lists[i].items, lists[i].count, alias,
                         hosts, n_hosts, source, false, &added, &hosts_added) != TS_EXIT_OK) {
            goto end;
        }
    }
    ret = ts_edit_finish(&e, (added > 0) || (hosts_added > 0));
end:
    ts_edit_end(&e);
    if (lists) {
        for (int i = 0; i < p.n_operands; i++) {
            ts_cert_list_free(&lists[i]);
        }
        free(lists);
    }
    free(hosts);
    ts_opt_free(&p);
    return ret;
}
