/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim dir add|remove|list: the manifest's keystore_dirs, whose <host>.ks files are served
 * (Allegra's $ALLEGRA_HOME/keystore is one without being listed). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum { OPT_PASSWORD = 1, OPT_TRUST, OPT_JSON };

static const ts_option options[] = {
    {"password", 0, TS_OPT_VALUE, OPT_PASSWORD, "P",
     "add: the password of its keystores (default: the manifest's)"},
    {"trust", 0, TS_OPT_VALUE, OPT_TRUST, "full|host",
     "add: full, the JVM's whole merged trust (the default); host, a file's own entries and "
     "the certificates listed for its host"},
    {"json", 0, TS_OPT_FLAG, OPT_JSON, NULL, "list: a JSON array of {path, password_set, trust}"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int dir_main(int argc, char **argv);

const ts_command ts_cmd_dir = {
    "dir",
    dir_main,
    "add, remove or list keystore directories (<host>.ks files served)",
    "add PATH [--password P] [--trust full|host]\n"
    "       trustshim dir remove PATH...\n"
    "       trustshim dir list [--json]",
    "A keystore directory holds per-host trust stores, <host>.ks: each one a JVM opens there\n"
    "is served with the certificates of the manifest (see --trust), even when the file does\n"
    "not exist.  $ALLEGRA_HOME/keystore needs no entry.  A relative PATH is made absolute.\n"
    "Adding a PATH that is listed already changes its options.",
    options,
    false,
};

static const char *trust_name(ts_dir_trust t)
{
    return (t == TS_DIR_TRUST_HOST) ? "host" : "full";
}

static long find_dir(const ts_manifest *m, const char *path)
{
    for (size_t i = 0; i < m->n_keystore_dirs; i++) {
        if (strcmp(m->keystore_dirs[i].path, path) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static int list_dirs(bool json)
{
    ts_manifest m;
    int ret = ts_parse_manifest_or_report(ts_manifest_path(), &m);

    if (ret != TS_EXIT_OK) {
        return ret;
    }
    if (json) {
        printf("[");
        for (size_t i = 0; i < m.n_keystore_dirs; i++) {
            printf("%s\n  {\"path\": ", i ? "," : "");
            ts_json_string(stdout, m.keystore_dirs[i].path);
            printf(", \"password_set\": %s, \"trust\": \"%s\"}",
                   m.keystore_dirs[i].password ? "true" : "false",
                   trust_name(m.keystore_dirs[i].trust));
        }
        printf("%s]\n", m.n_keystore_dirs ? "\n" : "");
    } else if (m.n_keystore_dirs == 0) {
        printf("no keystore directories (besides $ALLEGRA_HOME/keystore)\n");
    } else {
        ts_table t;
        const char *head[3] = {"PATH", "PASSWORD", "TRUST"};
        ts_table_init(&t, 3);
        ts_table_row(&t, head);
        for (size_t i = 0; i < m.n_keystore_dirs; i++) {
            const char *row[3] = {m.keystore_dirs[i].path,
                                  m.keystore_dirs[i].password ? "own" : "the manifest's",
                                  trust_name(m.keystore_dirs[i].trust)};
            ts_table_row(&t, row);
        }
        ts_table_print(&t, stdout);
        ts_table_free(&t);
    }
    ts_manifest_free(&m);
    return TS_EXIT_OK;
}

/* trust: -1 when not given */
static int add_dir(ts_edit *e, const char *path, const char *password, int trust, bool *changed)
{
    long i = find_dir(&e->m, path);
    ts_keystore_dir *d;
    struct stat st;

    if (i < 0) {
        ts_keystore_dir *grown =
            realloc(e->m.keystore_dirs, (e->m.n_keystore_dirs + 1) * sizeof(*grown));
        if (grown) {
            e->m.keystore_dirs = grown;
        }
        d = grown ? &e->m.keystore_dirs[e->m.n_keystore_dirs] : NULL;
        if (d) {
            memset(d, 0, sizeof(*d));
            d->path = strdup(path);
            d->password = password ? strdup(password) : NULL;
            d->trust = (trust < 0) ? TS_DIR_TRUST_FULL : (ts_dir_trust)trust;
        }
        if (!d || !d->path || (password && !d->password)) {
            if (d) {
                free(d->path);
                free(d->password);
            }
            ts_cli_error(e->path, "out of memory");
            return TS_EXIT_FAIL;
        }
        e->m.n_keystore_dirs++;
        fprintf(e->report, "added keystore directory %s (trust %s)\n", path, trust_name(d->trust));
        *changed = true;
    } else {
        d = &e->m.keystore_dirs[i];
        if (password && (!d->password || (strcmp(d->password, password) != 0))) {
            char *pw = strdup(password);
            if (!pw) {
                ts_cli_error(e->path, "out of memory");
                return TS_EXIT_FAIL;
            }
            free(d->password);
            d->password = pw;
            fprintf(e->report, "keystore directory %s: password changed\n", path);
            *changed = true;
        }
        if ((trust >= 0) && (d->trust != (ts_dir_trust)trust)) {
            d->trust = (ts_dir_trust)trust;
            fprintf(e->report, "keystore directory %s: trust %s\n", path, trust_name(d->trust));
            *changed = true;
        }
        if (!*changed) {
            fprintf(e->report, "already a keystore directory: %s; nothing changed\n", path);
        }
    }
    if ((stat(path, &st) != 0) || !S_ISDIR(st.st_mode)) {
        ts_cli_warn(path, "not a directory (yet): its <host>.ks files are served once it is");
    }
    return TS_EXIT_OK;
}

static int remove_dir(ts_edit *e, const char *path, bool *changed)
{
    long i = find_dir(&e->m, path);
    if (i < 0) {
        ts_cli_error(path, "not a keystore directory of %s (see 'trustshim dir list')", e->path);
        return TS_EXIT_USAGE;
    }
    free(e->m.keystore_dirs[i].path);
    free(e->m.keystore_dirs[i].password);
    memmove(&e->m.keystore_dirs[i], &e->m.keystore_dirs[i + 1],
            (e->m.n_keystore_dirs - (size_t)i - 1) * sizeof(*e->m.keystore_dirs));
    e->m.n_keystore_dirs--;
    fprintf(e->report, "removed keystore directory %s\n", path);
    *changed = true;
    return TS_EXIT_OK;
}

typedef struct dir_opts {
    const char *password;
    int trust; /* -1: not said */
} dir_opts;

static int add_action(ts_edit *e, const char *path, const void *opts, bool *changed)
{
    const dir_opts *d = opts;
    return add_dir(e, path, d->password, d->trust, changed);
}

static int dir_main(int argc, char **argv)
{
    ts_optparse p;
    dir_opts d = {NULL, -1};
    ts_path_actions a = {list_dirs, add_action, remove_dir, &d};
    bool json = false;
    int o;
    int ret = TS_EXIT_USAGE;

    if (ts_opt_init(&p, &ts_cmd_dir, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_PASSWORD) {
            d.password = p.arg;
        } else if (o == OPT_TRUST) {
            if (strcmp(p.arg, "full") == 0) {
                d.trust = TS_DIR_TRUST_FULL;
            } else if (strcmp(p.arg, "host") == 0) {
                d.trust = TS_DIR_TRUST_HOST;
            } else {
                ts_cli_error("--trust", "'%s': expected full or host", p.arg);
                goto end;
            }
        } else if (o == OPT_JSON) {
            json = true;
        }
    }
    ret = (o < 0) ? ts_opt_exit(o)
                  : ts_path_command(&p, "dir", json, (d.password != NULL) || (d.trust >= 0), &a);
end:
    ts_opt_free(&p);
    return ret;
}
