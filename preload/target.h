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
    size_t count;
} ts_names;

/* Classifies path by its tail.  NULL or "" is TS_TAIL_NONE.  extra may be NULL. */
ts_tail ts_tail_classify(const char *path, const ts_names *extra);

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
 * Finds -D<name>=<value> in a NUL-separated command line (/proc/self/cmdline).
 * Returns the value (pointing into buf) or NULL.  The last occurrence wins, as in Java.
 */
const char *ts_cmdline_property(const char *buf, size_t len, const char *name);

/* TRUSTSHIM_LOG value -> level (0 error, 1 warn, 2 info, 3 debug); unknown or NULL -> 1 (warn). */
int ts_log_level_parse(const char *s);

#endif
