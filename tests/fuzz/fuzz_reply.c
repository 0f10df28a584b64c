/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the STARTTLS replies (tools/fetch/reply.c), driven as
 * conn.c drives them over a socket: the first byte picks SMTP, IMAP, POP3 or
 * LDAP, the rest is everything the server sends.  Invariants: a line never
 * takes more than is there; a complete LDAP response fits in what was read.
 * See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct input {
    const unsigned char *p;
    size_t len;
} input;

/* The next line, or -1 when the server would have to send more (conn.c's read_line). */
static int next_line(input *in, char *line, size_t size)
{
    size_t used = 0;
    int r = ts_reply_line(in->p, in->len, 4096, line, size, &used);

    if (r <= 0) {
        return -1;
    }
    if (used > in->len || strlen(line) >= size) {
        abort();
    }
    in->p += used;
    in->len -= used;
    return 0;
}

static void smtp(input *in)
{
    static const int want[] = {220, 250, 220};
    char line[1024], why[256];

    for (size_t step = 0; step < 3; step++) {
        ts_smtp_reply r;
        int done = 0;

        memset(&r, 0, sizeof(r));
        while (done == 0) {
            if (next_line(in, line, sizeof(line)) != 0) {
                return;
            }
            done = ts_smtp_reply_feed(&r, line, "the reply", why, sizeof(why));
        }
        if (done < 0 || ts_smtp_reply_expect(&r, want[step], "refused", why, sizeof(why)) != 0 ||
            (step == 1 && !r.starttls)) {
            return;
        }
    }
}

static void imap(input *in)
{
    char line[1024], why[256];
    int r = 0;

    if (next_line(in, line, sizeof(line)) != 0 || ts_imap_greeting(line, why, sizeof(why)) != 0) {
        return;
    }
    while (r == 0) {
        if (next_line(in, line, sizeof(line)) != 0) {
            return;
        }
        r = ts_imap_starttls_reply(line, why, sizeof(why));
    }
}

static void pop3(input *in)
{
    char line[1024], why[256];

    if (next_line(in, line, sizeof(line)) == 0 && ts_pop3_greeting(line, why, sizeof(why)) == 0 &&
        next_line(in, line, sizeof(line)) == 0) {
        (void)ts_pop3_stls_reply(line, why, sizeof(why));
    }
}

static void ldap(const input *in)
{
    char why[256];

    /* As bytes arrive: every prefix, the way read_more grows the buffer. */
    for (size_t n = 0; n <= in->len; n += 1 + n / 4) {
        long size = ts_ldap_starttls_reply(in->p, n, 8192, why, sizeof(why));

        if (size > (long)n) {
            abort();
        }
        if (size != 0) {
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in;

    if (size < 1) {
        return 0;
    }
    in.p = data + 1;
    in.len = size - 1;
    switch (data[0] % 4) {
    case 0:
        smtp(&in);
        break;
    case 1:
        imap(&in);
        break;
    case 2:
        pop3(&in);
        break;
    default:
        ldap(&in);
        break;
    }
    return 0;
}
