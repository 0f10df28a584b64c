/* SPDX-License-Identifier: Apache-2.0 */
/* trustshim env: the environment lines for Tomcat's setenv.sh, a systemd drop-in or a Dockerfile.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_FORMAT = 1, OPT_STRICT };

static const ts_option options[] = {
    {"format", 0, TS_OPT_VALUE, OPT_FORMAT, "sh|systemd|docker",
     "sh: for a script sourced by the shell, e.g. Tomcat's bin/setenv.sh (default); systemd: a "
     "drop-in ([Service] Environment=); docker: Dockerfile ENV lines"},
    {"strict", 0, TS_OPT_FLAG, OPT_STRICT, NULL,
     "also TRUSTSHIM_STRICT=1, and (sh, systemd) 'trustshim check' before the service starts: "
     "a manifest that cannot be used stops it at start"},
    {NULL, 0, 0, 0, NULL, NULL},
};

static int env_main(int argc, char **argv);

const ts_command ts_cmd_env = {
    "env",
    env_main,
    "print the environment that puts a service under the library",
    "[--format sh|systemd|docker] [--strict]",
    "Examples:\n"
    "  trustshim env --strict >> $CATALINA_BASE/bin/setenv.sh\n"
    "  trustshim env --strict --format systemd > "
    "/etc/systemd/system/tomcat10.service.d/trustshim.conf",
    options,
    false,
};

/* s inside "..." for sh: \ " $ ` escaped */
static void sh_quoted(FILE *out, const char *s)
{
    for (; *s; s++) {
        if ((*s == '\\') || (*s == '"') || (*s == '$') || (*s == '`')) {
            fputc('\\', out);
        }
        fputc(*s, out);
    }
}

/* s inside "..." for systemd: \ and " escaped, % doubled (specifiers) */
static void systemd_quoted(FILE *out, const char *s)
{
    for (; *s; s++) {
        if ((*s == '\\') || (*s == '"')) {
            fputc('\\', out);
        } else if (*s == '%') {
            fputc('%', out);
        }
        fputc(*s, out);
    }
}

/* s inside "..." for a Dockerfile ENV: \ " $ escaped */
static void docker_quoted(FILE *out, const char *s)
{
    for (; *s; s++) {
        if ((*s == '\\') || (*s == '"') || (*s == '$')) {
            fputc('\\', out);
        }
        fputc(*s, out);
    }
}

int ts_print_env(FILE *out, const char *format, const char *lib, const char *manifest)
{
    if (strcmp(format, "sh") == 0) {
        fprintf(out, "# trustshim: make the JVM trust the certificates of ");
        fprintf(out, "%s\nexport LD_PRELOAD=\"", manifest);
        sh_quoted(out, lib);
        fprintf(out, "${LD_PRELOAD:+:$LD_PRELOAD}\"\nexport TRUSTSHIM_MANIFEST=\"");
        sh_quoted(out, manifest);
        fprintf(out, "\"\n");
    } else if (strcmp(format, "systemd") == 0) {
        fprintf(out, "[Service]\nEnvironment=\"LD_PRELOAD=");
        systemd_quoted(out, lib);
        fprintf(out, "\"\nEnvironment=\"TRUSTSHIM_MANIFEST=");
        systemd_quoted(out, manifest);
        fprintf(out, "\"\n");
    } else if (strcmp(format, "docker") == 0) {
        fprintf(out, "ENV LD_PRELOAD=\"");
        docker_quoted(out, lib);
        fprintf(out, "\"\nENV TRUSTSHIM_MANIFEST=\"");
        docker_quoted(out, manifest);
        fprintf(out, "\"\n");
    } else {
        return -1;
    }
    return 0;
}

/*
 * The strict lines: TRUSTSHIM_STRICT=1 (the library then stops a JVM whose manifest it cannot
 * use), and `trustshim check` first, which says why in the service's own log and also stops
 * what is not a JVM.
 */
static void print_strict(FILE *out, const char *format, const char *exe, const char *manifest)
{
    if (strcmp(format, "sh") == 0) {
        fprintf(out, "export TRUSTSHIM_STRICT=1\n\"");
        sh_quoted(out, exe);
        fprintf(out, "\" --manifest \"");
        sh_quoted(out, manifest);
        fprintf(out, "\" check >/dev/null || exit 1\n");
    } else if (strcmp(format, "systemd") == 0) {
        fprintf(out, "Environment=\"TRUSTSHIM_STRICT=1\"\nExecStartPre=\"");
        systemd_quoted(out, exe);
        fprintf(out, "\" --manifest \"");
        systemd_quoted(out, manifest);
        fprintf(out, "\" check\n");
    } else {
        fprintf(out, "ENV TRUSTSHIM_STRICT=1\n");
    }
}

static int env_main(int argc, char **argv)
{
    ts_optparse p;
    ts_error err;
    const char *format = "sh";
    char lib[4096];
    char mpath[4096];
    char exe[4096];
    bool control = false;
    bool strict = false;
    ssize_t n;
    int o;
    int ret = TS_EXIT_USAGE;

    ts_error_clear(&err);
    if (ts_opt_init(&p, &ts_cmd_env, argc, argv) != 0) {
        goto end;
    }
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == OPT_FORMAT) {
            format = p.arg;
        } else if (o == OPT_STRICT) {
            strict = true;
        }
    }
    if (o < 0) {
        ret = ts_opt_exit(o);
        goto end;
    }
    if (p.n_operands > 0) {
        ts_cli_error("env", "unexpected argument '%s'", p.operands[0]);
        goto end;
    }
    if ((strcmp(format, "sh") != 0) && (strcmp(format, "systemd") != 0) &&
        (strcmp(format, "docker") != 0)) {
        ts_cli_error("--format", "'%s' is not a format (expected sh, systemd or docker)", format);
        goto end;
    }
    if (ts_find_library(lib, sizeof(lib), &err) != 0) {
        ts_cli_core_error("env", &err);
        ret = TS_EXIT_FAIL;
        goto end;
    }
    if (ts_absolute_path(ts_manifest_path(), mpath, sizeof(mpath)) != 0) {
        ts_cli_error(ts_manifest_path(), "cannot make the path absolute");
        goto end;
    }
    for (char *c = mpath; *c; c++) {
        if ((unsigned char)*c < 0x20) {
            control = true;
            *c = '?'; /* shown, not sent to the terminal */
        }
    }
    if (control) {
        /* a newline would end the quoted value and start a line of its own */
        ts_cli_error(mpath, "a control character in the path cannot go into these lines");
        goto end;
    }
    if (access(mpath, F_OK) != 0) {
        ts_cli_warn(mpath, "does not exist yet (create it with 'trustshim init')");
    }
    ts_print_env(stdout, format, lib, mpath);
    if (strict) {
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[(n > 0) ? n : 0] = '\0';
        print_strict(stdout, format, (n > 0) ? exe : "trustshim", mpath);
    }
    ret = TS_EXIT_OK;
end:
    ts_opt_free(&p);
    return ret;
}
