/* SPDX-License-Identifier: Apache-2.0 */
/* Pure pieces of the STARTTLS dialogues: LDAP's BER by hand, SMTP reply codes, text previews. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fetch.h"

static const char starttls_oid[] = "1.3.6.1.4.1.1466.20037";

size_t ts_ldap_starttls_request(unsigned char *out, size_t size)
{
    /* LDAPMessage ::= SEQUENCE { messageID INTEGER (1),
     *   protocolOp [APPLICATION 23] ExtendedRequest ::= SEQUENCE { requestName [0] LDAPOID } } */
    size_t oid_len = sizeof(starttls_oid) - 1;
    size_t op_len = 2 + oid_len;
    size_t msg_len = 3 + 2 + op_len;
    size_t total = 2 + msg_len;
    size_t i = 0;
    if ((size < total) || (msg_len > 127)) {
        return 0;
    }
    out[i++] = 0x30; /* SEQUENCE */
    out[i++] = (unsigned char)msg_len;
    out[i++] = 0x02; /* INTEGER */
    out[i++] = 0x01;
    out[i++] = 0x01;
    out[i++] = 0x77; /* [APPLICATION 23], constructed */
    out[i++] = (unsigned char)op_len;
    out[i++] = 0x80; /* [0], primitive */
    out[i++] = (unsigned char)oid_len;
    memcpy(out + i, starttls_oid, oid_len);
    return i + oid_len;
}

/* Header of a BER element: tag (one byte, low tag numbers only) and definite length. */
static long ber_header(const unsigned char *buf, size_t len, size_t *hdr, size_t *content)
{
    size_t n;
    size_t v = 0;
    if (len < 2) {
        return 0;
    }
    if ((buf[0] & 0x1f) == 0x1f) {
        return -1; /* high tag numbers: not in LDAP's messages */
    }
    if (buf[1] < 0x80) {
        *hdr = 2;
        *content = buf[1];
        return 1;
    }
    n = buf[1] & 0x7f;
    if ((n == 0) || (n > 4)) {
        return -1; /* indefinite length is not allowed in LDAP; > 4 GiB is nonsense */
    }
    if (len < 2 + n) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | buf[2 + i];
    }
    *hdr = 2 + n;
    *content = v;
    return 1;
}

long ts_ber_element_size(const unsigned char *buf, size_t len)
{
    size_t hdr = 0;
    size_t content = 0;
    long r = ber_header(buf, len, &hdr, &content);
    if (r <= 0) {
        return r;
    }
    if (content > (1u << 24)) {
        return -1;
    }
    return (long)(hdr + content);
}

/* The element at *p (of tag `tag`) within [*p, end): its content; advances *p past it. */
static int ber_take(const unsigned char **p, const unsigned char *end, unsigned char tag,
                    const unsigned char **content, size_t *clen)
{
    size_t hdr = 0;
    size_t n = 0;
    if ((ber_header(*p, (size_t)(end - *p), &hdr, &n) != 1) || ((*p)[0] != tag) ||
        (n > (size_t)(end - *p) - hdr)) {
        return -1;
    }
    *content = *p + hdr;
    *clen = n;
    *p += hdr + n;
    return 0;
}

int ts_ldap_parse_extended_response(const unsigned char *buf, size_t len, int *code, char *diag,
                                    size_t diag_size)
{
    const unsigned char *p = buf;
    const unsigned char *end = buf + len;
    const unsigned char *c;
    const unsigned char *op;
    size_t clen;
    size_t oplen;
    const unsigned char *q;
    const unsigned char *qend;
    unsigned long v = 0;

    diag[0] = '\0';
    if (ber_take(&p, end, 0x30, &c, &clen) != 0) {
        return -1;
    }
    q = c;
    qend = c + clen;
    if (ber_take(&q, qend, 0x02, &op, &oplen) != 0) { /* messageID */
        return -1;
    }
    if (ber_take(&q, qend, 0x78, &op, &oplen) != 0) { /* [APPLICATION 24] ExtendedResponse */
        return -1;
    }
    q = op;
    qend = op + oplen;
    /* resultCode: a non-negative ENUMERATED that fits in 31 bits (the sign bit set is malformed) */
    if ((ber_take(&q, qend, 0x0a, &c, &clen) != 0) || (clen == 0) || (clen > 4) ||
        ((c[0] & 0x80) != 0)) {
        return -1;
    }
    for (size_t i = 0; i < clen; i++) {
        v = (v << 8) | c[i];
    }
    *code = (int)v;
    if (ber_take(&q, qend, 0x04, &c, &clen) != 0) { /* matchedDN */
        return -1;
    }
    if (ber_take(&q, qend, 0x04, &c, &clen) != 0) { /* diagnosticMessage */
        return -1;
    }
    snprintf(diag, diag_size, "%.*s", (int)(clen > 200 ? 200 : clen), (const char *)c);
    for (char *d = diag; *d; d++) {
        if (!isprint((unsigned char)*d)) {
            *d = '?';
        }
    }
    return 0;
}

const char *ts_ldap_result_name(int code)
{
    switch (code) {
    case 0:
        return "success";
    case 1:
        return "operationsError";
    case 2:
        return "protocolError";
    case 7:
        return "authMethodNotSupported";
    case 8:
        return "strongerAuthRequired";
    case 12:
        return "unavailableCriticalExtension";
    case 50:
        return "insufficientAccessRights";
    case 51:
        return "busy";
    case 52:
        return "unavailable";
    case 53:
        return "unwillingToPerform";
    default:
        return "error";
    }
}

bool ts_text_preview(const unsigned char *buf, size_t len, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    if (len == 0) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = buf[i];
        if (!(((c >= 0x20) && (c < 0x7f)) || (c == '\r') || (c == '\n') || (c == '\t'))) {
            return false;
        }
    }
    for (size_t i = 0;
         (i < len) && (buf[i] != '\r') && (buf[i] != '\n') && (n < 60) && (n + 4 < size); i++) {
        out[n++] = buf[i] == '\t' ? ' ' : (char)buf[i]; /* a message is one line of printables */
    }
    if ((n == 60) && (n + 4 < size)) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return true;
}

int ts_smtp_reply_code(const char *line, bool *last)
{
    if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
        !isdigit((unsigned char)line[2]) ||
        ((line[3] != ' ') && (line[3] != '-') && (line[3] != '\0'))) {
        return -1;
    }
    *last = (line[3] != '-');
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    return ((code >= 100) && (code < 600)) ? code : -1;
}
