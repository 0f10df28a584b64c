/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim set password|format: the manifest's settings for what is served. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_JSON = 1 };

static const ts_option options[] = {
    {"json", 0, TS_OPT_FLAG, OPT_JSON, NULL,
     "without a setting: {password_set, password_default, format}"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int set_main(int argc, char **argv);

const ts_command ts_cmd_set = {
    "set",
    set_main,
    "set the password or format of what is served (without arguments: show them)",
    "password [P]\n"
    "       trustshim set format jks|pkcs12|keep\n"
    "       trustshim set [--json]",
    "password P: the password of the keystores served to the JVM when no target or keystore\n"
    "directory gives its own: the one the JVM is configured with (trustStorePassword),\n"
    "\"changeit\" for the JDK's cacerts.  \"\" is a password (the JDK allows it).  Without P it\n"
    "is asked on the terminal, echo off.\n"
    "format: jks or pkcs12 serves every file in that format; keep (the default) serves each\n"
    "file in its own format.  Java reads both whatever keystore.type says: set it only for\n"
    "JVMs run with keystore.type.compat=false.",
    options,
    false,
};

static int show(bool json)
{
    ts_manifest m;
    int ret = ts_parse_manifest_or_report(ts_manifest_path(), &m);
    bool is_default;

    if (ret != TS_EXIT_OK) {
        return ret;
    }
    is_default = (strcmp(m.password, TS_DEFAULT_PASSWORD) == 0);
    if (json) {
        printf("{\"password_set\": %s, \"password_default\": %s, \"format\": \"%s\"}\n",
               is_default ? "false" : "true", is_default ? "true" : "false",
               (m.format == TS_FORMAT_UNKNOWN) ? "keep" : ts_format_name(m.format));
    } else {
        printf("password: %s\nformat:   %s\n",
               is_default ? "the default (" TS_DEFAULT_PASSWORD ")"
                          : (m.password[0] ? "set (not shown)" : "empty"),
               (m.format == TS_FORMAT_UNKNOWN) ? "keep (each file's own)"
                                               : ts_format_name(m.format));
    }
    ts_manifest_free(&m);
    return TS_EXIT_OK;
}

static int set_password(ts_edit *e, const char *pw, bool *changed)
{
    char *copy;
    if (strcmp(e->m.password, pw) == 0) {
        fprintf(e->report, "password unchanged\n");
        return TS_EXIT_OK;
    }
    copy = strdup(pw);
    if (!copy) {
        ts_cli_error(e->path, "out of memory");
        return TS_EXIT_FAIL;
    }
    free(e->m.password);
    e->m.password = copy;
    fprintf(e->report, "password set%s: the JVMs must open their trust stores with it\n",
            pw[0] ? "" : " (empty)");
    *changed = true;
    return TS_EXIT_OK;
}

static int set_main(int argc, char **argv)
{
    static const char *const settings[] = {"password", "format", NULL};
    ts_optparse p;
    ts_edit e;
    char *asked = NULL;
    ts_format fmt = TS_FORMAT_UNKNOWN;
    bool json = false;
    bool changed = false;
    const char *what;
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&e, 0, sizeof(e));
    e.lock_fd = -1;
    if (ts_opt_init(&p, &ts_cmd_set, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        json = json || (o == OPT_JSON);
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands == 0) {
        ret = show(json);
        goto end;
    }
    what = p.operands[0];
    if (json) {
        ts_cli_error("set", "--json is for 'set' alone (showing the settings)");
        goto end;
    }
    if ((strcmp(what, "password") != 0) && (strcmp(what, "format") != 0)) {
        ts_cli_error("set", "unknown setting '%s': expected password or format%s", what,
                     ts_did_you_mean(what, settings));
        goto end;
    }
    if (p.n_operands > 2) {
        ts_cli_error("set", "%s takes one value ('%s' is one too many)", what, p.operands[2]);
        goto end;
    }
    if (what[0] == 'f') {
        if (p.n_operands < 2) {
            ts_cli_error("set", "format: jks, pkcs12 or keep?");
            goto end;
        }
        if ((strcmp(p.operands[1], "keep") != 0) &&
            (ts_format_from_name(p.operands[1], &fmt) != 0)) {
            ts_cli_error("set", "format '%s': expected jks, pkcs12 or keep", p.operands[1]);
            goto end;
        }
    } else if (p.n_operands < 2) {
        asked = ts_ask_password("New password of the served keystores: ");
        if (!asked) {
            ts_cli_error("set", "password: no value given and no terminal to ask on");
            goto end;
        }
    }
    ret = ts_edit_begin(&e, ts_manifest_path());
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    if (what[0] == 'p') {
        ret = set_password(&e, asked ? asked : p.operands[1], &changed);
    } else if (e.m.format == fmt) {
        fprintf(e.report, "format unchanged\n");
    } else {
        e.m.format = fmt;
        fprintf(e.report, "format %s\n",
                (fmt == TS_FORMAT_UNKNOWN) ? "keep: each file is served in its own"
                                           : ts_format_name(fmt));
        changed = true;
    }
    if (ret == TS_EXIT_OK) {
        ret = ts_edit_finish(&e, changed);
    }
end:
    if (asked) {
        explicit_bzero(asked, strlen(asked));
        free(asked);
    }
    ts_edit_end(&e);
    ts_opt_free(&p);
    return ret;
}
