/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim check: is the manifest sound, and what would each JDK be served? */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "merge.h"
#include "store.h"

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
    "JAVA_HOME, PATH) with what each would be served, and warns about each of them and each\n"
    "existing target and <host>.ks of the keystore directories (the manifest's, then\n"
    "$ALLEGRA_HOME/keystore, $TRACKPLUS_HOME/keystore, $HOME/trackplus/keystore) that the\n"
    "library could not serve (it would serve the file unchanged), with the reason (no or\n"
    "wrong password, damaged file, an algorithm that cannot run) and what fixes it.\n"
    "--json prints {\"manifest\", \"certificates\", \"distrusted\", \"warnings\", \"messages\"\n"
    "(the warning lines), \"jdks\": [{\"java_home\",\n"
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

/* What fixes a store that cannot be served, for the warning line. */
static const char *fix_hint(ts_store_fail why, const char *password_setting)
{
    switch (why) {
    case TS_STORE_PASSWORD:
    case TS_STORE_INTEGRITY:
        return password_setting;
    default:
        return NULL;
    }
}

/*
 * Builds what the library would serve for the file at path; 0, or -1 after one
 * warning saying why it would be served unchanged (or could not be read).
 */
static int try_serve(const char *path, const ts_manifest *m, const char *password, bool merge,
                     const ts_keystore *also_trust, const char *host, const char *password_setting,
                     ts_merge_summary *sum)
{
    ts_store_in in;
    ts_store_fail why = TS_STORE_OK;
    ts_error err;
    unsigned char *base = NULL, *out = NULL;
    size_t base_len = 0, out_len = 0;
    char line[2048];
    int rc;

    ts_error_clear(&err);
    if (ts_read_file(path, TS_MANIFEST_MAX_SIZE, &base, &base_len, &err) != 0) {
        ts_cli_warn(path, "cannot be read: %s", ts_error_str(&err, line, sizeof(line)));
        return -1;
    }
    memset(&in, 0, sizeof(in));
    in.base = base;
    in.base_len = base_len;
    in.password = password;
    in.password_guessed = password == m->password; /* as the library: one for every store */
    in.m = m;
    in.merge = merge;
    in.also_trust = also_trust;
    in.host = host;
    in.timestamp_ms = ts_timestamp_ms();
    in.format = m->format;
    rc = ts_store_build(&in, &out, &out_len, sum, &why, &err);
    if (rc != 0 && why == TS_STORE_CONVERT) {
        /* As the library does: a store holding keys keeps its own format. */
        in.format = TS_FORMAT_UNKNOWN;
        rc = ts_store_build(&in, &out, &out_len, sum, &why, &err);
    }
    if (rc != 0) {
        const char *hint = fix_hint(why, password_setting);

        ts_cli_warn(path, "not served, the JVM gets the file unchanged (%s: %s)%s%s",
                    ts_store_fail_name(why), ts_error_str(&err, line, sizeof(line)),
                    hint != NULL ? "; " : "", hint != NULL ? hint : "");
    }
    free(base);
    free(out);
    return rc;
}

/* Every existing target: warns about each one the library could not serve. */
static int check_targets(const ts_manifest *m)
{
    int warnings = 0;

    for (size_t i = 0; i < m->n_targets; i++) {
        const ts_target *t = &m->targets[i];
        ts_merge_summary sum;
        char setting[64];

        if (access(t->path, F_OK) != 0) {
            continue; /* nothing to serve in place of */
        }
        snprintf(setting, sizeof(setting), "set targets[%zu].password", i);
        if (try_serve(t->path, m, t->password != NULL ? t->password : m->password, t->merge, NULL,
                      NULL, setting, &sum) != 0) {
            warnings++;
        }
    }
    return warnings;
}

/*
 * The stores of one keystore directory, built as the library serves them: with the JVM's whole
 * trust (jre) unless host_only, with the directory's password (else the manifest's).
 */
static int check_dir(const ts_manifest *m, const char *dir, const char *password, bool host_only,
                     const ts_keystore *jre, const char *setting)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int warnings = 0;

    if (d == NULL) {
        return 0; /* no directory: nothing is served in place of a file */
    }
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        char path[4096], host[256];
        struct stat st;
        ts_merge_summary sum;

        if (de->d_name[0] == '.' || n <= 3 || strcmp(de->d_name + n - 3, ".ks") != 0 ||
            n - 3 >= sizeof(host) ||
            (size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path) ||
            stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        memcpy(host, de->d_name, n - 3);
        host[n - 3] = '\0';
        if (try_serve(path, m, password != NULL ? password : m->password, true,
                      host_only ? NULL : jre, host_only ? host : NULL, setting, &sum) != 0) {
            warnings++;
        }
    }
    closedir(d);
    return warnings;
}

/* Every existing <host>.ks of the keystore directories the library looks at: the manifest's,
 * then $ALLEGRA_HOME/keystore, $TRACKPLUS_HOME/keystore, $HOME/trackplus/keystore. */
static int check_keystore_dirs(const ts_manifest *m, const ts_jdk_list *jdks)
{
    const char *env[] = {"ALLEGRA_HOME", "TRACKPLUS_HOME", "HOME"};
    char seen[8][4096];
    size_t n_seen = 0;
    ts_keystore jre;
    bool have_jre = false;
    int warnings = 0;

    memset(&jre, 0, sizeof(jre));
    if (jdks->count > 0) {
        char cacerts[4096];
        unsigned char *buf = NULL;
        size_t len = 0;
        ts_error err;

        ts_error_clear(&err);
        /* As the library: the JRE's store read without a password, its trusted entries. */
        if (ts_jdk_cacerts(jdks->homes[0], cacerts, sizeof(cacerts)) == 0 &&
            ts_read_file(cacerts, TS_MANIFEST_MAX_SIZE, &buf, &len, &err) == 0) {
            have_jre = ts_keystore_decode(buf, len, NULL, &jre, &err) == 0;
        }
        free(buf);
    }
    for (size_t i = 0; i < m->n_keystore_dirs + 3; i++) {
        const ts_keystore_dir *kd = i < m->n_keystore_dirs ? &m->keystore_dirs[i] : NULL;
        char dir[4096], real[PATH_MAX], setting[4200];
        bool dup = false;

        if (kd != NULL) {
            snprintf(dir, sizeof(dir), "%s", kd->path);
            snprintf(setting, sizeof(setting), "set keystore_dirs[%zu].password", i);
        } else {
            const char *v = getenv(env[i - m->n_keystore_dirs]);

            if (v == NULL || v[0] != '/' ||
                (size_t)snprintf(dir, sizeof(dir), "%s%s/keystore", v,
                                 strcmp(env[i - m->n_keystore_dirs], "HOME") == 0
                                     ? "/trackplus"
                                     : "") >= sizeof(dir)) {
                continue;
            }
            snprintf(setting, sizeof(setting), "list %s in keystore_dirs with its password", dir);
        }
        if (realpath(dir, real) == NULL) {
            continue;
        }
        for (size_t k = 0; k < n_seen; k++) {
            dup = dup || strcmp(seen[k], real) == 0;
        }
        if (dup || n_seen == sizeof(seen) / sizeof(seen[0])) {
            continue; /* the first naming wins, as in the library */
        }
        snprintf(seen[n_seen++], sizeof(seen[0]), "%s", real);
        warnings += check_dir(m, dir, kd != NULL ? kd->password : NULL,
                              kd != NULL && kd->trust == TS_DIR_TRUST_HOST, have_jre ? &jre : NULL,
                              setting);
    }
    ts_keystore_free(&jre);
    return warnings;
}

/* Fills rows (one per JDK whose cacerts can be served; *n_rows of them); returns the number of
 * warnings. */
static int check_jdks(const ts_manifest *m, const ts_jdk_list *jdks, jdk_row *rows, size_t *n_rows)
{
    int warnings = 0;

    *n_rows = 0;
    if (jdks->count == 0) {
        ts_cli_warn("check", "no JDK found in /usr/lib/jvm, JAVA_HOME or PATH");
        return 1;
    }
    for (size_t i = 0; i < jdks->count; i++) {
        jdk_row *r = &rows[*n_rows];

        r->home = jdks->homes[i];
        if (ts_jdk_cacerts(jdks->homes[i], r->cacerts, sizeof(r->cacerts)) != 0) {
            continue;
        }
        /* The library's password for cacerts when the JVM names none: the manifest's. */
        if (try_serve(r->cacerts, m, m->password, true, NULL, NULL,
                      "set the manifest's \"password\"", &r->s) != 0) {
            warnings++;
        } else {
            (*n_rows)++;
        }
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

/* The warning lines said (text after "trustshim: warning: "), as a JSON array of strings. */
static void print_messages(const char *text)
{
    static const char prefix[] = "trustshim: warning: ";
    bool first = true;
    printf("[");
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        size_t len = nl ? (size_t)(nl - text) : strlen(text);
        char *line = strndup(text, len);
        if (line) {
            const char *m =
                (strncmp(line, prefix, sizeof(prefix) - 1) == 0) ? line + sizeof(prefix) - 1 : line;
            printf("%s\n    ", first ? "" : ",");
            ts_json_string(stdout, m);
            first = false;
            free(line);
        }
        text += len + (nl ? 1 : 0);
    }
    printf("%s]", first ? "" : "\n  ");
}

static void print_json(const char *path, const ts_manifest *m, int warnings, const char *messages,
                       const jdk_row *rows, size_t n)
{
    printf("{\"manifest\": ");
    ts_json_string(stdout, path);
    printf(", \"certificates\": %zu, \"distrusted\": %zu, \"warnings\": %d, \"messages\": ",
           m->n_certs, m->n_distrust, warnings);
    print_messages(messages);
    printf(", \"jdks\": [");
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
    char *said = NULL; /* --json: the warnings, also given in the object */
    size_t said_len = 0;
    FILE *said_f = NULL;
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
    if (json) {
        said_f = open_memstream(&said, &said_len);
        ts_cli_defer_warnings(said_f);
    }
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
    warnings += check_targets(&m);
    warnings += check_keystore_dirs(&m, &jdks);
    if (json) {
        ts_cli_defer_warnings(NULL);
        if (said_f) {
            fclose(said_f);
            said_f = NULL;
        }
        print_json(path, &m, warnings, said, rows, n_rows);
        fputs(said ? said : "", stderr);
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
    ts_cli_defer_warnings(NULL);
    if (said_f) {
        /* an error ended the check: the warnings before it still count */
        fclose(said_f);
        fputs(said ? said : "", stderr);
    }
    free(said);
    free(rows);
    ts_jdk_list_free(&jdks);
    if (loaded) {
        ts_manifest_free(&m);
    }
    ts_opt_free(&p);
    return ret;
}
