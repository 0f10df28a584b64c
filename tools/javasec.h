/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_JAVASEC_H
#define TS_JAVASEC_H

/*
 * A JDK's security properties (conf/security/java.security, its include
 * directives, and a -Djava.security.properties file), and the algorithm
 * constraints among them that decide a TLS client's handshake and path.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct ts_javasec {
    char file[4096];    /* the java.security read, or "" when none was found (built-in defaults) */
    char *tls_disabled; /* jdk.tls.disabledAlgorithms (malloc'd, may be NULL) */
    char *certpath_disabled;
    char *named_curves; /* jdk.disabled.namedCurves */
    int feature;        /* the JDK's feature version from its release file (8, 17, 25), or 0 */
} ts_javasec;

/*
 * Reads java_home's java.security, then the file of -Djava.security.properties
 * (override, may be NULL; "=FILE" replaces instead of adding, as the JVM does,
 * when security.overridePropertiesFile allows it).  0, or -1 with why.
 */
int ts_javasec_load(ts_javasec *js, const char *java_home, const char *override, char *why,
                    size_t why_size);
void ts_javasec_free(ts_javasec *js);

/* Whether the property disables a protocol version ("TLSv1"); the entry that does, in rule. */
bool ts_javasec_protocol_disabled(const ts_javasec *js, const char *proto, char *rule, size_t size);
/* Whether jdk.tls.disabledAlgorithms disables the cipher suite (its IANA name). */
bool ts_javasec_cipher_disabled(const ts_javasec *js, const char *suite, char *rule, size_t size);

/* What a certificate in the path is, for jdk.certpath.disabledAlgorithms. */
typedef struct ts_javasec_cert {
    const char *sig_alg; /* "SHA256withRSA", or NULL for the anchor (its signature is not used) */
    const char *key_alg; /* "RSA", "EC", "DSA", "Ed25519" ... */
    int key_bits;
    bool jdk_ca; /* the anchor is one of the JDK's own cacerts */
} ts_javasec_cert;
/* Whether a constraint forbids the certificate; which property and entry, in rule. */
bool ts_javasec_cert_disabled(const ts_javasec *js, const ts_javasec_cert *c, char *rule,
                              size_t size);

#endif
