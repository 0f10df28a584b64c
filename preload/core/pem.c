/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PEM decoding without OpenSSL.  It used to be PEM_read_bio, whose first call
 * in a process makes OpenSSL 3.0 load every error string (about 1.3 MiB of a
 * JVM) and libcrypto itself be loaded at all (docs/performance.md).  The rules
 * are the ones PEM_read_bio applies, so that a file keeps reading the same:
 *
 *  - Input is read in "lines" of at most PEM_CHUNK bytes, each ending after
 *    its first '\n' (a longer line is several), as a memory BIO's gets does.
 *  - Each line loses its trailing bytes that are control characters, spaces
 *    or not ASCII (a signed char <= ' '), and ends in one '\n'; the first line
 *    a search for a block reads also loses a UTF-8 byte order mark.
 *  - A block starts at a line "-----BEGIN <name>-----"; anything else before
 *    it is skipped.  The name ends at its first NUL, as C strings compare.
 *  - Then, up to the line "-----END <name>-----" (same name, else refused):
 *    when a line holding ':' comes before any blank line, the lines up to the
 *    first blank line are RFC 1421 headers and the data is what follows; a
 *    second blank line is refused.  Without headers, a blank line before the
 *    data starts the data too.  After a blank line, data lines hold at most 64
 *    characters and only the last may be shorter.  A line's bytes from its
 *    first NUL on are dropped.
 *  - The data is base64: spaces, tabs, CR and LF are skipped; any other byte
 *    outside the alphabet is refused; '=' only at the end (at most two); a '-'
 *    ends the data; the count of characters must be a multiple of four.  No
 *    data, or data that decodes to nothing, is refused.
 */
#include "pem.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A memory BIO's gets is given 255 bytes and keeps one for the NUL. */
#define PEM_CHUNK 254

static const char begin_tag[] = "-----BEGIN ";
static const char end_tag[] = "-----END ";
static const char tail_tag[] = "-----\n";
#define BEGIN_LEN (sizeof(begin_tag) - 1)
#define END_LEN (sizeof(end_tag) - 1)
#define TAIL_LEN (sizeof(tail_tag) - 1)

/* One line as the rules above see it: text[0..len) ends in '\n'; raw_len is what it took from
 * the input, partial whether it stopped at PEM_CHUNK before a '\n'. */
typedef struct pem_line {
    char text[PEM_CHUNK + 2];
    size_t len, raw_len, skip; /* skip: a byte order mark's 3 bytes, or 0 */
    bool partial, has_colon;
} pem_line;

/* Reads the line at buf[*pos..len) into l; false at the end of the input. */
static bool line_read(const unsigned char *buf, size_t len, size_t *pos, bool strip_bom,
                      pem_line *l)
{
    size_t avail = len - *pos, n = 0, skip = 0;
    const unsigned char *p = buf + *pos;

    if (avail == 0) {
        return false;
    }
    while (n < avail && n < PEM_CHUNK) {
        if (p[n++] == '\n') {
            break;
        }
    }
    *pos += n;
    l->raw_len = n;
    l->partial = n == PEM_CHUNK && p[n - 1] != '\n';
    l->has_colon = memchr(p, ':', n) != NULL;
    if (strip_bom && n > 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
        skip = 3;
    }
    l->skip = skip;
    n -= skip;
    while (n > 0 && (signed char)p[skip + n - 1] <= ' ') {
        n--;
    }
    memcpy(l->text, p + skip, n);
    l->text[n++] = '\n';
    l->text[n] = '\0';
    l->len = n;
    return true;
}

static bool has_prefix(const char *s, size_t len, const char *prefix, size_t plen)
{
    return len >= plen && memcmp(s, prefix, plen) == 0;
}

/* A growing byte buffer; on failure of memory it says so once and takes nothing more. */
typedef struct pem_buf {
    char *p;
    size_t len, cap;
    bool failed;
} pem_buf;

static void buf_put(pem_buf *b, const char *s, size_t n)
{
    if (b->failed || n == 0) {
        return;
    }
    if (n > b->cap - b->len) {
        size_t cap = b->cap == 0 ? 2048 : b->cap;
        char *p;

        while (n > cap - b->len) {
            cap *= 2;
        }
        p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

/* The value of a base64 character, or one of these classes. */
enum { B64_SKIP = -1, B64_PAD = -2, B64_STOP = -3, B64_BAD = -4 };

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    switch (c) {
    case '+':
        return 62;
    case '/':
        return 63;
    case '=':
        return B64_PAD;
    case '-':
        return B64_STOP;
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        return B64_SKIP;
    default:
        return B64_BAD;
    }
}

/*
 * Decodes the base64 text in[0..len) in place (the output is shorter than the
 * input); the decoded length, or -1.  Padding counts as zero bits, as OpenSSL
 * takes it: "AB==" is accepted even when B has bits that padding drops.
 */
static long b64_decode(unsigned char *in, size_t len)
{
    size_t out = 0, quad_n = 0, pad = 0;
    unsigned char quad[4];

    for (size_t i = 0; i < len; i++) {
        int v = b64_value(in[i]);

        if (v == B64_BAD) {
            return -1;
        }
        if (v == B64_STOP) {
            break;
        }
        if (v == B64_SKIP) {
            continue;
        }
        if (v == B64_PAD) {
            if (++pad > 2) {
                return -1;
            }
            v = 0;
        } else if (pad > 0) {
            return -1; /* data after padding */
        }
        quad[quad_n++] = (unsigned char)v;
        if (quad_n == 4) {
            in[out++] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
            in[out++] = (unsigned char)(quad[1] << 4 | quad[2] >> 2);
            in[out++] = (unsigned char)(quad[2] << 6 | quad[3]);
            quad_n = 0;
        }
    }
    /* Padding is only ever in the last quad: what it stands for is not data. */
    if (quad_n != 0 || pad > out) {
        return -1;
    }
    return (long)(out - pad);
}

ts_pem_result ts_pem_next(const unsigned char *buf, size_t len, size_t *pos, ts_pem_block *out,
                          const char **why)
{
    enum { MAYBE_HEADER, IN_HEADER, POST_HEADER } state = MAYBE_HEADER;
    pem_buf header = {0}, data = {0}, *to = &header;
    pem_line line, *l = &line;
    bool first = true, last_line = false, prev_partial = false;
    const char *name = NULL;
    size_t name_len = 0;
    long n;
    ts_pem_result rc = TS_PEM_MALFORMED;

    memset(out, 0, sizeof(*out));
    /* The BEGIN line; its name is found again in buf (lines are copies). */
    for (;;) {
        size_t start;

        if (!line_read(buf, len, pos, first, l)) {
            return TS_PEM_NONE;
        }
        start = *pos - l->raw_len;
        if (has_prefix(l->text, l->len, begin_tag, BEGIN_LEN) && l->len >= BEGIN_LEN + TAIL_LEN &&
            memcmp(l->text + l->len - TAIL_LEN, tail_tag, TAIL_LEN) == 0) {
            name = (const char *)buf + start + l->skip + BEGIN_LEN;
            name_len = l->len - BEGIN_LEN - TAIL_LEN;
            name_len = strnlen(name, name_len);
            break;
        }
        first = false;
    }
    *why = "missing END line";
    for (;;) {
        bool partial;

        if (!line_read(buf, len, pos, false, l)) {
            goto end;
        }
        partial = prev_partial;
        prev_partial = l->partial;
        if (state == MAYBE_HEADER && l->has_colon) {
            state = IN_HEADER;
        }
        if (l->text[0] == '\n') {
            /* The rest of a line cut at PEM_CHUNK is not a blank line. */
            if (!partial) {
                if (state == POST_HEADER) {
                    *why = "blank line inside the base64 data";
                    goto end;
                }
                state = POST_HEADER;
                to = &data;
            }
            continue;
        }
        if (has_prefix(l->text, l->len, end_tag, END_LEN)) {
            const char *p = l->text + END_LEN;

            if (strncmp(p, name, name_len) != 0 || strncmp(p + name_len, tail_tag, TAIL_LEN) != 0) {
                *why = "END line does not match the BEGIN line";
                goto end;
            }
            if (state == MAYBE_HEADER) {
                data = header; /* no headers: what was read is the data */
                memset(&header, 0, sizeof(header));
            }
            break;
        }
        if (last_line) {
            *why = "a short base64 line before the last one";
            goto end;
        }
        buf_put(to, l->text, strlen(l->text));
        if (state == POST_HEADER) {
            if (l->len > 65) {
                *why = "base64 line longer than 64 characters";
                goto end;
            }
            last_line = l->len < 65;
        }
    }
    *why = "out of memory";
    if (header.failed || data.failed) {
        goto end;
    }
    *why = "no base64 data";
    if (data.len == 0) {
        goto end;
    }
    n = b64_decode((unsigned char *)data.p, data.len);
    if (n <= 0) {
        *why = n == 0 ? "no data" : "bad base64";
        goto end;
    }
    out->name = name;
    out->name_len = name_len;
    out->data = (unsigned char *)data.p;
    out->data_len = (size_t)n;
    data.p = NULL;
    *why = NULL;
    rc = TS_PEM_BLOCK;
end:
    free(header.p);
    free(data.p);
    return rc;
}

int ts_pem_name_is(const ts_pem_block *b, const char *name)
{
    size_t n = strlen(name);

    return b->name_len == n && memcmp(b->name, name, n) == 0;
}

size_t ts_base64_encode(const unsigned char *in, size_t len, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;

    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        size_t n = len - i < 3 ? len - i : 3;

        if (n > 1) {
            v |= (unsigned)in[i + 1] << 8;
        }
        if (n > 2) {
            v |= in[i + 2];
        }
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = n > 1 ? alphabet[v >> 6 & 63] : '=';
        out[o++] = n > 2 ? alphabet[v & 63] : '=';
    }
    return o;
}
