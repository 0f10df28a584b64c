/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_SHIM_H
#define TS_SHIM_H

/* State shared inside libtrustshim.so: the environment, logging, the build lock and the re-entry
 * guard. */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

enum { TS_STATE_UNKNOWN = 0, TS_STATE_OFF = 1, TS_STATE_ON = 2 };
enum { TS_LOG_ERROR = 0, TS_LOG_WARN = 1, TS_LOG_INFO = 2, TS_LOG_DEBUG = 3 };
/* Whether a log line starts with the time: when standard error is a regular file (catalina.out,
 * nohup.out: nothing else dates the line), always, or never. */
enum { TS_LOG_TIME_AUTO = 0, TS_LOG_TIME_ALWAYS = 1, TS_LOG_TIME_NEVER = 2 };

/* What the environment said, read once (constructor, or the first slow-path call if that comes
 * first). */
typedef struct ts_env {
    bool strict;             /* TRUSTSHIM_STRICT=1: a target we cannot serve fails with EACCES */
    int log_level;           /* TRUSTSHIM_LOG */
    int log_time;            /* TRUSTSHIM_LOG_TIME: TS_LOG_TIME_* */
    int64_t timestamp_ms;    /* SOURCE_DATE_EPOCH, for the manifest's entries */
    char manifest[PATH_MAX]; /* TRUSTSHIM_MANIFEST */
    char allegra_home[PATH_MAX];   /* ALLEGRA_HOME, or "" */
    char trackplus_home[PATH_MAX]; /* TRACKPLUS_HOME, or "" */
    /* TRUSTSHIM_LOG, TRUSTSHIM_STRICT, TRUSTSHIM_DISABLE values that mean nothing ("" if fine):
     * reported by ts_env_warn(), not at start, so that only a process that opens a trust store
     * says it (not every bash and sed that inherits the environment). */
    char bad_log[32], bad_strict[32], bad_disable[32], bad_epoch[32], bad_log_time[32];
    /* Why TRUSTSHIM_MANIFEST cannot be used as given ("" if it can): the library is on, serves
     * nothing, and says this once (so TRUSTSHIM_STRICT=1 still fails the targets). */
    char manifest_problem[160];
    /* ALLEGRA_HOME / TRACKPLUS_HOME longer than PATH_MAX: ignored, said by ts_env_warn(). */
    char too_long[64];
} ts_env;

/* TS_STATE_*: read with an atomic load on the hot path. */
extern int ts_state;
extern ts_env ts_env_values;

/* Reads the environment if not done yet; returns TS_STATE_OFF or TS_STATE_ON. */
int ts_env_init(void);
/* One warning line per unrecognised TRUSTSHIM_* value (call once, when the library starts serving).
 */
void ts_env_warn(void);

static inline bool ts_is_off(void)
{
    return __atomic_load_n(&ts_state, __ATOMIC_ACQUIRE) == TS_STATE_OFF;
}

/* One line to stderr, "trustshim[pid]: <level>: ...", written with write(2). */
void ts_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Set while this thread is inside the library (reading the manifest, PEM
 * files, a base keystore): every call then goes straight to libc.
 * initial-exec: no allocation on first use, usable from a signal handler.
 */
extern __thread int ts_guard __attribute__((tls_model("initial-exec")));

/*
 * The lock taken to read the manifest and build a blob (rare, short).  A spin
 * lock that records the owner's pid.  fork() waits for it (pthread_atfork
 * prepare), so that no child inherits a build half done, with OpenSSL's locks
 * held by a thread it does not have, and frees it in the child.  A child made
 * by a raw fork system call (no atfork handlers) sees another pid and takes
 * it over instead of waiting forever.
 */
void ts_lock(void);
void ts_unlock(void);

#endif
