/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim check: is the manifest sound, and what would each JDK be served? */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "merge.h"

enum { OPT_STRICT = 1 };

static const ts_option options[] = {
    {"strict", 0, TS_OPT_FLAG, OPT_STRICT, NULL, "exit 1 when there are warnings"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int check_main(int argc, char **argv);

const ts_command ts_cmd_check = {
    "check",
    check_main,
    "validate the manifest and show what each JDK found would be served",
    "[--strict]",
    "Checks the syntax, the pins, and the ownership and permissions of the manifest and of\n"
    "the files it names, as the library enforces them for this user; warns about\n"
    "certificates that expire within 30 days; lists the JDKs found (/usr/lib/jvm,\n"
    "JAVA_HOME, PATH) with what each would be served.\n"
    "Exit status: 0 sound, 2 errors, 1 warnings with --strict.",
    options,
    false,
};

static int check_jdks(const ts_manifest *m)
{
    ts_jdk_list jdks;
    ts_table t;
    const char *head[] = {"JDK", "CACERTS", "BASE", "ADDED", "DUPLICATES", "DISTRUSTED", "SERVED"};
    int warnings = 0;

    if (ts_find_jdks(&jdks) != 0) {
        ts_cli_warn("check", "out of memory listing the JDKs");
        ts_jdk_list_free(&jdks);
        return 1;
    }
    if (jdks.count == 0) {
        ts_cli_warn("check", "no JDK found in /usr/lib/jvm, JAVA_HOME or PATH");
        ts_jdk_list_free(&jdks);
        return 1;
    }
    ts_table_init(&t, 7);
    ts_table_row(&t, head);
    for (size_t i = 0; i < jdks.count; i++) {
        char cacerts[4096];
        ts_keystore base;
        ts_keystore out;
        ts_merge_opts mo;
        ts_merge_summary s;
        ts_error err;
        char n[5][32];
        const char *row[7];
        memset(&base, 0, sizeof(base));
        memset(&out, 0, sizeof(out));
        memset(&mo, 0, sizeof(mo));
        ts_error_clear(&err);
        mo.timestamp_ms = ts_timestamp_ms();
        if (ts_jdk_cacerts(jdks.homes[i], cacerts, sizeof(cacerts)) != 0) {
            continue;
        }
        if ((ts_load_keystore(cacerts, NULL, &base) != TS_EXIT_OK) ||
            (ts_merge(&base, m, &mo, &out, &s, &err) != 0)) {
            if (err.what[0]) {
                ts_cli_core_error(cacerts, &err);
            }
            warnings++;
            ts_keystore_free(&base);
            ts_keystore_free(&out);
            continue;
        }
        snprintf(n[0], sizeof(n[0]), "%zu", s.base);
        snprintf(n[1], sizeof(n[1]), "%zu", s.added);
        snprintf(n[2], sizeof(n[2]), "%zu", s.duplicates);
        snprintf(n[3], sizeof(n[3]), "%zu", s.distrusted);
        snprintf(n[4], sizeof(n[4]), "%zu", s.total);
        row[0] = jdks.homes[i];
        row[1] = cacerts;
        row[2] = n[0];
        row[3] = n[1];
        row[4] = n[2];
        row[5] = n[3];
        row[6] = n[4];
        ts_table_row(&t, row);
        ts_keystore_free(&base);
        ts_keystore_free(&out);
    }
    ts_table_print(&t, stdout);
    ts_table_free(&t);
    ts_jdk_list_free(&jdks);
    return warnings;
}

static int check_main(int argc, char **argv)
{
    ts_optparse p;
    ts_manifest m;
    ts_error err;
    bool strict = false;
    bool loaded = false;
    int warnings = 0;
    time_t now = time(NULL);
    const char *path;
    int o;
    int ret = TS_EXIT_USAGE;

    ts_error_clear(&err);
    if (ts_opt_init(&p, &ts_cmd_check, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_STRICT) {
            strict = true;
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
    printf("manifest %s: sound (%zu certificates, %zu distrusted)\n", path, m.n_certs,
           m.n_distrust);
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
    warnings += check_jdks(&m);
    if (warnings > 0) {
        printf("%d warning%s\n", warnings, warnings == 1 ? "" : "s");
    }
    ret = (strict && (warnings > 0)) ? TS_EXIT_FAIL : TS_EXIT_OK;
end:
    if (loaded) {
        ts_manifest_free(&m);
    }
    ts_opt_free(&p);
    return ret;
}
