/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim target add|remove|list: the manifest's targets[], the trust stores served besides
 * cacerts and <host>.ks (an application's own javax.net.ssl.trustStore). */
#include <stddef.h>

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

enum { MERGED = 0, MANIFEST_ONLY = 1 }; /* the option's values, the default first */

static int target_merge(void *entry, int value)
{
    ts_target *t = entry;
    if (value >= 0) {
        t->merge = (value == MERGED);
    }
    return t->merge ? MERGED : MANIFEST_ONLY;
}

static const ts_path_list targets = {
    .noun = "target",
    .none = "no targets (cacerts and the <host>.ks of keystore directories are served)",
    .key = "merge",
    .values = {[MERGED] = {"true", "yes", "its entries plus the manifest's"},
               [MANIFEST_ONLY] = {"false", "no (manifest only)",
                                  "the manifest's certificates only"}},
    TS_PATH_LIST_LAYOUT(ts_target, targets, n_targets),
    .option = target_merge,
    .directory = false,
    .missing = "does not exist (yet): it is served once it does",
};

static int target_main(int argc, char **argv)
{
    ts_optparse p;
    const char *password = NULL;
    int merge = -1; /* not given */
    bool json = false;
    int o;
    int ret = TS_EXIT_USAGE;

    if (ts_opt_init(&p, &ts_cmd_target, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        switch (o) {
        case OPT_PASSWORD:
            password = p.arg;
            break;
        case OPT_NO_MERGE:
            merge = MANIFEST_ONLY;
            break;
        case OPT_MERGE:
            merge = MERGED;
            break;
        case OPT_JSON:
            json = true;
            break;
        default:
            break;
        }
    }
    ret = (o < 0) ? ts_opt_exit(o) : ts_path_command(&p, &targets, json, password, merge);
end:
    ts_opt_free(&p);
    return ret;
}
