/* SPDX-License-Identifier: Apache-2.0 */
/* The JVM options of a Java server started from this environment (catalina.sh runs
 * `java ... $JAVA_OPTS $CATALINA_OPTS ... Bootstrap`), read with the library's own reader
 * (preload/target.c), so that commands running outside the JVM see what the library will. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"

/*
 * Appends the words of s to f, each ending in a NUL, as the shell splits the line catalina.sh
 * evals: blanks separate; '...' is literal; in "..." a backslash escapes $ ` " \ and a newline;
 * outside quotes it escapes any character.  Expansions ($X) are left as they are.
 */
static void shell_words(FILE *f, const char *s)
{
    bool in_word = false;
    char quote = 0;

    for (; *s != '\0'; s++) {
        char c = *s;
        if (quote == '\'') {
            if (c == '\'') {
                quote = 0;
            } else {
                fputc(c, f);
            }
        } else if (quote == '"') {
            if (c == '"') {
                quote = 0;
            } else if ((c == '\\') && (s[1] != '\0') && (strchr("$`\"\\\n", s[1]) != NULL)) {
                if (*++s != '\n') {
                    fputc(*s, f);
                }
            } else {
                fputc(c, f);
            }
        } else if ((c == ' ') || (c == '\t') || (c == '\n')) {
            if (in_word) {
                fputc('\0', f);
                in_word = false;
            }
        } else {
            in_word = true;
            if ((c == '\'') || (c == '"')) {
                quote = c;
            } else if ((c == '\\') && (s[1] != '\0')) {
                if (*++s != '\n') {
                    fputc(*s, f);
                }
            } else {
                fputc(c, f);
            }
        }
    }
    if (in_word) {
        fputc('\0', f);
    }
}

/* An @argfile's text for the reader, as the library reads it (16 MiB at most). */
static char *read_argfile(const char *path, void *ctx)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_error err;

    (void)ctx;
    ts_error_clear(&err);
    if (ts_read_file(path, (size_t)1 << 24, &buf, &len, &err) != 0) {
        return NULL;
    }
    return (char *)buf;
}

int ts_env_jvm_props(ts_jvm_props *p)
{
    static const char *const command_line[] = {"JAVA_OPTS", "CATALINA_OPTS"};
    char *cmdline = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&cmdline, &len);
    int ret = -1;

    memset(p, 0, sizeof(*p));
    if (f == NULL) {
        return -1;
    }
    fputs("java", f);
    fputc('\0', f);
    for (size_t i = 0; i < sizeof(command_line) / sizeof(command_line[0]); i++) {
        const char *v = getenv(command_line[i]);
        if (v != NULL) {
            shell_words(f, v);
        }
    }
    if (fclose(f) == 0) {
        ts_jvm_sources src = {
            .cmdline = cmdline,
            .cmdline_len = len,
            .java_launcher = true,
            .java_tool_options = getenv("JAVA_TOOL_OPTIONS"),
            .jdk_java_options = getenv("JDK_JAVA_OPTIONS"),
            .java_options = getenv("_JAVA_OPTIONS"),
            .read_argfile = read_argfile,
        };
        ret = ts_jvm_props_read(&src, p);
    }
    free(cmdline);
    return ret;
}
