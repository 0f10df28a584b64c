/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Talking to a server until it has shown its certificates.  The socket is
 * non-blocking and every wait goes through poll against one deadline for the
 * whole exchange, so a server that never answers, or answers forever (a
 * "220-" line each second), costs at most the timeout.  TLS runs over memory
 * BIOs: we move the bytes ourselves, which gives the timeouts and lets us see
 * what a server that is not speaking TLS sent instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <strings.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "fetch.h"

typedef struct conn {
    int fd;
    const ts_fetch_opts *o;
    struct timespec deadline;
    const char *last_progress; /* the step last announced */
    const ts_url *url;
    const char *host; /* where we connect */
    unsigned port;
    unsigned char buf[8192]; /* bytes received and not yet consumed */
    size_t len;
    size_t received; /* bytes received in all, to tell "no greeting" from a wrong one */
    bool plaintext;  /* a TLS handshake met plain text */
    char preview[128];
    char *why;
    size_t why_size;
} conn;

static int fail(conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, c->why_size, fmt, ap);
    va_end(ap);
    return -1;
}

static void progress(conn *c, const char *what)
{
    char msg[512];
    if (!c->o->progress || (c->last_progress == what)) {
        return;
    }
    c->last_progress = what;
    snprintf(msg, sizeof(msg), "waiting for %s", what);
    c->o->progress(c->o->progress_arg, msg);
}

/* Waits for events on the socket; what names what we wait for in the timeout message. */
static int wait_for(conn *c, short events, const char *what)
{
    struct pollfd p = {.fd = c->fd, .events = events, .revents = 0};
    struct timespec now;
    progress(c, what);
    for (;;) {
        int left;
        int r;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left = (int)((double)(c->deadline.tv_sec - now.tv_sec) * 1000.0 +
                     (double)(c->deadline.tv_nsec - now.tv_nsec) / 1e6 + 0.5);
        if (left <= 0) {
            return fail(c, "timed out after %g s waiting for %s", c->o->timeout, what);
        }
        r = poll(&p, 1, left);
        if (r > 0) {
            return 0;
        }
        if ((r < 0) && (errno != EINTR)) {
            return fail(c, "poll: %s", strerror(errno));
        }
    }
}

/* Reads more bytes into c->buf; 0 on data, -1 on error, timeout or end of stream. */
static int read_more(conn *c, const char *what)
{
    for (;;) {
        ssize_t n;
        if (c->len == sizeof(c->buf)) {
            return fail(c, "too much data while waiting for %s", what);
        }
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
        if (n > 0) {
            c->len += (size_t)n;
            c->received += (size_t)n;
            return 0;
        }
        if (n == 0) {
            return fail(c, "connection closed while waiting for %s", what);
        }
        if ((errno == EAGAIN) || (errno == EWOULDBLOCK) || (errno == EINTR)) {
            if (wait_for(c, POLLIN, what) != 0) {
                return -1;
            }
            continue;
        }
        return fail(c, "receive failed while waiting for %s: %s", what, strerror(errno));
    }
}

static int send_all(conn *c, const void *data, size_t len, const char *what)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if ((n < 0) && ((errno == EAGAIN) || (errno == EWOULDBLOCK) || (errno == EINTR))) {
            if (wait_for(c, POLLOUT, what) != 0) {
                return -1;
            }
            continue;
        }
        return fail(c, "send failed (%s): %s", what, strerror(errno));
    }
    return 0;
}

/* One CRLF- or LF-terminated line (without the terminator), consumed from c->buf. */
static int read_line(conn *c, char *line, size_t size, const char *what)
{
    for (;;) {
        size_t used = 0;
        int r = ts_reply_line(c->buf, c->len, 4096, line, size, &used);

        if (r > 0) {
            memmove(c->buf, c->buf + used, c->len - used);
            c->len -= used;
            return 0;
        }
        if (r < 0) {
            return fail(c, "line too long while waiting for %s", what);
        }
        if (read_more(c, what) != 0) {
            return -1;
        }
    }
}

/* Reads an SMTP reply (all its lines) into r. */
static int smtp_reply(conn *c, const char *what, ts_smtp_reply *r)
{
    char line[1024];
    int done = 0;

    memset(r, 0, sizeof(*r));
    while (done == 0) {
        if (read_line(c, line, sizeof(line), what) != 0) {
            return -1;
        }
        done = ts_smtp_reply_feed(r, line, what, c->why, c->why_size);
    }
    return done > 0 ? 0 : -1;
}

static int starttls_smtp(conn *c)
{
    ts_smtp_reply r;
    char ehlo[128];
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[64] = "127.0.0.1";
    if ((smtp_reply(c, "the SMTP greeting", &r) != 0) ||
        (ts_smtp_reply_expect(&r, 220, "server refused the connection", c->why, c->why_size) !=
         0)) {
        return -1;
    }
    /* EHLO wants our name; an address literal is always acceptable */
    if ((getsockname(c->fd, (struct sockaddr *)&ss, &sl) == 0) &&
        (getnameinfo((struct sockaddr *)&ss, sl, addr, sizeof(addr), NULL, 0, NI_NUMERICHOST) ==
         0) &&
        (ss.ss_family == AF_INET6)) {
        snprintf(ehlo, sizeof(ehlo), "EHLO [IPv6:%s]\r\n", addr);
    } else {
        snprintf(ehlo, sizeof(ehlo), "EHLO [%s]\r\n", addr);
    }
    if (send_all(c, ehlo, strlen(ehlo), "sending EHLO") != 0) {
        return -1;
    }
    if ((smtp_reply(c, "the reply to EHLO", &r) != 0) ||
        (ts_smtp_reply_expect(&r, 250, "server refused EHLO", c->why, c->why_size) != 0)) {
        return -1;
    }
    if (!r.starttls) {
        return fail(c, "server does not offer STARTTLS (not in its reply to EHLO)");
    }
    if (send_all(c, "STARTTLS\r\n", 10, "sending STARTTLS") != 0) {
        return -1;
    }
    if ((smtp_reply(c, "the reply to STARTTLS", &r) != 0) ||
        (ts_smtp_reply_expect(&r, 220, "server refused STARTTLS", c->why, c->why_size) != 0)) {
        return -1;
    }
    return 0;
}

static int starttls_imap(conn *c)
{
    char line[1024];
    int r = 0;
    if ((read_line(c, line, sizeof(line), "the IMAP greeting") != 0) ||
        (ts_imap_greeting(line, c->why, c->why_size) != 0)) {
        return -1;
    }
    if (send_all(c, "ts1 STARTTLS\r\n", 14, "sending STARTTLS") != 0) {
        return -1;
    }
    while (r == 0) {
        if (read_line(c, line, sizeof(line), "the reply to STARTTLS") != 0) {
            return -1;
        }
        r = ts_imap_starttls_reply(line, c->why, c->why_size);
    }
    return r > 0 ? 0 : -1;
}

static int starttls_pop3(conn *c)
{
    char line[1024];
    if ((read_line(c, line, sizeof(line), "the POP3 greeting") != 0) ||
        (ts_pop3_greeting(line, c->why, c->why_size) != 0)) {
        return -1;
    }
    if (send_all(c, "STLS\r\n", 6, "sending STLS") != 0) {
        return -1;
    }
    if ((read_line(c, line, sizeof(line), "the reply to STLS") != 0) ||
        (ts_pop3_stls_reply(line, c->why, c->why_size) != 0)) {
        return -1;
    }
    return 0;
}

static int starttls_ldap(conn *c)
{
    unsigned char req[64];
    size_t n = ts_ldap_starttls_request(req, sizeof(req));
    long size;
    if (send_all(c, req, n, "sending the StartTLS request") != 0) {
        return -1;
    }
    while ((size = ts_ldap_starttls_reply(c->buf, c->len, sizeof(c->buf), c->why, c->why_size)) ==
           0) {
        if (read_more(c, "the LDAP StartTLS response") != 0) {
            return -1;
        }
    }
    if (size < 0) {
        return -1;
    }
    memmove(c->buf, c->buf + size, c->len - (size_t)size);
    c->len -= (size_t)size;
    return 0;
}

static int tcp_connect(conn *c)
{
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    char port[16];
    int r;
    int last_errno = 0;
    bool timed_out = false;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    snprintf(port, sizeof(port), "%u", c->port);
    if (c->o->progress) {
        char msg[512];
        snprintf(msg, sizeof(msg), "connecting to %s%s%s:%u (%s%s)",
                 strchr(c->host, ':') ? "[" : "", c->host, strchr(c->host, ':') ? "]" : "", c->port,
                 ts_proto_name(c->url->proto), (c->url->proto == TS_PROTO_TLS) ? "" : ", STARTTLS");
        c->o->progress(c->o->progress_arg, msg);
        c->last_progress = "the connection";
    }
    r = getaddrinfo(c->host, port, &hints, &res);
    if (r != 0) {
        return fail(c, "cannot resolve %s: %s", c->host, gai_strerror(r));
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        c->fd = fd;
        if ((connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)) {
            freeaddrinfo(res);
            return 0;
        }
        if (errno == EINPROGRESS) {
            if (wait_for(c, POLLOUT, "the connection") == 0) {
                int soerr = 0;
                socklen_t sl = sizeof(soerr);
                if ((getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0) && (soerr == 0)) {
                    freeaddrinfo(res);
                    return 0;
                }
                last_errno = soerr;
            } else {
                timed_out = true;
            }
        } else {
            last_errno = errno;
        }
        close(fd);
        c->fd = -1;
    }
    freeaddrinfo(res);
    if (timed_out) {
        return fail(c, "timed out after %g s waiting for the connection", c->o->timeout);
    }
    return fail(c, "cannot connect: %s", strerror(last_errno ? last_errno : ECONNREFUSED));
}

/* Moves what OpenSSL wants to send to the socket. */
static int flush_tls(conn *c, BIO *wbio)
{
    unsigned char out[4096];
    int n;
    while ((n = BIO_read(wbio, out, sizeof(out))) > 0) {
        if (send_all(c, out, (size_t)n, "sending the TLS handshake") != 0) {
            return -1;
        }
    }
    return 0;
}

static void openssl_reason(char *out, size_t size)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    snprintf(out, size, "%s", r ? r : "unknown error");
    ERR_clear_error();
}

/* Keeps the alert a server ends the handshake with (protocol_version ...) for the caller. */
static void note_alert(const SSL *ssl, int where, int ret)
{
    ts_fetch_info *info = SSL_get_app_data(ssl);
    if (info && (where & SSL_CB_READ_ALERT) && ((ret >> 8) == SSL3_AL_FATAL)) {
        info->peer_alert = ret & 0xff;
    }
}

/* The bytes up to the first line's end: a greeting is text even if what follows is not. */
static size_t first_line(const unsigned char *buf, size_t len)
{
    const unsigned char *nl = memchr(buf, '\n', len);
    return nl ? (size_t)(nl - buf) + 1 : len;
}

static int not_tls(conn *c, const char *q)
{
    c->plaintext = true;
    snprintf(c->preview, sizeof(c->preview), "%s", q);
    return fail(c, "not a TLS server (got plain text: '%s')", q);
}

/* SSL_set_tlsext_host_name casts to void *: clang's -Wcast-qual sees the const through the macro.
 */
static void set_sni(SSL *ssl, const char *name)
{
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)(uintptr_t)name);
}

static int tls_handshake(conn *c, ts_cert_list *chain, ts_fetch_info *info)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;
    BIO *rbio = NULL;
    BIO *wbio = NULL;
    unsigned char first[64];
    size_t nfirst = 0;
    STACK_OF(X509) * sk;
    int ret = -1;
    ts_error err;
    char reason[256];
    char q[128];

    if (!ctx) {
        fail(c, "cannot create the TLS context");
        goto end;
    }
    /* we are here to see what the server presents, however weak: no verification, any level */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_set_min_proto_version(ctx, c->o->min_version ? c->o->min_version : TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, c->o->max_version);
    if (c->o->cipher_list && (SSL_CTX_set_cipher_list(ctx, c->o->cipher_list) != 1)) {
        fail(c, "no cipher suite to offer");
        goto end;
    }
    ssl = SSL_new(ctx);
    rbio = BIO_new(BIO_s_mem());
    wbio = BIO_new(BIO_s_mem());
    if (!ssl || !rbio || !wbio) {
        BIO_free(rbio);
        BIO_free(wbio);
        fail(c, "out of memory");
        goto end;
    }
    BIO_set_mem_eof_return(rbio, -1);
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_connect_state(ssl);
    SSL_set_app_data(ssl, info);
    SSL_set_info_callback(ssl, note_alert);
    if (c->o->servername) {
        if (c->o->servername[0]) {
            set_sni(ssl, c->o->servername);
        }
    } else if (!c->url->host_is_ip) {
        set_sni(ssl, c->url->host);
    }
    /* bytes left over from the plain-text phase belong to the handshake */
    if (c->len > 0) {
        BIO_write(rbio, c->buf, (int)c->len);
        memcpy(first, c->buf, c->len < sizeof(first) ? c->len : sizeof(first));
        nfirst = c->len < sizeof(first) ? c->len : sizeof(first);
        c->len = 0;
    }
    for (;;) {
        int r = SSL_do_handshake(ssl);
        int e;
        if (flush_tls(c, wbio) != 0) {
            goto end;
        }
        if (r == 1) {
            break;
        }
        e = SSL_get_error(ssl, r);
        if (e == SSL_ERROR_WANT_READ) {
            ssize_t n;
            c->len = 0;
            n = recv(c->fd, c->buf, sizeof(c->buf), 0);
            if (n < 0) {
                if ((errno == EAGAIN) || (errno == EWOULDBLOCK) || (errno == EINTR)) {
                    if (wait_for(c, POLLIN, "the TLS handshake") != 0) {
                        goto end;
                    }
                    continue;
                }
                fail(c, "receive failed during the TLS handshake: %s", strerror(errno));
                goto end;
            }
            if (n == 0) {
                if ((nfirst > 0) &&
                    ts_text_preview(first, first_line(first, nfirst), q, sizeof(q))) {
                    not_tls(c, q);
                } else {
                    fail(c, "connection closed during the TLS handshake");
                }
                goto end;
            }
            if (nfirst < sizeof(first)) {
                size_t k = (size_t)n < sizeof(first) - nfirst ? (size_t)n : sizeof(first) - nfirst;
                memcpy(first + nfirst, c->buf, k);
                nfirst += k;
            }
            BIO_write(rbio, c->buf, (int)n);
            continue;
        }
        if ((nfirst > 0) && ts_text_preview(first, first_line(first, nfirst), q, sizeof(q))) {
            not_tls(c, q);
        } else {
            openssl_reason(reason, sizeof(reason));
            fail(c, "TLS handshake failed: %s", reason);
        }
        goto end;
    }
    if (info) {
        const SSL_CIPHER *ci = SSL_get_current_cipher(ssl);
        const char *std = ci ? SSL_CIPHER_standard_name(ci) : NULL;
        snprintf(info->version, sizeof(info->version), "%s", SSL_get_version(ssl));
        snprintf(info->cipher, sizeof(info->cipher), "%s",
                 std ? std : (ci ? SSL_CIPHER_get_name(ci) : "?"));
    }
    sk = SSL_get_peer_cert_chain(ssl);
    if (!sk || (sk_X509_num(sk) == 0)) {
        fail(c, "the server presented no certificate");
        goto end;
    }
    ts_error_clear(&err);
    for (int i = 0; i < sk_X509_num(sk); i++) {
        unsigned char *der = NULL;
        int n = i2d_X509(sk_X509_value(sk, i), &der);
        if ((n <= 0) || (ts_cert_list_push_der(chain, der, (size_t)n, &err) != 0)) {
            OPENSSL_free(der);
            fail(c, "certificate %d of the chain is not valid: %s", i + 1, err.what);
            goto end;
        }
        OPENSSL_free(der);
    }
    ret = 0;
end:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return ret;
}

/* The scheme that speaks TLS from the first byte for p, and the reverse. */
static const char *implicit_scheme(ts_proto p)
{
    switch (p) {
    case TS_PROTO_SMTP:
        return "smtps";
    case TS_PROTO_IMAP:
        return "imaps";
    case TS_PROTO_POP3:
        return "pop3s";
    case TS_PROTO_LDAP:
        return "ldaps";
    case TS_PROTO_TLS:
    default:
        return NULL;
    }
}

/* The STARTTLS scheme a plain-text greeting belongs to, or NULL. */
static const char *starttls_scheme(const char *greeting)
{
    if (strncmp(greeting, "220", 3) == 0) {
        return "smtp";
    }
    if ((strncasecmp(greeting, "* OK", 4) == 0) || (strncasecmp(greeting, "* PREAUTH", 9) == 0)) {
        return "imap";
    }
    if (strncmp(greeting, "+OK", 3) == 0) {
        return "pop3";
    }
    return NULL;
}

/* Appends to c->why the scheme that fits what the port did. */
static void suggest_scheme(conn *c, const char *scheme, const char *why)
{
    size_t n = strlen(c->why);
    const char *h = c->url->host;
    bool v6 = (strchr(h, ':') != NULL);
    snprintf(c->why + n, c->why_size - n, "; %s: use %s://%s%s%s:%u", why, scheme, v6 ? "[" : "", h,
             v6 ? "]" : "", c->url->port);
}

/* The conn for one exchange: its deadline starts now. */
static void conn_init(conn *c, const ts_url *u, const ts_fetch_opts *o, ts_fetch_info *info,
                      char *why, size_t why_size)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->o = o;
    c->url = u;
    c->host = o->connect_host ? o->connect_host : u->host;
    c->port = o->connect_port ? o->connect_port : u->port;
    c->why = why;
    c->why_size = why_size;
    why[0] = '\0';
    if (info) {
        memset(info, 0, sizeof(*info));
        info->peer_alert = -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &c->deadline);
    c->deadline.tv_sec += (time_t)o->timeout;
    c->deadline.tv_nsec += (long)((o->timeout - (double)(time_t)o->timeout) * 1e9);
    if (c->deadline.tv_nsec >= 1000000000L) {
        c->deadline.tv_sec++;
        c->deadline.tv_nsec -= 1000000000L;
    }
}

/* The STARTTLS dialogue if any, then the handshake, over the connected c->fd. */
static int exchange(conn *c, ts_cert_list *chain, ts_fetch_info *info)
{
    const ts_url *u = c->url;
    const char *why = c->why;
    int ret;

    switch (u->proto) {
    case TS_PROTO_SMTP:
        ret = starttls_smtp(c);
        break;
    case TS_PROTO_IMAP:
        ret = starttls_imap(c);
        break;
    case TS_PROTO_POP3:
        ret = starttls_pop3(c);
        break;
    case TS_PROTO_LDAP:
        ret = starttls_ldap(c);
        break;
    case TS_PROTO_TLS:
    default:
        ret = 0;
        break;
    }
    if (ret != 0) {
        /* a server that expects TLS from the first byte waits silently for our ClientHello,
         * and answers LDAP's request with a TLS alert */
        if ((c->received == 0) && (strncmp(why, "timed out", 9) == 0)) {
            suggest_scheme(c, implicit_scheme(u->proto),
                           "no greeting; if the port expects TLS from the first byte");
        } else if ((c->received == 0) && (u->proto == TS_PROTO_LDAP)) {
            suggest_scheme(c, implicit_scheme(u->proto),
                           "no answer; if the port expects TLS from the first byte");
        } else if ((u->proto == TS_PROTO_LDAP) && (c->len > 0) && (c->buf[0] == 0x15)) {
            suggest_scheme(c, implicit_scheme(u->proto), "the port answered with TLS");
        }
        return ret;
    }
    ret = tls_handshake(c, chain, info);
    if ((ret != 0) && c->plaintext) {
        const char *s = starttls_scheme(c->preview);
        if (s) {
            suggest_scheme(c, s, "the port speaks plain text first (STARTTLS)");
        }
    }
    return ret;
}

int ts_fetch_chain(const ts_url *u, const ts_fetch_opts *o, ts_cert_list *chain,
                   ts_fetch_info *info, char *why, size_t why_size)
{
    conn c;
    int ret = -1;

    conn_init(&c, u, o, info, why, why_size);
    if (tcp_connect(&c) == 0) {
        ret = exchange(&c, chain, info);
    }
    if (c.fd >= 0) {
        close(c.fd);
    }
    return ret;
}

int ts_fetch_chain_fd(int fd, const ts_url *u, const ts_fetch_opts *o, ts_cert_list *chain,
                      ts_fetch_info *info, char *why, size_t why_size)
{
    conn c;
    int fl = fcntl(fd, F_GETFL);

    conn_init(&c, u, o, info, why, why_size);
    if ((fl < 0) || (fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)) {
        return fail(&c, "fcntl: %s", strerror(errno));
    }
    c.fd = fd;
    return exchange(&c, chain, info);
}
