/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the CLI's pure parts: option parsing, URLs, LDAP BER, reply parsing, LD_PRELOAD. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"
#include "fetch.h"
#include "javasec.h"

/* argv built from string literals (-Wwrite-strings makes them const) */
typedef struct args {
    int argc;
    char *argv[16];
} args;

static args A(const char *first, ...)
{
    args a;
    va_list ap;
    const char *s = first;
    memset(&a, 0, sizeof(a));
    va_start(ap, first);
    while (s && (a.argc < 15)) {
        a.argv[a.argc++] = strdup(s);
        s = va_arg(ap, const char *);
    }
    va_end(ap);
    return a;
}

static void A_free(args *a)
{
    for (int i = 0; i < a->argc; i++) {
        free(a->argv[i]);
    }
}

/* ---- option parsing ---- */

enum { O_FLAG = 1, O_VAL, O_OUT };
static const ts_option test_options[] = {
    {"flag", 0, TS_OPT_FLAG, O_FLAG, NULL, "a flag"},
    {"value", 0, TS_OPT_VALUE, O_VAL, "V", "a value"},
    {"output", 'o', TS_OPT_VALUE, O_OUT, "FILE", "output"},
    {NULL, 0, 0, 0, NULL, NULL},
};
static int dummy_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 0;
}
static const ts_command test_cmd = {
    "test", dummy_main, "a test command", "[options] ARG...", NULL, test_options, false};
static const ts_command test_exec_cmd = {"texec",      dummy_main, "stops at CMD", "CMD...", NULL,
                                         test_options, true};

static void test_opt_mixed(void **state)
{
    args argv = A("test", "a", "--flag", "--value", "v1", "b", "-o", "out", "--value=v2", "--",
                  "--flag", NULL);
    ts_optparse p;
    int o;
    int seen_flag = 0;
    const char *vals[2] = {NULL, NULL};
    int nv = 0;
    const char *out = NULL;
    (void)state;
    assert_int_equal(ts_opt_init(&p, &test_cmd, argv.argc, argv.argv), 0);
    while ((o = ts_opt_next(&p)) > 0) {
        if (o == O_FLAG) {
            seen_flag++;
        } else if (o == O_VAL) {
            assert_true(nv < 2);
            vals[nv++] = p.arg;
        } else if (o == O_OUT) {
            out = p.arg;
        }
    }
    assert_int_equal(o, 0);
    assert_int_equal(seen_flag, 1);
    assert_int_equal(nv, 2);
    assert_string_equal(vals[0], "v1");
    assert_string_equal(vals[1], "v2");
    assert_string_equal(out, "out");
    assert_int_equal(p.n_operands, 3);
    assert_string_equal(p.operands[0], "a");
    assert_string_equal(p.operands[1], "b");
    assert_string_equal(p.operands[2], "--flag");
    assert_null(p.operands[3]);
    ts_opt_free(&p);
    A_free(&argv);
}

static void test_opt_errors(void **state)
{
    args unknown = A("test", "--nope", NULL);
    args missing = A("test", "--value", NULL);
    args novalue = A("test", "--flag=1", NULL);
    args help = A("test", "--help", NULL);
    ts_optparse p;
    (void)state;
    ts_opt_init(&p, &test_cmd, unknown.argc, unknown.argv);
    assert_int_equal(ts_opt_next(&p), -1);
    assert_int_equal(ts_opt_exit(-1), TS_EXIT_USAGE);
    ts_opt_free(&p);
    ts_opt_init(&p, &test_cmd, missing.argc, missing.argv);
    assert_int_equal(ts_opt_next(&p), -1);
    ts_opt_free(&p);
    ts_opt_init(&p, &test_cmd, novalue.argc, novalue.argv);
    assert_int_equal(ts_opt_next(&p), -1);
    ts_opt_free(&p);
    ts_opt_init(&p, &test_cmd, help.argc, help.argv);
    assert_int_equal(ts_opt_next(&p), -2);
    assert_int_equal(ts_opt_exit(-2), TS_EXIT_OK);
    ts_opt_free(&p);
    A_free(&unknown);
    A_free(&missing);
    A_free(&novalue);
    A_free(&help);
}

static void test_opt_stop_at_operand(void **state)
{
    args argv = A("texec", "--value", "x", "cmd", "--flag", "-o", NULL);
    ts_optparse p;
    int o;
    int n = 0;
    (void)state;
    ts_opt_init(&p, &test_exec_cmd, argv.argc, argv.argv);
    while ((o = ts_opt_next(&p)) > 0) {
        assert_int_equal(o, O_VAL);
        n++;
    }
    assert_int_equal(o, 0);
    assert_int_equal(n, 1);
    assert_int_equal(p.n_operands, 3);
    assert_string_equal(p.operands[0], "cmd");
    assert_string_equal(p.operands[1], "--flag");
    assert_string_equal(p.operands[2], "-o");
    ts_opt_free(&p);
    A_free(&argv);
}

static void test_opt_manifest(void **state)
{
    args argv = A("test", "--manifest", "/x/m.json", NULL);
    ts_optparse p;
    (void)state;
    ts_opt_init(&p, &test_cmd, argv.argc, argv.argv);
    assert_int_equal(ts_opt_next(&p), 0);
    assert_string_equal(ts_manifest_path(), "/x/m.json");
    ts_opt_free(&p);
    ts_set_manifest_path(NULL);
    A_free(&argv);
    setenv("TRUSTSHIM_MANIFEST", "/env/m.json", 1);
    assert_string_equal(ts_manifest_path(), "/env/m.json");
    unsetenv("TRUSTSHIM_MANIFEST");
    assert_string_equal(ts_manifest_path(), TS_MANIFEST_DEFAULT_PATH);
}

static void test_help_from_table(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    (void)state;
    assert_non_null(f);
    ts_cmd_help(&test_cmd, f);
    fclose(f);
    assert_non_null(strstr(text, "Usage: trustshim test [options] ARG..."));
    assert_non_null(strstr(text, "    --flag"));
    assert_non_null(strstr(text, "    --value V"));
    assert_non_null(strstr(text, "-o, --output FILE"));
    assert_non_null(strstr(text, "--manifest PATH"));
    assert_non_null(strstr(text, "-h, --help"));
    free(text);
}

static void test_parse_seconds(void **state)
{
    (void)state;
    assert_true(ts_parse_seconds("5") == 5.0);
    assert_true(ts_parse_seconds("0.25") == 0.25);
    assert_true(ts_parse_seconds("0") < 0);
    assert_true(ts_parse_seconds("-1") < 0);
    assert_true(ts_parse_seconds("5s") < 0);
    assert_true(ts_parse_seconds("") < 0);
    assert_true(ts_parse_seconds("nan") < 0);
    assert_true(ts_parse_seconds("1e9") < 0);
}

static void test_opt_timeout(void **state)
{
    double t = 10;
    (void)state;
    assert_int_equal(ts_opt_timeout("2.5", &t), TS_EXIT_OK);
    assert_true(t == 2.5);
    assert_int_equal(ts_opt_timeout("-3", &t), TS_EXIT_USAGE);
    assert_true(t == 2.5); /* unchanged after an error */
}

static void test_cli_main(void **state)
{
    args version = A("trustshim", "--version", NULL);
    args unknown = A("trustshim", "frob", NULL);
    args bad = A("trustshim", "--frob", NULL);
    args none = A("trustshim", NULL);
    args help = A("trustshim", "help", "add", NULL);
    args helpbad = A("trustshim", "help", "frob", NULL);
    (void)state;
    assert_int_equal(ts_cli_main(version.argc, version.argv), 0);
    assert_int_equal(ts_cli_main(unknown.argc, unknown.argv), 2);
    assert_int_equal(ts_cli_main(bad.argc, bad.argv), 2);
    assert_int_equal(ts_cli_main(none.argc, none.argv), 2);
    assert_int_equal(ts_cli_main(help.argc, help.argv), 0);
    assert_int_equal(ts_cli_main(helpbad.argc, helpbad.argv), 2);
    assert_non_null(ts_cmd_find("verify"));
    assert_null(ts_cmd_find("verif"));
    A_free(&version);
    A_free(&unknown);
    A_free(&bad);
    A_free(&none);
    A_free(&help);
    A_free(&helpbad);
}

/* ---- URLs ---- */

static void url_ok(const char *s, const char *scheme, const char *host, unsigned port,
                   ts_proto proto, bool ip)
{
    ts_url u;
    char why[256];
    if (ts_url_parse(s, &u, why, sizeof(why)) != 0) {
        fail_msg("%s: %s", s, why);
    }
    assert_string_equal(u.scheme, scheme);
    assert_string_equal(u.host, host);
    assert_int_equal(u.port, port);
    assert_int_equal(u.proto, proto);
    assert_int_equal(u.host_is_ip, ip);
}

static void url_bad(const char *s, const char *reason)
{
    ts_url u;
    char why[256];
    assert_int_equal(ts_url_parse(s, &u, why, sizeof(why)), -1);
    if (!strstr(why, reason)) {
        fail_msg("%s: '%s' does not say '%s'", s, why, reason);
    }
}

static void test_url(void **state)
{
    (void)state;
    url_ok("https://example.test", "https", "example.test", 443, TS_PROTO_TLS, false);
    url_ok("ldaps://ldap.example.test", "ldaps", "ldap.example.test", 636, TS_PROTO_TLS, false);
    url_ok("smtps://m", "smtps", "m", 465, TS_PROTO_TLS, false);
    url_ok("imaps://m", "imaps", "m", 993, TS_PROTO_TLS, false);
    url_ok("pop3s://m", "pop3s", "m", 995, TS_PROTO_TLS, false);
    url_ok("smtp://m", "smtp", "m", 25, TS_PROTO_SMTP, false);
    url_ok("submission://m", "submission", "m", 587, TS_PROTO_SMTP, false);
    url_ok("imap://m", "imap", "m", 143, TS_PROTO_IMAP, false);
    url_ok("pop3://m", "pop3", "m", 110, TS_PROTO_POP3, false);
    url_ok("ldap://m", "ldap", "m", 389, TS_PROTO_LDAP, false);
    url_ok("LDAP://m:10389/dc=example,dc=test", "ldap", "m", 10389, TS_PROTO_LDAP, false);
    url_ok("https://user@h.example:8443/path?q#f", "https", "h.example", 8443, TS_PROTO_TLS, false);
    url_ok("mail.example.test:465", "", "mail.example.test", 465, TS_PROTO_TLS, false);
    url_ok("127.0.0.1:4433", "", "127.0.0.1", 4433, TS_PROTO_TLS, true);
    url_ok("https://[::1]:8443/", "https", "::1", 8443, TS_PROTO_TLS, true);
    url_ok("[2001:db8::1]:993", "", "2001:db8::1", 993, TS_PROTO_TLS, true);
    url_bad("ftp://x", "unknown scheme 'ftp'");
    url_bad("example.test", "no port");
    url_bad("https://", "no host");
    url_bad("https://h:0", "invalid port");
    url_bad("https://h:65536", "invalid port");
    url_bad("https://h:12a", "invalid port");
    url_bad("https://h:", "invalid port");
    url_bad("https://[::1", "unterminated");
    url_bad("https://bad host", "invalid character");
    url_bad("https://::1:443", "IPv6 addresses go in brackets");
    url_bad("fe80::1", "IPv6 addresses go in brackets");
}

/* ---- LDAP BER ---- */

static void test_ldap_request(void **state)
{
    unsigned char buf[64];
    static const unsigned char want_head[] = {0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16};
    size_t n = ts_ldap_starttls_request(buf, sizeof(buf));
    (void)state;
    assert_int_equal(n, 31);
    assert_memory_equal(buf, want_head, sizeof(want_head));
    assert_memory_equal(buf + 9, "1.3.6.1.4.1.1466.20037", 22);
    assert_int_equal(ts_ber_element_size(buf, n), 31);
    assert_int_equal(ts_ldap_starttls_request(buf, 30), 0);
}

/* The STARTTLS replies, as conn.c reads them from a server. */
static void test_starttls_replies(void **state)
{
    static const char smtp[] = "250-mail.example.test\r\n250-SIZE 100\r\n250 STARTTLS\r\n";
    static const unsigned char ldap_ok[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07,
                                            0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00};
    static const unsigned char ldap_no[] = {0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07,
                                            0x0a, 0x01, 0x34, 0x04, 0x00, 0x04, 0x00};
    const unsigned char *p = (const unsigned char *)smtp;
    size_t len = strlen(smtp), used = 0;
    ts_smtp_reply r;
    char line[16], why[256];
    int rc = 0;

    (void)state;
    /* Lines: CRLF or LF, cut to the buffer, more bytes needed, none within the limit. */
    assert_int_equal(ts_reply_line((const unsigned char *)"+OK\n", 4, 100, line, 16, &used), 1);
    assert_string_equal(line, "+OK");
    assert_int_equal(used, 4);
    assert_int_equal(ts_reply_line((const unsigned char *)"+OK", 3, 100, line, 16, &used), 0);
    assert_int_equal(ts_reply_line((const unsigned char *)"+OKAY", 5, 4, line, 16, &used), -1);
    assert_int_equal(ts_reply_line(p, len, 100, line, 8, &used), 1);
    assert_string_equal(line, "250-mai");
    /* A multi-line SMTP reply offering STARTTLS. */
    memset(&r, 0, sizeof(r));
    while (rc == 0) {
        char l[1024];
        assert_int_equal(ts_reply_line(p, len, 4096, l, sizeof(l), &used), 1);
        rc = ts_smtp_reply_feed(&r, l, "EHLO", why, sizeof(why));
        p += used;
        len -= used;
    }
    assert_int_equal(rc, 1);
    assert_int_equal(len, 0);
    assert_true(r.starttls);
    assert_int_equal(ts_smtp_reply_expect(&r, 250, "refused", why, sizeof(why)), 0);
    assert_int_equal(ts_smtp_reply_expect(&r, 220, "server refused STARTTLS", why, sizeof(why)),
                     -1);
    assert_string_equal(why, "server refused STARTTLS: 250-mail.example.test");
    memset(&r, 0, sizeof(r));
    assert_int_equal(ts_smtp_reply_feed(&r, "+OK POP3", "the greeting", why, sizeof(why)), -1);
    assert_string_equal(why, "not an SMTP server (got '+OK POP3' while waiting for the greeting)");
    /* IMAP: untagged lines, then the tagged answer. */
    assert_int_equal(ts_imap_greeting("* OK ready", why, sizeof(why)), 0);
    assert_int_equal(ts_imap_greeting("* BYE go away", why, sizeof(why)), -1);
    assert_int_equal(ts_imap_starttls_reply("* CAPABILITY IMAP4rev1", why, sizeof(why)), 0);
    assert_int_equal(ts_imap_starttls_reply("ts1 OK go", why, sizeof(why)), 1);
    assert_int_equal(ts_imap_starttls_reply("ts1 NO \x01", why, sizeof(why)), -1);
    assert_string_equal(why, "server refused STARTTLS: NO ?");
    /* POP3. */
    assert_int_equal(ts_pop3_greeting("+OK hello", why, sizeof(why)), 0);
    assert_int_equal(ts_pop3_greeting("220 smtp", why, sizeof(why)), -1);
    assert_int_equal(ts_pop3_stls_reply("-ERR no", why, sizeof(why)), -1);
    /* LDAP: more bytes, complete, refused, plain text, larger than the buffer. */
    assert_int_equal(ts_ldap_starttls_reply(ldap_ok, 5, 100, why, sizeof(why)), 0);
    assert_int_equal(ts_ldap_starttls_reply(ldap_ok, sizeof(ldap_ok), 100, why, sizeof(why)),
                     (long)sizeof(ldap_ok));
    assert_int_equal(ts_ldap_starttls_reply(ldap_no, sizeof(ldap_no), 100, why, sizeof(why)), -1);
    assert_string_equal(why, "server refused StartTLS: result 52 (unavailable)");
    assert_int_equal(
        ts_ldap_starttls_reply((const unsigned char *)"220 hi\r\n", 8, 100, why, sizeof(why)), -1);
    assert_string_equal(why, "not an LDAP server (got plain text: '220 hi')");
    assert_int_equal(ts_ldap_starttls_reply(ldap_ok, 5, 10, why, sizeof(why)), -1);
}

static void test_ldap_response(void **state)
{
    /* success, with responseName */
    static const unsigned char ok[] = {0x30, 0x24, 0x02, 0x01, 0x01, 0x78, 0x1f, 0x0a, 0x01, 0x00,
                                       0x04, 0x00, 0x04, 0x00, 0x8a, 0x16, '1',  '.',  '3',  '.',
                                       '6',  '.',  '1',  '.',  '4',  '.',  '1',  '.',  '1',  '4',
                                       '6',  '6',  '.',  '2',  '0',  '0',  '3',  '7'};
    /* unavailable (52) "no TLS", long-form length on the outer SEQUENCE */
    static const unsigned char refused[] = {0x30, 0x81, 0x12, 0x02, 0x01, 0x01, 0x78,
                                            0x0d, 0x0a, 0x01, 0x34, 0x04, 0x00, 0x04,
                                            0x06, 'n',  'o',  ' ',  'T',  'L',  'S'};
    int code = -1;
    char diag[64];
    (void)state;
    assert_int_equal(ts_ber_element_size(ok, sizeof(ok)), (long)sizeof(ok));
    assert_int_equal(ts_ldap_parse_extended_response(ok, sizeof(ok), &code, diag, sizeof(diag)), 0);
    assert_int_equal(code, 0);
    assert_string_equal(diag, "");
    assert_int_equal(ts_ber_element_size(refused, sizeof(refused)), (long)sizeof(refused));
    assert_int_equal(ts_ber_element_size(refused, 2), 0); /* need the length byte */
    assert_int_equal(
        ts_ldap_parse_extended_response(refused, sizeof(refused), &code, diag, sizeof(diag)), 0);
    assert_int_equal(code, 52);
    assert_string_equal(diag, "no TLS");
    assert_string_equal(ts_ldap_result_name(52), "unavailable");
    /* truncated, wrong tags, indefinite length */
    for (size_t n = 0; n < sizeof(ok); n++) {
        assert_int_equal(ts_ldap_parse_extended_response(ok, n, &code, diag, sizeof(diag)), -1);
    }
    {
        unsigned char bad[sizeof(ok)];
        memcpy(bad, ok, sizeof(ok));
        bad[5] = 0x77; /* a request, not a response */
        assert_int_equal(
            ts_ldap_parse_extended_response(bad, sizeof(bad), &code, diag, sizeof(diag)), -1);
        bad[1] = 0x80; /* indefinite */
        assert_int_equal(ts_ber_element_size(bad, sizeof(bad)), -1);
        bad[1] = 0x85; /* 5 length bytes */
        assert_int_equal(ts_ber_element_size(bad, sizeof(bad)), -1);
    }
    /* a hostile resultCode: 4 bytes with the sign bit (no overflow, malformed), the largest valid
     */
    {
        unsigned char big[] = {0x30, 0x0f, 0x02, 0x01, 0x01, 0x78, 0x0a, 0x0a, 0x04,
                               0xff, 0xff, 0xff, 0xff, 0x04, 0x00, 0x04, 0x00};
        assert_int_equal(ts_ber_element_size(big, sizeof(big)), (long)sizeof(big));
        assert_int_equal(
            ts_ldap_parse_extended_response(big, sizeof(big), &code, diag, sizeof(diag)), -1);
        big[9] = 0x7f;
        assert_int_equal(
            ts_ldap_parse_extended_response(big, sizeof(big), &code, diag, sizeof(diag)), 0);
        assert_int_equal(code, 0x7fffffff);
    }
}

/* ---- text protocols ---- */

static void test_smtp_reply(void **state)
{
    bool last = false;
    (void)state;
    assert_int_equal(ts_smtp_reply_code("220 mail ESMTP", &last), 220);
    assert_true(last);
    assert_int_equal(ts_smtp_reply_code("250-STARTTLS", &last), 250);
    assert_false(last);
    assert_int_equal(ts_smtp_reply_code("454", &last), 454);
    assert_true(last);
    assert_int_equal(ts_smtp_reply_code("+OK pop", &last), -1);
    assert_int_equal(ts_smtp_reply_code("2200 x", &last), -1);
    assert_int_equal(ts_smtp_reply_code("099 x", &last), -1);
    assert_int_equal(ts_smtp_reply_code("", &last), -1);
}

static void test_text_preview(void **state)
{
    char out[128];
    static const unsigned char tls_alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    static const char long_line[] =
        "220 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    (void)state;
    assert_true(ts_text_preview((const unsigned char *)"220 mail ESMTP\r\n250 x\r\n", 23, out,
                                sizeof(out)));
    assert_string_equal(out, "220 mail ESMTP");
    assert_false(ts_text_preview(tls_alert, sizeof(tls_alert), out, sizeof(out)));
    assert_false(ts_text_preview((const unsigned char *)"", 0, out, sizeof(out)));
    assert_true(
        ts_text_preview((const unsigned char *)long_line, strlen(long_line), out, sizeof(out)));
    assert_int_equal(strlen(out), 63);
    assert_string_equal(out + 60, "...");
    /* a tab is text, shown as a space: a message stays one line of printables */
    assert_true(ts_text_preview((const unsigned char *)"+OK\tready\r\n", 11, out, sizeof(out)));
    assert_string_equal(out, "+OK ready");
}

/* ---- LD_PRELOAD, library, helpers ---- */

static void preload_is(const char *old, const char *lib, const char *want)
{
    char *got = ts_preload_value(old, lib);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_preload_value(void **state)
{
    (void)state;
    preload_is(NULL, "/l/libtrustshim.so", "/l/libtrustshim.so");
    preload_is("", "/l/libtrustshim.so", "/l/libtrustshim.so");
    preload_is("/a.so", "/l/libtrustshim.so", "/l/libtrustshim.so:/a.so");
    preload_is("/a.so /b.so", "/l/libtrustshim.so", "/l/libtrustshim.so:/a.so:/b.so");
    preload_is("/usr/lib/libasan.so.8:/a.so", "/l/libtrustshim.so",
               "/usr/lib/libasan.so.8:/l/libtrustshim.so:/a.so");
    preload_is("/a.so:/l/libtrustshim.so", "/l/libtrustshim.so", "/l/libtrustshim.so:/a.so");
    preload_is("libasan.so:/l/libtrustshim.so", "/l/libtrustshim.so",
               "libasan.so:/l/libtrustshim.so");
    preload_is("::/a.so::", "/l/libtrustshim.so", "/l/libtrustshim.so:/a.so");
}

static char tmpdir[] = "/tmp/ts-cli-unit.XXXXXX";

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x", f);
    fclose(f);
}

static void test_library_and_jdk_paths(void **state)
{
    char p[1024];
    char out[4096];
    char want[4096];
    (void)state;
    assert_non_null(mkdtemp(tmpdir));
    /* build tree: build/bin -> build/lib/libtrustshim.so */
    snprintf(p, sizeof(p), "%s/bin", tmpdir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/lib", tmpdir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/lib/trustshim", tmpdir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/bin", tmpdir);
    assert_int_equal(ts_library_candidate(p, 0, out, sizeof(out)), -1);
    snprintf(want, sizeof(want), "%s/lib/libtrustshim.so", tmpdir);
    touch(want);
    assert_int_equal(ts_library_candidate(p, 0, out, sizeof(out)), 0);
    assert_string_equal(out, want);
    snprintf(want, sizeof(want), "%s/lib/trustshim/libtrustshim.so", tmpdir);
    touch(want);
    assert_int_equal(ts_library_candidate(p, 1, out, sizeof(out)), 0);
    assert_string_equal(out, want);
    assert_int_equal(ts_library_candidate(p, 9, out, sizeof(out)), -1);

    /* JDK layouts: 9+ and 8 */
    snprintf(p, sizeof(p), "%s/jdk8/jre/lib/security", tmpdir);
    assert_int_equal(ts_mkdirs(p, 0755, NULL), 0);
    snprintf(want, sizeof(want), "%s/cacerts", p);
    touch(want);
    snprintf(p, sizeof(p), "%s/jdk8", tmpdir);
    assert_int_equal(ts_jdk_cacerts(p, out, sizeof(out)), 0);
    assert_string_equal(out, want);
    snprintf(p, sizeof(p), "%s/jdk17/lib/security", tmpdir);
    assert_int_equal(ts_mkdirs(p, 0755, NULL), 0);
    snprintf(want, sizeof(want), "%s/cacerts", p);
    touch(want);
    snprintf(p, sizeof(p), "%s/jdk17", tmpdir);
    assert_int_equal(ts_jdk_cacerts(p, out, sizeof(out)), 0);
    assert_string_equal(out, want);
    snprintf(p, sizeof(p), "%s/nojdk", tmpdir);
    assert_int_equal(ts_jdk_cacerts(p, out, sizeof(out)), -1);
    /* java on PATH through a symlink: the home is above the real bin/ */
    snprintf(p, sizeof(p), "%s/jdk17/bin", tmpdir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/jdk17/bin/java", tmpdir);
    touch(p);
    snprintf(want, sizeof(want), "%s/java-link", tmpdir);
    assert_int_equal(symlink(p, want), 0);
    assert_int_equal(ts_java_home_of(want, out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "%s/jdk17", tmpdir);
    assert_string_equal(out, want);
    {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        assert_int_equal(system(cmd), 0);
    }
}

static void test_write_atomic(void **state)
{
    char dir[] = "/tmp/ts-cli-atomic.XXXXXX";
    char path[256];
    struct stat st;
    ts_error err;
    FILE *f;
    char buf[16] = "";
    (void)state;
    ts_error_clear(&err);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/m.json", dir);
    assert_int_equal(ts_write_atomic(path, "one", 3, 0600, false, 0, 0, true, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    /* no_replace: an existing file stays */
    assert_int_equal(ts_write_atomic(path, "two", 3, 0644, false, 0, 0, true, &err), -1);
    assert_string_equal(err.what, "already exists");
    assert_int_equal(ts_write_atomic(path, "three", 5, 0640, false, 0, 0, false, &err), 0);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "three");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    /* a directory that does not exist: an error naming it, nothing created */
    snprintf(path, sizeof(path), "%s/none/m.json", dir);
    assert_int_equal(ts_write_atomic(path, "x", 1, 0644, false, 0, 0, false, &err), -1);
    assert_non_null(strstr(err.what, "cannot create a temporary file"));
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
}

static void test_hex_and_find(void **state)
{
    char out[65];
    ts_manifest m;
    (void)state;
    assert_true(ts_hex_prefix("ABCDEF01", out, sizeof(out)));
    assert_string_equal(out, "abcdef01");
    assert_true(ts_hex_prefix("ab:cd:ef:01:23", out, sizeof(out)));
    assert_string_equal(out, "abcdef0123");
    assert_false(ts_hex_prefix("abcdef0", out, sizeof(out)));
    assert_false(ts_hex_prefix("my-alias", out, sizeof(out)));
    assert_int_equal(ts_manifest_init(&m), 0);
    assert_int_equal(ts_find_cert(&m, "anything"), -1);
    assert_int_equal(ts_find_cert(&m, "abcdef0123"), -1);
    ts_manifest_free(&m);
}

static void test_env_lines(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    (void)state;
    assert_int_equal(ts_print_env(f, "sh", "/opt/a b/lib$x.so", "/etc/m\"1\".json"), 0);
    assert_int_equal(ts_print_env(f, "systemd", "/opt/100%/lib.so", "/m.json"), 0);
    assert_int_equal(ts_print_env(f, "docker", "/l/$HOME.so", "/m.json"), 0);
    assert_int_equal(ts_print_env(f, "csh", "/l", "/m"), -1);
    fclose(f);
    assert_non_null(
        strstr(text, "export LD_PRELOAD=\"/opt/a b/lib\\$x.so${LD_PRELOAD:+:$LD_PRELOAD}\"\n"));
    assert_non_null(strstr(text, "export TRUSTSHIM_MANIFEST=\"/etc/m\\\"1\\\".json\"\n"));
    assert_non_null(strstr(text, "[Service]\nEnvironment=\"LD_PRELOAD=/opt/100%%/lib.so\"\n"));
    assert_non_null(strstr(text, "ENV LD_PRELOAD=\"/l/\\$HOME.so\"\n"));
    free(text);
}

static void test_days_and_dates(void **state)
{
    char d[64];
    (void)state;
    assert_int_equal(ts_days_until(86400 * 10, 0), 10);
    assert_int_equal(ts_days_until(86400 * 10 - 1, 0), 9);
    assert_int_equal(ts_days_until(0, 86400), -1);
    assert_int_equal(ts_days_until(0, 1), -1);
    ts_format_date(0, d, sizeof(d));
    assert_string_equal(d, "1970-01-01 00:00:00 UTC");
}

static void test_table(void **state)
{
    ts_table t;
    const char *r1[] = {"A", "long value", "x"};
    const char *r2[] = {"longer", "v", "y"};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    (void)state;
    ts_table_init(&t, 3);
    assert_int_equal(ts_table_row(&t, r1), 0);
    assert_int_equal(ts_table_row(&t, r2), 0);
    ts_table_print(&t, f);
    fclose(f);
    assert_string_equal(text, "A       long value  x\nlonger  v           y\n");
    ts_table_free(&t);
    free(text);
    /* UTF-8 subjects: columns line up by characters, not bytes */
    {
        const char *u1[] = {"CN=\xc3\x9cml\xc3\xa4ut", "1"};
        const char *u2[] = {"CN=Umlaut", "2"};
        text = NULL;
        f = open_memstream(&text, &len);
        ts_table_init(&t, 2);
        assert_int_equal(ts_table_row(&t, u1), 0);
        assert_int_equal(ts_table_row(&t, u2), 0);
        ts_table_print(&t, f);
        fclose(f);
        assert_string_equal(text, "CN=\xc3\x9cml\xc3\xa4ut  1\nCN=Umlaut  2\n");
        ts_table_free(&t);
        free(text);
    }
}

/* ---- every command, in process (LeakSanitizer sees every path) ---- */

static int run(const char *first, ...)
{
    args a;
    va_list ap;
    const char *s = first;
    int r;
    memset(&a, 0, sizeof(a));
    va_start(ap, first);
    while (s && (a.argc < 15)) {
        a.argv[a.argc++] = strdup(s);
        s = va_arg(ap, const char *);
    }
    va_end(ap);
    r = ts_cli_main(a.argc, a.argv);
    fflush(stdout);
    A_free(&a);
    ts_set_manifest_path(NULL);
    return r;
}

/* Writes text to path (a fixture). */
static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_javasec(void **state)
{
    char dir[] = "/tmp/ts-javasec-XXXXXX";
    char home[256];
    char path[512];
    char over[512];
    char why[512];
    char rule[256];
    ts_javasec js;
    ts_javasec_cert c;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(home, sizeof(home), "%s/jdk", dir);
    snprintf(path, sizeof(path), "%s/conf", home);
    assert_int_equal(mkdir(home, 0755), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/conf/security", home);
    assert_int_equal(mkdir(path, 0755), 0);
    /* continuation lines, comments, ':' as separator, an include relative to the file */
    snprintf(path, sizeof(path), "%s/conf/security/java.security", home);
    write_text(path, "# comment\n! also\njdk.tls.disabledAlgorithms=SSLv3, TLSv1, \\\n"
                     "    TLSv1.1, RC4, 3DES_EDE_CBC, anon, NULL, ECDH, TLS_RSA_*\n"
                     "jdk.certpath.disabledAlgorithms: MD5, SHA1 jdkCA & usage TLSServer, \\\n"
                     "  RSA keySize < 1024, include jdk.disabled.namedCurves\n"
                     "jdk.disabled.namedCurves = secp112r1\n"
                     "security.overridePropertiesFile=true\n"
                     "include extra.security\n");
    snprintf(path, sizeof(path), "%s/conf/security/extra.security", home);
    write_text(path, "jdk.disabled.namedCurves=EC keySize < 256\n");
    snprintf(path, sizeof(path), "%s/release", home);
    write_text(path, "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"21.0.2\"\n");
    assert_int_equal(ts_javasec_load(&js, home, NULL, why, sizeof(why)), 0);
    assert_int_equal(js.feature, 21);
    assert_true(ts_javasec_protocol_disabled(&js, "TLSv1", rule, sizeof(rule)));
    assert_string_equal(rule, "\"TLSv1\" in jdk.tls.disabledAlgorithms");
    assert_true(ts_javasec_protocol_disabled(&js, "TLSv1.1", rule, sizeof(rule)));
    assert_false(ts_javasec_protocol_disabled(&js, "TLSv1.2", rule, sizeof(rule)));
    /* cipher suites by their parts, and by a pattern */
    assert_true(
        ts_javasec_cipher_disabled(&js, "TLS_RSA_WITH_AES_128_GCM_SHA256", rule, sizeof(rule)));
    assert_string_equal(rule, "\"TLS_RSA_*\" in jdk.tls.disabledAlgorithms");
    assert_true(
        ts_javasec_cipher_disabled(&js, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", rule, sizeof(rule)));
    assert_true(
        ts_javasec_cipher_disabled(&js, "TLS_DH_anon_WITH_AES_128_CBC_SHA", rule, sizeof(rule)));
    assert_true(ts_javasec_cipher_disabled(&js, "TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256", rule,
                                           sizeof(rule)));
    assert_false(ts_javasec_cipher_disabled(&js, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", rule,
                                            sizeof(rule)));
    assert_false(ts_javasec_cipher_disabled(&js, "TLS_AES_256_GCM_SHA384", rule, sizeof(rule)));
    /* certificates: jdkCA only for the JDK's own CAs; keySize; an included list */
    memset(&c, 0, sizeof(c));
    c.sig_alg = "SHA1withRSA";
    c.key_alg = "RSA";
    c.key_bits = 2048;
    assert_false(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    c.jdk_ca = true;
    assert_true(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    assert_string_equal(rule,
                        "\"SHA1 jdkCA & usage TLSServer\" in jdk.certpath.disabledAlgorithms");
    c.sig_alg = "MD5withRSA";
    c.jdk_ca = false;
    assert_true(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    c.sig_alg = "SHA256withRSA";
    c.key_bits = 1000;
    assert_true(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    assert_string_equal(rule, "\"RSA keySize < 1024\" in jdk.certpath.disabledAlgorithms");
    c.sig_alg = NULL; /* an anchor: its key still counts */
    assert_true(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    c.key_alg = "EC";
    c.key_bits = 224;
    assert_true(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    assert_string_equal(rule, "\"EC keySize < 256\" in jdk.certpath.disabledAlgorithms");
    c.key_bits = 256;
    assert_false(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    ts_javasec_free(&js);
    /* -Djava.security.properties: adds; "=FILE" replaces */
    snprintf(over, sizeof(over), "%s/over.security", dir);
    write_text(over, "jdk.tls.disabledAlgorithms=SSLv3\n");
    assert_int_equal(ts_javasec_load(&js, home, over, why, sizeof(why)), 0);
    assert_false(ts_javasec_protocol_disabled(&js, "TLSv1", rule, sizeof(rule)));
    c.key_alg = "RSA";
    c.key_bits = 1000;
    assert_true(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    ts_javasec_free(&js);
    snprintf(over, sizeof(over), "=%s/over.security", dir);
    assert_int_equal(ts_javasec_load(&js, home, over, why, sizeof(why)), 0);
    assert_false(ts_javasec_cert_disabled(&js, &c, rule, sizeof(rule)));
    ts_javasec_free(&js);
    /* a missing include: an error naming the file */
    snprintf(over, sizeof(over), "%s/bad.security", dir);
    write_text(over, "include nothere.security\n");
    assert_int_equal(ts_javasec_load(&js, home, over, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "nothere.security"));
    ts_javasec_free(&js);
    /* no JDK: the defaults of JDK 17 to 25 */
    assert_int_equal(ts_javasec_load(&js, NULL, NULL, why, sizeof(why)), 0);
    assert_true(ts_javasec_protocol_disabled(&js, "TLSv1.1", rule, sizeof(rule)));
    assert_false(ts_javasec_protocol_disabled(&js, "TLSv1.3", rule, sizeof(rule)));
    ts_javasec_free(&js);
    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
}

static void test_did_you_mean(void **state)
{
    static const char *const words[] = {"list", "import", "remove", "distrust", "undistrust", NULL};
    char out[300];

    (void)state;
    assert_string_equal(ts_did_you_mean("lsit", words), "; did you mean 'list'?"); /* a swap */
    assert_string_equal(ts_did_you_mean("imprt", words), "; did you mean 'import'?");
    assert_string_equal(ts_did_you_mean("REMOVE", words), "; did you mean 'remove'?");
    assert_string_equal(ts_did_you_mean("dis", words), "; did you mean 'distrust'?"); /* a prefix */
    assert_string_equal(ts_did_you_mean("lx", words), "");         /* short: one edit at most */
    assert_string_equal(ts_did_you_mean("frobnicate", words), ""); /* too far */
    assert_string_equal(ts_did_you_mean("list", NULL), "");
    assert_true(ts_alias_option("Corp-Root", out, sizeof(out)));
    assert_string_equal(out, "corp-root");
    assert_false(ts_alias_option("Root [JDK]", out, sizeof(out)));
    assert_false(ts_alias_option("", out, sizeof(out)));
    assert_string_equal(ts_plural(1, "entry", "entries"), "entry");
    assert_string_equal(ts_plural(0, "entry", "entries"), "entries");
}

static void test_commands_usage(void **state)
{
    static const char *const names[] = {"init",   "add",      "fetch",      "list",
                                        "remove", "distrust", "undistrust", "render",
                                        "exec",   "env",      "check",      "verify"};
    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(run("trustshim", names[i], "--help", NULL), 0);
        assert_int_equal(run("trustshim", names[i], "--no-such-option", NULL), 2);
    }
    assert_int_equal(run("trustshim", "add", NULL), 2);
    assert_int_equal(run("trustshim", "render", NULL), 2);
    assert_int_equal(run("trustshim", "render", "-o", "/tmp/x", "--base", "b", "--no-base", NULL),
                     2);
    assert_int_equal(run("trustshim", "fetch", NULL), 2);
    assert_int_equal(run("trustshim", "fetch", "https://a", "https://b", NULL), 2);
    assert_int_equal(run("trustshim", "fetch", "https://a", "--pick", "first", NULL), 2);
    assert_int_equal(run("trustshim", "verify", NULL), 2);
    assert_int_equal(run("trustshim", "verify", "gopher://x", NULL), 2);
    assert_int_equal(run("trustshim", "remove", NULL), 2);
    assert_int_equal(run("trustshim", "distrust", NULL), 2);
    assert_int_equal(run("trustshim", "undistrust", NULL), 2);
    assert_int_equal(run("trustshim", "exec", NULL), 2);
    assert_int_equal(run("trustshim", "env", "--format", "fish", NULL), 2);
    assert_int_equal(run("trustshim", "list", "extra", NULL), 2);
    assert_int_equal(run("trustshim", "check", "extra", NULL), 2);
    assert_int_equal(run("trustshim", "init", "extra", NULL), 2);
    assert_int_equal(run("trustshim", "--manifest", NULL), 2);
}

static void test_commands_flow(void **state)
{
    char dir[] = "/tmp/ts-cli-flow.XXXXXX";
    char manifest[256];
    char pem[256];
    char out[256];
    char cmd[1024];
    static const char fp[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    struct stat st;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(manifest, sizeof(manifest), "%s/etc/manifest.json", dir);
    snprintf(pem, sizeof(pem), "%s/ca.pem", dir);
    snprintf(out, sizeof(out), "%s/out.jks", dir);
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 "
             "-subj /CN=Flow\\ CA -keyout %s/ca.key -out %s 2>/dev/null",
             dir, pem);
    assert_int_equal(system(cmd), 0);
    setenv("TRUSTSHIM_MANIFEST", manifest, 1);
    assert_int_equal(run("trustshim", "list", NULL), 2); /* no manifest yet */
    assert_int_equal(run("trustshim", "init", NULL), 0);
    assert_int_equal(run("trustshim", "init", NULL), 1);
    assert_int_equal(
        run("trustshim", "add", pem, "--alias", "flow", "--host", "flow.example.test", NULL), 0);
    assert_int_equal(run("trustshim", "add", pem, NULL), 0); /* already there */
    /* already there, with a host it does not list: a warning, nothing changes */
    assert_int_equal(run("trustshim", "add", pem, "--host", "other.example.test", NULL), 0);
    /* a manifest reached through a symbolic link */
    snprintf(cmd, sizeof(cmd), "%s/link.json", dir);
    assert_int_equal(symlink(manifest, cmd), 0);
    assert_int_equal(run("trustshim", "--manifest", cmd, "remove", "flow", NULL), 0);
    assert_int_equal(run("trustshim", "--manifest", cmd, "add", pem, "--alias", "flow", "--host",
                         "flow.example.test", NULL),
                     0);
    assert_int_equal(lstat(cmd, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* a library the loader would skip: refused before anything is executed */
    setenv("TRUSTSHIM_LIBRARY", pem, 1);
    assert_int_equal(run("trustshim", "exec", "--", "true", NULL), 1);
    assert_int_equal(run("trustshim", "env", NULL), 1);
    unsetenv("TRUSTSHIM_LIBRARY");
    assert_int_equal(run("trustshim", "--manifest", "/tmp/a\nb.json", "env", NULL), 2);
    assert_int_equal(run("trustshim", "--manifest", "/nonexistent/m.json", "exec", "true", NULL),
                     2);
    assert_int_equal(run("trustshim", "add", "/nonexistent.pem", NULL), 2);
    assert_int_equal(run("trustshim", "list", NULL), 0);
    assert_int_equal(run("trustshim", "list", "--json", NULL), 0);
    assert_int_equal(run("trustshim", "render", "-o", out, "--no-base", NULL), 0);
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(run("trustshim", "render", "-o", out, "--host", "flow.example.test",
                         "--format", "pkcs12", NULL),
                     0);
    assert_int_equal(run("trustshim", "distrust", fp, NULL), 0);
    assert_int_equal(run("trustshim", "distrust", fp, NULL), 0);
    assert_int_equal(run("trustshim", "undistrust", fp, NULL), 0);
    assert_int_equal(run("trustshim", "undistrust", fp, NULL), 2);
    assert_int_equal(run("trustshim", "check", NULL), 0);
    assert_int_equal(run("trustshim", "remove", "flow", NULL), 0);
    assert_int_equal(run("trustshim", "remove", "flow", NULL), 2);
    assert_int_equal(
        run("trustshim", "verify", "https://127.0.0.1:1", "--no-base", "--timeout", "2", NULL), 3);
    assert_int_equal(run("trustshim", "fetch", "https://127.0.0.1:1", NULL), 1);
    unsetenv("TRUSTSHIM_MANIFEST");
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_opt_mixed),
        cmocka_unit_test(test_did_you_mean),
        cmocka_unit_test(test_opt_errors),
        cmocka_unit_test(test_opt_stop_at_operand),
        cmocka_unit_test(test_opt_manifest),
        cmocka_unit_test(test_help_from_table),
        cmocka_unit_test(test_parse_seconds),
        cmocka_unit_test(test_opt_timeout),
        cmocka_unit_test(test_cli_main),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_javasec),
        cmocka_unit_test(test_ldap_request),
        cmocka_unit_test(test_ldap_response),
        cmocka_unit_test(test_starttls_replies),
        cmocka_unit_test(test_smtp_reply),
        cmocka_unit_test(test_text_preview),
        cmocka_unit_test(test_preload_value),
        cmocka_unit_test(test_library_and_jdk_paths),
        cmocka_unit_test(test_write_atomic),
        cmocka_unit_test(test_hex_and_find),
        cmocka_unit_test(test_env_lines),
        cmocka_unit_test(test_days_and_dates),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_commands_usage),
        cmocka_unit_test(test_commands_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
