/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_TARGET_H
#define TS_TARGET_H

/*
 * "Could this path be a trust store?"  Pure functions: no allocation, lock,
 * system call or global state, so that the answer for the thousands of paths
 * a JVM opens that are not trust stores costs a few comparisons on the tail.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum ts_tail {
    TS_TAIL_NONE = 0,   /* not a target: call libc */
    TS_TAIL_JRE_STORE,  /* ends in lib/security/cacerts or lib/security/jssecacerts */
    TS_TAIL_STORE_NAME, /* last component cacerts or jssecacerts elsewhere (a symlink target?) */
    TS_TAIL_HOST_KS,    /* <something>.ks: a per-host keystore? */
    TS_TAIL_OTHER,      /* a manifest target's base name, or a keystore-like extension */
    TS_TAIL_JVM_START,  /* .../lib/modules or .../lib/rt.jar: a JVM is starting (never served) */
} ts_tail;

/* Base names of the manifest's targets[] (known once the manifest is loaded). */
typedef struct ts_names {
    const char *const *names;
    const size_t *lens; /* strlen of each name, computed once: the hot path compares lengths */
    size_t count;
} ts_names;

/*
 * Classifies path by its tail.  NULL or "" is TS_TAIL_NONE.  extra may be NULL.
 * Inline: it runs before every open and stat of the process.
 */
/* Does the name [s, s+n) end with the literal suffix? */
#define TS_ENDS_WITH(s, n, lit)                                                                    \
    ((n) >= sizeof(lit) - 1 && memcmp((s) + (n) - (sizeof(lit) - 1), (lit), sizeof(lit) - 1) == 0)

/* Extensions that keystores usually have: such a name may be a manifest target before the manifest
 * is read. */
static inline bool ts_keystore_extension(const char *path, size_t n)
{
    return TS_ENDS_WITH(path, n, ".jks") || TS_ENDS_WITH(path, n, ".p12") ||
           TS_ENDS_WITH(path, n, ".pfx") || TS_ENDS_WITH(path, n, ".truststore") ||
           TS_ENDS_WITH(path, n, ".keystore") || TS_ENDS_WITH(path, n, ".pkcs12");
}

/* path ends with the component name: "name" alone or ".../name". */
static inline bool ts_last_component_is(const char *path, size_t len, const char *name, size_t n)
{
    return len >= n && memcmp(path + len - n, name, n) == 0 &&
           (len == n || path[len - n - 1] == '/');
}

/*
 * Everything is decided from the end of the string: strlen, the last
 * character, then at most a few short memcmp.  The common case (a .jar, .so,
 * .class, /proc entry ...) returns after one or two comparisons.
 * always_inline: GCC outlines it otherwise, and after the system call of the
 * previous open the caches are cold, so the extra call and code lines cost
 * more than the comparisons (docs/performance.md).
 */
static inline __attribute__((always_inline)) ts_tail ts_tail_classify(const char *path,
                                                                      const ts_names *extra)
{
    if (path == NULL || path[0] == '\0') {
        return TS_TAIL_NONE;
    }
    size_t len = strlen(path);
    char last = path[len - 1];

    if (last == 's') {
        bool jsse = ts_last_component_is(path, len, "jssecacerts", 11);
        if (jsse || ts_last_component_is(path, len, "cacerts", 7)) {
            size_t dirlen = len - (jsse ? 11 : 7);
            if (TS_ENDS_WITH(path, dirlen, "/lib/security/") ||
                (dirlen == 13 && memcmp(path, "lib/security/", 13) == 0)) {
                return TS_TAIL_JRE_STORE;
            }
            return TS_TAIL_STORE_NAME;
        }
        if (TS_ENDS_WITH(path, len, ".ks") && len > 3 && path[len - 4] != '/') {
            return TS_TAIL_HOST_KS;
        }
        if (TS_ENDS_WITH(path, len, "/lib/modules")) {
            return TS_TAIL_JVM_START; /* JDK 9+ */
        }
    } else if (last == 'r' && TS_ENDS_WITH(path, len, "/lib/rt.jar")) {
        return TS_TAIL_JVM_START; /* JDK 8 */
    }
    if ((last == 's' || last == 'e' || last == '2' || last == 'x') &&
        ts_keystore_extension(path, len)) {
        return TS_TAIL_OTHER;
    }
    if (extra != NULL) {
        for (size_t i = 0; i < extra->count; i++) {
            if (ts_last_component_is(path, len, extra->names[i], extra->lens[i])) {
                return TS_TAIL_OTHER;
            }
        }
    }
    return TS_TAIL_NONE;
}

/* Whether open(2) flags ask for read-only access that may be served (no write, create, truncate,
 * O_PATH ...). */
bool ts_open_flags_servable(int flags);
/* Whether an fopen mode is "r" or "rb" (optionally with glibc's 'e' for O_CLOEXEC). */
bool ts_fopen_mode_servable(const char *mode);

/*
 * Lexical normalisation of an absolute path: repeated '/', "/./" and a
 * trailing '/' removed, ".." resolved lexically (directories that exist are
 * also compared by device and inode, which sees through symlinks).  Returns
 * false when out is too small or path is not absolute.
 */
bool ts_path_normalize(const char *path, char *out, size_t size);

/*
 * Splits ".../<dir>/<host>.ks" into the directory (without the trailing '/')
 * and the host.  False when the name is not <host>.ks with a plausible host
 * name (letters, digits, '-', '.', '_'; no leading '.').
 */
bool ts_ks_split(const char *path, char *dir, size_t dir_size, char *host, size_t host_size);

/*
 * The system properties the library needs from a JVM's options, read as the
 * java launcher and the VM read them (last one wins, in this order):
 * JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS (java launcher only), the command line
 * up to the main class (-jar FILE, -m/--module MOD, or a source file),
 * _JAVA_OPTIONS.  @argfiles are expanded on the java launcher's command line
 * and in JDK_JAVA_OPTIONS (not after --disable-@files; "@@x" is the argument
 * "@x").  Program arguments after the main class are not options.  For another
 * executable (keytool, jsvc ...) every -D and -J-D argument counts.
 * Values are malloc'd (NULL: not given).
 */
typedef struct ts_jvm_props {
    char *trust_store;          /* javax.net.ssl.trustStore */
    char *trust_store_password; /* javax.net.ssl.trustStorePassword */
    char *allegra_home;         /* ALLEGRA_HOME */
    char *trackplus_home;       /* TRACKPLUS_HOME */
} ts_jvm_props;

/* Reads an @argfile: a malloc'd, NUL-terminated copy of its content, or NULL. */
typedef char *(*ts_argfile_reader)(const char *path, void *ctx);

typedef struct ts_jvm_sources {
    const char *cmdline; /* NUL-separated argv (/proc/self/cmdline); argv[0] is skipped */
    size_t cmdline_len;
    bool java_launcher; /* the executable is the java launcher */
    const char *java_tool_options, *jdk_java_options, *java_options; /* environment; NULL: unset */
    ts_argfile_reader read_argfile;                                  /* NULL: @files are literal */
    void *read_ctx;
} ts_jvm_sources;

/* Fills p (zeroed first).  Returns 0, or -1 when out of memory (p then holds what was found). */
int ts_jvm_props_read(const ts_jvm_sources *src, ts_jvm_props *p);
void ts_jvm_props_free(ts_jvm_props *p);

/* TRUSTSHIM_LOG value -> level (0 error, 1 warn, 2 info, 3 debug); unknown or NULL -> 1 (warn).
 * Names in any case; "warning" is warn. */
int ts_log_level_parse(const char *s);
/* Whether s is unset, empty or a level's name (else the library warns that it means nothing). */
bool ts_log_level_valid(const char *s);

/* Length of "2026-12-01T07:51:19.123Z " (the time a log line may start with). */
#define TS_LOG_TIME_LEN 25
/* Writes sec.nsec (seconds since 1970, UTC) as "2026-12-01T07:51:19.123Z " into
 * out[TS_LOG_TIME_LEN + 1]; returns TS_LOG_TIME_LEN, or 0 for a time before 1970 or after 9999.
 * Locale-free, lock-free and allocation-free (localtime_r may read /etc/localtime under libc's
 * lock, and a log line can be written with a lock held or from a signal handler). */
size_t ts_log_time_format(int64_t sec, long nsec, char out[TS_LOG_TIME_LEN + 1]);

#endif
