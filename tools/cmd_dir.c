/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim dir add|remove|list: the manifest's keystore_dirs, whose <host>.ks files are served
 * (Allegra's $ALLEGRA_HOME/keystore is one without being listed). */
#include <stddef.h>
#include <string.h>

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

static int dir_trust(void *entry, int value)
{
    ts_keystore_dir *d = entry;
    if (value >= 0) {
        d->trust = (ts_dir_trust)value;
    }
    return (int)d->trust;
}

static const ts_path_list dirs = {
    .noun = "keystore directory",
    .none = "no keystore directories (besides $ALLEGRA_HOME/keystore)",
    .key = "trust",
    .values = {[TS_DIR_TRUST_FULL] = {"\"full\"", "full", "trust full"},
               [TS_DIR_TRUST_HOST] = {"\"host\"", "host", "trust host"}},
    TS_PATH_LIST_LAYOUT(ts_keystore_dir, keystore_dirs, n_keystore_dirs),
    .option = dir_trust,
    .directory = true,
    .missing = "not a directory (yet): its <host>.ks files are served once it is",
};

static int dir_main(int argc, char **argv)
{
    ts_optparse p;
    const char *password = NULL;
    int trust = -1; /* not given */
    bool json = false;
    int o;
    int ret = TS_EXIT_USAGE;

    if (ts_opt_init(&p, &ts_cmd_dir, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_PASSWORD) {
            password = p.arg;
        } else if (o == OPT_TRUST) {
            if (strcmp(p.arg, "full") == 0) {
                trust = TS_DIR_TRUST_FULL;
            } else if (strcmp(p.arg, "host") == 0) {
                trust = TS_DIR_TRUST_HOST;
            } else {
                ts_cli_error("--trust", "'%s': expected full or host", p.arg);
                goto end;
            }
        } else if (o == OPT_JSON) {
            json = true;
        }
    }
    ret = (o < 0) ? ts_opt_exit(o) : ts_path_command(&p, &dirs, json, password, trust);
end:
    ts_opt_free(&p);
    return ret;
}
