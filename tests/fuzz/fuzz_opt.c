/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the CLI's option parser (tools/opt.c): the input is a
 * NUL-separated argv whose first string names the command (an unknown name
 * picks one by its first byte).  Invariants: every id returned is one of the
 * command's options, a value option has its value, operands are argv strings
 * in order and never more than argc.  Its errors and --help go to stderr and
 * stdout: run it with -close_fd_mask=3 (campaign.sh does).  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"init",   "add",  "fetch", "list",  "remove", "distrust",
                                    "render", "exec", "env",   "check", "verify"};

static const ts_option *find_id(const ts_option *t, int id)
{
    for (; t != NULL && t->name != NULL; t++) {
        if (t->id == id) {
            return t;
        }
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    char *argv[64];
    int argc = 0, r;
    const ts_command *cmd;
    ts_optparse p;

    if (buf == NULL || size == 0) {
        free(buf);
        return 0;
    }
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (size_t i = 0; i <= size && argc < 64; i += strlen(buf + i) + 1) {
        argv[argc++] = buf + i;
    }
    cmd = ts_cmd_find(argv[0]);
    if (cmd == NULL) {
        cmd = ts_cmd_find(names[data[0] % (sizeof(names) / sizeof(names[0]))]);
    }
    if (cmd == NULL || ts_opt_init(&p, cmd, argc, argv) != 0) {
        abort();
    }
    while ((r = ts_opt_next(&p)) > 0) {
        const ts_option *o = find_id(cmd->options, r);

        if (o == NULL || (o->kind == TS_OPT_VALUE && p.arg == NULL)) {
            abort();
        }
    }
    if (r == 0) {
        if (p.n_operands < 0 || p.n_operands >= argc) {
            abort();
        }
        for (int i = 0, j = 1; i < p.n_operands; i++, j++) {
            while (j < argc && argv[j] != p.operands[i]) {
                j++;
            }
            if (j == argc) {
                abort(); /* not an argv string, or out of order */
            }
        }
    }
    ts_opt_free(&p);
    ts_set_manifest_path(NULL);
    (void)ts_parse_seconds(argv[argc - 1]);
    free(buf);
    return 0;
}
