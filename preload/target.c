/* SPDX-License-Identifier: Apache-2.0 */
#include "target.h"

#include <fcntl.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool ts_open_flags_servable(int flags)
{
    int never = O_CREAT | O_TRUNC | O_DIRECTORY | O_PATH | O_NOFOLLOW;
#if defined(__O_TMPFILE)
    never |= __O_TMPFILE;
#endif
    return (flags & O_ACCMODE) == O_RDONLY && (flags & never) == 0;
}

bool ts_fopen_mode_servable(const char *mode)
{
    if (mode == NULL || mode[0] != 'r') {
        return false;
    }
    for (const char *p = mode + 1; *p != '\0'; p++) {
        if (*p != 'b' && *p != 'e') {
            return false;
        }
    }
    return true;
}

bool ts_path_normalize(const char *path, char *out, size_t size)
{
    size_t o = 0;
    const char *p = path;

    if (path == NULL || path[0] != '/' || size < 2) {
        return false;
    }
    while (*p != '\0') {
        while (*p == '/') {
            p++;
        }
        const char *end = strchr(p, '/');
        size_t n = (end != NULL) ? (size_t)(end - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            p += n;
            continue;
        }
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/') {
                o--;
            }
            if (o > 0) {
                o--; /* the '/' before the removed component */
            }
            p += n;
            continue;
        }
        if (o + 1 + n + 1 > size) {
            return false;
        }
        out[o++] = '/';
        memcpy(out + o, p, n);
        o += n;
        p += n;
    }
    if (o == 0) {
        out[o++] = '/';
    }
    out[o] = '\0';
    return true;
}

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

bool ts_ks_split(const char *path, char *dir, size_t dir_size, char *host, size_t host_size)
{
    if (path == NULL) {
        return false;
    }
    size_t len = strlen(path);
    const char *slash = memrchr(path, '/', len);
    const char *base = (slash != NULL) ? slash + 1 : path;
    size_t n = len - (size_t)(base - path);

    if (n <= 3 || memcmp(base + n - 3, ".ks", 3) != 0 || base[0] == '.') {
        return false;
    }
    size_t hn = n - 3;
    for (size_t i = 0; i < hn; i++) {
        if (!host_char(base[i])) {
            return false;
        }
    }
    size_t dn = (slash == NULL) ? 1 : (slash == path ? 1 : (size_t)(slash - path));
    if (hn + 1 > host_size || dn + 1 > dir_size) {
        return false;
    }
    memcpy(host, base, hn);
    host[hn] = '\0';
    if (slash == NULL) {
        memcpy(dir, ".", 2);
    } else {
        memcpy(dir, path, dn);
        dir[dn] = '\0';
    }
    return true;
}

/* Keeps a copy of the value of -D<name>=<value> (len bytes at opt) for the properties we need. */
static int take_property(ts_jvm_props *p, const char *opt, size_t len)
{
    static const struct {
        const char *name;
        size_t off;
    } wanted[] = {
        {"javax.net.ssl.trustStore", offsetof(ts_jvm_props, trust_store)},
        {"javax.net.ssl.trustStorePassword", offsetof(ts_jvm_props, trust_store_password)},
        {"ALLEGRA_HOME", offsetof(ts_jvm_props, allegra_home)},
        {"TRACKPLUS_HOME", offsetof(ts_jvm_props, trackplus_home)},
    };

    if (len < 2 || opt[0] != '-' || opt[1] != 'D') {
        return 0;
    }
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        size_t nl = strlen(wanted[i].name);
        if (len > 2 + nl && memcmp(opt + 2, wanted[i].name, nl) == 0 && opt[2 + nl] == '=') {
            char **slot = (char **)(void *)((char *)p + wanted[i].off);
            char *v = strndup(opt + 3 + nl, len - 3 - nl);
            if (v == NULL) {
                return -1;
            }
            free(*slot);
            *slot = v;
        }
    }
    return 0;
}

/* Where the launcher is in the command line. */
typedef struct launcher {
    ts_jvm_props *p;
    const ts_jvm_sources *src;
    bool value_next; /* the previous option takes the next argument as its value */
    bool done;       /* the main class was seen: the rest are program arguments */
    bool no_argfiles;
    const ts_jvm_sources *files; /* reads -XX:VMOptionsFile (NULL: inside one, not again) */
    int err;
} launcher;

/* The java launcher's options whose value is the next argument (java -help, JDK 8 to 25). */
static bool takes_value(const char *a, size_t n)
{
    static const char *const names[] = {"-cp",
                                        "-classpath",
                                        "--class-path",
                                        "-p",
                                        "--module-path",
                                        "--upgrade-module-path",
                                        "--add-modules",
                                        "--limit-modules",
                                        "--add-reads",
                                        "--add-exports",
                                        "--add-opens",
                                        "--patch-module",
                                        "--source",
                                        "--enable-native-access",
                                        "--describe-module",
                                        "-d"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i]) == n && memcmp(a, names[i], n) == 0) {
            return true;
        }
    }
    return false;
}

static void split_tokens(launcher *l, const char *text, bool argfile, bool env_argfiles);

/* Reads the file named by the n bytes at path with l->files' reader and splits its text into
 * into (argfile: as the launcher splits an @argfile; else as the VM splits its options). */
static void split_file(launcher *l, launcher *into, const char *path, size_t n, bool argfile)
{
    char *name = strndup(path, n);
    char *text = (name != NULL) ? l->files->read_argfile(name, l->files->read_ctx) : NULL;

    if (name == NULL) {
        l->err = -1;
    }
    if (text != NULL) {
        split_tokens(into, text, argfile, false);
    }
    free(text);
    free(name);
}

/*
 * -XX:VMOptionsFile=PATH (on the command line, in JDK_JAVA_OPTIONS, JAVA_TOOL_OPTIONS or
 * _JAVA_OPTIONS), which the VM reads in the option's place: its options split as the VM splits
 * JAVA_TOOL_OPTIONS (quotes, no escapes, no comments, no @argfiles, no other options file).
 * True when a is one.
 */
static bool vm_options_file(launcher *l, const char *a, size_t n)
{
    static const char opt[] = "-XX:VMOptionsFile=";
    const size_t on = sizeof(opt) - 1;
    launcher vm = {.p = l->p};

    if (n <= on || memcmp(a, opt, on) != 0 || l->files == NULL || l->files->read_argfile == NULL) {
        return false;
    }
    split_file(l, &vm, a + on, n - on, false);
    l->err |= vm.err;
    return true;
}

/* One argument of the command line; from_argfile: it came out of an @argfile (never expanded
 * again). */
static void launcher_arg(launcher *l, const char *a, size_t n, bool from_argfile)
{
    if (l->done || l->err != 0) {
        return;
    }
    if (l->value_next) {
        l->value_next = false;
        return;
    }
    if (!from_argfile && !l->no_argfiles && n > 1 && a[0] == '@') {
        if (a[1] == '@') {
            launcher_arg(l, a + 1, n - 1, true); /* "@@x" is the argument "@x" */
            return;
        }
        if (l->files->read_argfile != NULL) {
            split_file(l, l, a + 1, n - 1, true);
            return;
        }
    }
    if (n == 0 || a[0] != '-') {
        l->done = true; /* the main class, or a source file */
        return;
    }
    if ((n == 4 && memcmp(a, "-jar", 4) == 0) || (n == 2 && memcmp(a, "-m", 2) == 0) ||
        (n >= 8 && memcmp(a, "--module", 8) == 0 && (n == 8 || a[8] == '='))) {
        l->done = true;
        return;
    }
    if (n == 16 && memcmp(a, "--disable-@files", 16) == 0) {
        l->no_argfiles = true;
        return;
    }
    if (takes_value(a, n)) {
        l->value_next = true;
        return;
    }
    if (vm_options_file(l, a, n)) {
        return;
    }
    if (take_property(l->p, a, n) != 0) {
        l->err = -1;
    }
}

/*
 * Splits text as the launcher splits an @argfile (argfile: '#' comments and
 * backslash escapes inside quotes) or an environment variable (quotes only),
 * and feeds each token to the launcher; env_argfiles: a token may itself be
 * an @argfile (JDK_JAVA_OPTIONS), and none ends the options.  l->src NULL:
 * every token is an option (JAVA_TOOL_OPTIONS, read by the VM).
 */
static void split_tokens(launcher *l, const char *text, bool argfile, bool env_argfiles)
{
    size_t len = strlen(text);
    char *tok = malloc(len + 1);

    if (tok == NULL) {
        l->err = -1;
        return;
    }
    const char *s = text;
    while (*s != '\0') {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f') {
            s++;
        }
        if (*s == '\0') {
            break;
        }
        if (argfile && *s == '#') {
            while (*s != '\0' && *s != '\n' && *s != '\r') {
                s++;
            }
            continue;
        }
        size_t n = 0;
        char quote = 0;
        while (*s != '\0') {
            char ch = *s;
            if (quote == 0 && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f')) {
                break;
            }
            s++;
            if (quote == 0 && (ch == '"' || ch == '\'')) {
                quote = ch;
            } else if (quote != 0 && ch == quote) {
                quote = 0;
            } else if (argfile && quote != 0 && ch == '\\' && *s != '\0') {
                char e = *s++;
                if (e == '\n' || e == '\r') { /* a continued line: its leading blanks go */
                    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
                        s++;
                    }
                    continue;
                }
                tok[n++] = (e == 'n')   ? '\n'
                           : (e == 't') ? '\t'
                           : (e == 'r') ? '\r'
                           : (e == 'f') ? '\f'
                                        : e;
            } else {
                tok[n++] = ch;
            }
        }
        tok[n] = '\0';
        if (l->src == NULL) {
            if (!vm_options_file(l, tok, n) && take_property(l->p, tok, n) != 0) {
                l->err = -1;
            }
        } else {
            launcher_arg(l, tok, n, !env_argfiles);
            if (env_argfiles) {
                l->done = false;
            }
        }
    }
    free(tok);
}

int ts_jvm_props_read(const ts_jvm_sources *src, ts_jvm_props *p)
{
    int err = 0;

    memset(p, 0, sizeof(*p));
    launcher vm = {.p = p, .files = src};
    launcher l = {.p = p, .src = src, .files = src};
    if (src->java_tool_options != NULL) {
        split_tokens(&vm, src->java_tool_options, false, false);
    }
    if (src->java_launcher && src->jdk_java_options != NULL) {
        split_tokens(&l, src->jdk_java_options, false, true);
        l.value_next = false;
    }
    size_t i = 0;
    bool first = true;
    while (i < src->cmdline_len) {
        const char *a = src->cmdline + i;
        const char *nul = memchr(a, '\0', src->cmdline_len - i);
        if (nul == NULL) {
            break; /* cut off (a truncated read): not an argument we can trust */
        }
        size_t n = (size_t)(nul - a);
        if (!first) {
            if (src->java_launcher) {
                launcher_arg(&l, a, n, false);
            } else if (n > 2 && a[0] == '-' && a[1] == 'J') {
                err |= take_property(p, a + 2, n - 2);
            } else {
                err |= take_property(p, a, n);
            }
        }
        first = false;
        i += n + 1;
    }
    if (src->java_options != NULL) {
        split_tokens(&vm, src->java_options, false, false);
    }
    err |= l.err | vm.err;
    return (err != 0) ? -1 : 0;
}

void ts_jvm_props_free(ts_jvm_props *p)
{
    free(p->trust_store);
    free(p->trust_store_password);
    free(p->allegra_home);
    free(p->trackplus_home);
    memset(p, 0, sizeof(*p));
}

/* The level named s (any case; "warning" too, as the lines say), or -1. */
static int log_level_named(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};

    if (s != NULL) {
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(s, names[i]) == 0) {
                return i;
            }
        }
        if (strcasecmp(s, "warning") == 0) {
            return 1;
        }
    }
    return -1;
}

int ts_log_level_parse(const char *s)
{
    int level = log_level_named(s);
    return (level >= 0) ? level : 1;
}

bool ts_log_level_valid(const char *s)
{
    return s == NULL || s[0] == '\0' || log_level_named(s) >= 0;
}

size_t ts_log_time_format(int64_t sec, long nsec, char out[TS_LOG_TIME_LEN + 1])
{
    if (sec < 0 || sec > INT64_C(253402300799) || nsec < 0 || nsec > 999999999) {
        return 0;
    }
    /* Days since 1970 to a proleptic Gregorian date, counting years from March so that the leap
     * day is last: 719468 days from 0000-03-01 to 1970-01-01, 146097 days per 400 years. */
    int64_t days = sec / 86400, secs = sec % 86400;
    int64_t z = days + 719468, era = z / 146097;
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* 0 is March */
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int year = (int)(yoe + era * 400 + (month <= 2));
    int n = snprintf(out, TS_LOG_TIME_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", year, month,
                     day, (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
                     (int)(nsec / 1000000));

    return n == TS_LOG_TIME_LEN ? (size_t)n : 0;
}
