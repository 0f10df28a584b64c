/* SPDX-License-Identifier: Apache-2.0 */
/* URLs of servers: scheme, host and port, and what to speak before TLS. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"

static const struct {
    const char *scheme;
    unsigned port;
    ts_proto proto;
} schemes[] = {
    {"https", 443, TS_PROTO_TLS},       {"ldaps", 636, TS_PROTO_TLS}, {"smtps", 465, TS_PROTO_TLS},
    {"imaps", 993, TS_PROTO_TLS},       {"pop3s", 995, TS_PROTO_TLS}, {"smtp", 25, TS_PROTO_SMTP},
    {"submission", 587, TS_PROTO_SMTP}, {"imap", 143, TS_PROTO_IMAP}, {"pop3", 110, TS_PROTO_POP3},
    {"ldap", 389, TS_PROTO_LDAP},
};

const char *ts_proto_name(ts_proto p)
{
    switch (p) {
    case TS_PROTO_SMTP:
        return "SMTP";
    case TS_PROTO_IMAP:
        return "IMAP";
    case TS_PROTO_POP3:
        return "POP3";
    case TS_PROTO_LDAP:
        return "LDAP";
    case TS_PROTO_TLS:
    default:
        return "TLS";
    }
}

static int fail(char *why, size_t size, const char *msg, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *why, size_t size, const char *msg, ...)
{
    va_list ap;
    va_start(ap, msg);
    vsnprintf(why, size, msg, ap);
    va_end(ap);
    return -1;
}

static int parse_port(const char *s, size_t len, unsigned *port)
{
    unsigned long v = 0;
    if ((len == 0) || (len > 5)) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return -1;
        }
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if ((v == 0) || (v > 65535)) {
        return -1;
    }
    *port = (unsigned)v;
    return 0;
}

int ts_url_parse(const char *s, ts_url *u, char *why, size_t why_size)
{
    const char *p = strstr(s, "://");
    const char *host;
    const char *end;
    const char *at;
    const char *port = NULL;
    size_t host_len;
    bool have_scheme = (p != NULL);
    unsigned char addr[16];

    memset(u, 0, sizeof(*u));
    if (have_scheme) {
        size_t sl = (size_t)(p - s);
        size_t i;
        for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
            if ((strlen(schemes[i].scheme) == sl) && (strncasecmp(s, schemes[i].scheme, sl) == 0)) {
                break;
            }
        }
        if (i == sizeof(schemes) / sizeof(schemes[0])) {
            char sch[32];
            snprintf(sch, sizeof(sch), "%.*s", (int)(sl < 20 ? sl : 20), s);
            return fail(why, why_size,
                        "unknown scheme '%s' (expected https, ldaps, smtps, imaps, pop3s, smtp, "
                        "submission, imap, pop3, ldap, or host:port for TLS)",
                        sch);
        }
        snprintf(u->scheme, sizeof(u->scheme), "%s", schemes[i].scheme);
        u->port = schemes[i].port;
        u->proto = schemes[i].proto;
        host = p + 3;
    } else {
        host = s;
    }
    end = host + strcspn(host, "/?#");
    at = memchr(host, '@', (size_t)(end - host));
    if (at) {
        host = at + 1;
    }
    if (host[0] == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));
        if (!close) {
            return fail(why, why_size, "%s", "unterminated '[' in the host");
        }
        host_len = (size_t)(close - host - 1);
        host++;
        if (close + 1 < end) {
            if (close[1] != ':') {
                return fail(why, why_size, "%s", "expected ':' after ']'");
            }
            port = close + 2;
        }
    } else {
        const char *colon = memchr(host, ':', (size_t)(end - host));
        if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1))) {
            return fail(why, why_size, "invalid host '%.*s' (IPv6 addresses go in brackets)",
                        (int)(end - host), host);
        }
        host_len = colon ? (size_t)(colon - host) : (size_t)(end - host);
        if (colon) {
            port = colon + 1;
        }
    }
    if ((host_len == 0) || (host_len >= sizeof(u->host))) {
        return fail(why, why_size, "%s", host_len ? "host name too long" : "no host");
    }
    memcpy(u->host, host, host_len);
    u->host[host_len] = '\0';
    for (size_t i = 0; i < host_len; i++) {
        unsigned char c = (unsigned char)u->host[i];
        if (!isalnum(c) && (c != '.') && (c != '-') && (c != '_') && (c != ':')) {
            return fail(why, why_size, "invalid character in the host name '%s'", u->host);
        }
    }
    if (port) {
        if (parse_port(port, (size_t)(end - port), &u->port) != 0) {
            return fail(why, why_size, "invalid port '%s' (expected 1 to 65535)", port);
        }
    } else if (!have_scheme) {
        return fail(why, why_size, "%s",
                    "no port: give host:port (TLS) or a URL such as https://host or smtp://host");
    }
    u->host_is_ip =
        (inet_pton(AF_INET, u->host, addr) == 1) || (inet_pton(AF_INET6, u->host, addr) == 1);
    if (!u->host_is_ip && strchr(u->host, ':')) {
        return fail(why, why_size, "invalid host '%s' (IPv6 addresses go in brackets)", u->host);
    }
    return 0;
}

int ts_parse_host_port(const char *s, char *host, size_t size, unsigned *port)
{
    ts_url u;
    char why[256];
    if ((strstr(s, "://") != NULL) || (ts_url_parse(s, &u, why, sizeof(why)) != 0) ||
        (strlen(u.host) >= size)) {
        return -1;
    }
    snprintf(host, size, "%s", u.host);
    *port = u.port;
    return 0;
}
