/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest's strict JSON syntax check, run on the raw text before cJSON
 * builds the tree: exact line and column, NUL bytes, BOM, invalid UTF-8,
 * nesting.  Pure text in, 0 or an error out; no cJSON here.
 */
#include "manifest_internal.h"

#include <stdint.h>

/* Deepest nesting the format uses: root { certificates [ { hosts [ */
#define MAX_DEPTH 4

/* ------------------------------------------------------- raw text checks */

/* Length of the UTF-8 sequence at p (at most n bytes available), 0 if invalid. */
size_t ts_manifest_utf8_seq(const unsigned char *p, size_t n)
{
    size_t need;
    uint32_t cp;

    if (p[0] < 0x80) {
        return 1;
    }
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        need = 2;
        cp = p[0] & 0x1fu;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        need = 3;
        cp = p[0] & 0x0fu;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        need = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < need) {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return need;
}

static void line_col(const char *text, size_t off, char *out, size_t size)
{
    size_t line = 1, col = 1;

    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else if (((unsigned char)text[i] & 0xc0) != 0x80) {
            col++;
        }
    }
    snprintf(out, size, "line %zu, column %zu", line, col);
}

static int text_error(ts_error *err, const char *text, size_t off, const char *what)
{
    char where[64];

    line_col(text, off, where, sizeof(where));
    return ts_error_set(err, where, "%s", what);
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * A strict JSON syntax check before cJSON builds the tree.  cJSON accepts NUL
 * bytes, raw control characters, invalid UTF-8 and \u0000 (which would cut a
 * string short), and its error position is only approximate: this scanner
 * rejects all of those and says exactly where and what was expected.  Nesting
 * is limited to what the format uses, which also bounds the recursion.
 */
typedef struct scanner {
    const char *text;
    const unsigned char *t;
    size_t len;
    size_t i;
    ts_error *err;
} scanner;

static int scan_fail(scanner *s, size_t at, const char *what)
{
    return text_error(s->err, s->text, at, what);
}

/* The character at s->i is not what the grammar wants there. */
static int unexpected(scanner *s, const char *expected)
{
    char what[160];

    if (s->i >= s->len) {
        fmt(what, sizeof(what), "unexpected end of the text: expected %s", expected);
    } else if (s->t[s->i] == 0) {
        fmt(what, sizeof(what), "NUL byte: expected JSON text");
    } else if (s->t[s->i] > 0x20 && s->t[s->i] < 0x7f) {
        fmt(what, sizeof(what), "unexpected '%c': expected %s", s->t[s->i], expected);
    } else if (ts_manifest_utf8_seq(s->t + s->i, s->len - s->i) == 0) {
        fmt(what, sizeof(what), "invalid UTF-8: expected JSON text in UTF-8");
    } else {
        fmt(what, sizeof(what), "unexpected character: expected %s", expected);
    }
    return scan_fail(s, s->i, what);
}

static void skip_ws(scanner *s)
{
    while (s->i < s->len && is_json_space((char)s->t[s->i])) {
        s->i++;
    }
}

static int hex4(const unsigned char *p, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        int h = ts_hex_digit(p[k]);
        if (h < 0) {
            return -1;
        }
        *v = *v << 4 | (unsigned)h;
    }
    return 0;
}

static int scan_string(scanner *s)
{
    s->i++; /* the opening quote */
    for (;;) {
        unsigned char c;
        size_t n;

        if (s->i >= s->len) {
            return unexpected(s, "'\"' to close the string");
        }
        c = s->t[s->i];
        if (c == '"') {
            s->i++;
            return 0;
        }
        if (c == 0) {
            return scan_fail(s, s->i, "NUL byte: expected JSON text");
        }
        if (c < 0x20) {
            return scan_fail(s, s->i,
                             "control character in a string: expected it escaped (\\n, \\t, ...)");
        }
        if (c == '\\') {
            unsigned cp, lo;
            if (s->i + 1 >= s->len) {
                s->i++;
                return unexpected(s, "an escape sequence");
            }
            if (strchr("\"\\/bfnrt", s->t[s->i + 1]) != NULL && s->t[s->i + 1] != 0) {
                s->i += 2;
                continue;
            }
            if (s->t[s->i + 1] != 'u') {
                return scan_fail(
                    s, s->i,
                    "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
            }
            if (s->len - s->i < 6 || hex4(s->t + s->i + 2, &cp) != 0) {
                return scan_fail(s, s->i, "invalid \\u escape: expected 4 hexadecimal digits");
            }
            if (cp == 0) {
                return scan_fail(s, s->i, "\\u0000 in a string: NUL is not allowed");
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return scan_fail(s, s->i, "invalid \\u escape: unpaired surrogate");
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (s->len - s->i < 12 || s->t[s->i + 6] != '\\' || s->t[s->i + 7] != 'u' ||
                    hex4(s->t + s->i + 8, &lo) != 0 || lo < 0xdc00 || lo > 0xdfff) {
                    return scan_fail(s, s->i, "invalid \\u escape: unpaired surrogate");
                }
                s->i += 6;
            }
            s->i += 6;
            continue;
        }
        n = ts_manifest_utf8_seq(s->t + s->i, s->len - s->i);
        if (n == 0) {
            return scan_fail(s, s->i, "invalid UTF-8: expected JSON text in UTF-8");
        }
        s->i += n;
    }
}

static bool at_digit(const scanner *s)
{
    return s->i < s->len && s->t[s->i] >= '0' && s->t[s->i] <= '9';
}

static int scan_number(scanner *s)
{
    size_t start = s->i;

    if (s->t[s->i] == '-') {
        s->i++;
    }
    if (!at_digit(s)) {
        return scan_fail(s, start, "invalid number");
    }
    if (s->t[s->i] == '0') {
        s->i++;
    } else {
        while (at_digit(s)) {
            s->i++;
        }
    }
    if (s->i < s->len && s->t[s->i] == '.') {
        s->i++;
        if (!at_digit(s)) {
            return scan_fail(s, start, "invalid number");
        }
        while (at_digit(s)) {
            s->i++;
        }
    }
    if (s->i < s->len && (s->t[s->i] == 'e' || s->t[s->i] == 'E')) {
        s->i++;
        if (s->i < s->len && (s->t[s->i] == '+' || s->t[s->i] == '-')) {
            s->i++;
        }
        if (!at_digit(s)) {
            return scan_fail(s, start, "invalid number");
        }
        while (at_digit(s)) {
            s->i++;
        }
    }
    return 0;
}

#define VALUE_EXPECTED "a value (object, array, string, number, true, false or null)"

static int scan_value(scanner *s, int depth);

/* An object or array at s->i. */
static int scan_container(scanner *s, int depth)
{
    bool object = s->t[s->i] == '{';
    char close = object ? '}' : ']';

    if (depth + 1 > MAX_DEPTH) {
        char what[128];
        fmt(what, sizeof(what),
            "nested deeper than the manifest format allows (%d levels of objects and arrays)",
            MAX_DEPTH);
        return scan_fail(s, s->i, what);
    }
    s->i++;
    skip_ws(s);
    if (s->i < s->len && s->t[s->i] == close) {
        s->i++;
        return 0;
    }
    for (;;) {
        if (object) {
            if (s->i >= s->len || s->t[s->i] != '"') {
                return unexpected(s, "a field name in double quotes");
            }
            if (scan_string(s) != 0) {
                return -1;
            }
            skip_ws(s);
            if (s->i >= s->len || s->t[s->i] != ':') {
                return unexpected(s, "':'");
            }
            s->i++;
        }
        if (scan_value(s, depth + 1) != 0) {
            return -1;
        }
        skip_ws(s);
        if (s->i < s->len && s->t[s->i] == ',') {
            s->i++;
            skip_ws(s);
            continue;
        }
        if (s->i < s->len && s->t[s->i] == close) {
            s->i++;
            return 0;
        }
        return unexpected(s, object ? "',' or '}'" : "',' or ']'");
    }
}

static int scan_value(scanner *s, int depth)
{
    static const char *const literals[] = {"true", "false", "null"};
    unsigned char c;

    skip_ws(s);
    if (s->i >= s->len) {
        return unexpected(s, VALUE_EXPECTED);
    }
    c = s->t[s->i];
    if (c == '{' || c == '[') {
        return scan_container(s, depth);
    }
    if (c == '"') {
        return scan_string(s);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        return scan_number(s);
    }
    for (size_t k = 0; k < 3; k++) {
        size_t n = strlen(literals[k]);
        if (s->len - s->i >= n && memcmp(s->t + s->i, literals[k], n) == 0) {
            s->i += n;
            return 0;
        }
    }
    return unexpected(s, VALUE_EXPECTED);
}

int ts_manifest_check_syntax(const char *text, size_t len, ts_error *err)
{
    scanner s = {text, (const unsigned char *)text, len, 0, err};

    skip_ws(&s);
    if (s.i == len) {
        return ts_error_set(err, "", "empty: expected a JSON object");
    }
    if (len - s.i >= 3 && memcmp(s.t + s.i, "\xef\xbb\xbf", 3) == 0) {
        /* What some editors put first; JSON (RFC 8259) has none. */
        return scan_fail(&s, s.i,
                         "a UTF-8 byte order mark: expected the JSON object (save the "
                         "file as UTF-8 without BOM)");
    }
    if (s.t[s.i] != '{') {
        return scan_fail(&s, s.i, "expected a JSON object at the top level");
    }
    if (scan_value(&s, 0) != 0) {
        return -1;
    }
    skip_ws(&s);
    if (s.i < len) {
        return scan_fail(&s, s.i, "unexpected text after the JSON object");
    }
    return 0;
}
