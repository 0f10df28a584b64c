/* SPDX-License-Identifier: Apache-2.0 */
/* The command table and `trustshim [--manifest P] CMD ...`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef TRUSTSHIM_VERSION
#define TRUSTSHIM_VERSION "0.0.0"
#endif

static const ts_command *const commands[] = {
    &ts_cmd_init,   &ts_cmd_add,    &ts_cmd_import,   &ts_cmd_fetch,
    &ts_cmd_list,   &ts_cmd_remove, &ts_cmd_distrust, &ts_cmd_undistrust,
    &ts_cmd_target, &ts_cmd_dir,    &ts_cmd_set,      &ts_cmd_render,
    &ts_cmd_exec,   &ts_cmd_env,    &ts_cmd_check,    &ts_cmd_verify,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* "; did you mean 'x'?" for a mistyped command name, or "" */
static const char *suggest_command(const char *name)
{
    const char *names[N_COMMANDS + 2];
    for (size_t i = 0; i < N_COMMANDS; i++) {
        names[i] = commands[i]->name;
    }
    names[N_COMMANDS] = "help";
    names[N_COMMANDS + 1] = NULL;
    return ts_did_you_mean(name, names);
}

const ts_command *ts_cmd_find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i]->name, name) == 0) {
            return commands[i];
        }
    }
    return NULL;
}

static void main_help(FILE *out)
{
    fprintf(out, "Usage: trustshim [--manifest PATH] COMMAND [options] [args]\n\n"
                 "Make Java processes trust the certificates you name, without editing the JRE's\n"
                 "cacerts, running keytool or being root.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(out, "  %-11s %s\n", commands[i]->name, commands[i]->summary);
    }
    fprintf(out, "\nOptions:\n"
                 "      --manifest PATH  manifest to use (default: $TRUSTSHIM_MANIFEST, "
                 "else " TS_MANIFEST_DEFAULT_PATH ")\n"
                 "  -h, --help           show this help ('trustshim help COMMAND' for a command)\n"
                 "      --version        show the version\n");
}

int ts_cli_main(int argc, char **argv)
{
    int i = 1;
    const ts_command *cmd;
    while ((i < argc) && (argv[i][0] == '-')) {
        const char *a = argv[i];
        if ((strcmp(a, "--help") == 0) || (strcmp(a, "-h") == 0)) {
            main_help(stdout);
            return TS_EXIT_OK;
        }
        if (strcmp(a, "--version") == 0) {
            printf("trustshim %s\n", TRUSTSHIM_VERSION);
            return TS_EXIT_OK;
        }
        if ((strcmp(a, "--manifest") == 0) && (i + 1 < argc) && argv[i + 1][0]) {
            ts_set_manifest_path(argv[i + 1]);
            i += 2;
            continue;
        }
        if ((strncmp(a, "--manifest=", 11) == 0) && a[11]) {
            ts_set_manifest_path(a + 11);
            i++;
            continue;
        }
        ts_cli_error(NULL, "unknown or incomplete option '%s' (see 'trustshim --help')", a);
        return TS_EXIT_USAGE;
    }
    if (i >= argc) {
        ts_cli_error(NULL, "no command given (see 'trustshim --help')");
        return TS_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 >= argc) {
            main_help(stdout);
            return TS_EXIT_OK;
        }
        cmd = ts_cmd_find(argv[i + 1]);
        if (!cmd) {
            ts_cli_error(NULL, "unknown command '%s'%s (see 'trustshim --help')", argv[i + 1],
                         suggest_command(argv[i + 1]));
            return TS_EXIT_USAGE;
        }
        ts_cmd_help(cmd, stdout);
        return TS_EXIT_OK;
    }
    cmd = ts_cmd_find(argv[i]);
    if (!cmd) {
        ts_cli_error(NULL, "unknown command '%s'%s (see 'trustshim --help')", argv[i],
                     suggest_command(argv[i]));
        return TS_EXIT_USAGE;
    }
    return cmd->main(argc - i, argv + i);
}
