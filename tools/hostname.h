/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_HOSTNAME_H
#define TS_HOSTNAME_H

/* The names in a certificate, and host-name checks as Java clients make them. */

#include <stdbool.h>
#include <stddef.h>

#include "cert.h"

enum { TS_NAME_DNS = 0, TS_NAME_IP, TS_NAME_EMAIL, TS_NAME_URI };

typedef struct ts_cert_name {
    int type; /* TS_NAME_* */
    char *text;
} ts_cert_name;

typedef struct ts_cert_names {
    ts_cert_name *items; /* the subject alternative names, in order */
    size_t count;
    size_t cap;
    char *cn; /* the most specific (last) CN of the subject, or NULL */
} ts_cert_names;

int ts_cert_names_get(const ts_cert *c, ts_cert_names *n);
void ts_cert_names_free(ts_cert_names *n);
const char *ts_name_type_label(int type); /* "DNS", "IP", ... */

/* Whose rules check the server's name. */
typedef enum ts_identity {
    TS_IDENTITY_HTTPS = 0, /* endpoint identification "HTTPS" (HttpsURLConnection, HttpClient) */
    TS_IDENTITY_LDAP,      /* "LDAPS": JNDI's LDAP over TLS or StartTLS */
    TS_IDENTITY_MAIL,      /* Jakarta Mail's mail.<protocol>.ssl.checkserveridentity */
    TS_IDENTITY_NONE,
} ts_identity;

const char *ts_identity_name(ts_identity how); /* "https", "ldap", "mail", "none" */
int ts_identity_parse(const char *s, ts_identity *how);

/*
 * 0 when host matches the leaf's names by those rules; else -1 with the rule that failed in why.
 * jdk_feature: the JDK's feature version (17, 21 ...): HTTPS wildcards changed in 19.
 */
int ts_hostname_check(const ts_cert *leaf, const char *host, ts_identity how, int jdk_feature,
                      char *why, size_t size);

#endif
