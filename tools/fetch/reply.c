/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The STARTTLS dialogues' reading side: what the server's bytes mean, as pure
 * functions over a buffer (conn.c does the socket and calls them), so that
 * they can be unit-tested and fuzzed without a server.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"

int ts_reply_line(const unsigned char *buf, size_t len, size_t max, char *line, size_t size,
                  size_t *used)
{
    const unsigned char *nl = memchr(buf, '\n', len < max ? len : max);
    size_t n, keep;

    if (nl == NULL) {
        return len >= max ? -1 : 0;
    }
    n = (size_t)(nl - buf);
    keep = n;
    if ((keep > 0) && (buf[keep - 1] == '\r')) {
        keep--;
    }
    if (keep >= size) {
        keep = size - 1;
    }
    memcpy(line, buf, keep);
    line[keep] = '\0';
    *used = n + 1;
    return 1;
}

/* The first line of what the server sent, printable and short, for a message. */
static const char *quote_line(const char *line, char *out, size_t size)
{
    size_t n = 0;

    for (const char *p = line; *p && (n + 4 < size) && (n < 80); p++) {
        out[n++] = ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f) ? *p : '?';
    }
    out[n] = '\0';
    return out;
}

int ts_smtp_reply_feed(ts_smtp_reply *r, const char *line, const char *what, char *why,
                       size_t why_size)
{
    char q[128];
    bool last = false;
    int code = ts_smtp_reply_code(line, &last);

    if (code < 0) {
        snprintf(why, why_size, "not an SMTP server (got '%s' while waiting for %s)",
                 quote_line(line, q, sizeof(q)), what);
        return -1;
    }
    if (r->lines++ == 0) {
        snprintf(r->first, sizeof(r->first), "%s", line);
    }
    if ((strlen(line) >= 12) && (strncasecmp(line + 4, "STARTTLS", 8) == 0)) {
        r->starttls = true;
    }
    r->code = code;
    return last ? 1 : 0;
}

int ts_smtp_reply_expect(const ts_smtp_reply *r, int want, const char *refused, char *why,
                         size_t why_size)
{
    char q[128];

    if (r->code != want) {
        snprintf(why, why_size, "%s: %s", refused, quote_line(r->first, q, sizeof(q)));
        return -1;
    }
    return 0;
}

int ts_imap_greeting(const char *line, char *why, size_t why_size)
{
    char q[128];

    if (strncasecmp(line, "* BYE", 5) == 0) {
        snprintf(why, why_size, "server refused the connection: %s",
                 quote_line(line, q, sizeof(q)));
        return -1;
    }
    if ((strncasecmp(line, "* OK", 4) != 0) && (strncasecmp(line, "* PREAUTH", 9) != 0)) {
        snprintf(why, why_size, "not an IMAP server (got '%s')", quote_line(line, q, sizeof(q)));
        return -1;
    }
    return 0;
}

int ts_imap_starttls_reply(const char *line, char *why, size_t why_size)
{
    char q[128];

    if (strncmp(line, "ts1 ", 4) != 0) {
        if (strncmp(line, "* ", 2) != 0) {
            snprintf(why, why_size, "not an IMAP server (got '%s')",
                     quote_line(line, q, sizeof(q)));
            return -1;
        }
        return 0; /* an untagged line: the tagged one is still to come */
    }
    if (strncasecmp(line + 4, "OK", 2) != 0) {
        snprintf(why, why_size, "server refused STARTTLS: %s", quote_line(line + 4, q, sizeof(q)));
        return -1;
    }
    return 1;
}

int ts_pop3_greeting(const char *line, char *why, size_t why_size)
{
    char q[128];

    if (strncmp(line, "-ERR", 4) == 0) {
        snprintf(why, why_size, "server refused the connection: %s",
                 quote_line(line, q, sizeof(q)));
        return -1;
    }
    if (strncmp(line, "+OK", 3) != 0) {
        snprintf(why, why_size, "not a POP3 server (got '%s')", quote_line(line, q, sizeof(q)));
        return -1;
    }
    return 0;
}

int ts_pop3_stls_reply(const char *line, char *why, size_t why_size)
{
    char q[128];

    if (strncmp(line, "+OK", 3) != 0) {
        snprintf(why, why_size, "server refused STLS: %s", quote_line(line, q, sizeof(q)));
        return -1;
    }
    return 0;
}

long ts_ldap_starttls_reply(const unsigned char *buf, size_t len, size_t cap, char *why,
                            size_t why_size)
{
    long size = ts_ber_element_size(buf, len);
    int code = 0;
    char diag[256];
    char q[128];

    if ((size < 0) || ((len > 0) && (buf[0] != 0x30))) {
        if (ts_text_preview(buf, len, q, sizeof(q))) {
            snprintf(why, why_size, "not an LDAP server (got plain text: '%s')", q);
        } else {
            snprintf(why, why_size, "not an LDAP server (malformed reply to StartTLS)");
        }
        return -1;
    }
    if ((size > 0) && ((size_t)size > cap)) {
        snprintf(why, why_size, "LDAP response too large");
        return -1;
    }
    if ((size == 0) || ((size_t)size > len)) {
        return 0;
    }
    if (ts_ldap_parse_extended_response(buf, (size_t)size, &code, diag, sizeof(diag)) != 0) {
        snprintf(why, why_size, "not an LDAP server (unexpected reply to StartTLS)");
        return -1;
    }
    if (code != 0) {
        snprintf(why, why_size, "server refused StartTLS: result %d (%s)%s%s", code,
                 ts_ldap_result_name(code), diag[0] ? ": " : "", diag);
        return -1;
    }
    return size;
}
