/* SPDX-License-Identifier: Apache-2.0 */
/* Messages, the manifest in effect, certificate descriptions, aligned tables. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"

static const char *manifest_option;
static FILE *deferred_warnings;

bool ts_cli_color(int fd)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fd) && !(nc && nc[0]);
}

const char *ts_plural(size_t n, const char *one, const char *many)
{
    return (n == 1) ? one : many;
}

void ts_cli_defer_warnings(FILE *f)
{
    deferred_warnings = f;
}

/* s with control characters (a newline in a file name or URL) shown as '?': one line, always */
static void put_one_line(FILE *out, const char *s)
{
    for (; *s; s++) {
        fputc(((unsigned char)*s < 0x20) || (*s == 0x7f) ? '?' : *s, out);
    }
}

__attribute__((format(printf, 5, 0))) static void vmessage(FILE *out, const char *kind,
                                                           const char *color, const char *subject,
                                                           const char *fmt, va_list ap)
{
    bool c = ts_cli_color(STDERR_FILENO);
    char text[4096];
    vsnprintf(text, sizeof(text), fmt, ap);
    fprintf(out, "trustshim: %s%s:%s ", c ? color : "", kind, c ? "\033[0m" : "");
    if (subject && subject[0]) {
        put_one_line(out, subject);
        fputs(": ", out);
    }
    put_one_line(out, text);
    fputc('\n', out);
}

void ts_cli_error(const char *subject, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(stderr, "error", "\033[1;31m", subject, fmt, ap);
    va_end(ap);
}

void ts_cli_warn(const char *subject, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmessage(deferred_warnings ? deferred_warnings : stderr, "warning", "\033[1;33m", subject, fmt,
             ap);
    va_end(ap);
}

void ts_cli_core_error(const char *fallback, const ts_error *err)
{
    ts_error e = *err;
    char buf[2048];
    if (!e.file[0] && fallback) {
        ts_error_set_file(&e, fallback);
    }
    if (!e.what[0]) {
        snprintf(e.what, sizeof(e.what), "failed");
    }
    ts_cli_error(NULL, "%s", ts_error_str(&e, buf, sizeof(buf)));
}

const char *ts_manifest_path(void)
{
    const char *env = getenv("TRUSTSHIM_MANIFEST");
    if (manifest_option) {
        return manifest_option;
    }
    if (env && env[0]) {
        return env;
    }
    return TS_MANIFEST_DEFAULT_PATH;
}

void ts_set_manifest_path(const char *path)
{
    manifest_option = path;
}

int ts_absolute_path(const char *path, char *out, size_t size)
{
    char cwd[4096];
    int n;
    if (path[0] == '/') {
        n = snprintf(out, size, "%s", path);
    } else {
        if (!getcwd(cwd, sizeof(cwd))) {
            return -1;
        }
        n = snprintf(out, size, "%s/%s", strcmp(cwd, "/") ? cwd : "", path);
    }
    return ((n < 0) || ((size_t)n >= size)) ? -1 : 0;
}

bool ts_cli_no_manifest(const char *path)
{
    if ((access(path, F_OK) != 0) && (errno == ENOENT)) {
        ts_cli_error(path, "no such manifest (create it with 'trustshim init')");
        return true;
    }
    return false;
}

int ts_load_manifest_or_report(const char *path, ts_manifest *m)
{
    ts_error err;
    ts_error_clear(&err);
    if (ts_cli_no_manifest(path)) {
        return TS_EXIT_USAGE;
    }
    if (ts_manifest_load(path, m, &err) != 0) {
        ts_cli_core_error(path, &err);
        return TS_EXIT_USAGE;
    }
    return TS_EXIT_OK;
}

bool ts_alias_option(const char *arg, char *out, size_t size)
{
    size_t n = strlen(arg);
    if (n >= size) {
        n = size - 1;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)arg[i];
        out[i] = (char)(((c >= 'A') && (c <= 'Z')) ? (c - 'A' + 'a') : c);
    }
    out[n] = '\0';
    if ((strlen(arg) >= size) || !ts_alias_valid(out, false)) {
        ts_cli_error("--alias",
                     "'%s' is not a valid alias: 1 to 255 printable ASCII characters, no \" [jdk\"",
                     arg);
        return false;
    }
    return true;
}

/*
 * Reads a password from the terminal with echo off (as keytool does).  NULL when there is no
 * terminal to ask; "" when the person just pressed Enter.
 */
char *ts_ask_password(const char *prompt)
{
    struct termios old, quiet;
    char line[1024];
    bool echo_off;
    char *nl;

    if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) {
        return NULL;
    }
    fputs(prompt, stderr);
    fflush(stderr);
    echo_off = (tcgetattr(STDIN_FILENO, &old) == 0);
    if (echo_off) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        echo_off = (tcsetattr(STDIN_FILENO, TCSADRAIN, &quiet) == 0);
    }
    if (!fgets(line, sizeof(line), stdin)) {
        line[0] = '\0';
    }
    if (echo_off) {
        tcsetattr(STDIN_FILENO, TCSADRAIN, &old);
    }
    nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
    }
    return strdup(line);
}

int ts_read_stdin(size_t max, unsigned char **buf, size_t *len)
{
    size_t cap = 65536;
    size_t n = 0;
    unsigned char *b = malloc(cap + 1);
    while (b) {
        ssize_t r;
        if (n == cap) {
            unsigned char *g = (cap < max) ? realloc(b, 2 * cap + 1) : NULL;
            if (!g) {
                free(b);
                b = NULL;
                break;
            }
            b = g;
            cap *= 2;
        }
        r = read(STDIN_FILENO, b + n, cap - n);
        if ((r < 0) && (errno == EINTR)) {
            continue;
        }
        if (r < 0) {
            ts_cli_error("(standard input)", "%s", strerror(errno));
            free(b);
            return -1;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    if (!b || (n > max)) {
        ts_cli_error("(standard input)", "%s", b ? "too large" : "out of memory or too large");
        free(b);
        return -1;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return 0;
}

int ts_parse_manifest_or_report(const char *path, ts_manifest *m)
{
    ts_error err;
    unsigned char *buf = NULL;
    size_t len = 0;
    int r;

    memset(m, 0, sizeof(*m));
    ts_error_clear(&err);
    if (ts_cli_no_manifest(path)) {
        return TS_EXIT_USAGE;
    }
    if (ts_read_file(path, TS_MANIFEST_MAX_SIZE, &buf, &len, &err) != 0) {
        ts_cli_core_error(path, &err);
        return TS_EXIT_USAGE;
    }
    r = ts_manifest_parse((const char *)buf, len, path, m, &err);
    free(buf);
    if (r != 0) {
        ts_cli_core_error(path, &err);
        return TS_EXIT_USAGE;
    }
    return TS_EXIT_OK;
}

/* Edit distance of a and b, a swap of two neighbours counting one (typing "lsit"), capped at 9;
 * for short words (commands, actions, aliases). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t d[65][65];
    if ((la > 64) || (lb > 64)) {
        return 9;
    }
    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost =
                (tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1])) ? 0 : 1;
            size_t best = d[i - 1][j - 1] + cost;
            best = (d[i - 1][j] + 1 < best) ? d[i - 1][j] + 1 : best;
            best = (d[i][j - 1] + 1 < best) ? d[i][j - 1] + 1 : best;
            if ((i > 1) && (j > 1) && (a[i - 1] == b[j - 2]) && (a[i - 2] == b[j - 1]) &&
                (d[i - 2][j - 2] + 1 < best)) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb] < 9 ? d[la][lb] : 9;
}

const char *ts_did_you_mean(const char *word, const char *const *candidates)
{
    static char buf[300];
    const char *best = NULL;
    size_t best_d = 9;
    size_t wl = strlen(word);
    for (; candidates && *candidates; candidates++) {
        size_t d = distance(word, *candidates);
        /* a prefix ("dis" for distrust) is a near miss too, when it is the only one */
        if ((wl >= 3) && (strncmp(*candidates, word, wl) == 0)) {
            d = 1;
        }
        if (d < best_d) {
            best_d = d;
            best = *candidates;
        }
    }
    /* one edit for short words, two for longer ones: further is a guess, not a near miss */
    if (!best || (best_d > ((wl <= 4) ? 1u : 2u))) {
        return "";
    }
    snprintf(buf, sizeof(buf), "; did you mean '%s'?", best);
    return buf;
}

const char *ts_suggest_alias(const ts_manifest *m, const char *key)
{
    const char *r = "";
    const char **aliases = calloc(m->n_certs + 1, sizeof(char *));
    size_t n = 0;
    if (!aliases) {
        return r;
    }
    for (size_t i = 0; i < m->n_certs; i++) {
        if (m->certs[i].alias) {
            aliases[n++] = m->certs[i].alias;
        }
    }
    r = ts_did_you_mean(key, aliases);
    free(aliases);
    return r;
}

bool ts_hex_prefix(const char *s, char *out, size_t size)
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s == ':') {
            continue;
        }
        if (!isxdigit((unsigned char)*s) || (n + 1 >= size)) {
            return false;
        }
        out[n++] = (char)tolower((unsigned char)*s);
    }
    out[n] = '\0';
    return n >= 8;
}

long ts_find_cert(const ts_manifest *m, const char *key)
{
    unsigned char sha[TS_SHA256_LEN];
    char prefix[TS_SHA256_HEX_LEN + 1];
    long found = -1;
    long i = ts_manifest_find_alias(m, key);
    if (i >= 0) {
        return i;
    }
    if (ts_sha256_from_hex(key, sha) == 0) {
        return ts_manifest_find_sha256(m, sha);
    }
    if (!ts_hex_prefix(key, prefix, sizeof(prefix))) {
        return -1;
    }
    for (size_t k = 0; k < m->n_certs; k++) {
        char hex[TS_SHA256_HEX_LEN + 1];
        ts_sha256_to_hex(m->certs[k].sha256, hex);
        if (strncmp(hex, prefix, strlen(prefix)) == 0) {
            if (found >= 0) {
                return -2;
            }
            found = (long)k;
        }
    }
    return found;
}

void ts_format_date(time_t t, char *out, size_t size)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || (strftime(out, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)) {
        snprintf(out, size, "?");
    }
}

void ts_now_rfc3339(char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || (strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)) {
        snprintf(out, size, "1970-01-01T00:00:00Z");
    }
}

long ts_days_until(time_t t, time_t now)
{
    double d = difftime(t, now) / 86400.0;
    return (long)(d < 0 ? d - 0.999999 : d);
}

void ts_print_cert(FILE *out, const char *indent, const ts_cert *c, const ts_cert_info *info)
{
    char hex[TS_SHA256_HEX_LEN + 1];
    char nb[64];
    char na[64];
    ts_sha256_to_hex(c->sha256, hex);
    ts_format_date(info->not_before, nb, sizeof(nb));
    ts_format_date(info->not_after, na, sizeof(na));
    fprintf(out, "%ssubject:  %s\n", indent, info->subject);
    fprintf(out, "%sissuer:   %s\n", indent, info->issuer);
    time_t now = time(NULL);
    long left = ts_days_until(info->not_after, now);
    if (info->not_after < now) {
        fprintf(out, "%svalid:    %s to %s (EXPIRED)\n", indent, nb, na);
    } else {
        fprintf(out, "%svalid:    %s to %s (%ld day%s left)\n", indent, nb, na, left,
                left == 1 ? "" : "s");
    }
    fprintf(out, "%skey:      %s %d bits%s%s\n", indent, info->key_type, info->key_bits,
            info->is_ca ? ", CA" : "", info->self_signed ? ", self-signed" : "");
    fprintf(out, "%ssha256:   %s\n", indent, hex);
}

int ts_warn_cert(const char *subject, const ts_cert_info *info, time_t now)
{
    int n = 0;
    char d[64];
    if (info->not_after < now) {
        ts_format_date(info->not_after, d, sizeof(d));
        ts_cli_warn(subject, "expired on %s", d);
        n++;
    }
    if (info->not_before > now) {
        ts_format_date(info->not_before, d, sizeof(d));
        ts_cli_warn(subject, "not valid before %s", d);
        n++;
    }
    if (!info->is_ca) {
        ts_cli_warn(subject, "not a CA certificate (a leaf): it must be renewed here whenever "
                             "the server's certificate changes");
        n++;
    }
    if ((strcmp(info->key_type, "RSA") == 0) && (info->key_bits < 2048)) {
        ts_cli_warn(subject, "weak key: RSA %d bits (under 2048)", info->key_bits);
        n++;
    }
    if (info->sha1_signature) {
        ts_cli_warn(subject, "SHA-1 signature: recent JDKs reject it in chains");
        n++;
    }
    return n;
}

void ts_table_init(ts_table *t, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
}

int ts_table_row(ts_table *t, const char *const *cols)
{
    if ((t->nrows + 1) * t->ncols > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : t->ncols * 16;
        char **c = realloc(t->cells, cap * sizeof(char *));
        if (!c) {
            return -1;
        }
        t->cells = c;
        t->cap = cap;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        t->cells[t->nrows * t->ncols + i] = strdup(cols[i] ? cols[i] : "");
    }
    t->nrows++;
    return 0;
}

/* Columns a UTF-8 string takes on a terminal: its characters (continuation bytes do not count). */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++) {
        w += (((unsigned char)*s & 0xc0) != 0x80) ? 1 : 0;
    }
    return w;
}

void ts_table_print(const ts_table *t, FILE *out)
{
    size_t width[16] = {0};
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; (c < t->ncols) && (c < 16); c++) {
            const char *s = t->cells[r * t->ncols + c];
            size_t w = display_width(s);
            if (w > width[c]) {
                width[c] = w;
            }
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; (c < t->ncols) && (c < 16); c++) {
            const char *s = t->cells[r * t->ncols + c];
            if (c + 1 == t->ncols) {
                fprintf(out, "%s\n", s ? s : "");
            } else {
                /* padded by hand: printf's width counts bytes, not characters */
                fprintf(out, "%s%*s", s ? s : "", (int)(width[c] - display_width(s) + 2), "");
            }
        }
    }
}

void ts_table_free(ts_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    memset(t, 0, sizeof(*t));
}
