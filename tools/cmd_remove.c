/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim remove: take certificates out of the manifest. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const ts_option options[] = {
    {NULL, 0, 0, 0, NULL, NULL},
};

static int remove_main(int argc, char **argv);

const ts_command ts_cmd_remove = {
    "remove",
    remove_main,
    "remove certificates from the manifest",
    "ALIAS|SHA256...",
    "Each argument is an alias, a SHA-256 fingerprint (hex, ':' allowed) or a unique prefix\n"
    "of at least 8 hex digits.  If any of them is unknown, nothing is removed.",
    options,
    false,
};

static int cmp_desc(const void *a, const void *b)
{
    long x = *(const long *)a;
    long y = *(const long *)b;
    return (x < y) ? 1 : ((x > y) ? -1 : 0);
}

static int remove_main(int argc, char **argv)
{
    ts_optparse p;
    ts_edit e;
    long *idx = NULL;
    size_t n = 0;
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&e, 0, sizeof(e));
    e.lock_fd = -1;
    if (ts_opt_init(&p, &ts_cmd_remove, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands == 0) {
        ts_cli_error("remove", "no ALIAS or SHA256 given");
        goto end;
    }
    idx = calloc((size_t)p.n_operands, sizeof(long));
    if (!idx) {
        goto end;
    }
    ret = ts_edit_begin(&e, ts_manifest_path());
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    ret = TS_EXIT_USAGE;
    for (int i = 0; i < p.n_operands; i++) {
        long k = ts_find_cert(&e.m, p.operands[i]);
        bool dup = false;
        if (k == -2) {
            ts_cli_error(e.path, "'%s' matches several certificates; give more digits",
                         p.operands[i]);
            goto end;
        }
        if (k < 0) {
            ts_cli_error(e.path, "no certificate with alias or SHA-256 '%s'; nothing removed%s",
                         p.operands[i], ts_suggest_alias(&e.m, p.operands[i]));
            goto end;
        }
        for (size_t j = 0; j < n; j++) {
            dup = dup || (idx[j] == k);
        }
        if (!dup) {
            idx[n++] = k;
        }
    }
    qsort(idx, n, sizeof(long), cmp_desc);
    for (size_t j = 0; j < n; j++) {
        char hex[TS_SHA256_HEX_LEN + 1];
        const ts_manifest_cert *c = &e.m.certs[idx[j]];
        ts_sha256_to_hex(c->sha256, hex);
        fprintf(e.report, "removed %s (sha256 %s)\n", c->alias ? c->alias : "(derived alias)", hex);
        ts_manifest_remove_cert(&e.m, (size_t)idx[j]);
    }
    ret = ts_edit_finish(&e, true);
end:
    ts_edit_end(&e);
    free(idx);
    ts_opt_free(&p);
    return ret;
}
