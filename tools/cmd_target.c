/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim target add|remove|list: the manifest's targets[], the trust stores served besides
 * cacerts and <host>.ks (an application's own javax.net.ssl.trustStore). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_PASSWORD = 1, OPT_NO_MERGE, OPT_MERGE, OPT_JSON };

static const ts_option options[] = {
    {"password", 0, TS_OPT_VALUE, OPT_PASSWORD, "P",
     "add: the trust store's password (default: the manifest's)"},
    {"no-merge", 0, TS_OPT_FLAG, OPT_NO_MERGE, NULL,
     "add: serve the manifest's certificates only, not the file's own"},
    {"merge", 0, TS_OPT_FLAG, OPT_MERGE, NULL,
     "add: the file's entries plus the manifest's (the default)"},
    {"json", 0, TS_OPT_FLAG, OPT_JSON, NULL, "list: a JSON array of {path, password_set, merge}"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int target_main(int argc, char **argv);

const ts_command ts_cmd_target = {
    "target",
    target_main,
    "add, remove or list the other trust stores to serve (targets)",
    "add PATH [--password P] [--no-merge]\n"
    "       trustshim target remove PATH...\n"
    "       trustshim target list [--json]",
    "A target is a trust store file the library serves like cacerts: an application's own\n"
    "javax.net.ssl.trustStore, for example.  Its own entries plus the manifest's, minus the\n"
    "distrusted ones (with --no-merge: the manifest's only).  A relative PATH is made absolute.\n"
    "Adding a PATH that is already a target changes its options.",
    options,
    false,
};

long ts_find_target(const ts_manifest *m, const char *path)
{
    for (size_t i = 0; i < m->n_targets; i++) {
        if (strcmp(m->targets[i].path, path) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static int list_targets(bool json)
{
    ts_manifest m;
    int ret = ts_parse_manifest_or_report(ts_manifest_path(), &m);

    if (ret != TS_EXIT_OK) {
        return ret;
    }
    if (json) {
        printf("[");
        for (size_t i = 0; i < m.n_targets; i++) {
            printf("%s\n  {\"path\": ", i ? "," : "");
            ts_json_string(stdout, m.targets[i].path);
            printf(", \"password_set\": %s, \"merge\": %s}",
                   m.targets[i].password ? "true" : "false", m.targets[i].merge ? "true" : "false");
        }
        printf("%s]\n", m.n_targets ? "\n" : "");
    } else if (m.n_targets == 0) {
        printf("no targets (cacerts and the <host>.ks of keystore directories are served)\n");
    } else {
        ts_table t;
        const char *head[3] = {"PATH", "PASSWORD", "MERGE"};
        ts_table_init(&t, 3);
        ts_table_row(&t, head);
        for (size_t i = 0; i < m.n_targets; i++) {
            const char *row[3] = {m.targets[i].path,
                                  m.targets[i].password ? "own" : "the manifest's",
                                  m.targets[i].merge ? "yes" : "no (manifest only)"};
            ts_table_row(&t, row);
        }
        ts_table_print(&t, stdout);
        ts_table_free(&t);
    }
    ts_manifest_free(&m);
    return TS_EXIT_OK;
}

static int add_target(ts_edit *e, const char *path, const char *password, int merge, bool *changed)
{
    long i = ts_find_target(&e->m, path);
    ts_target *t;
    char *pw = NULL;

    if (password) {
        pw = strdup(password);
        if (!pw) {
            ts_cli_error(e->path, "out of memory");
            return TS_EXIT_FAIL;
        }
    }
    if (i < 0) {
        ts_target *grown = realloc(e->m.targets, (e->m.n_targets + 1) * sizeof(*grown));
        char *p = grown ? strdup(path) : NULL;
        if (grown) {
            e->m.targets = grown;
        }
        if (!p) {
            free(pw);
            ts_cli_error(e->path, "out of memory");
            return TS_EXIT_FAIL;
        }
        t = &e->m.targets[e->m.n_targets++];
        t->path = p;
        t->password = pw;
        t->merge = (merge != 0); /* not said: merged, the default */
        fprintf(e->report, "added target %s (%s)\n", path,
                t->merge ? "its entries plus the manifest's" : "the manifest's certificates only");
        *changed = true;
    } else {
        t = &e->m.targets[i];
        if (pw && (!t->password || (strcmp(t->password, pw) != 0))) {
            free(t->password);
            t->password = pw;
            pw = NULL;
            fprintf(e->report, "target %s: password changed\n", path);
            *changed = true;
        }
        if ((merge >= 0) && (t->merge != (merge != 0))) {
            t->merge = (merge != 0);
            fprintf(e->report, "target %s: %s\n", path,
                    t->merge ? "its entries plus the manifest's"
                             : "the manifest's certificates only");
            *changed = true;
        }
        if (!*changed) {
            fprintf(e->report, "already a target: %s; nothing changed\n", path);
        }
        free(pw);
    }
    if (access(path, F_OK) != 0) {
        ts_cli_warn(path, "does not exist (yet): it is served once it does");
    }
    return TS_EXIT_OK;
}

static int remove_target(ts_edit *e, const char *path, bool *changed)
{
    long i = ts_find_target(&e->m, path);
    if (i < 0) {
        ts_cli_error(path, "not a target of %s (see 'trustshim target list')", e->path);
        return TS_EXIT_USAGE;
    }
    free(e->m.targets[i].path);
    free(e->m.targets[i].password);
    memmove(&e->m.targets[i], &e->m.targets[i + 1],
            (e->m.n_targets - (size_t)i - 1) * sizeof(*e->m.targets));
    e->m.n_targets--;
    fprintf(e->report, "removed target %s\n", path);
    *changed = true;
    return TS_EXIT_OK;
}

typedef struct target_opts {
    const char *password;
    int merge; /* -1: not said */
} target_opts;

static int add_action(ts_edit *e, const char *path, const void *opts, bool *changed)
{
    const target_opts *t = opts;
    return add_target(e, path, t->password, t->merge, changed);
}

static int target_main(int argc, char **argv)
{
    ts_optparse p;
    target_opts t = {NULL, -1};
    ts_path_actions a = {list_targets, add_action, remove_target, &t};
    bool json = false;
    int o;
    int ret = TS_EXIT_USAGE;

    if (ts_opt_init(&p, &ts_cmd_target, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        switch (o) {
        case OPT_PASSWORD:
            t.password = p.arg;
            break;
        case OPT_NO_MERGE:
            t.merge = 0;
            break;
        case OPT_MERGE:
            t.merge = 1;
            break;
        case OPT_JSON:
            json = true;
            break;
        default:
            break;
        }
    }
    ret = (o < 0) ? ts_opt_exit(o)
                  : ts_path_command(&p, "target", json, (t.password != NULL) || (t.merge >= 0), &a);
end:
    ts_opt_free(&p);
    return ret;
}
