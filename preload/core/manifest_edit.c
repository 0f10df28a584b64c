/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Edits of a parsed manifest (add, remove, add a host, distrust): each checks
 * what it adds as parsing would, so that what is written back parses again.
 */
#include "manifest_internal.h"

#include <strings.h>

/* ------------------------------------------------------------- editing */

/* alias unless taken, else alias-2, alias-3 ... (out has room for 256 bytes). */
static void unique_alias(const ts_manifest *m, const char *base, char out[256])
{
    snprintf(out, 256, "%s", base);
    for (unsigned n = 2; ts_manifest_find_alias(m, out) >= 0; n++) {
        char suffix[16];
        int sl = snprintf(suffix, sizeof(suffix), "-%u", n);
        snprintf(out, 256, "%.*s%s", 255 - sl, base, suffix);
    }
}

int ts_manifest_add_cert(ts_manifest *m, const ts_cert *cert, const char *alias,
                         const char *const *hosts, size_t n_hosts, const char *source,
                         const char *added, size_t *index, ts_error *err)
{
    char base[256], final[256], hex[TS_SHA256_HEX_LEN + 1];
    ts_manifest_cert mc;
    long dup;

    memset(&mc, 0, sizeof(mc));
    if (ts_manifest_check_entry(alias, hosts, n_hosts, source, added, err) != 0) {
        return -1;
    }
    /* Every way in (add, fetch, import from a keystore) stores only what the loader takes. */
    if (ts_cert_check_der(cert->der, cert->der_len, err) != 0) {
        return -1;
    }
    dup = ts_manifest_find_sha256(m, cert->sha256);
    if (dup >= 0) {
        ts_sha256_to_hex(cert->sha256, hex);
        return ts_error_set(err, "",
                            "certificate %s is already in the manifest (certificates[%ld]%s%s)",
                            hex, dup, m->certs[dup].alias != NULL ? ", alias " : "",
                            m->certs[dup].alias != NULL ? m->certs[dup].alias : "");
    }
    if (alias != NULL) {
        snprintf(base, sizeof(base), "%s", alias);
    } else {
        /* the certificate's own name: a CA fetched from a mail server is not that server */
        char name[256];
        (void)ts_cert_own_name(cert, name, sizeof(name));
        ts_alias_from_text(name, base, sizeof(base));
    }
    unique_alias(m, base, final);

    mc.alias = xstrdup(final);
    memcpy(mc.sha256, cert->sha256, TS_SHA256_LEN);
    mc.pem = ts_cert_to_pem(cert);
    mc.source = source != NULL ? xstrdup(source) : NULL;
    mc.added = added != NULL ? xstrdup(added) : NULL;
    mc.hosts = n_hosts > 0 ? calloc(n_hosts, sizeof(*mc.hosts)) : NULL;
    bool failed = mc.alias == NULL || mc.pem == NULL || (source != NULL && mc.source == NULL) ||
                  (added != NULL && mc.added == NULL) || (n_hosts > 0 && mc.hosts == NULL);
    for (size_t i = 0; !failed && i < n_hosts; i++) {
        mc.hosts[i] = xstrdup(hosts[i]);
        failed = mc.hosts[i] == NULL;
        mc.n_hosts = i + 1;
    }
    if (!failed) {
        failed = ts_cert_copy(&mc.cert, cert) != 0;
    }
    ts_manifest_cert *grown =
        failed ? NULL : realloc(m->certs, (m->n_certs + 1) * sizeof(*m->certs));
    if (grown == NULL) {
        ts_manifest_cert_free(&mc);
        return oom(err, "");
    }
    m->certs = grown;
    m->certs[m->n_certs] = mc;
    if (index != NULL) {
        *index = m->n_certs;
    }
    m->n_certs++;
    return 0;
}

void ts_manifest_remove_cert(ts_manifest *m, size_t i)
{
    if (i >= m->n_certs) {
        return;
    }
    ts_manifest_cert_free(&m->certs[i]);
    memmove(&m->certs[i], &m->certs[i + 1], (m->n_certs - i - 1) * sizeof(*m->certs));
    m->n_certs--;
}

int ts_manifest_add_host(ts_manifest *m, size_t i, const char *host, ts_error *err)
{
    ts_manifest_cert *c;
    char **grown;
    char *copy;

    if (i >= m->n_certs) {
        return ts_error_set(err, "", "no certificate %zu", i);
    }
    c = &m->certs[i];
    if (host == NULL || !ts_manifest_host_valid(host)) {
        return ts_error_set(err, "hosts", HOST_EXPECTED);
    }
    for (size_t k = 0; k < c->n_hosts; k++) {
        if (strcasecmp(c->hosts[k], host) == 0) {
            return 0;
        }
    }
    copy = strdup(host);
    grown = (copy != NULL) ? realloc(c->hosts, (c->n_hosts + 1) * sizeof(*c->hosts)) : NULL;
    if (grown == NULL) {
        free(copy);
        return ts_error_set(err, "hosts", "out of memory");
    }
    c->hosts = grown;
    c->hosts[c->n_hosts++] = copy;
    return 1;
}

int ts_manifest_distrust(ts_manifest *m, const unsigned char sha[TS_SHA256_LEN])
{
    unsigned char(*grown)[TS_SHA256_LEN];

    if (ts_manifest_is_distrusted(m, sha)) {
        return 0;
    }
    grown = realloc(m->distrust, (m->n_distrust + 1) * sizeof(*m->distrust));
    if (grown == NULL) {
        return -1;
    }
    m->distrust = grown;
    memcpy(m->distrust[m->n_distrust++], sha, TS_SHA256_LEN);
    return 0;
}

int ts_manifest_undistrust(ts_manifest *m, const unsigned char sha[TS_SHA256_LEN])
{
    for (size_t i = 0; i < m->n_distrust; i++) {
        if (memcmp(m->distrust[i], sha, TS_SHA256_LEN) == 0) {
            memmove(&m->distrust[i], &m->distrust[i + 1],
                    (m->n_distrust - i - 1) * sizeof(*m->distrust));
            m->n_distrust--;
            return 0;
        }
    }
    return -1;
}
