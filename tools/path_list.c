/* SPDX-License-Identifier: Apache-2.0 */
/* `trustshim target|dir add|remove|list`: the manifest's lists whose entries are a path with its
 * own password and one option (targets[], keystore_dirs[]), edited by one piece of code that a
 * ts_path_list describes. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The list's array and count inside m; memcpy because the array's type is the list's own. */
static char *entries(const ts_path_list *l, const ts_manifest *m, size_t *n)
{
    void *a;
    memcpy(&a, (const char *)m + l->array_offset, sizeof(a));
    memcpy(n, (const char *)m + l->count_offset, sizeof(*n));
    return a;
}

static void set_entries(const ts_path_list *l, ts_manifest *m, void *a, size_t n)
{
    memcpy((char *)m + l->array_offset, &a, sizeof(a));
    memcpy((char *)m + l->count_offset, &n, sizeof(n));
}

static char **path_of(const ts_path_list *l, char *entry)
{
    return (char **)(void *)(entry + l->path_offset);
}

static char **password_of(const ts_path_list *l, char *entry)
{
    return (char **)(void *)(entry + l->password_offset);
}

static char *entry_at(const ts_path_list *l, char *a, size_t i)
{
    return a + (i * l->entry_size);
}

static long find_entry(const ts_path_list *l, const ts_manifest *m, const char *path)
{
    size_t n;
    char *a = entries(l, m, &n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(*path_of(l, entry_at(l, a, i)), path) == 0) {
            return (long)i;
        }
    }
    return -1;
}

static int list_entries(const ts_path_list *l, bool json)
{
    ts_manifest m;
    int ret = ts_parse_manifest_or_report(ts_manifest_path(), &m);
    char heading[32];
    size_t n;
    char *a;

    if (ret != TS_EXIT_OK) {
        return ret;
    }
    a = entries(l, &m, &n);
    for (size_t i = 0; i < sizeof(heading); i++) {
        heading[i] = (char)toupper((unsigned char)l->key[i]);
        if (heading[i] == '\0') {
            break;
        }
    }
    heading[sizeof(heading) - 1] = '\0';
    if (json) {
        printf("[");
        for (size_t i = 0; i < n; i++) {
            char *e = entry_at(l, a, i);
            printf("%s\n  {\"path\": ", i ? "," : "");
            ts_json_string(stdout, *path_of(l, e));
            printf(", \"password_set\": %s, \"%s\": %s}", *password_of(l, e) ? "true" : "false",
                   l->key, l->values[l->option(e, -1)].json);
        }
        printf("%s]\n", n ? "\n" : "");
    } else if (n == 0) {
        printf("%s\n", l->none);
    } else {
        ts_table t;
        const char *head[3] = {"PATH", "PASSWORD", heading};
        ts_table_init(&t, 3);
        ts_table_row(&t, head);
        for (size_t i = 0; i < n; i++) {
            char *e = entry_at(l, a, i);
            const char *row[3] = {*path_of(l, e), *password_of(l, e) ? "own" : "the manifest's",
                                  l->values[l->option(e, -1)].cell};
            ts_table_row(&t, row);
        }
        ts_table_print(&t, stdout);
        ts_table_free(&t);
    }
    ts_manifest_free(&m);
    return TS_EXIT_OK;
}

/* A new entry at the end, its strings copied; NULL when out of memory (nothing changed). */
static char *append_entry(const ts_path_list *l, ts_manifest *m, const char *path,
                          const char *password, int value)
{
    size_t n;
    char *a = entries(l, m, &n);
    char *grown = realloc(a, (n + 1) * l->entry_size);
    char *e;

    if (!grown) {
        return NULL;
    }
    set_entries(l, m, grown, n);
    e = entry_at(l, grown, n);
    memset(e, 0, l->entry_size);
    *path_of(l, e) = strdup(path);
    *password_of(l, e) = password ? strdup(password) : NULL;
    if (!*path_of(l, e) || (password && !*password_of(l, e))) {
        free(*path_of(l, e));
        free(*password_of(l, e));
        return NULL;
    }
    l->option(e, (value < 0) ? 0 : value);
    set_entries(l, m, grown, n + 1);
    return e;
}

/* value: -1 when not given */
static int add_entry(const ts_path_list *l, ts_edit *e, const char *path, const char *password,
                     int value, bool *changed)
{
    long i = find_entry(l, &e->m, path);
    struct stat st;

    if (i < 0) {
        char *added = append_entry(l, &e->m, path, password, value);
        if (!added) {
            ts_cli_error(e->path, "out of memory");
            return TS_EXIT_FAIL;
        }
        fprintf(e->report, "added %s %s (%s)\n", l->noun, path,
                l->values[l->option(added, -1)].says);
        *changed = true;
    } else {
        size_t n;
        char *old = entry_at(l, entries(l, &e->m, &n), (size_t)i);
        char **pw = password_of(l, old);
        if (password && (!*pw || (strcmp(*pw, password) != 0))) {
            char *copy = strdup(password);
            if (!copy) {
                ts_cli_error(e->path, "out of memory");
                return TS_EXIT_FAIL;
            }
            free(*pw);
            *pw = copy;
            fprintf(e->report, "%s %s: password changed\n", l->noun, path);
            *changed = true;
        }
        if ((value >= 0) && (l->option(old, -1) != value)) {
            l->option(old, value);
            fprintf(e->report, "%s %s: %s\n", l->noun, path, l->values[value].says);
            *changed = true;
        }
        if (!*changed) {
            fprintf(e->report, "already a %s: %s; nothing changed\n", l->noun, path);
        }
    }
    if ((stat(path, &st) != 0) || (l->directory && !S_ISDIR(st.st_mode))) {
        ts_cli_warn(path, "%s", l->missing);
    }
    return TS_EXIT_OK;
}

static int remove_entry(const ts_path_list *l, const char *command, ts_edit *e, const char *path,
                        bool *changed)
{
    long i = find_entry(l, &e->m, path);
    size_t n;
    char *a = entries(l, &e->m, &n);
    char *gone;

    if (i < 0) {
        ts_cli_error(path, "not a %s of %s (see 'trustshim %s list')", l->noun, e->path, command);
        return TS_EXIT_USAGE;
    }
    gone = entry_at(l, a, (size_t)i);
    free(*path_of(l, gone));
    free(*password_of(l, gone));
    memmove(gone, gone + l->entry_size, (n - (size_t)i - 1) * l->entry_size);
    set_entries(l, &e->m, a, n - 1);
    fprintf(e->report, "removed %s %s\n", l->noun, path);
    *changed = true;
    return TS_EXIT_OK;
}

/* The action of `NAME add|remove|list ...`, checked with what it takes; NULL after an error. */
static const char *subcommand(const ts_optparse *p, const char *name, const char *const *verbs,
                              bool json, bool add_options)
{
    const char *verb = (p->n_operands > 0) ? p->operands[0] : NULL;
    bool known = false;

    for (const char *const *v = verbs; verb && *v; v++) {
        known = known || (strcmp(*v, verb) == 0);
    }
    if (!verb) {
        ts_cli_error(name, "add, remove or list? (see 'trustshim %s --help')", name);
        return NULL;
    }
    if (!known) {
        ts_cli_error(name, "unknown action '%s': expected add, remove or list%s", verb,
                     ts_did_you_mean(verb, verbs));
        return NULL;
    }
    if (strcmp(verb, "list") == 0) {
        if ((p->n_operands > 1) || add_options) {
            ts_cli_error(name, "list takes only --json");
            return NULL;
        }
        return verb;
    }
    if (json) {
        ts_cli_error(name, "--json is for '%s list'", name);
        return NULL;
    }
    if (p->n_operands < 2) {
        ts_cli_error(name, "%s: no PATH given", verb);
        return NULL;
    }
    for (int i = 1; i < p->n_operands; i++) {
        if (p->operands[i][0] == '\0') {
            ts_cli_error(name, "%s: an empty PATH", verb);
            return NULL;
        }
    }
    if ((strcmp(verb, "remove") == 0) && add_options) {
        ts_cli_error(name, "remove takes only PATHs: the options are for add");
        return NULL;
    }
    if ((strcmp(verb, "add") == 0) && (p->n_operands > 2)) {
        ts_cli_error(name, "add: one PATH at a time ('%s' is one too many)", p->operands[2]);
        return NULL;
    }
    return verb;
}

int ts_path_command(const ts_optparse *p, const ts_path_list *l, bool json, const char *password,
                    int value)
{
    static const char *const verbs[] = {"add", "remove", "list", NULL};
    bool add_options = (password != NULL) || (value >= 0);
    const char *verb = subcommand(p, p->cmd->name, verbs, json, add_options);
    ts_edit e;
    bool changed = false;
    int ret;

    if (!verb) {
        return TS_EXIT_USAGE;
    }
    if (strcmp(verb, "list") == 0) {
        return list_entries(l, json);
    }
    ret = ts_edit_begin(&e, ts_manifest_path());
    for (int i = 1; (ret == TS_EXIT_OK) && (i < p->n_operands); i++) {
        char abs[4096];
        if (ts_absolute_path(p->operands[i], abs, sizeof(abs)) != 0) {
            ts_cli_error(p->operands[i], "path too long");
            ret = TS_EXIT_USAGE;
        } else {
            ret = (verb[0] == 'a') ? add_entry(l, &e, abs, password, value, &changed)
                                   : remove_entry(l, p->cmd->name, &e, abs, &changed);
        }
    }
    if (ret == TS_EXIT_OK) {
        ret = ts_edit_finish(&e, changed);
    }
    ts_edit_end(&e);
    return ret;
}
