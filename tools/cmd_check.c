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

enum { OPT_STRICT = 1, OPT_JSON, OPT_ALLEGRA_HOME };

static const ts_option options[] = {
    {"strict", 0, TS_OPT_FLAG, OPT_STRICT, NULL, "exit 1 when there are warnings"},
    {"allegra-home", 0, TS_OPT_VALUE, OPT_ALLEGRA_HOME, "DIR",
     "also check DIR/keystore, the ALLEGRA_HOME of a JVM whose environment this is not"},
    {"json", 0, TS_OPT_FLAG, OPT_JSON, NULL,
     "print the result as a JSON object (warnings and errors still go to stderr)"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int check_main(int argc, char **argv);

const ts_command ts_cmd_check = {
    "check",
    check_main,
    "validate the manifest and show what each JDK found would be served",
    "[--strict] [--json] [--allegra-home DIR]",
    "Checks the syntax, the pins, and the ownership and permissions of the manifest and of\n"
    "the files it names, as the library enforces them for this user; warns about\n"
    "certificates that expire within 30 days; lists the JDKs found (/usr/lib/jvm,\n"
    "JAVA_HOME, PATH) with what each would be served, and warns about each of them and each\n"
    "existing target and <host>.ks of the keystore directories that the library could not\n"
    "serve (it would serve the file unchanged), with the reason (no or wrong password,\n"
    "damaged file, an algorithm that cannot run) and what fixes it.  The keystore\n"
    "directories are the library's: the manifest's, then $ALLEGRA_HOME/keystore,\n"
    "$TRACKPLUS_HOME/keystore, the same two given as -DALLEGRA_HOME=... or\n"
    "-DTRACKPLUS_HOME=... in the JVM options this environment gives a JVM (JAVA_OPTS and\n"
    "CATALINA_OPTS as catalina.sh passes them, JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS,\n"
    "_JAVA_OPTIONS, @argfiles), $HOME/trackplus/keystore; run check where setenv.sh has\n"
    "been sourced, or name the home with --allegra-home.\n"
    "--json prints {\"manifest\", \"certificates\", \"distrusted\", \"warnings\", \"messages\"\n"
    "(the warning lines), \"keystore_dirs\": [{\"path\", \"from\"}] (those checked),\n"
    "\"jdks\": [{\"java_home\", \"cacerts\", \"base\", \"added\", \"duplicates\",\n"
    "\"distrusted\", \"served\"}]}.\n"
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

/* A keystore directory to check, and where it was named (for the list and the fix). */
typedef struct dir_source {
    char dir[4096];
    const ts_keystore_dir *kd; /* the manifest's entry, or NULL */
    char from[64];             /* "keystore_dirs[0]", "--allegra-home", "-DALLEGRA_HOME" ... */
    bool refused;              /* unsafe: the library serves nothing from it */
} dir_source;

/* A new zeroed entry at the end of *v; NULL when out of memory. */
static dir_source *push_source(dir_source **v, size_t *n)
{
    dir_source *grown = realloc(*v, (*n + 1) * sizeof(**v));

    if (grown == NULL) {
        return NULL;
    }
    *v = grown;
    memset(&grown[*n], 0, sizeof(grown[*n]));
    return &grown[(*n)++];
}

/* Appends HOME's keystore directory (HOME + suffix + "/keystore") when HOME is given; false when
 * out of memory.  A relative HOME is taken from this working directory, as the library takes it
 * from the JVM's. */
static bool add_source(dir_source **v, size_t *n, const char *home, const char *suffix,
                       const char *from)
{
    dir_source *d;

    if ((home == NULL) || (home[0] == '\0')) {
        return true;
    }
    d = push_source(v, n);
    if (d == NULL) {
        return false;
    }
    snprintf(d->from, sizeof(d->from), "%s", from);
    if ((size_t)snprintf(d->dir, sizeof(d->dir), "%s%s/keystore", home, suffix) >= sizeof(d->dir)) {
        ts_cli_warn(from, "keystore directory not checked: longer than %zu bytes: %s",
                    sizeof(d->dir), home);
        (*n)--;
    }
    return true;
}

/*
 * The keystore directories the library looks at, in its order: the manifest's, then (the
 * --allegra-home given to check,) $ALLEGRA_HOME/keystore, $TRACKPLUS_HOME/keystore, the same
 * two given as -D options of the JVM (from the environment a setenv.sh leaves: JAVA_OPTS,
 * CATALINA_OPTS, JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, _JAVA_OPTIONS), $HOME/trackplus/keystore.
 * NULL when out of memory.
 */
static dir_source *keystore_dirs(const ts_manifest *m, const char *allegra_home, size_t *n)
{
    const char *home = getenv("HOME");
    dir_source *v = NULL;
    ts_jvm_props props;
    bool ok = true;

    *n = 0;
    ok = (ts_env_jvm_props(&props) == 0);
    for (size_t i = 0; ok && (i < m->n_keystore_dirs); i++) {
        dir_source *d = push_source(&v, n);
        ok = (d != NULL);
        if (ok) {
            snprintf(d->dir, sizeof(d->dir), "%s", m->keystore_dirs[i].path);
            snprintf(d->from, sizeof(d->from), "keystore_dirs[%zu]", i);
            d->kd = &m->keystore_dirs[i];
        }
    }
    ok = ok && add_source(&v, n, allegra_home, "", "--allegra-home") &&
         add_source(&v, n, getenv("ALLEGRA_HOME"), "", "ALLEGRA_HOME") &&
         add_source(&v, n, getenv("TRACKPLUS_HOME"), "", "TRACKPLUS_HOME") &&
         add_source(&v, n, props.allegra_home, "", "-DALLEGRA_HOME") &&
         add_source(&v, n, props.trackplus_home, "", "-DTRACKPLUS_HOME") &&
         add_source(&v, n, ((home != NULL) && (home[0] == '/')) ? home : NULL, "/trackplus",
                    "$HOME/trackplus");
    ts_jvm_props_free(&props);
    if (!ok) {
        free(v);
        return NULL;
    }
    return v;
}

/*
 * Every existing <host>.ks of the keystore directories the library looks at (keystore_dirs()),
 * each existing directory once, under its first naming as in the library.  Each one checked is
 * put in checked (its path and where it was named).  Returns the number of warnings, or -1 when
 * out of memory.
 */
static int check_keystore_dirs(const ts_manifest *m, const ts_jdk_list *jdks,
                               const char *allegra_home, dir_source **checked, size_t *n_checked)
{
    size_t n = 0;
    dir_source *dirs = keystore_dirs(m, allegra_home, &n);
    char(*seen)[PATH_MAX] = NULL;
    ts_keystore jre;
    bool have_jre = false;
    int warnings = 0;

    *checked = NULL;
    *n_checked = 0;
    if ((dirs == NULL) || ((n > 0) && ((seen = calloc(n, sizeof(*seen))) == NULL))) {
        free(dirs);
        return -1;
    }
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
    for (size_t i = 0; i < n; i++) {
        const ts_keystore_dir *kd = dirs[i].kd;
        char setting[4200];
        bool dup = false;

        if (kd != NULL) {
            snprintf(setting, sizeof(setting), "set %s.password", dirs[i].from);
        } else {
            snprintf(setting, sizeof(setting), "list %s in keystore_dirs with its password",
                     dirs[i].dir);
        }
        if (realpath(dirs[i].dir, seen[*n_checked]) == NULL) {
            continue;
        }
        for (size_t k = 0; k < *n_checked; k++) {
            dup = dup || strcmp(seen[k], seen[*n_checked]) == 0;
        }
        if (dup) {
            continue; /* the first naming wins, as in the library */
        }
        dirs[(*n_checked)++] = dirs[i];
        ts_error err;
        ts_error_clear(&err);
        /* As the library: a directory another user could plant a <host>.ks in is refused. */
        if (ts_dir_check_safe(dirs[i].dir, geteuid(), &err) != 0) {
            char line[2048];
            ts_cli_warn(dirs[i].from,
                        "keystore directory refused, nothing in it is served (as the library "
                        "does): %s",
                        ts_error_str(&err, line, sizeof(line)));
            dirs[*n_checked - 1].refused = true;
            warnings++;
            continue;
        }
        warnings += check_dir(m, dirs[i].dir, kd != NULL ? kd->password : NULL,
                              kd != NULL && kd->trust == TS_DIR_TRUST_HOST, have_jre ? &jre : NULL,
                              setting);
    }
    ts_keystore_free(&jre);
    free(seen);
    *checked = dirs;
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
                       const dir_source *dirs, size_t n_dirs, const jdk_row *rows, size_t n)
{
    printf("{\"manifest\": ");
    ts_json_string(stdout, path);
    printf(", \"certificates\": %zu, \"distrusted\": %zu, \"warnings\": %d, \"messages\": ",
           m->n_certs, m->n_distrust, warnings);
    print_messages(messages);
    printf(", \"keystore_dirs\": [");
    for (size_t i = 0; i < n_dirs; i++) {
        printf("%s\n  {\"path\": ", i ? "," : "");
        ts_json_string(stdout, dirs[i].dir);
        printf(", \"from\": ");
        ts_json_string(stdout, dirs[i].from);
        printf("}");
    }
    printf("%s], \"jdks\": [", n_dirs ? "\n" : "");
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
    dir_source *dirs = NULL; /* the keystore directories checked */
    size_t n_dirs = 0;
    const char *allegra_home = NULL;
    int dir_warnings;
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
        } else if (o == OPT_ALLEGRA_HOME) {
            if (p.arg[0] == '\0') {
                ts_cli_error("--allegra-home", "an empty path");
                goto end;
            }
            allegra_home = p.arg;
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
    dir_warnings = check_keystore_dirs(&m, &jdks, allegra_home, &dirs, &n_dirs);
    if (dir_warnings < 0) {
        ts_cli_error("check", "out of memory");
        ret = TS_EXIT_FAIL;
        goto end;
    }
    warnings += dir_warnings;
    if (json) {
        ts_cli_defer_warnings(NULL);
        if (said_f) {
            fclose(said_f);
            said_f = NULL;
        }
        print_json(path, &m, warnings, said, dirs, n_dirs, rows, n_rows);
        fputs(said ? said : "", stderr);
    } else {
        printf("manifest %s: sound (%zu certificate%s, %zu distrusted)\n", path, m.n_certs,
               m.n_certs == 1 ? "" : "s", m.n_distrust);
        print_table(rows, n_rows);
        for (size_t i = 0; i < n_dirs; i++) {
            printf("keystore directory %s (%s): %s\n", dirs[i].dir, dirs[i].from,
                   dirs[i].refused ? "refused (unsafe)" : "checked");
        }
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
    free(dirs);
    free(rows);
    ts_jdk_list_free(&jdks);
    if (loaded) {
        ts_manifest_free(&m);
    }
    ts_opt_free(&p);
    return ret;
}
