/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim check: is the manifest sound, and what would each JDK be served? */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "merge.h"

enum { OPT_STRICT = 1, OPT_JSON };

static const ts_option options[] = {
    {"strict", 0, TS_OPT_FLAG, OPT_STRICT, NULL, "exit 1 when there are warnings"},
    {"json", 0, TS_OPT_FLAG, OPT_JSON, NULL,
     "print the result as a JSON object (warnings and errors still go to stderr)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int check_main(int argc, char **argv);

const ts_command ts_cmd_check = {
    "check",
    check_main,
    "validate the manifest and show what each JDK found would be served",
    "[--strict] [--json]",
    "Checks the syntax, the pins, and the ownership and permissions of the manifest and of\n"
    "the files it names, as the library enforces them for this user; warns about\n"
    "certificates that expire within 30 days; lists the JDKs found (/usr/lib/jvm,\n"
    "JAVA_HOME, PATH) with what each would be served.\n"
    "--json prints {\"manifest\", \"certificates\", \"distrusted\", \"warnings\", \"jdks\": "
    "[{\"java_home\",\n"
    "\"cacerts\", \"base\", \"added\", \"duplicates\", \"distrusted\", \"served\"}]}.\n"
    "Exit status: 0 sound, 2 errors, 1 warnings with --strict.",
    options,
    false,
};

/* What one JDK would be served. */
typedef struct jdk_row {
    const char *home;
    char cacerts[4096];
    ts_merge_summary s;
} jdk_row;

/* Fills rows (one per JDK whose cacerts loads; *n_rows of them); returns the number of warnings. */
static int check_jdks(const ts_manifest *m, const ts_jdk_list *jdks, jdk_row *rows, size_t *n_rows)
{
    int warnings = 0;
    int64_t timestamp_ms = ts_timestamp_ms();

    *n_rows = 0;
    if (jdks->count == 0) {
        ts_cli_warn("check", "no JDK found in /usr/lib/jvm, JAVA_HOME or PATH");
        return 1;
    }
    for (size_t i = 0; i < jdks->count; i++) {
        jdk_row *r = &rows[*n_rows];
        ts_keystore base;
        ts_keystore out;
        ts_merge_opts mo;
        ts_error err;
        memset(&base, 0, sizeof(base));
        memset(&out, 0, sizeof(out));
        memset(&mo, 0, sizeof(mo));
        ts_error_clear(&err);
        mo.timestamp_ms = timestamp_ms;
        r->home = jdks->homes[i];
        if (ts_jdk_cacerts(jdks->homes[i], r->cacerts, sizeof(r->cacerts)) != 0) {
            continue;
        }
        if ((ts_load_keystore(r->cacerts, NULL, &base) != TS_EXIT_OK) ||
            (ts_merge(&base, m, &mo, &out, &r->s, &err) != 0)) {
            if (err.what[0]) {
                ts_cli_core_error(r->cacerts, &err);
            }
            warnings++;
        } else {
            (*n_rows)++;
        }
        ts_keystore_free(&base);
        ts_keystore_free(&out);
    }
    return warnings;
}

static void print_table(const jdk_row *rows, size_t n)
{
    ts_table t;
    const char *head[] = {"JDK", "CACERTS", "BASE", "ADDED", "DUPLICATES", "DISTRUSTED", "SERVED"};

    if (n == 0) {
        return;
    }
    ts_table_init(&t, 7);
    ts_table_row(&t, head);
    for (size_t i = 0; i < n; i++) {
        char num[5][32];
        const char *row[7];
        snprintf(num[0], sizeof(num[0]), "%zu", rows[i].s.base);
        snprintf(num[1], sizeof(num[1]), "%zu", rows[i].s.added);
        snprintf(num[2], sizeof(num[2]), "%zu", rows[i].s.duplicates);
        snprintf(num[3], sizeof(num[3]), "%zu", rows[i].s.distrusted);
        snprintf(num[4], sizeof(num[4]), "%zu", rows[i].s.total);
        row[0] = rows[i].home;
        row[1] = rows[i].cacerts;
        for (size_t k = 0; k < 5; k++) {
            row[2 + k] = num[k];
        }
        ts_table_row(&t, row);
    }
    ts_table_print(&t, stdout);
    ts_table_free(&t);
}

static void print_json(const char *path, const ts_manifest *m, int warnings, const jdk_row *rows,
                       size_t n)
{
    printf("{\"manifest\": ");
    ts_json_string(stdout, path);
    printf(", \"certificates\": %zu, \"distrusted\": %zu, \"warnings\": %d, \"jdks\": [",
           m->n_certs, m->n_distrust, warnings);
    for (size_t i = 0; i < n; i++) {
        printf("%s\n  {\"java_home\": ", i ? "," : "");
        ts_json_string(stdout, rows[i].home);
        printf(", \"cacerts\": ");
        ts_json_string(stdout, rows[i].cacerts);
        printf(", \"base\": %zu, \"added\": %zu, \"duplicates\": %zu, \"distrusted\": %zu, "
               "\"served\": %zu}",
               rows[i].s.base, rows[i].s.added, rows[i].s.duplicates, rows[i].s.distrusted,
               rows[i].s.total);
    }
    printf("%s]}\n", n ? "\n" : "");
}

static int check_main(int argc, char **argv)
{
    ts_optparse p;
    ts_manifest m;
    ts_error err;
    bool strict = false;
    bool json = false;
    bool loaded = false;
    ts_jdk_list jdks;
    jdk_row *rows = NULL;
    size_t n_rows = 0;
    int warnings = 0;
    time_t now = time(NULL);
    const char *path;
    int o;
    int ret = TS_EXIT_USAGE;

    ts_error_clear(&err);
    memset(&jdks, 0, sizeof(jdks));
    if (ts_opt_init(&p, &ts_cmd_check, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_STRICT) {
            strict = true;
        } else if (o == OPT_JSON) {
            json = true;
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands > 0) {
        ts_cli_error("check", "unexpected argument '%s'", p.operands[0]);
        goto end;
    }
    path = ts_manifest_path();
    if (ts_check_for_library(path, &m) != TS_EXIT_OK) {
        goto end;
    }
    loaded = true;
    for (size_t i = 0; i < m.n_certs; i++) {
        ts_cert_info info;
        char subject[400];
        char date[64];
        long days;
        snprintf(subject, sizeof(subject), "%s: certificates[%zu] (%s)", path, i,
                 m.certs[i].alias ? m.certs[i].alias : "derived alias");
        if (ts_cert_describe(&m.certs[i].cert, &info, &err) != 0) {
            ts_cli_core_error(subject, &err);
            goto end;
        }
        days = ts_days_until(info.not_after, now);
        ts_format_date(info.not_after, date, sizeof(date));
        if (info.not_after < now) {
            ts_cli_warn(subject, "expired on %s", date);
            warnings++;
        } else if (days < 30) {
            ts_cli_warn(subject, "expires in %ld day%s (%s)", days, days == 1 ? "" : "s", date);
            warnings++;
        }
        if (info.not_before > now) {
            ts_format_date(info.not_before, date, sizeof(date));
            ts_cli_warn(subject, "not valid before %s", date);
            warnings++;
        }
    }
    if (ts_find_jdks(&jdks) != 0 ||
        (jdks.count > 0 && (rows = calloc(jdks.count, sizeof(*rows))) == NULL)) {
        ts_cli_error("check", "out of memory");
        ret = TS_EXIT_FAIL;
        goto end;
    }
    warnings += check_jdks(&m, &jdks, rows, &n_rows);
    if (json) {
        print_json(path, &m, warnings, rows, n_rows);
    } else {
        printf("manifest %s: sound (%zu certificate%s, %zu distrusted)\n", path, m.n_certs,
               m.n_certs == 1 ? "" : "s", m.n_distrust);
        print_table(rows, n_rows);
        if (warnings > 0) {
            printf("%d warning%s\n", warnings, warnings == 1 ? "" : "s");
        }
    }
    ret = (strict && (warnings > 0)) ? TS_EXIT_FAIL : TS_EXIT_OK;
end:
    free(rows);
    ts_jdk_list_free(&jdks);
    if (loaded) {
        ts_manifest_free(&m);
    }
    ts_opt_free(&p);
    return ret;
}
