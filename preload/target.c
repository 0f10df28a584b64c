/* SPDX-License-Identifier: Apache-2.0 */
#include "target.h"

#include <fcntl.h>
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

const char *ts_cmdline_property(const char *buf, size_t len, const char *name)
{
    const char *found = NULL;
    size_t nl = strlen(name);
    size_t i = 0;

    while (i < len) {
        const char *arg = buf + i;
        const char *nul = memchr(arg, '\0', len - i);
        size_t an = (nul != NULL) ? (size_t)(nul - arg) : len - i;
        if (an > 2 + nl && arg[0] == '-' && arg[1] == 'D' && memcmp(arg + 2, name, nl) == 0 &&
            arg[2 + nl] == '=' && nul != NULL) {
            found = arg + 3 + nl;
        }
        i += an + 1;
    }
    return found;
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
