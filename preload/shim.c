/* SPDX-License-Identifier: Apache-2.0 */
#include "shim.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keystore.h"
#include "libc.h"
#include "target.h"

/* PATH_MAX as text, for messages that name the limit. */
#define TS_STR2(x) #x
#define TS_STR(x) TS_STR2(x)

int ts_state = TS_STATE_UNKNOWN;
ts_env ts_env_values = {.log_level = TS_LOG_WARN};
__thread int ts_guard __attribute__((tls_model("initial-exec")));

static int ts_lock_word; /* 0 free, else the owner's pid */
/* This thread holds the lock (initial-exec: no allocation, usable from a signal handler). */
static __thread int ts_lock_mine __attribute__((tls_model("initial-exec")));
/* This thread's fork() took the lock in the prepare handler (released in the parent). */
static __thread int ts_lock_forking __attribute__((tls_model("initial-exec")));

void ts_lock(void)
{
    int me = getpid();

    for (;;) {
        int expected = 0;
        if (__atomic_compare_exchange_n(&ts_lock_word, &expected, me, false, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED)) {
            break;
        }
        if (expected != me) {
            /* Held by our parent's thread at fork(): that thread does not exist here. */
            if (__atomic_compare_exchange_n(&ts_lock_word, &expected, me, false, __ATOMIC_ACQUIRE,
                                            __ATOMIC_RELAXED)) {
                break;
            }
            continue;
        }
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    ts_lock_mine = 1;
}

void ts_unlock(void)
{
    ts_lock_mine = 0;
    __atomic_store_n(&ts_lock_word, 0, __ATOMIC_RELEASE);
}

/*
 * fork() waits until no thread is building.  A build holds libcrypto's locks
 * (and its run-once initialisation) only while it holds ours, so the child
 * never inherits an OpenSSL lock held by a thread it does not have.  A fork
 * from a signal handler that interrupted this thread's own build cannot wait
 * for itself: it goes ahead (the child takes the lock over, see ts_lock).
 */
static void ts_lock_before_fork(void)
{
    ts_lock_forking = 0;
    if (ts_lock_mine == 0) {
        ts_lock();
        ts_lock_forking = 1;
    }
}

static void ts_lock_after_fork_parent(void)
{
    if (ts_lock_forking != 0) {
        ts_lock_forking = 0;
        ts_unlock();
    }
}

/* In the child of fork() only the forking thread exists, and it holds no lock of ours. */
static void ts_lock_after_fork(void)
{
    ts_lock_forking = 0;
    ts_lock_mine = 0;
    __atomic_store_n(&ts_lock_word, 0, __ATOMIC_RELAXED);
}

/* false when the value does not fit (out is "" then): no limit may be silent. */
static bool copy_env(const char *name, char *out, size_t size)
{
    const char *v = getenv(name);
    size_t n = (v != NULL) ? strlen(v) : 0;

    out[0] = '\0';
    if (n >= size) {
        return false;
    }
    if (n > 0) {
        memcpy(out, v, n + 1);
    }
    return true;
}

static void note_too_long(ts_env *e, const char *name)
{
    size_t used = strlen(e->too_long);

    snprintf(e->too_long + used, sizeof(e->too_long) - used, "%s%s", used > 0 ? ", " : "", name);
}

/* A switch: "1" on; unset, "" or "0" off; anything else off too, kept in bad for ts_env_warn(). */
static bool env_switch(const char *name, char *bad, size_t size)
{
    const char *v = getenv(name);

    bad[0] = '\0';
    if (v == NULL || v[0] == '\0' || strcmp(v, "0") == 0) {
        return false;
    }
    if (strcmp(v, "1") == 0) {
        return true;
    }
    snprintf(bad, size, "%s", v);
    return false;
}

/* TRUSTSHIM_LOG_TIME: unset or "" auto, "1" always, "0" never; anything else auto, kept in bad. */
static int log_time_from_env(char *bad, size_t size)
{
    const char *v = getenv("TRUSTSHIM_LOG_TIME");

    bad[0] = '\0';
    if (v == NULL || v[0] == '\0') {
        return TS_LOG_TIME_AUTO;
    }
    if (strcmp(v, "1") == 0) {
        return TS_LOG_TIME_ALWAYS;
    }
    if (strcmp(v, "0") == 0) {
        return TS_LOG_TIME_NEVER;
    }
    snprintf(bad, size, "%s", v);
    return TS_LOG_TIME_AUTO;
}

/* SOURCE_DATE_EPOCH as the CLI's render reads it; a malformed value is kept for ts_env_warn. */
static int64_t timestamp_from_env(char *bad, size_t size)
{
    const char *v = getenv("SOURCE_DATE_EPOCH");
    int64_t ms;

    bad[0] = '\0';
    if (ts_timestamp_from_epoch_string(v, &ms, NULL) != 0) {
        snprintf(bad, size, "%s", v);
    }
    return ms;
}

/* A relative manifest path means relative to the directory the process started in, not a later one.
 * false (and problem says why) when that cannot be written down within PATH_MAX. */
static bool absolute(char *path, size_t size, char *problem, size_t problem_size)
{
    char cwd[PATH_MAX], joined[PATH_MAX * 2];

    if (path[0] == '\0' || path[0] == '/') {
        return true;
    }
    if (getcwd(cwd, sizeof(cwd)) == NULL) {
        int e = errno;
        if (e == ERANGE || e == ENAMETOOLONG) {
            snprintf(problem, problem_size,
                     "TRUSTSHIM_MANIFEST is relative and the working directory is longer than "
                     "PATH_MAX (" TS_STR(PATH_MAX) " bytes)");
        } else {
            snprintf(problem, problem_size,
                     "TRUSTSHIM_MANIFEST is relative and the working directory cannot be read: %s",
                     strerror(e));
        }
        return false;
    }
    int n = snprintf(joined, sizeof(joined), "%s/%s", cwd, path);
    if (n < 0 || (size_t)n >= size) {
        snprintf(problem, problem_size,
                 "TRUSTSHIM_MANIFEST made absolute (the working directory, a slash and the "
                 "relative path) is longer than PATH_MAX (" TS_STR(PATH_MAX) " bytes)");
        return false;
    }
    memcpy(path, joined, (size_t)n + 1);
    return true;
}

int ts_env_init(void)
{
    int state = __atomic_load_n(&ts_state, __ATOMIC_ACQUIRE);

    if (state != TS_STATE_UNKNOWN) {
        return state;
    }
    int saved = errno;
    ts_lock();
    state = __atomic_load_n(&ts_state, __ATOMIC_ACQUIRE);
    if (state == TS_STATE_UNKNOWN) {
        ts_env *e = &ts_env_values;
        const char *log = getenv("TRUSTSHIM_LOG");
        e->log_level = ts_log_level_parse(log);
        e->bad_log[0] = '\0';
        if (!ts_log_level_valid(log)) {
            snprintf(e->bad_log, sizeof(e->bad_log), "%s", log);
        }
        e->strict = env_switch("TRUSTSHIM_STRICT", e->bad_strict, sizeof(e->bad_strict));
        e->log_time = log_time_from_env(e->bad_log_time, sizeof(e->bad_log_time));
        e->timestamp_ms = timestamp_from_env(e->bad_epoch, sizeof(e->bad_epoch));
        e->manifest_problem[0] = '\0';
        if (!copy_env("TRUSTSHIM_MANIFEST", e->manifest, sizeof(e->manifest))) {
            snprintf(e->manifest_problem, sizeof(e->manifest_problem),
                     "TRUSTSHIM_MANIFEST is longer than PATH_MAX (" TS_STR(PATH_MAX) " bytes)");
        } else if (!absolute(e->manifest, sizeof(e->manifest), e->manifest_problem,
                             sizeof(e->manifest_problem))) {
            e->manifest[0] = '\0';
        }
        e->too_long[0] = '\0';
        if (!copy_env("ALLEGRA_HOME", e->allegra_home, sizeof(e->allegra_home))) {
            note_too_long(e, "ALLEGRA_HOME");
        }
        if (!copy_env("TRACKPLUS_HOME", e->trackplus_home, sizeof(e->trackplus_home))) {
            note_too_long(e, "TRACKPLUS_HOME");
        }
        bool secure = getauxval(AT_SECURE) != 0;
        bool disabled = env_switch("TRUSTSHIM_DISABLE", e->bad_disable, sizeof(e->bad_disable));
        bool off = secure || disabled || (e->manifest[0] == '\0' && e->manifest_problem[0] == '\0');
        state = off ? TS_STATE_OFF : TS_STATE_ON;
        __atomic_store_n(&ts_state, state, __ATOMIC_RELEASE);
        /* Setuid programs must not be steered by the environment: off, and silent whatever
         * TRUSTSHIM_LOG says.  Otherwise, asked for debug output, say why nothing will happen. */
        if (off && !secure) {
            ts_log(TS_LOG_DEBUG, "off: %s",
                   disabled ? "TRUSTSHIM_DISABLE=1" : "TRUSTSHIM_MANIFEST is unset or empty");
        }
    }
    ts_unlock();
    errno = saved;
    return state;
}

void ts_env_warn(void)
{
    const ts_env *e = &ts_env_values;

    if (e->bad_log[0] != '\0') {
        ts_log(TS_LOG_WARN, "TRUSTSHIM_LOG=%s: expected error, warn, info or debug; using warn",
               e->bad_log);
    }
    if (e->bad_strict[0] != '\0') {
        ts_log(TS_LOG_WARN, "TRUSTSHIM_STRICT=%s: expected 1 or 0; strict mode is off",
               e->bad_strict);
    }
    if (e->bad_epoch[0] != '\0') {
        ts_log(TS_LOG_WARN,
               "SOURCE_DATE_EPOCH=%s: expected seconds since 1970-01-01 UTC (digits only); "
               "entries are dated 2020-01-01",
               e->bad_epoch);
    }
    if (e->too_long[0] != '\0') {
        ts_log(TS_LOG_WARN, "%s: longer than PATH_MAX (" TS_STR(PATH_MAX) " bytes); ignored",
               e->too_long);
    }
    if (e->bad_disable[0] != '\0') {
        ts_log(TS_LOG_WARN, "TRUSTSHIM_DISABLE=%s: expected 1 or 0; the library is on",
               e->bad_disable);
    }
    if (e->bad_log_time[0] != '\0') {
        ts_log(TS_LOG_WARN,
               "TRUSTSHIM_LOG_TIME=%s: expected 1 or 0; lines are dated when standard error is "
               "a file",
               e->bad_log_time);
    }
}

/* The time now as ts_log_time_format writes it; 0 if the clock cannot be read. */
static size_t log_time_prefix(char out[TS_LOG_TIME_LEN + 1])
{
    struct timespec now;

    if (clock_gettime(CLOCK_REALTIME, &now) != 0) {
        return 0;
    }
    return ts_log_time_format((int64_t)now.tv_sec, now.tv_nsec, out);
}

/* Whether this line gets a time: catalina.out and other files dated by nothing else do; a
 * terminal, the journal (a socket) and a pipe to a collector that dates lines do not. */
static bool log_dated(void)
{
    struct stat st;

    switch (ts_env_values.log_time) {
    case TS_LOG_TIME_ALWAYS:
        return true;
    case TS_LOG_TIME_NEVER:
        return false;
    default:
        return fstat(2, &st) == 0 && S_ISREG(st.st_mode);
    }
}

void ts_log(int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    char line[1536];
    va_list ap;

    if (level > ts_env_values.log_level) {
        return;
    }
    int saved = errno;
    size_t t = log_dated() ? log_time_prefix(line) : 0;
    int n =
        snprintf(line + t, sizeof(line) - t, "trustshim[%d]: %s: ", (int)getpid(), names[level]);
    n = n < 0 ? 0 : n + (int)t;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + ((m < 0) ? 0 : (size_t)m);
    if (len > sizeof(line) - 2) {
        len = sizeof(line) - 2;
    }
    line[len++] = '\n';
    for (size_t off = 0; off < len;) {
        ssize_t w = write(2, line + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    errno = saved;
}

__attribute__((constructor)) static void ts_constructor(void)
{
    /* Only the environment and the libc table here: the manifest is read at the first target open.
     */
    ts_libc_init();
    (void)pthread_atfork(ts_lock_before_fork, ts_lock_after_fork_parent, ts_lock_after_fork);
    (void)ts_env_init();
}
