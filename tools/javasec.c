/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A JDK's security properties, read as java.security.Security reads them, and
 * the algorithm constraints of sun.security.util.DisabledAlgorithmConstraints
 * that matter to a TLS client: protocol versions, cipher suites, certificate
 * signature and key algorithms.  Names are matched case-insensitively on their
 * components ("SHA1withRSA" is SHA1, RSA and itself), as the JDK decomposes them.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fileio.h"
#include "javasec.h"

/* The defaults of JDK 17 to 25, for when no java.security is found. */
static const char default_tls[] =
    "SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, MD5withRSA, DH keySize < 1024, "
    "EC keySize < 224, 3DES_EDE_CBC, anon, NULL, ECDH";
static const char default_certpath[] =
    "MD2, MD5, SHA1 jdkCA & usage TLSServer, RSA keySize < 1024, DSA keySize < 1024, "
    "EC keySize < 224, SHA1 usage SignedJAR & denyAfter 2019-01-01";

typedef struct props {
    ts_javasec *js;
    bool override_allowed;
    bool override_seen;
    const char *java_home;
    int depth;
    char *why;
    size_t why_size;
} props;

static void set_value(char **slot, const char *v)
{
    char *copy = strdup(v);
    if (copy) {
        free(*slot);
        *slot = copy;
    }
}

static int parse_file(props *p, const char *path);

/* "${java.home}/conf/x" and paths relative to the including file */
static void expand_path(const props *p, const char *base, const char *v, char *out, size_t size)
{
    const char *jh = "${java.home}";
    if (strncmp(v, jh, strlen(jh)) == 0) {
        snprintf(out, size, "%s%s", p->java_home, v + strlen(jh));
    } else if ((v[0] != '/') && strrchr(base, '/')) {
        snprintf(out, size, "%.*s/%s", (int)(strrchr(base, '/') - base), base, v);
    } else {
        snprintf(out, size, "%s", v);
    }
}

static int property(props *p, const char *path, const char *key, const char *value)
{
    if (strcmp(key, "include") == 0) {
        char inc[4096];
        expand_path(p, path, value, inc, sizeof(inc));
        return parse_file(p, inc);
    }
    if (strcmp(key, "jdk.tls.disabledAlgorithms") == 0) {
        set_value(&p->js->tls_disabled, value);
    } else if (strcmp(key, "jdk.certpath.disabledAlgorithms") == 0) {
        set_value(&p->js->certpath_disabled, value);
    } else if (strcmp(key, "jdk.disabled.namedCurves") == 0) {
        set_value(&p->js->named_curves, value);
    } else if (strcmp(key, "security.overridePropertiesFile") == 0) {
        p->override_allowed = (strcasecmp(value, "true") == 0);
    }
    return 0;
}

/* java.util.Properties' line format: continuations with '\', comments with '#' or '!' */
static int parse_file(props *p, const char *path)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_error err;
    char *text;
    char *line;
    char *save = NULL;
    char *logical = NULL;
    size_t llen = 0;
    int ret = -1;
    ts_error_clear(&err);
    if (++p->depth > 8) {
        snprintf(p->why, p->why_size, "%s: include nested too deeply", path);
        return -1;
    }
    if (ts_read_file(path, 4u * 1024u * 1024u, &buf, &len, &err) != 0) {
        snprintf(p->why, p->why_size, "%s: %s", path, err.what);
        p->depth--;
        return -1;
    }
    text = realloc(buf, len + 1);
    if (!text) {
        free(buf);
        p->depth--;
        return -1;
    }
    text[len] = '\0';
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t n;
        size_t bs = 0;
        char *nl;
        char *k;
        char *v;
        while (isspace((unsigned char)*line)) {
            line++;
        }
        if (!logical && ((line[0] == '#') || (line[0] == '!') || (line[0] == '\0'))) {
            continue;
        }
        n = strlen(line);
        while ((n > 0) && (line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        while ((bs < n) && (line[n - 1 - bs] == '\\')) {
            bs++;
        }
        nl = realloc(logical, llen + n + 1);
        if (!nl) {
            goto end;
        }
        logical = nl;
        memcpy(logical + llen, line, n + 1);
        llen += n;
        if (bs % 2 == 1) {
            logical[--llen] = '\0';
            continue;
        }
        k = logical;
        v = k + strcspn(k, "=: \t");
        if (*v) {
            *v++ = '\0';
            while (isspace((unsigned char)*v) || (*v == '=') || (*v == ':')) {
                v++;
            }
        }
        if (property(p, path, k, v) != 0) {
            goto end;
        }
        free(logical);
        logical = NULL;
        llen = 0;
    }
    ret = 0;
end:
    free(logical);
    free(text);
    p->depth--;
    return ret;
}

/* JAVA_VERSION="17.0.9" (or "1.8.0_392") in JAVA_HOME/release: 17 (or 8); 0 when unknown */
static int release_feature(const char *java_home)
{
    char path[4096];
    char line[256];
    int v = 0;
    FILE *f;
    snprintf(path, sizeof(path), "%s/release", java_home);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        int major = 0;
        int minor = 0;
        if (sscanf(line, "JAVA_VERSION=\"%d.%d", &major, &minor) >= 1) {
            v = (major == 1) ? minor : major;
            break;
        }
    }
    fclose(f);
    return v;
}

int ts_javasec_load(ts_javasec *js, const char *java_home, const char *override, char *why,
                    size_t why_size)
{
    static const char *const rel[] = {"conf/security/java.security",
                                      "jre/lib/security/java.security"};
    props p;
    memset(js, 0, sizeof(*js));
    memset(&p, 0, sizeof(p));
    p.js = js;
    p.java_home = java_home ? java_home : "";
    p.why = why;
    p.why_size = why_size;
    why[0] = '\0';
    for (size_t i = 0; java_home && (i < sizeof(rel) / sizeof(rel[0])); i++) {
        char f[4096];
        FILE *probe;
        snprintf(f, sizeof(f), "%s/%s", java_home, rel[i]);
        probe = fopen(f, "r");
        if (probe) {
            fclose(probe);
            snprintf(js->file, sizeof(js->file), "%s", f);
            break;
        }
    }
    if (java_home) {
        js->feature = release_feature(java_home);
    }
    if (js->file[0] && (parse_file(&p, js->file) != 0)) {
        ts_javasec_free(js);
        return -1;
    }
    if (override && override[0]) {
        bool replace = (override[0] == '=');
        if (!js->file[0] || p.override_allowed) {
            if (replace) {
                ts_javasec_free(js);
            }
            if (parse_file(&p, override + (replace ? 1 : 0)) != 0) {
                ts_javasec_free(js);
                return -1;
            }
        }
    }
    if (!js->file[0]) {
        set_value(&js->tls_disabled, default_tls);
        set_value(&js->certpath_disabled, default_certpath);
    }
    return 0;
}

void ts_javasec_free(ts_javasec *js)
{
    free(js->tls_disabled);
    free(js->certpath_disabled);
    free(js->named_curves);
    js->tls_disabled = NULL;
    js->certpath_disabled = NULL;
    js->named_curves = NULL;
}

/* ---- constraints ---- */

#define MAX_PARTS 24
typedef struct names {
    const char *v[MAX_PARTS];
    size_t len[MAX_PARTS];
    size_t n;
} names;

static void names_add(names *n, const char *s, size_t len)
{
    if ((n->n < MAX_PARTS) && (len > 0)) {
        n->v[n->n] = s;
        n->len[n->n] = len;
        n->n++;
    }
}

/* s, and its parts separated by sep (a string, matched case-insensitively) */
static void names_split(names *n, const char *s, size_t len, const char *sep)
{
    size_t sl = strlen(sep);
    size_t start = 0;
    names_add(n, s, len);
    for (size_t i = 0; i + sl <= len; i++) {
        if (strncasecmp(s + i, sep, sl) == 0) {
            names_add(n, s + start, i - start);
            start = i + sl;
            i += sl - 1;
        }
    }
    if (start > 0) {
        names_add(n, s + start, len - start);
    }
}

/* SHA1, SHA-1 and SHA are one algorithm to the JDK's constraints */
static bool alg_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    static const char *const sha1[] = {"SHA1", "SHA-1", "SHA"};
    bool a1 = false;
    bool b1 = false;
    if ((alen == blen) && (strncasecmp(a, b, alen) == 0)) {
        return true;
    }
    for (size_t i = 0; i < 3; i++) {
        a1 = a1 || ((alen == strlen(sha1[i])) && (strncasecmp(a, sha1[i], alen) == 0));
        b1 = b1 || ((blen == strlen(sha1[i])) && (strncasecmp(b, sha1[i], blen) == 0));
    }
    return a1 && b1;
}

static bool names_has(const names *n, const char *alg, size_t len)
{
    for (size_t i = 0; i < n->n; i++) {
        if (alg_equal(n->v[i], n->len[i], alg, len)) {
            return true;
        }
    }
    return false;
}

typedef struct subject {
    const names *alg; /* the names an entry's algorithm is compared with */
    const names *key; /* for keySize: the key's algorithm */
    int key_bits;
    bool jdk_ca;
    const char *usage; /* the usage we are ("TLSServer"), for "usage" constraints */
} subject;

static char *trim(char *s)
{
    size_t n;
    while (isspace((unsigned char)*s)) {
        s++;
    }
    n = strlen(s);
    while ((n > 0) && isspace((unsigned char)s[n - 1])) {
        s[--n] = '\0';
    }
    return s;
}

/* Whether every constraint after the algorithm holds ("jdkCA & usage TLSServer"). */
static bool constraints_hold(char *rest, const subject *s, const char *alg)
{
    char *save = NULL;
    bool any_key = false;
    for (char *c = strtok_r(rest, "&", &save); c; c = strtok_r(NULL, "&", &save)) {
        c = trim(c);
        if (c[0] == '\0') {
            continue;
        }
        if (strncasecmp(c, "keySize", 7) == 0) {
            char op[3] = "";
            long v = 0;
            any_key = true;
            if ((sscanf(c + 7, " %2[<>=!] %ld", op, &v) != 2) || !s->key ||
                !names_has(s->key, alg, strlen(alg)) || (s->key_bits <= 0)) {
                return false;
            }
            if (!(((strcmp(op, "<") == 0) && (s->key_bits < v)) ||
                  ((strcmp(op, "<=") == 0) && (s->key_bits <= v)) ||
                  ((strcmp(op, ">") == 0) && (s->key_bits > v)) ||
                  ((strcmp(op, ">=") == 0) && (s->key_bits >= v)) ||
                  ((strcmp(op, "==") == 0) && (s->key_bits == v)) ||
                  ((strcmp(op, "!=") == 0) && (s->key_bits != v)))) {
                return false;
            }
        } else if (strcasecmp(c, "jdkCA") == 0) {
            if (!s->jdk_ca) {
                return false;
            }
        } else if (strncasecmp(c, "usage", 5) == 0) {
            if (!s->usage || !strstr(c + 5, s->usage)) {
                return false;
            }
        } else if (strncasecmp(c, "denyAfter", 9) == 0) {
            struct tm tm;
            memset(&tm, 0, sizeof(tm));
            if (sscanf(c + 9, " %d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) {
                return false;
            }
            tm.tm_year -= 1900;
            tm.tm_mon -= 1;
            if (time(NULL) < timegm(&tm)) {
                return false;
            }
        } else {
            return false; /* a constraint we do not know: do not claim it */
        }
    }
    /* without keySize the algorithm itself must be one of ours */
    return any_key || names_has(s->alg, alg, strlen(alg)) ||
           (s->key && names_has(s->key, alg, strlen(alg)));
}

/* Does some entry of list (a disabledAlgorithms value) disable s?  The entry in rule. */
static bool list_disables(const ts_javasec *js, const char *list, const subject *s,
                          const char *prop, char *rule, size_t size, int depth)
{
    char *copy;
    char *save = NULL;
    bool hit = false;
    if (!list || (depth > 2)) {
        return false;
    }
    copy = strdup(list);
    if (!copy) {
        return false;
    }
    for (char *e = strtok_r(copy, ",", &save); e && !hit; e = strtok_r(NULL, ",", &save)) {
        char entry[256];
        char *alg;
        char *rest;
        e = trim(e);
        snprintf(entry, sizeof(entry), "%s", e);
        if (strncmp(e, "include ", 8) == 0) {
            if (strcmp(trim(e + 8), "jdk.disabled.namedCurves") == 0) {
                hit = list_disables(js, js->named_curves, s, prop, rule, size, depth + 1);
            }
            continue;
        }
        alg = e;
        rest = e + strcspn(e, " \t");
        if (*rest) {
            *rest++ = '\0';
        }
        if (constraints_hold(rest, s, alg)) {
            snprintf(rule, size, "\"%s\" in %s", entry, prop);
            hit = true;
        }
    }
    free(copy);
    return hit;
}

bool ts_javasec_protocol_disabled(const ts_javasec *js, const char *proto, char *rule, size_t size)
{
    names n = {{0}, {0}, 0};
    subject s = {&n, NULL, 0, false, NULL};
    names_add(&n, proto, strlen(proto));
    return list_disables(js, js->tls_disabled, &s, "jdk.tls.disabledAlgorithms", rule, size, 0);
}

/* "TLS_RSA_*" style entries match the suite's name */
static bool pattern_disables(const char *list, const char *suite, char *rule, size_t size)
{
    char *copy = list ? strdup(list) : NULL;
    char *save = NULL;
    bool hit = false;
    if (!copy) {
        return false;
    }
    for (char *e = strtok_r(copy, ",", &save); e && !hit; e = strtok_r(NULL, ",", &save)) {
        char *star;
        e = trim(e);
        star = strchr(e, '*');
        if (star && (star[1] == '\0') && (strncasecmp(suite, e, (size_t)(star - e)) == 0)) {
            snprintf(rule, size, "\"%s\" in jdk.tls.disabledAlgorithms", e);
            hit = true;
        }
    }
    free(copy);
    return hit;
}

bool ts_javasec_cipher_disabled(const ts_javasec *js, const char *suite, char *rule, size_t size)
{
    names n = {{0}, {0}, 0};
    subject s = {&n, NULL, 0, false, NULL};
    const char *body = (strncmp(suite, "TLS_", 4) == 0) ? suite + 4 : suite;
    const char *with = strstr(body, "_WITH_");
    const char *cipher = with ? with + 6 : body;
    const char *mac = strrchr(cipher, '_');
    if (pattern_disables(js->tls_disabled, suite, rule, size)) {
        return true;
    }
    names_add(&n, suite, strlen(suite));
    if (with) {
        names_split(&n, body, (size_t)(with - body), "_"); /* key exchange: ECDHE_RSA, DH_anon */
    }
    if (mac && (mac > cipher)) {
        names_split(&n, cipher, (size_t)(mac - cipher), "_"); /* AES_128_GCM, 3DES_EDE_CBC */
        names_add(&n, mac + 1, strlen(mac + 1));
    }
    return list_disables(js, js->tls_disabled, &s, "jdk.tls.disabledAlgorithms", rule, size, 0);
}

bool ts_javasec_cert_disabled(const ts_javasec *js, const ts_javasec_cert *c, char *rule,
                              size_t size)
{
    names alg = {{0}, {0}, 0};
    names key = {{0}, {0}, 0};
    subject s = {&alg, &key, c->key_bits, c->jdk_ca, "TLSServer"};
    if (c->sig_alg) {
        names_split(&alg, c->sig_alg, strlen(c->sig_alg), "with");
    }
    names_add(&key, c->key_alg, strlen(c->key_alg));
    if (list_disables(js, js->certpath_disabled, &s, "jdk.certpath.disabledAlgorithms", rule, size,
                      0)) {
        return true;
    }
    /* the TLS list holds for the certificates of a handshake too (SSLAlgorithmConstraints) */
    s.usage = "CertificateSignature";
    return list_disables(js, js->tls_disabled, &s, "jdk.tls.disabledAlgorithms", rule, size, 0);
}
