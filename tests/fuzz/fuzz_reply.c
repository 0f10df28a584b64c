/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for fetch's whole exchange with a server (tools/fetch/conn.c
 * and the replies of reply.c and proto.c): the first byte picks SMTP, IMAP,
 * POP3, LDAP (STARTTLS) or TLS from the first byte, the rest is everything the
 * server sends, then it closes.  conn.c's own dialogue runs over a socketpair
 * (ts_fetch_chain_fd), from the greeting through the TLS handshake.
 * Invariants: a failure is one line of printable ASCII (a hostile server
 * cannot write control characters to the user's terminal), a success holds a
 * chain; the first thing we send is the protocol's first command; nothing waits
 * (everything was sent, then the end).  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cert.h"
#include "fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *url;
    const char *first; /* what we send first, if anything */
    size_t first_len;
} protos[] = {
    {"smtp://mail.example:25", "EHLO [", 6},    {"imap://mail.example:143", "ts1 STARTTLS\r\n", 14},
    {"pop3://mail.example:110", "STLS\r\n", 6}, {"ldap://ldap.example:389", "\x30", 1},
    {"https://www.example:443", "\x16\x03", 2}, /* a TLS handshake record */
};

static void check_why(const char *why)
{
    if (why[0] == '\0') {
        abort();
    }
    for (const char *p = why; *p; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t which;
    int sv[2];
    ts_url u;
    ts_fetch_opts o;
    ts_cert_list chain = {0};
    ts_fetch_info info;
    char why[512];
    unsigned char sent[64];
    ssize_t n;
    int r;

    if (size < 1) {
        return 0;
    }
    which = data[0] % (sizeof(protos) / sizeof(protos[0]));
    if (ts_url_parse(protos[which].url, &u, why, sizeof(why)) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        abort();
    }
    /* The server's side: all it says, then the end (the socket's buffer holds -max_len bytes). */
    if (size > 1 && write(sv[1], data + 1, size - 1) != (ssize_t)(size - 1)) {
        abort();
    }
    shutdown(sv[1], SHUT_WR);

    memset(&o, 0, sizeof(o));
    o.timeout = 5; /* never reached: nothing to wait for */
    r = ts_fetch_chain_fd(sv[0], &u, &o, &chain, &info, why, sizeof(why));
    if (r == 0) {
        if (chain.count == 0) {
            abort();
        }
    } else if (r == -1) {
        check_why(why);
        if (strncmp(why, "timed out", 9) == 0) {
            abort();
        }
    } else {
        abort();
    }
    close(sv[0]);
    n = recv(sv[1], sent, sizeof(sent), MSG_DONTWAIT);
    if (n > 0 &&
        memcmp(sent, protos[which].first,
               (size_t)n < protos[which].first_len ? (size_t)n : protos[which].first_len) != 0) {
        abort();
    }
    close(sv[1]);
    ts_cert_list_free(&chain);
    return 0;
}
