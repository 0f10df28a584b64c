/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trustshim import: what an installation trusts today (keystores, certificate bundles, the
 * hand-made imports of an old cacerts) becomes manifest entries, pinned.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"

enum { OPT_PASSWORD = 1, OPT_HOST, OPT_DRY_RUN, OPT_CACERTS, OPT_BASE, OPT_ALL };

static const ts_option options[] = {
    {"password", 0, TS_OPT_VALUE, OPT_PASSWORD, "P",
     "password of the keystores (default: asked on a terminal, else none, as the JVM reads "
     "a trust store)"},
    {"host", 0, TS_OPT_VALUE, OPT_HOST, "H",
     "host the certificates are for (repeatable; a keystore directory's <host>.ks gives its own)"},
    {"dry-run", 'n', TS_OPT_FLAG, OPT_DRY_RUN, NULL, "list what would be added; change nothing"},
    {"cacerts", 0, TS_OPT_VALUE, OPT_CACERTS, "OLD",
     "the certificates of OLD (an old JRE's cacerts, a backup) missing from the base"},
    {"base", 0, TS_OPT_VALUE, OPT_BASE, "FILE",
     "with --cacerts: the current trust store (default: the cacerts of the JDK from JAVA_HOME "
     "or java on PATH)"},
    {"all", 0, TS_OPT_FLAG, OPT_ALL, NULL,
     "with --cacerts: also the certificates a JDK or distribution shipped in OLD"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int import_main(int argc, char **argv);

const ts_command ts_cmd_import = {
    "import",
    import_main,
    "add what keystores and bundles trust (JKS, JCEKS, PKCS12, PEM, DER, PKCS#7)",
    "FILE... [--password P] [--host H]... [--dry-run]\n"
    "       trustshim import --cacerts OLD [--base FILE] [--all] [--dry-run]",
    "Every certificate the JDK would trust from each FILE becomes a manifest entry pinned by\n"
    "its SHA-256: a keystore's trusted-certificate entries and the first certificate of each\n"
    "key entry's chain; every certificate of a PEM, DER or PKCS#7 file.  Aliases are kept\n"
    "where they are valid and free.  A file <host>.ks in a keystore directory (the manifest's\n"
    "keystore_dirs, $ALLEGRA_HOME/keystore, or any directory named keystore) lists its\n"
    "certificates for that host (trackplus.ks, the LDAP store of Allegra, names none).  A "
    "certificate already in the manifest gets the new hosts.\n"
    "With --cacerts: the certificates of OLD that the base trust store lacks (what was\n"
    "keytool-imported into an old JRE), each with the reason it is proposed.",
    options,
    false,
};

/* One certificate to import, and where it came from. */
typedef struct item {
    ts_cert cert;
    char *alias; /* the keystore's alias, or NULL */
    bool key_entry;
    size_t file;        /* index of the operand */
    const char *reason; /* --cacerts: why it is proposed */
} item;

typedef struct items {
    item *v;
    size_t n;
    size_t cap;
} items;

static void items_free(items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        ts_cert_free(&l->v[i].cert);
        free(l->v[i].alias);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int items_push(items *l, const ts_cert *c, const char *alias, bool key_entry, size_t file)
{
    item *it;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        item *v = realloc(l->v, cap * sizeof(*v));
        if (!v) {
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    it = &l->v[l->n];
    memset(it, 0, sizeof(*it));
    if (ts_cert_copy(&it->cert, c) != 0) {
        return -1;
    }
    it->alias = alias ? strdup(alias) : NULL;
    if (alias && !it->alias) {
        ts_cert_free(&it->cert);
        return -1;
    }
    it->key_entry = key_entry;
    it->file = file;
    l->n++;
    return 0;
}

static bool is_keystore_magic(const unsigned char *buf, size_t len)
{
    static const unsigned char jks[4] = {0xfe, 0xed, 0xfe, 0xed};
    static const unsigned char jceks[4] = {0xce, 0xce, 0xce, 0xce};
    return (len >= 4) && ((memcmp(buf, jks, 4) == 0) || (memcmp(buf, jceks, 4) == 0));
}

/* The keystore at path (already read into buf), decoded with its password; errors printed. */
static int decode_keystore(const char *path, const unsigned char *buf, size_t len,
                           const char *password, ts_keystore *ks)
{
    ts_error err;
    char *asked = NULL;
    int ret = TS_EXIT_USAGE;

    ts_error_clear(&err);
    if (!password) {
        char prompt[4200];
        snprintf(prompt, sizeof(prompt), "Password of %s (Enter for none): ", path);
        asked = ts_ask_password(prompt);
        password = (asked && asked[0]) ? asked : NULL;
    }
    if (ts_keystore_decode(buf, len, password, ks, &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    if ((ks->count == 0) && (ks->skipped > 0) && !password) {
        ts_cli_error(path,
                     "nothing readable without the password (%zu %s skipped): give --password",
                     ks->skipped, ts_plural(ks->skipped, "part", "parts"));
        goto end;
    }
    ret = TS_EXIT_OK;
end:
    if (asked) {
        explicit_bzero(asked, strlen(asked));
        free(asked);
    }
    return ret;
}

/* Every certificate the JDK would trust from the file: keystore entries, or a bundle's. */
static int read_input(const char *path, size_t index, const char *password, items *out)
{
    ts_error err;
    ts_error bundle_err;
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_cert_list certs;
    ts_keystore ks;
    int ret = TS_EXIT_USAGE;

    memset(&certs, 0, sizeof(certs));
    memset(&ks, 0, sizeof(ks));
    ts_error_clear(&err);
    ts_error_clear(&bundle_err);
    if (ts_read_file(path, TS_MANIFEST_MAX_SIZE, &buf, &len, &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    /* a DER certificate and a PKCS12 keystore both begin with a SEQUENCE: certificates first */
    if (!is_keystore_magic(buf, len) && (ts_certs_parse(buf, len, &certs, &bundle_err) == 0)) {
        for (size_t i = 0; i < certs.count; i++) {
            if (items_push(out, &certs.items[i], NULL, false, index) != 0) {
                ts_cli_error(path, "out of memory");
                goto end;
            }
        }
        ret = TS_EXIT_OK;
        goto end;
    }
    if (!is_keystore_magic(buf, len) && (ts_keystore_detect(buf, len) != TS_FORMAT_PKCS12)) {
        char msg[1024];
        ts_cli_error(path, "neither a keystore (JKS, JCEKS, PKCS12) nor certificates: %s",
                     ts_error_str(&bundle_err, msg, sizeof(msg)));
        goto end;
    }
    ret = decode_keystore(path, buf, len, password, &ks);
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    for (size_t i = 0; i < ks.count; i++) {
        if (items_push(out, &ks.items[i].cert, ks.items[i].alias, ks.items[i].key_entry, index) !=
            0) {
            ts_cli_error(path, "out of memory");
            ret = TS_EXIT_FAIL;
            goto end;
        }
    }
    if (ks.count == 0) {
        ts_cli_warn(path, "no certificate a JVM would trust in it");
    }
    ret = TS_EXIT_OK;
end:
    ts_cert_list_free(&certs);
    ts_keystore_free(&ks);
    free(buf);
    return ret;
}

/* Whether the directory dir (real path) is one the library serves <host>.ks files from. */
static bool is_keystore_dir(const ts_manifest *m, const char *dir)
{
    char real[PATH_MAX];
    const char *allegra = getenv("ALLEGRA_HOME");
    const char *base = strrchr(dir, '/');

    if (base && (strcmp(base + 1, "keystore") == 0)) {
        return true;
    }
    for (size_t i = 0; i < m->n_keystore_dirs; i++) {
        if (realpath(m->keystore_dirs[i].path, real) && (strcmp(real, dir) == 0)) {
            return true;
        }
    }
    if (allegra && allegra[0]) {
        char kd[PATH_MAX];
        snprintf(kd, sizeof(kd), "%s/keystore", allegra);
        if (realpath(kd, real) && (strcmp(real, dir) == 0)) {
            return true;
        }
    }
    return false;
}

/* The host of a keystore directory's <host>.ks, into host; false when path is not one. */
static bool host_of_file(const ts_manifest *m, const char *path, char *host, size_t size)
{
    char real[PATH_MAX];
    char dir[PATH_MAX];
    const char *base;
    size_t n;

    if (!realpath(path, real)) {
        return false;
    }
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    n = strlen(base);
    if ((n <= 3) || (strcmp(base + n - 3, ".ks") != 0) || (n - 3 >= size) || (base[0] == '.')) {
        return false;
    }
    ts_dirname(real, dir, sizeof(dir));
    if (!is_keystore_dir(m, dir)) {
        return false;
    }
    memcpy(host, base, n - 3);
    host[n - 3] = '\0';
    /* Track+/Allegra's LDAP trust store has a fixed name: it names no host */
    return ts_host_valid(host) && (strcmp(host, "trackplus") != 0);
}

typedef struct counts {
    size_t before; /* entries of the manifest before this import */
    size_t added;
    size_t hosts_added;
    size_t already;
} counts;

/* Adds one certificate with its hosts (or lists new hosts for one already there). */
static int import_one(ts_edit *e, const item *it, const char *file, const char *const *hosts,
                      size_t n_hosts, const char *source, bool dry_run, counts *c)
{
    ts_error err;
    ts_cert_info info;
    char hex[TS_SHA256_HEX_LEN + 1];
    char when[32];
    const char *alias = NULL;
    long have = ts_manifest_find_sha256(&e->m, it->cert.sha256);
    size_t idx = 0;
    FILE *out = e->report;

    ts_error_clear(&err);
    ts_sha256_to_hex(it->cert.sha256, hex);
    if (ts_cert_describe(&it->cert, &info, &err) != 0) {
        ts_cli_core_error(file, &err);
        return TS_EXIT_USAGE;
    }
    if (have >= 0) {
        const char *a = e->m.certs[have].alias ? e->m.certs[have].alias : "(derived)";
        bool this_import = ((size_t)have >= c->before);
        size_t listed = 0;
        for (size_t h = 0; h < n_hosts; h++) {
            int r = ts_manifest_add_host(&e->m, (size_t)have, hosts[h], &err);
            if (r < 0) {
                ts_cli_core_error(file, &err);
                return TS_EXIT_USAGE;
            }
            if (r > 0) {
                fprintf(out, "%s %s: %s also for host %s\n",
                        this_import ? "the same certificate as" : "already in the manifest as", a,
                        dry_run ? "would be" : "now", hosts[h]);
                listed++;
            }
        }
        if (this_import) {
            if (listed == 0) {
                fprintf(out, "the same certificate as %s, once is enough: %s\n", a, file);
            }
            return TS_EXIT_OK;
        }
        if (listed == 0) {
            fprintf(out, "already in the manifest as %s: %s\n", a, info.subject);
            c->already++;
        }
        c->hosts_added += listed;
        return TS_EXIT_OK;
    }
    /* the keystore's alias when the manifest can hold it; a PKCS12 without a friendlyName
     * names its entries by fingerprint, which says nothing to a person */
    if (it->alias && ts_alias_valid(it->alias, false) && (strcmp(it->alias, hex) != 0)) {
        if (ts_manifest_find_alias(&e->m, it->alias) < 0) {
            alias = it->alias;
        } else {
            ts_cli_warn(file, "alias '%s' is taken by another certificate: a new one is made",
                        it->alias);
        }
    }
    ts_now_rfc3339(when, sizeof(when));
    if (ts_manifest_add_cert(&e->m, &it->cert, alias, hosts, n_hosts, source, when, &idx, &err) !=
        0) {
        ts_cli_core_error(file, &err);
        return TS_EXIT_USAGE;
    }
    fprintf(out, "%s %s%s\n", dry_run ? "would add" : "added", e->m.certs[idx].alias,
            it->key_entry ? " (first certificate of a key entry)" : "");
    if (it->reason) {
        fprintf(out, "  subject:  %s\n  issuer:   %s\n", info.subject, info.issuer);
    } else {
        ts_print_cert(out, "  ", &it->cert, &info);
    }
    if (n_hosts > 0) {
        fprintf(out, "  hosts:    ");
        for (size_t h = 0; h < n_hosts; h++) {
            fprintf(out, "%s%s", h ? ", " : "", hosts[h]);
        }
        fprintf(out, "\n");
    }
    if (it->reason) {
        char date[32];
        long days = ts_days_until(info.not_after, time(NULL));
        ts_format_date(info.not_after, date, sizeof(date));
        fprintf(out, "  expires:  %s (%s)\n  sha256:   %s\n  reason:   %s\n", date,
                days < 0 ? "expired" : "still valid", hex, it->reason);
    }
    ts_warn_cert(e->m.certs[idx].alias, &info, time(NULL));
    c->added++;
    return TS_EXIT_OK;
}

static void summary(FILE *out, const counts *c, bool dry_run)
{
    fprintf(out, "%s %zu %s", dry_run ? "would add" : "added", c->added,
            ts_plural(c->added, "certificate", "certificates"));
    if (c->hosts_added > 0) {
        fprintf(out, " and %zu %s", c->hosts_added, ts_plural(c->hosts_added, "host", "hosts"));
    }
    if (c->already > 0) {
        fprintf(out, "; %zu already in the manifest", c->already);
    }
    fprintf(out, "%s\n", dry_run ? " (dry run: nothing changed)" : "");
}

/* The aliases under which a JDK or a distribution ships its own CAs in cacerts. */
static bool shipped_alias(const char *alias)
{
    return alias && ((strstr(alias, " [jdk]") != NULL) || (strncmp(alias, "debian:", 7) == 0));
}

/* Whether some certificate of ks has that subject (RFC 2253 text). */
static bool base_has_subject(const ts_keystore *ks, const char *subject)
{
    for (size_t i = 0; i < ks->count; i++) {
        ts_cert_info info;
        ts_error err;
        if ((ts_cert_describe(&ks->items[i].cert, &info, &err) == 0) &&
            (strcmp(info.subject, subject) == 0)) {
            return true;
        }
    }
    return false;
}

/*
 * --cacerts OLD: the entries of OLD missing from the base, each with why it is proposed.
 * Those a JDK or distribution shipped (and its newer release dropped, as a rule on purpose) are
 * listed, not proposed, unless all.
 */
static int read_cacerts(const char *old, const char *base_opt, const char *password, bool all,
                        items *out, size_t *left_out)
{
    ts_keystore old_ks, base_ks;
    ts_error err;
    char base[4096];
    char date[32];
    FILE *left = NULL; /* the left-out lines, printed after the count */
    char *left_text = NULL;
    size_t left_len = 0;
    int ret;

    memset(&old_ks, 0, sizeof(old_ks));
    memset(&base_ks, 0, sizeof(base_ks));
    ts_error_clear(&err);
    if (base_opt) {
        snprintf(base, sizeof(base), "%s", base_opt);
    } else if (ts_default_cacerts(base, sizeof(base), &err) != 0) {
        ts_cli_core_error("--base", &err);
        return TS_EXIT_USAGE;
    }
    ret = ts_load_keystore(base, NULL, &base_ks);
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    ret = ts_load_keystore(old, password, &old_ks);
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    left = open_memstream(&left_text, &left_len);
    if (!left) {
        ts_cli_error(old, "out of memory");
        ret = TS_EXIT_FAIL;
        goto end;
    }
    for (size_t i = 0; i < old_ks.count; i++) {
        const ts_entry *en = &old_ks.items[i];
        ts_cert_info info;
        bool shipped = shipped_alias(en->alias);
        if (ts_keystore_find_sha256(&base_ks, en->cert.sha256) >= 0) {
            continue;
        }
        if (ts_cert_describe(&en->cert, &info, &err) != 0) {
            ts_cli_core_error(old, &err);
            ret = TS_EXIT_USAGE;
            goto end;
        }
        if (shipped && !all) {
            ts_format_date(info.not_after, date, sizeof(date));
            fprintf(left,
                    "left out %s: %s, expires %s: shipped with the old JDK or distribution and "
                    "dropped since (--all to add it)\n",
                    en->alias, info.subject, date);
            (*left_out)++;
            continue;
        }
        if (items_push(out, &en->cert, en->alias, false, 0) != 0) {
            ts_cli_error(old, "out of memory");
            ret = TS_EXIT_FAIL;
            goto end;
        }
        /* a CA renewed under the same name is in the base under another fingerprint */
        if (base_has_subject(&base_ks, info.subject)) {
            out->v[out->n - 1].reason =
                "not in the base trust store, which has another certificate with this subject "
                "(renewed? then this one is not needed)";
        } else if (shipped) {
            out->v[out->n - 1].reason = "not in the base trust store; shipped with the old JDK or "
                                        "distribution (added for --all)";
        } else {
            out->v[out->n - 1].reason = "not in the base trust store, and its alias is not one a "
                                        "JDK ships: imported by hand";
        }
    }
    fclose(left);
    left = NULL;
    printf("%zu of the %zu %s in %s %s not in %s\n", out->n + *left_out, old_ks.count,
           ts_plural(old_ks.count, "certificate", "certificates"), old,
           (out->n + *left_out == 1) ? "is" : "are", base);
    fputs(left_text ? left_text : "", stdout);
end:
    if (left) {
        fclose(left);
    }
    free(left_text);
    ts_keystore_free(&old_ks);
    ts_keystore_free(&base_ks);
    return ret;
}

static int import_main(int argc, char **argv)
{
    ts_optparse p;
    ts_edit e;
    items in;
    counts c;
    const char **hosts = NULL;
    size_t n_hosts = 0;
    const char *password = NULL;
    const char *cacerts = NULL;
    const char *base = NULL;
    bool dry_run = false;
    bool all = false;
    size_t left_out = 0;
    int o;
    int ret = TS_EXIT_USAGE;

    memset(&e, 0, sizeof(e));
    memset(&in, 0, sizeof(in));
    memset(&c, 0, sizeof(c));
    e.lock_fd = -1;
    if (ts_opt_init(&p, &ts_cmd_import, argc, argv) != 0) {
        goto end;
    }
    /* room for the --host values and one from a file name */
    hosts = calloc((size_t)argc + 1, sizeof(char *));
    if (!hosts) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        switch (o) {
        case OPT_PASSWORD:
            password = p.arg;
            break;
        case OPT_HOST:
            if (!ts_host_valid(p.arg)) {
                ts_cli_error("--host", "'%s' is not a host name", p.arg);
                goto end;
            }
            hosts[n_hosts++] = p.arg;
            break;
        case OPT_DRY_RUN:
            dry_run = true;
            break;
        case OPT_CACERTS:
            cacerts = p.arg;
            break;
        case OPT_BASE:
            base = p.arg;
            break;
        case OPT_ALL:
            all = true;
            break;
        default:
            break;
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (cacerts && (p.n_operands > 0)) {
        ts_cli_error("import", "--cacerts OLD takes no FILE ('%s'): import them separately",
                     p.operands[0]);
        goto end;
    }
    if (!cacerts && (base || all)) {
        ts_cli_error("import", "%s is for --cacerts only", base ? "--base" : "--all");
        goto end;
    }
    if (!cacerts && (p.n_operands == 0)) {
        ts_cli_error("import", "no FILE given (see 'trustshim import --help')");
        goto end;
    }
    /* every input is read (and its password asked for) before the manifest is locked */
    if (cacerts) {
        ret = read_cacerts(cacerts, base, password, all, &in, &left_out);
    } else {
        for (int i = 0; i < p.n_operands; i++) {
            ret = read_input(p.operands[i], (size_t)i, password, &in);
            if (ret != TS_EXIT_OK) {
                goto end;
            }
        }
    }
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    ret = ts_edit_begin(&e, ts_manifest_path());
    if (ret != TS_EXIT_OK) {
        goto end;
    }
    c.before = e.m.n_certs;
    for (size_t i = 0; i < in.n; i++) {
        const char *file = cacerts ? cacerts : p.operands[in.v[i].file];
        char abs[4096];
        char source[4300];
        char host[256];
        size_t nh = n_hosts;
        if (ts_absolute_path(file, abs, sizeof(abs)) != 0) {
            snprintf(abs, sizeof(abs), "%s", file);
        }
        if (cacerts) {
            snprintf(source, sizeof(source), "import --cacerts %s%s%s", abs,
                     in.v[i].alias ? " " : "", in.v[i].alias ? in.v[i].alias : "");
        } else {
            snprintf(source, sizeof(source), "import %s", abs);
        }
        if (!cacerts && host_of_file(&e.m, file, host, sizeof(host))) {
            bool listed = false;
            for (size_t h = 0; h < n_hosts; h++) {
                listed = listed || (strcasecmp(hosts[h], host) == 0);
            }
            if (!listed) {
                hosts[nh++] = host;
            }
        }
        ret = import_one(&e, &in.v[i], file, hosts, nh, source, dry_run, &c);
        if (ret != TS_EXIT_OK) {
            goto end;
        }
    }
    summary(e.report, &c, dry_run);
    ret = ts_edit_finish(&e, !dry_run && ((c.added > 0) || (c.hosts_added > 0)));
end:
    ts_edit_end(&e);
    items_free(&in);
    free(hosts);
    ts_opt_free(&p);
    return ret;
}
