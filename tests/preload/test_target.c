/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of preload/target.c: the pure "may this be a target?" functions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "target.h"

static void test_tail_jre(void **state)
{
    (void)state;
    assert_int_equal(ts_tail_classify("/usr/lib/jvm/java-17/lib/security/cacerts", NULL),
                     TS_TAIL_JRE_STORE);
    assert_int_equal(ts_tail_classify("/opt/jdk8/jre/lib/security/cacerts", NULL),
                     TS_TAIL_JRE_STORE);
    assert_int_equal(ts_tail_classify("/opt/jdk/lib/security/jssecacerts", NULL),
                     TS_TAIL_JRE_STORE);
    assert_int_equal(ts_tail_classify("lib/security/cacerts", NULL), TS_TAIL_JRE_STORE);
    assert_int_equal(ts_tail_classify("../lib/security/cacerts", NULL), TS_TAIL_JRE_STORE);
    /* "mylib/security/cacerts" is not .../lib/security/ */
    assert_int_equal(ts_tail_classify("/x/mylib/security/cacerts", NULL), TS_TAIL_STORE_NAME);
    assert_int_equal(ts_tail_classify("/etc/ssl/certs/java/cacerts", NULL), TS_TAIL_STORE_NAME);
    assert_int_equal(ts_tail_classify("cacerts", NULL), TS_TAIL_STORE_NAME);
}

static void test_tail_none(void **state)
{
    (void)state;
    assert_int_equal(ts_tail_classify(NULL, NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/etc/passwd", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/usr/lib/jvm/x/lib/libjava.so", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/lib/security/cacerts/", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/x/cacerts.bak", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/x/xcacerts", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/x/.ks", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/x/a.ks.bak", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/x/classes", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/x/a.KS", NULL), TS_TAIL_NONE);
}

static void test_tail_ks_and_others(void **state)
{
    const char *names[] = {"trust.store", "app-truststore"};
    const size_t lens[] = {11, 14};
    ts_names extra = {names, lens, 2};

    (void)state;
    assert_int_equal(ts_tail_classify("/home/allegra/keystore/mail.example.test.ks", NULL),
                     TS_TAIL_HOST_KS);
    assert_int_equal(ts_tail_classify("a.ks", NULL), TS_TAIL_HOST_KS);
    assert_int_equal(ts_tail_classify("/x/app.jks", NULL), TS_TAIL_OTHER);
    assert_int_equal(ts_tail_classify("/x/app.p12", NULL), TS_TAIL_OTHER);
    assert_int_equal(ts_tail_classify("/x/app.pfx", NULL), TS_TAIL_OTHER);
    assert_int_equal(ts_tail_classify("/x/app.truststore", NULL), TS_TAIL_OTHER);
    assert_int_equal(ts_tail_classify("/x/trust.store", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/x/trust.store", &extra), TS_TAIL_OTHER);
    assert_int_equal(ts_tail_classify("app-truststore", &extra), TS_TAIL_OTHER);
    assert_int_equal(ts_tail_classify("/x/app-truststore2", &extra), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/x/trust.store/", &extra), TS_TAIL_NONE);
}

static void test_tail_jvm_start(void **state)
{
    (void)state;
    assert_int_equal(ts_tail_classify("/usr/lib/jvm/java-17/lib/modules", NULL), TS_TAIL_JVM_START);
    assert_int_equal(ts_tail_classify("/opt/jdk8/jre/lib/rt.jar", NULL), TS_TAIL_JVM_START);
    assert_int_equal(ts_tail_classify("/opt/app/modules", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("/opt/app/lib/ext/rt.jar.bak", NULL), TS_TAIL_NONE);
    assert_int_equal(ts_tail_classify("modules", NULL), TS_TAIL_NONE);
}

static void test_flags(void **state)
{
    (void)state;
    assert_true(ts_open_flags_servable(O_RDONLY));
    assert_true(ts_open_flags_servable(O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_LARGEFILE));
    assert_false(ts_open_flags_servable(O_WRONLY));
    assert_false(ts_open_flags_servable(O_RDWR));
    assert_false(ts_open_flags_servable(O_RDONLY | O_CREAT));
    assert_false(ts_open_flags_servable(O_RDONLY | O_TRUNC));
    assert_false(ts_open_flags_servable(O_RDONLY | O_DIRECTORY));
    assert_false(ts_open_flags_servable(O_PATH));
    assert_false(ts_open_flags_servable(O_WRONLY | O_CREAT | O_TRUNC));

    assert_true(ts_fopen_mode_servable("r"));
    assert_true(ts_fopen_mode_servable("rb"));
    assert_true(ts_fopen_mode_servable("re"));
    assert_false(ts_fopen_mode_servable("r+"));
    assert_false(ts_fopen_mode_servable("w"));
    assert_false(ts_fopen_mode_servable("a"));
    assert_false(ts_fopen_mode_servable("rw"));
    assert_false(ts_fopen_mode_servable(NULL));
}

static void check_norm(const char *in, const char *want)
{
    char out[256];

    assert_true(ts_path_normalize(in, out, sizeof(out)));
    assert_string_equal(out, want);
}

static void test_normalize(void **state)
{
    char small[8];

    (void)state;
    check_norm("/", "/");
    check_norm("//", "/");
    check_norm("/a/b/", "/a/b");
    check_norm("/a//b/./c", "/a/b/c");
    check_norm("/a/b/../c", "/a/c");
    check_norm("/../a", "/a");
    check_norm("/a/..", "/");
    check_norm("/srv/allegra/./keystore/", "/srv/allegra/keystore");
    assert_false(ts_path_normalize("relative/path", small, sizeof(small)));
    assert_false(ts_path_normalize("/a/very/long/path", small, sizeof(small)));
    assert_false(ts_path_normalize(NULL, small, sizeof(small)));
}

static void test_ks_split(void **state)
{
    char dir[64], host[64];

    (void)state;
    assert_true(ts_ks_split("/srv/allegra/keystore/mail.example.test.ks", dir, sizeof(dir), host,
                            sizeof(host)));
    assert_string_equal(dir, "/srv/allegra/keystore");
    assert_string_equal(host, "mail.example.test");
    assert_true(ts_ks_split("/x.ks", dir, sizeof(dir), host, sizeof(host)));
    assert_string_equal(dir, "/");
    assert_string_equal(host, "x");
    assert_true(ts_ks_split("ldap_1.ks", dir, sizeof(dir), host, sizeof(host)));
    assert_string_equal(dir, ".");
    assert_false(ts_ks_split("/k/.ks", dir, sizeof(dir), host, sizeof(host)));
    assert_false(ts_ks_split("/k/.hidden.ks", dir, sizeof(dir), host, sizeof(host)));
    assert_false(ts_ks_split("/k/a b.ks", dir, sizeof(dir), host, sizeof(host)));
    assert_false(ts_ks_split("/k/a.jks", dir, sizeof(dir), host, sizeof(host)));
    assert_false(
        ts_ks_split("/k/averyveryverylonghostname.example.test.ks", dir, sizeof(dir), host, 8));
}

/* @argfiles of the tests, by name. */
static char *read_argfile(const char *path, void *ctx)
{
    (void)ctx;
    if (strcmp(path, "opts") == 0) {
        return strdup("# a comment -DALLEGRA_HOME=/no\n-cp \"a b\"\n"
                      "\"-Djavax.net.ssl.trustStorePassword=pass word\\n2\"\n"
                      "-Djavax.net.ssl.trustStore=/srv/trust.jks Main -DALLEGRA_HOME=/prog\n");
    }
    if (strcmp(path, "env") == 0) {
        return strdup("-DTRACKPLUS_HOME='/srv/from env file'");
    }
    if (strcmp(path, "vmopts") == 0) { /* -XX:VMOptionsFile: no comments, no escapes */
        return strdup("-Djavax.net.ssl.trustStorePassword=\"from vm\\n\"\n"
                      "-XX:VMOptionsFile=vmopts -DALLEGRA_HOME=/vm\n");
    }
    return NULL;
}

static void test_jvm_props(void **state)
{
    static const char cmd[] =
        "java\0-Xmx1g\0-DALLEGRA_HOME=/srv/a\0-DALLEGRA_HOMEX=/no\0-DTRACKPLUS_HOME=\0"
        "-DALLEGRA_HOME=/srv/b\0-cp\0-DALLEGRA_HOME=/cp-value\0Main\0-DALLEGRA_HOME=/program-arg";
    ts_jvm_sources src = {.cmdline = cmd, .cmdline_len = sizeof(cmd), .java_launcher = true};
    ts_jvm_props p;

    (void)state;
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_string_equal(p.allegra_home, "/srv/b"); /* not the -cp value, not a program argument */
    assert_string_equal(p.trackplus_home, "");
    assert_null(p.trust_store);
    ts_jvm_props_free(&p);

    /* An argument cut off without its NUL (a truncated read) does not count. */
    static const char cut[] = "java\0-DALLEGRA_HOME=/srv/c";
    src = (ts_jvm_sources){.cmdline = cut, .cmdline_len = sizeof(cut) - 1, .java_launcher = true};
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_null(p.allegra_home);
    ts_jvm_props_free(&p);

    /* -jar and -m end the options; --module=x too. */
    static const char jar[] = "java\0-jar\0app.jar\0-DALLEGRA_HOME=/x";
    static const char mod[] = "java\0--module=m/c\0-DALLEGRA_HOME=/x";
    src = (ts_jvm_sources){.cmdline = jar, .cmdline_len = sizeof(jar), .java_launcher = true};
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_null(p.allegra_home);
    ts_jvm_props_free(&p);
    src = (ts_jvm_sources){.cmdline = mod, .cmdline_len = sizeof(mod), .java_launcher = true};
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_null(p.allegra_home);
    ts_jvm_props_free(&p);

    /* Another executable: every -D and -J-D argument. */
    static const char kt[] = "keytool\0-list\0-J-DALLEGRA_HOME=/k\0-keystore\0x";
    src = (ts_jvm_sources){.cmdline = kt, .cmdline_len = sizeof(kt), .java_launcher = false};
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_string_equal(p.allegra_home, "/k");
    ts_jvm_props_free(&p);
}

static void test_jvm_props_env_and_argfiles(void **state)
{
    static const char cmd[] = "java\0@opts\0-DALLEGRA_HOME=/after-main";
    ts_jvm_sources src = {.cmdline = cmd,
                          .cmdline_len = sizeof(cmd),
                          .java_launcher = true,
                          .java_tool_options = "-DALLEGRA_HOME=/tool \"-DTRACKPLUS_HOME=/t p\"",
                          .jdk_java_options = "@env -Dx=y",
                          .read_argfile = read_argfile};
    ts_jvm_props p;

    (void)state;
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_string_equal(p.trust_store, "/srv/trust.jks");
    assert_string_equal(p.trust_store_password, "pass word\n2");
    /* The main class is in the argfile: what follows it is a program argument. */
    assert_string_equal(p.allegra_home, "/tool");
    /* JDK_JAVA_OPTIONS (its @file) comes after JAVA_TOOL_OPTIONS. */
    assert_string_equal(p.trackplus_home, "/srv/from env file");
    ts_jvm_props_free(&p);

    /* JDK_JAVA_OPTIONS only for the java launcher; _JAVA_OPTIONS last; --disable-@files. */
    static const char off[] = "java\0--disable-@files\0@opts\0Main";
    src = (ts_jvm_sources){.cmdline = off,
                           .cmdline_len = sizeof(off),
                           .java_launcher = true,
                           .java_options = "-DALLEGRA_HOME=/last",
                           .read_argfile = read_argfile};
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_null(p.trust_store);
    assert_string_equal(p.allegra_home, "/last");
    ts_jvm_props_free(&p);
    src.java_launcher = false;
    src.jdk_java_options = "-DALLEGRA_HOME=/jdk";
    src.java_options = NULL;
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_null(p.allegra_home);
    ts_jvm_props_free(&p);
}

/* -XX:VMOptionsFile: read in the option's place, on the command line and in the variables. */
static void test_jvm_props_vm_options_file(void **state)
{
    static const char before[] = "java\0-DALLEGRA_HOME=/before\0-XX:VMOptionsFile=vmopts\0Main";
    static const char after[] = "java\0-XX:VMOptionsFile=vmopts\0-DALLEGRA_HOME=/after\0Main";
    static const char plain[] = "java\0Main";
    ts_jvm_sources src = {.cmdline = before,
                          .cmdline_len = sizeof(before),
                          .java_launcher = true,
                          .read_argfile = read_argfile};
    ts_jvm_props p;

    (void)state;
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_string_equal(p.allegra_home, "/vm");
    assert_string_equal(p.trust_store_password, "from vm\\n");
    ts_jvm_props_free(&p);
    src.cmdline = after;
    src.cmdline_len = sizeof(after);
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_string_equal(p.allegra_home, "/after");
    ts_jvm_props_free(&p);
    src.cmdline = plain;
    src.cmdline_len = sizeof(plain);
    src.java_tool_options = "-XX:VMOptionsFile=vmopts";
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_string_equal(p.allegra_home, "/vm");
    ts_jvm_props_free(&p);
    src.java_tool_options = NULL;
    src.jdk_java_options = "-XX:VMOptionsFile=vmopts";
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_string_equal(p.allegra_home, "/vm");
    ts_jvm_props_free(&p);
    /* No reader (the library could not read files): the option is only an option. */
    src.read_argfile = NULL;
    assert_int_equal(ts_jvm_props_read(&src, &p), 0);
    assert_null(p.allegra_home);
    ts_jvm_props_free(&p);
}

static void test_log_level(void **state)
{
    (void)state;
    assert_int_equal(ts_log_level_parse("error"), 0);
    assert_int_equal(ts_log_level_parse("warn"), 1);
    assert_int_equal(ts_log_level_parse("info"), 2);
    assert_int_equal(ts_log_level_parse("debug"), 3);
    assert_int_equal(ts_log_level_parse(NULL), 1);
    assert_int_equal(ts_log_level_parse("verbose"), 1);
    assert_int_equal(ts_log_level_parse("DEBUG"), 3);
    assert_int_equal(ts_log_level_parse("Info"), 2);
    assert_int_equal(ts_log_level_parse("warning"), 1);
    assert_true(ts_log_level_valid(NULL));
    assert_true(ts_log_level_valid(""));
    assert_true(ts_log_level_valid("error"));
    assert_true(ts_log_level_valid("WARNING"));
    assert_false(ts_log_level_valid("verbose"));
    assert_false(ts_log_level_valid("3"));
    assert_false(ts_log_level_valid("info "));
}

/* The log time against gmtime_r: every day from 1970 to 2200 at a varying time, leap years and
 * centuries included, and the ends of the range. */
static void test_log_time(void **state)
{
    char got[TS_LOG_TIME_LEN + 1], want[64];
    struct tm tm;
    (void)state;

    for (int64_t t = 0; t < INT64_C(7258118400); t += 86400 + 3607) {
        time_t tt = (time_t)t;
        assert_non_null(gmtime_r(&tt, &tm));
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(t % 1000));
        assert_int_equal(ts_log_time_format(t, (long)(t % 1000) * 1000000 + 999999, got),
                         TS_LOG_TIME_LEN);
        assert_string_equal(got, want);
    }
    assert_int_equal(ts_log_time_format(0, 0, got), TS_LOG_TIME_LEN);
    assert_string_equal(got, "1970-01-01T00:00:00.000Z ");
    assert_int_equal(ts_log_time_format(951782400, 0, got), TS_LOG_TIME_LEN);
    assert_string_equal(got, "2000-02-29T00:00:00.000Z ");
    assert_int_equal(ts_log_time_format(INT64_C(253402300799), 999999999, got), TS_LOG_TIME_LEN);
    assert_string_equal(got, "9999-12-31T23:59:59.999Z ");
    assert_int_equal(ts_log_time_format(INT64_C(253402300800), 0, got), 0);
    assert_int_equal(ts_log_time_format(-1, 0, got), 0);
    assert_int_equal(ts_log_time_format(0, 1000000000, got), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tail_jre),
        cmocka_unit_test(test_tail_none),
        cmocka_unit_test(test_tail_ks_and_others),
        cmocka_unit_test(test_tail_jvm_start),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_ks_split),
        cmocka_unit_test(test_jvm_props),
        cmocka_unit_test(test_jvm_props_env_and_argfiles),
        cmocka_unit_test(test_jvm_props_vm_options_file),
        cmocka_unit_test(test_log_level),
        cmocka_unit_test(test_log_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
