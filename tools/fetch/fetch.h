/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_FETCH_H
#define TS_FETCH_H

/* Obtaining the certificate chain a server presents: TLS from the first byte or after STARTTLS. */

#include <stdbool.h>
#include <stddef.h>

#include "cert.h"

typedef enum ts_proto {
    TS_PROTO_TLS = 0, /* TLS from the first byte */
    TS_PROTO_SMTP,    /* EHLO, STARTTLS */
    TS_PROTO_IMAP,    /* STARTTLS */
    TS_PROTO_POP3,    /* STLS */
    TS_PROTO_LDAP,    /* StartTLS extended operation */
} ts_proto;

typedef struct ts_url {
    char scheme[16]; /* "" for host:port */
    char host[256];  /* IPv6 without the brackets */
    unsigned port;
    ts_proto proto;
    bool host_is_ip;
} ts_url;

/* Parses "scheme://host[:port][/...]" or "host:port"; 0, or -1 with the reason in why. */
int ts_url_parse(const char *s, ts_url *u, char *why, size_t why_size);
const char *ts_proto_name(ts_proto p); /* "TLS", "SMTP", ... */

/* How to reach the server, and what the TLS client offers. */
typedef struct ts_fetch_opts {
    double timeout;           /* seconds for the whole exchange, from connect to the last byte */
    const char *connect_host; /* where to connect (NULL: the URL's host), as s_client -connect */
    unsigned connect_port;    /* 0: the URL's port */
    const char *servername;   /* SNI (NULL: the URL's host unless an IP address) */
    int min_version;          /* OpenSSL's TLS1_VERSION ...; 0: TLS 1.0 */
    int max_version;          /* 0: the highest OpenSSL knows */
    const char *cipher_list;  /* OpenSSL's cipher list up to TLS 1.2 (NULL: all it has) */
    /* Called as each step starts ("connecting to ...", "waiting for the SMTP greeting"). */
    void (*progress)(void *arg, const char *msg);
    void *progress_arg;
} ts_fetch_opts;

/* What the handshake settled. */
typedef struct ts_fetch_info {
    char version[16]; /* "TLSv1.3" */
    char cipher[128]; /* the IANA name, "TLS_AES_256_GCM_SHA384" */
    int peer_alert;   /* the TLS alert the server sent when the handshake failed, or -1 */
} ts_fetch_info;

/*
 * Connects, speaks the STARTTLS dialogue if any, does the TLS handshake with
 * SNI and WITHOUT verifying anything, and appends the presented chain (leaf
 * first) to chain.  info (may be NULL) gets the version and cipher.  On failure
 * why holds one line ("timed out after 5 s waiting for the SMTP greeting"),
 * with the scheme to use instead when the port speaks otherwise.
 */
int ts_fetch_chain(const ts_url *u, const ts_fetch_opts *o, ts_cert_list *chain,
                   ts_fetch_info *info, char *why, size_t why_size);
/*
 * The same over fd, a socket already connected to the server (made
 * non-blocking here; the caller closes it).  o's connect_host and
 * connect_port only name the peer in messages.  For tests and fuzzing: the
 * whole dialogue, from the first byte the server sends.
 */
int ts_fetch_chain_fd(int fd, const ts_url *u, const ts_fetch_opts *o, ts_cert_list *chain,
                      ts_fetch_info *info, char *why, size_t why_size);
/* "HOST:PORT" ("[v6]:PORT") into host and *port; -1 when malformed. */
int ts_parse_host_port(const char *s, char *host, size_t size, unsigned *port);

/* ---- pure helpers (unit-tested) ---- */
/* The LDAP StartTLS ExtendedRequest with messageID 1; returns its length (<= size) or 0. */
size_t ts_ldap_starttls_request(unsigned char *out, size_t size);
/*
 * Total length of the BER element at the start of buf: > 0 when known (may be
 * more than len), 0 when more bytes are needed to know, -1 when malformed.
 */
long ts_ber_element_size(const unsigned char *buf, size_t len);
/*
 * Parses a complete LDAPMessage holding an ExtendedResponse: result code into
 * *code and the diagnostic message into diag.  0, or -1 when it is not one.
 */
int ts_ldap_parse_extended_response(const unsigned char *buf, size_t len, int *code, char *diag,
                                    size_t diag_size);
const char *ts_ldap_result_name(int code);
/*
 * A quotable preview of bytes received: true when they look like text (printable
 * ASCII, CR, LF, TAB), with the first line (at most 60 characters, a TAB as a space) in out.
 */
bool ts_text_preview(const unsigned char *buf, size_t len, char *out, size_t size);
/* SMTP reply line: its code (100..599) and whether it is the last line ("250 " vs "250-"); -1 if
 * not one. */
int ts_smtp_reply_code(const char *line, bool *last);

/* ---- the servers' replies (reply.c): pure functions over what was received ---- */
/*
 * One LF- or CRLF-terminated line at the start of buf[0..len), without its
 * terminator, into line (cut to size - 1 characters): 1 with *used the bytes it
 * took; 0 when more bytes are needed; -1 when no line ends within max bytes.
 */
int ts_reply_line(const unsigned char *buf, size_t len, size_t max, char *line, size_t size,
                  size_t *used);
/* An SMTP reply, fed line by line; zeroed before the first line. */
typedef struct ts_smtp_reply {
    int code;      /* the last line's */
    bool starttls; /* a line offered STARTTLS (EHLO's reply) */
    size_t lines;
    char first[1024];
} ts_smtp_reply;
/* 1 when line completed the reply, 0 when more lines follow, -1 when it is not SMTP (why). */
int ts_smtp_reply_feed(ts_smtp_reply *r, const char *line, const char *what, char *why,
                       size_t why_size);
/* 0 when the reply's code is want, else -1 with "<refused>: <first line>" in why. */
int ts_smtp_reply_expect(const ts_smtp_reply *r, int want, const char *refused, char *why,
                         size_t why_size);
/* The IMAP greeting, the POP3 greeting and its reply to STLS: 0 when it goes on, -1 (why). */
int ts_imap_greeting(const char *line, char *why, size_t why_size);
int ts_pop3_greeting(const char *line, char *why, size_t why_size);
int ts_pop3_stls_reply(const char *line, char *why, size_t why_size);
/* One line of the reply to "ts1 STARTTLS": 1 its OK, 0 an untagged line (read on), -1 (why). */
int ts_imap_starttls_reply(const char *line, char *why, size_t why_size);
/*
 * The LDAP StartTLS response at the start of buf[0..len), for a buffer of cap
 * bytes: its size when complete and successful, 0 when more bytes are needed,
 * -1 when it is not one, too large or a refusal (why).
 */
long ts_ldap_starttls_reply(const unsigned char *buf, size_t len, size_t cap, char *why,
                            size_t why_size);

#endif
