/* SPDX-License-Identifier: Apache-2.0 */
/* Option parsing and help text, both from a command's option table. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const ts_option common_options[] = {
    {"manifest", 0, TS_OPT_VALUE, TS_OPT_ID_MANIFEST, "PATH",
     "manifest to use (default: $TRUSTSHIM_MANIFEST, else " TS_MANIFEST_DEFAULT_PATH ")"},
    {"help", 'h', TS_OPT_FLAG, TS_OPT_ID_HELP, NULL, "show this help"},
    {NULL, 0, 0, 0, NULL, NULL},
};

int ts_opt_init(ts_optparse *p, const ts_command *cmd, int argc, char **argv)
{
    memset(p, 0, sizeof(*p));
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
    p->operands = calloc((size_t)(argc > 0 ? argc : 1), sizeof(char *));
    return p->operands ? 0 : -1;
}

void ts_opt_free(ts_optparse *p)
{
    free(p->operands);
    p->operands = NULL;
}

int ts_opt_exit(int r)
{
    return (r == -2) ? TS_EXIT_OK : TS_EXIT_USAGE;
}

static const ts_option *find_long(const ts_option *t, const char *name, size_t len)
{
    for (; t && t->name; t++) {
        if ((strlen(t->name) == len) && (strncmp(t->name, name, len) == 0)) {
            return t;
        }
    }
    return NULL;
}

static const ts_option *find_short(const ts_option *t, char c)
{
    for (; t && t->name; t++) {
        if ((t->short_name != 0) && (t->short_name == c)) {
            return t;
        }
    }
    return NULL;
}

static int usage_error(const ts_optparse *p, const char *problem, const char *opt)
{
    ts_cli_error(p->cmd->name, "%s '%s' (see 'trustshim %s --help')", problem, opt, p->cmd->name);
    return -1;
}

int ts_opt_next(ts_optparse *p)
{
    while (!p->done && (p->i < p->argc)) {
        char *a = p->argv[p->i++];
        const ts_option *o = NULL;
        const char *inline_value = NULL;

        if (strcmp(a, "--") == 0) {
            p->done = true;
            break;
        }
        if ((a[0] != '-') || (a[1] == '\0')) {
            p->operands[p->n_operands++] = a;
            if (p->cmd->options_end_at_operand) {
                p->done = true;
            }
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(p->cmd->options, name, len);
            if (!o) {
                o = find_long(common_options, name, len);
            }
            if (eq) {
                inline_value = eq + 1;
            }
        } else if (a[2] == '\0') {
            o = find_short(p->cmd->options, a[1]);
            if (!o) {
                o = find_short(common_options, a[1]);
            }
        }
        if (!o) {
            return usage_error(p, "unknown option", a);
        }
        if (o->kind == TS_OPT_VALUE) {
            if (inline_value) {
                p->arg = inline_value;
            } else if (p->i < p->argc) {
                p->arg = p->argv[p->i++];
            } else {
                return usage_error(p, "a value is needed after", a);
            }
        } else {
            if (inline_value) {
                return usage_error(p, "no value is taken by", a);
            }
            p->arg = NULL;
        }
        if (o->id == TS_OPT_ID_MANIFEST) {
            if (p->arg[0] == '\0') {
                return usage_error(p, "an empty path was given to", "--manifest");
            }
            ts_set_manifest_path(p->arg);
            continue;
        }
        if (o->id == TS_OPT_ID_HELP) {
            ts_cmd_help(p->cmd, stdout);
            return -2;
        }
        return o->id;
    }
    /* what is left after "--" or the first operand of exec: all operands */
    while (p->i < p->argc) {
        p->operands[p->n_operands++] = p->argv[p->i++];
    }
    p->done = true;
    return 0;
}

static void help_options(const ts_option *t, FILE *out)
{
    for (; t && t->name; t++) {
        char left[96];
        int n;
        if (t->short_name) {
            n = snprintf(left, sizeof(left), "-%c, --%s", t->short_name, t->name);
        } else {
            n = snprintf(left, sizeof(left), "    --%s", t->name);
        }
        if ((t->kind == TS_OPT_VALUE) && (n > 0) && ((size_t)n < sizeof(left))) {
            snprintf(left + n, sizeof(left) - (size_t)n, " %s", t->arg ? t->arg : "VALUE");
        }
        if (strlen(left) > 24) {
            fprintf(out, "  %s\n  %-24s  %s\n", left, "", t->help);
        } else {
            fprintf(out, "  %-24s  %s\n", left, t->help);
        }
    }
}

void ts_cmd_help(const ts_command *cmd, FILE *out)
{
    fprintf(out, "Usage: trustshim %s %s\n\n%s\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->description) {
        fprintf(out, "\n%s\n", cmd->description);
    }
    fprintf(out, "\nOptions:\n");
    help_options(cmd->options, out);
    help_options(common_options, out);
}

double ts_parse_seconds(const char *s)
{
    char *end = NULL;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if ((errno != 0) || (end == s) || (*end != '\0') || !(v > 0) || !isfinite(v) || (v > 86400)) {
        return -1;
    }
    return v;
}

int ts_opt_timeout(const char *arg, double *seconds)
{
    double v = ts_parse_seconds(arg);
    if (v < 0) {
        ts_cli_error("--timeout", "'%s' is not a number of seconds", arg);
        return TS_EXIT_USAGE;
    }
    *seconds = v;
    return TS_EXIT_OK;
}
