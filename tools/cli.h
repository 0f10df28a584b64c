/* SPDX-License-Identifier: Apache-2.0 */
#ifndef TS_CLI_H
#define TS_CLI_H

/* The trustshim command line: shared pieces of the commands (one file each, cmd_<verb>.c). */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cert.h"
#include "keystore.h"
#include "manifest.h"
#include "target.h"
#include "ts_error.h"

#define TS_EXIT_OK 0
#define TS_EXIT_FAIL 1  /* the operation failed (network, verification, refusal, I/O) */
#define TS_EXIT_USAGE 2 /* bad usage or bad input (arguments, files, manifest content) */

/* ---- options: one table per command makes both the parser and the help text ---- */

enum { TS_OPT_FLAG = 0, TS_OPT_VALUE = 1 };

typedef struct ts_option {
    const char *name; /* long name without "--"; NULL ends the table */
    char short_name;  /* '-o' style alias, or 0 */
    int kind;         /* TS_OPT_FLAG or TS_OPT_VALUE */
    int id;           /* > 0, returned by ts_opt_next */
    const char *arg;  /* placeholder in the help ("FILE"), for values */
    const char *help;
} ts_option;

typedef struct ts_command {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;     /* one line for `trustshim --help` */
    const char *usage;       /* what follows "trustshim NAME " */
    const char *description; /* a paragraph or more, may be NULL */
    const ts_option *options;
    bool options_end_at_operand; /* exec: the first operand (CMD) ends our options */
} ts_command;

/* ids the parser handles itself, present in every command */
enum { TS_OPT_ID_MANIFEST = 1000, TS_OPT_ID_HELP = 1001 };

typedef struct ts_optparse {
    const ts_command *cmd;
    int argc;
    char **argv;
    int i;           /* next argv index */
    const char *arg; /* value of the option just returned */
    char **operands; /* the non-option arguments, in order (malloc'd array, argv's strings) */
    int n_operands;
    bool done;
} ts_optparse;

/* Starts parsing argv[1..] (argv[0] is the command name). */
int ts_opt_init(ts_optparse *p, const ts_command *cmd, int argc, char **argv);
/*
 * The next option's id (> 0, with p->arg set for values); 0 when all options
 * are read (the operands are then in p->operands); -1 on a usage error (already
 * printed); -2 after printing --help.  --manifest is handled here.
 */
int ts_opt_next(ts_optparse *p);
void ts_opt_free(ts_optparse *p);
/* The exit status for a negative ts_opt_next result: 2 for an error, 0 for --help. */
int ts_opt_exit(int r);
/* Writes the command's help text (from its option table). */
void ts_cmd_help(const ts_command *cmd, FILE *out);
/*
 * A manifest list whose entries are a path with its own password and one option of two values
 * (targets[]: merge; keystore_dirs[]: trust): what `target` and `dir` share, found by offsets so
 * that one piece of code (path_list.c) lists, adds and removes the entries of either.
 */
typedef struct ts_path_list {
    const char *noun; /* "target", "keystore directory" */
    const char *none; /* what list says when there is no entry */
    const char *key;  /* the option's JSON key ("merge"), upper case its column heading */
    struct {
        const char *json; /* "true", "\"host\"" */
        const char *cell; /* in the table */
        const char *says; /* in the report of add: "trust host" */
    } values[2];
    size_t array_offset, count_offset;               /* of the array and its count in ts_manifest */
    size_t entry_size, path_offset, password_offset; /* an entry: its size, its two strings */
    /* The entry's option: set to value when value >= 0; returns it (0 or 1, 0 the default). */
    int (*option)(void *entry, int value);
    bool directory;      /* the path should be a directory */
    const char *missing; /* the warning when the path is not there (yet) */
} ts_path_list;
/*
 * `NAME add PATH | remove PATH... | list`: checks what the action (operands[0]) takes (list:
 * --json only; add: one PATH and the add options, password and value (-1: not given); remove:
 * PATHs), then lists, or edits the manifest under its lock with each PATH made absolute.
 * Returns the exit status.
 */
/* The layout part of a ts_path_list: the manifest's member array (of type) and its count. */
#define TS_PATH_LIST_LAYOUT(type, array, count)                                                    \
    .array_offset = offsetof(ts_manifest, array), .count_offset = offsetof(ts_manifest, count),    \
    .entry_size = sizeof(type), .path_offset = offsetof(type, path),                               \
    .password_offset = offsetof(type, password)
int ts_path_command(const ts_optparse *p, const ts_path_list *l, bool json, const char *password,
                    int value);
/* Parses a count of seconds ("5", "0.5"); -1 when it is not a positive number. */
double ts_parse_seconds(const char *s);
/* fetch's and verify's --timeout S into *seconds: TS_EXIT_OK, or TS_EXIT_USAGE after one error
 * line (*seconds unchanged). */
int ts_opt_timeout(const char *arg, double *seconds);

/* ---- the command table (commands.c) ---- */
extern const ts_command ts_cmd_init, ts_cmd_add, ts_cmd_fetch, ts_cmd_list, ts_cmd_remove,
    ts_cmd_distrust, ts_cmd_undistrust, ts_cmd_render, ts_cmd_exec, ts_cmd_env, ts_cmd_check,
    ts_cmd_verify, ts_cmd_import, ts_cmd_target, ts_cmd_dir, ts_cmd_set;
const ts_command *ts_cmd_find(const char *name);
/* The whole program: `trustshim [--manifest P] CMD ...`. */
int ts_cli_main(int argc, char **argv);

/* ---- messages ---- */
/* one or many: "1 certificate", "2 certificates" */
const char *ts_plural(size_t n, const char *one, const char *many);
/* "trustshim: error: <subject>: <what>" (subject may be NULL or "") */
void ts_cli_error(const char *subject, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ts_cli_warn(const char *subject, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a core error; its file member, if empty, is replaced by fallback. */
void ts_cli_core_error(const char *fallback, const ts_error *err);
/* Warnings go to f (NULL: stderr again) until they can be printed after what they are about. */
void ts_cli_defer_warnings(FILE *f);
/* stdout/stderr is a terminal and NO_COLOR is unset */
bool ts_cli_color(int fd);

/* ---- the manifest in effect ---- */
/* --manifest, else $TRUSTSHIM_MANIFEST, else the default. */
const char *ts_manifest_path(void);
void ts_set_manifest_path(const char *path);
/* path made absolute (without resolving symlinks) into out. */
int ts_absolute_path(const char *path, char *out, size_t size);

/*
 * An edit of the manifest under its lock: begin takes an exclusive flock on
 * "<manifest>.lock", then reads and parses the manifest (certificate files are
 * not read, so an entry whose file went missing can still be removed).
 * commit writes it back atomically, keeping mode and owner.  end unlocks and
 * frees.  begin prints its errors and returns the exit status (0 = locked).
 */
typedef struct ts_edit {
    char path[4096];
    int lock_fd;
    ts_manifest m;
    bool loaded;
    struct stat st;
    FILE *report; /* what the command did, printed by ts_edit_finish once it is written */
    char *report_text;
    size_t report_len;
    FILE *warnings; /* warnings said meanwhile, printed after the report (they are about it) */
    char *warnings_text;
    size_t warnings_len;
} ts_edit;
int ts_edit_begin(ts_edit *e, const char *path);
int ts_edit_commit(ts_edit *e, ts_error *err);
/* Commits when changed, then prints the report; returns the exit status. */
int ts_edit_finish(ts_edit *e, bool changed);
void ts_edit_end(ts_edit *e);
/* One warning line when the library would refuse the manifest at path for a process of uid
 * (writable by group or others, an unsafe directory above it). */
void ts_warn_if_refused(const char *path, uid_t uid);
/* Takes the lock only (init). */
int ts_lock_manifest(const char *path, int *fd, ts_error *err);

/*
 * Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename over path (or link, failing if path exists, when no_replace),
 * fsync of the directory.  mode is applied exactly (no umask); owner uid/gid
 * are applied when keep_owner is true.  On failure path is untouched.
 */
int ts_write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool keep_owner,
                    uid_t uid, gid_t gid, bool no_replace, ts_error *err);
/* mkdir -p with mode for the directories it creates. */
int ts_mkdirs(const char *dir, mode_t mode, ts_error *err);

/* When path does not exist: says so (with how to create it) and returns true. */
bool ts_cli_no_manifest(const char *path);
/* An --alias value lowercased (ASCII), as keytool does, into out; false after an error line when
 * it is not a valid alias. */
bool ts_alias_option(const char *arg, char *out, size_t size);
/* Asks on the terminal, echo off (as keytool does); malloc'd answer without its newline ("" for
 * just Enter), NULL when standard input or error is not a terminal. */
char *ts_ask_password(const char *prompt);
/* Reads standard input (at most max bytes, NUL added); prints errors; 0 or -1. */
int ts_read_stdin(size_t max, unsigned char **buf, size_t *len);
/* Reads and parses the manifest without its certificate files; prints errors; exit status. */
int ts_parse_manifest_or_report(const char *path, ts_manifest *m);
/* "; did you mean 'x'?" when word is a near miss of one of the NULL-ended candidates, else "". */
const char *ts_did_you_mean(const char *word, const char *const *candidates);
/* Loads the manifest fully (certificates too) and prints errors; returns an exit status. */
int ts_load_manifest_or_report(const char *path, ts_manifest *m);

/*
 * Finds a manifest certificate by alias, by full SHA-256 (hex, colons
 * allowed), or by a unique prefix of at least 8 hex digits.  Returns the index,
 * -1 when nothing matches, -2 when a prefix is ambiguous.
 */
long ts_find_cert(const ts_manifest *m, const char *key);
/* ts_did_you_mean over the manifest's aliases. */
const char *ts_suggest_alias(const ts_manifest *m, const char *key);
/* Whether s is a (possibly ':'-separated) hex prefix of length >= 8; writes it lowercase without
 * ':' */
bool ts_hex_prefix(const char *s, char *out, size_t size);

/* ---- adding (cmd_add.c, also used by fetch and exec) ---- */
/*
 * Adds certs to m, printing each (alias, subject, issuer, validity, SHA-256)
 * and its warnings; one already present is reported and skipped.  alias (may
 * be NULL) names the first new one, then alias-2 ...  *added counts the new
 * entries.  Returns an exit status.
 */
/*
 * Adds certs to m; *added counts the new entries.  add (fetched false): each printed in full;
 * fetch (fetched true): one line each (the chain was printed already).  A certificate already
 * there gets the hosts it does not list yet (counted in *hosts_added) and is otherwise left as
 * it is.
 */
int ts_add_certs(FILE *out, ts_manifest *m, const char *subject, const ts_cert *certs, size_t n,
                 const char *alias, const char *const *hosts, size_t n_hosts, const char *source,
                 bool fetched, size_t *added, size_t *hosts_added);
bool ts_host_valid(const char *h);
/*
 * fetch's and verify's --connect HOST:PORT (connect true: into host and *port) and --servername
 * NAME (into *servername, arg itself).  TS_EXIT_OK, or TS_EXIT_USAGE after one error line.
 */
int ts_opt_reach(bool connect, const char *arg, char *host, size_t size, unsigned *port,
                 const char **servername);
/* s as a JSON string literal (cmd_list.c). */
void ts_json_string(FILE *out, const char *s);

/* ---- certificates for people ---- */
/* "2026-03-01" */
void ts_format_date(time_t t, char *out, size_t size);
/* Prints the description block of a certificate (subject, issuer, validity, SHA-256). */
void ts_print_cert(FILE *out, const char *indent, const ts_cert *c, const ts_cert_info *info);
/* Prints the warnings a person should see about a certificate (expiry, not a CA, weak key, SHA-1).
 */
int ts_warn_cert(const char *subject, const ts_cert_info *info, time_t now);
/* Current time as RFC 3339 UTC. */
void ts_now_rfc3339(char *out, size_t size);
/* Whole days from now until t (negative when past). */
long ts_days_until(time_t t, time_t now);

/* ---- aligned tables ---- */
typedef struct ts_table {
    size_t ncols;
    size_t nrows;
    char **cells; /* nrows * ncols, malloc'd strings */
    size_t cap;
} ts_table;
void ts_table_init(ts_table *t, size_t ncols);
/* Appends a row of ncols strings (copied). */
int ts_table_row(ts_table *t, const char *const *cols);
void ts_table_print(const ts_table *t, FILE *out);
void ts_table_free(ts_table *t);

/* ---- JDKs and their cacerts (jdk.c) ---- */
/*
 * The cacerts of the JDK at java_home: lib/security/cacerts, or JDK 8's
 * jre/lib/security/cacerts.  0 and the path in out, or -1.
 */
int ts_jdk_cacerts(const char *java_home, char *out, size_t size);
/* JAVA_HOME of the java binary at path (symlinks resolved): the directory above bin/. */
int ts_java_home_of(const char *java_path, char *out, size_t size);
/* The JDK in effect: JAVA_HOME, else that of `java` on PATH; 0, or -1 when there is none. */
int ts_default_java_home(char *out, size_t size);
/* The default base: JAVA_HOME's cacerts, else that of `java` on PATH.  Prints nothing. */
int ts_default_cacerts(char *out, size_t size, ts_error *err);
/* Every JDK found in /usr/lib/jvm, JAVA_HOME and PATH, deduplicated by real path. */
typedef struct ts_jdk_list {
    char **homes;
    size_t count;
} ts_jdk_list;
int ts_find_jdks(ts_jdk_list *l);
void ts_jdk_list_free(ts_jdk_list *l);
/* Reads and decodes a keystore (password may be NULL); prints errors, returns an exit status. */
int ts_load_keystore(const char *path, const char *password, ts_keystore *ks);
/* Entry creation time: SOURCE_DATE_EPOCH in ms, else TS_DEFAULT_TIMESTAMP_MS. */
int64_t ts_timestamp_ms(void);
/* TS_EXIT_OK, or TS_EXIT_USAGE after one error line when SOURCE_DATE_EPOCH is malformed. */
int ts_check_source_date_epoch(void);

/* ---- the JVM's options (jvm_env.c) ---- */
/*
 * The system properties (ALLEGRA_HOME ...) a JVM started from this environment would have:
 * JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, a command line of $JAVA_OPTS $CATALINA_OPTS (split as
 * catalina.sh's shell splits them), _JAVA_OPTIONS, @argfiles expanded, read as the library reads
 * a JVM's.  0, or -1 when out of memory (p then holds what was found).
 */
int ts_env_jvm_props(ts_jvm_props *p);

/* ---- exec / env (preload.c) ---- */
/*
 * Loads the manifest as the library will (pins, ownership and permissions of
 * it and of the files it names, for this user); prints errors; exit status.
 */
int ts_check_for_library(const char *path, ts_manifest *m);
/* The lines of `env --format format`; -1 for an unknown format. */
int ts_print_env(FILE *out, const char *format, const char *lib, const char *manifest);
/* The library: $TRUSTSHIM_LIBRARY, else found from the executable's directory. */
int ts_find_library(char *out, size_t size, ts_error *err);
/* Library candidates relative to the directory of the executable (for tests). */
int ts_library_candidate(const char *exe_dir, int which, char *out, size_t size);
/*
 * The new LD_PRELOAD value: sanitizer runtimes (libasan, libubsan...) of the
 * old value first, then lib, then the rest of the old value (lib itself
 * removed).  malloc'd.
 */
char *ts_preload_value(const char *old, const char *lib);

#endif
