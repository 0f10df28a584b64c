/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim init: create an empty manifest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"

static const ts_option options[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int init_main(int argc, char **argv);

const ts_command ts_cmd_init = {
    "init",
    init_main,
    "create an empty manifest",
    "[options]",
    "Creates the manifest (mode 0644; its directory, if missing, with mode 0755, whatever\n"
    "the umask).  An existing manifest is never overwritten.  When a directory above it\n"
    "would make the library refuse it (writable by group or others), a warning says which.",
    options,
    false,
};

/*
 * The error of a failed creation; a user who ran init without choosing a manifest (the default
 * is under /etc, root's) is told of a path of theirs.
 */
static void creation_error(const char *path, const ts_error *err)
{
    char buf[2048];
    char mine[4096];
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");

    if ((geteuid() == 0) || (strcmp(path, TS_MANIFEST_DEFAULT_PATH) != 0) ||
        (!(xdg && xdg[0] == '/') && !(home && home[0] == '/'))) {
        ts_cli_core_error(path, err);
        return;
    }
    if (xdg && (xdg[0] == '/')) {
        snprintf(mine, sizeof(mine), "%s/trustshim/manifest.json", xdg);
    } else {
        snprintf(mine, sizeof(mine), "%s/.config/trustshim/manifest.json", home);
    }
    ts_cli_error(NULL,
                 "%s; not being root, use a manifest of yours: 'trustshim --manifest %s init', "
                 "then export TRUSTSHIM_MANIFEST=%s",
                 ts_error_str(err, buf, sizeof(buf)), mine, mine);
}

static int init_main(int argc, char **argv)
{
    ts_optparse p;
    ts_manifest m;
    ts_error err;
    char dir[4096];
    char *json = NULL;
    int lock_fd = -1;
    int o;
    int ret = TS_EXIT_USAGE;
    bool have_m = false;
    const char *path;

    ts_error_clear(&err);
    if (ts_opt_init(&p, &ts_cmd_init, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands > 0) {
        ts_cli_error("init", "unexpected argument '%s'", p.operands[0]);
        goto end;
    }
    path = ts_manifest_path();
    if (access(path, F_OK) == 0) {
        ts_cli_error(path, "already exists");
        ret = TS_EXIT_FAIL;
        goto end;
    }
    ret = TS_EXIT_FAIL;
    ts_dirname(path, dir, sizeof(dir));
    if (ts_mkdirs(dir, 0755, &err) != 0) {
        creation_error(path, &err);
        goto end;
    }
    if (ts_lock_manifest(path, &lock_fd, &err) != 0) {
        creation_error(path, &err);
        goto end;
    }
    if (ts_manifest_init(&m) != 0) {
        ts_cli_error(path, "out of memory");
        goto end;
    }
    have_m = true;
    json = ts_manifest_to_json(&m);
    if (!json) {
        ts_cli_error(path, "out of memory");
        goto end;
    }
    /* link(), not rename(): a manifest created meanwhile is not replaced */
    if (ts_write_atomic(path, json, strlen(json), 0644, false, 0, 0, true, &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    printf("created %s\n", path);
    ts_warn_if_refused(path, geteuid());
    ret = TS_EXIT_OK;
end:
    free(json);
    if (have_m) {
        ts_manifest_free(&m);
    }
    if (lock_fd >= 0) {
        close(lock_fd);
    }
    ts_opt_free(&p);
    return ret;
}
