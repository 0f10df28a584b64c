/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim list: what the manifest holds. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "merge.h"

enum { OPT_JSON = 1 };

static const ts_option options[] = {
    {"json", 0, TS_OPT_FLAG, OPT_JSON, NULL,
     "print a JSON object: certificates, an array of objects (alias, sha256, subject, issuer, "
     "not_before, not_after, days_left, hosts, source, added), and distrusted, the SHA-256 "
     "fingerprints hidden from the base"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int list_main(int argc, char **argv);

const ts_command ts_cmd_list = {
    "list", list_main, "list the manifest's certificates", "[--json]", NULL, options, false,
};

void ts_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20) {
                fprintf(out, "\\u%04x", *p);
            } else {
                fputc(*p, out);
            }
        }
    }
    fputc('"', out);
}

static void rfc3339(time_t t, char *out, size_t size)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || (strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)) {
        snprintf(out, size, "?");
    }
}

/* The alias an entry has or will get (the core derives missing ones at merge, as here). */
static void shown_alias(const ts_manifest_cert *c, char *out, size_t size)
{
    char alias[TS_ALIAS_MAX + 1];

    ts_manifest_cert_alias(c, alias);
    snprintf(out, size, "%s", alias);
}

static void print_json(const ts_manifest *m, const ts_cert_info *infos, time_t now)
{
    printf("{\"certificates\": [");
    for (size_t i = 0; i < m->n_certs; i++) {
        const ts_manifest_cert *c = &m->certs[i];
        char hex[TS_SHA256_HEX_LEN + 1];
        char alias[300];
        char nb[40];
        char na[40];
        ts_sha256_to_hex(c->sha256, hex);
        shown_alias(c, alias, sizeof(alias));
        rfc3339(infos[i].not_before, nb, sizeof(nb));
        rfc3339(infos[i].not_after, na, sizeof(na));
        printf("%s\n  {\"alias\": ", i ? "," : "");
        ts_json_string(stdout, alias);
        printf(", \"sha256\": \"%s\", \"subject\": ", hex);
        ts_json_string(stdout, infos[i].subject);
        printf(", \"issuer\": ");
        ts_json_string(stdout, infos[i].issuer);
        printf(", \"not_before\": \"%s\", \"not_after\": \"%s\", \"days_left\": %ld, \"hosts\": [",
               nb, na, ts_days_until(infos[i].not_after, now));
        for (size_t h = 0; h < c->n_hosts; h++) {
            printf("%s", h ? ", " : "");
            ts_json_string(stdout, c->hosts[h]);
        }
        printf("], \"source\": ");
        if (c->source) {
            ts_json_string(stdout, c->source);
        } else {
            printf("null");
        }
        printf(", \"added\": ");
        if (c->added) {
            ts_json_string(stdout, c->added);
        } else {
            printf("null");
        }
        printf("}");
    }
    printf("%s], \"distrusted\": [", m->n_certs ? "\n" : "");
    for (size_t i = 0; i < m->n_distrust; i++) {
        char hex[TS_SHA256_HEX_LEN + 1];
        ts_sha256_to_hex(m->distrust[i], hex);
        printf("%s\n  \"%s\"", i ? "," : "", hex);
    }
    printf("%s]}\n", m->n_distrust ? "\n" : "");
}

static int print_table(const ts_manifest *m, const ts_cert_info *infos, time_t now)
{
    ts_table t;
    const char *head[] = {"ALIAS", "SUBJECT", "DAYS LEFT", "SHA256", "HOSTS"};
    int ret = -1;
    ts_table_init(&t, 5);
    if (ts_table_row(&t, head) != 0) {
        goto end;
    }
    for (size_t i = 0; i < m->n_certs; i++) {
        const ts_manifest_cert *c = &m->certs[i];
        char hex[TS_SHA256_HEX_LEN + 1];
        char alias[300];
        char days[32];
        char hosts[1024] = "";
        const char *row[5];
        ts_sha256_to_hex(c->sha256, hex);
        hex[16] = '\0';
        shown_alias(c, alias, sizeof(alias));
        if (infos[i].not_after < now) {
            snprintf(days, sizeof(days), "expired");
        } else {
            snprintf(days, sizeof(days), "%ld", ts_days_until(infos[i].not_after, now));
        }
        for (size_t h = 0; h < c->n_hosts; h++) {
            size_t used = strlen(hosts);
            snprintf(hosts + used, sizeof(hosts) - used, "%s%s", h ? "," : "", c->hosts[h]);
        }
        row[0] = alias;
        row[1] = infos[i].subject;
        row[2] = days;
        row[3] = hex;
        row[4] = hosts[0] ? hosts : "-";
        if (ts_table_row(&t, row) != 0) {
            goto end;
        }
    }
    ts_table_print(&t, stdout);
    for (size_t i = 0; i < m->n_distrust; i++) {
        char hex[TS_SHA256_HEX_LEN + 1];
        ts_sha256_to_hex(m->distrust[i], hex);
        printf("distrusted: %s\n", hex);
    }
    ret = 0;
end:
    ts_table_free(&t);
    return ret;
}

static int list_main(int argc, char **argv)
{
    ts_optparse p;
    ts_manifest m;
    ts_error err;
    ts_cert_info *infos = NULL;
    bool json = false;
    bool loaded = false;
    time_t now = time(NULL);
    int o;
    int ret = TS_EXIT_USAGE;
    const char *path = ts_manifest_path();

    if (ts_opt_init(&p, &ts_cmd_list, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_JSON) {
            json = true;
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    path = ts_manifest_path();
    if (p.n_operands > 0) {
        ts_cli_error("list", "unexpected argument '%s'", p.operands[0]);
        goto end;
    }
    if (ts_load_manifest_or_report(path, &m) != TS_EXIT_OK) {
        goto end;
    }
    loaded = true;
    infos = calloc(m.n_certs + 1, sizeof(*infos));
    if (!infos) {
        goto end;
    }
    for (size_t i = 0; i < m.n_certs; i++) {
        ts_error_clear(&err);
        if (ts_cert_describe(&m.certs[i].cert, &infos[i], &err) != 0) {
            char where[64];
            snprintf(where, sizeof(where), "certificates[%zu]", i);
            ts_error_set_file(&err, path);
            snprintf(err.where, sizeof(err.where), "%s", where);
            ts_cli_core_error(path, &err);
            goto end;
        }
    }
    if (json) {
        print_json(&m, infos, now);
    } else if (print_table(&m, infos, now) != 0) {
        goto end;
    }
    ret = TS_EXIT_OK;
end:
    free(infos);
    if (loaded) {
        ts_manifest_free(&m);
    }
    ts_opt_free(&p);
    return ret;
}
