/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest parsing, validation, printing, certificate loading and editing. */
#include <dirent.h>
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

#include "fileio.h"
#include "manifest.h"
#include "mf_util.h"

#ifndef MF_TEST_DIR
#error MF_TEST_DIR must name tests/manifest
#endif

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Parses text that must fail; checks the whole "where: what" line and file. */
static void expect_error(const char *text, size_t len, const char *where, const char *what)
{
    ts_manifest m;
    ts_error err;

    assert_int_equal(ts_manifest_parse(text, len, "/etc/m.json", &m, &err), -1);
    assert_string_equal(err.file, "/etc/m.json");
    if (strcmp(err.where, where) != 0 || strcmp(err.what, what) != 0) {
        fail_msg("input %s\n  got      %s: %s\n  expected %s: %s", text, err.where, err.what, where,
                 what);
    }
    /* Zeroed on failure: freeing is harmless. */
    assert_null(m.certs);
    assert_null(m.password);
    ts_manifest_free(&m);
}

static void expect_error_s(const char *text, const char *where, const char *what)
{
    expect_error(text, strlen(text), where, what);
}

static void test_errors_exact(void **state)
{
    (void)state;
    expect_error_s(
        "{\"version\": 1, \"certificates\": [{\"sha256\": \"" SHA_A "\", \"file\": \"a\"}, "
        "{\"sha256\": \"" SHA_B "\", \"file\": \"b\"}, {\"file\": \"c\", \"fingerprint\": \"x\"}]}",
        "certificates[2].fingerprint",
        "unknown field (expected one of alias, sha256, pem, file, hosts, source, added)");
    expect_error_s(
        "{\"version\": 1, \"certificates\": [{\"alias\": \"Mail\", \"sha256\": \"" SHA_A
        "\", \"file\": \"a\"}]}",
        "certificates[0].alias",
        "must be lowercase (Java lowercases aliases when looking them up): write \"mail\"");
    expect_error_s("{\"version\": 1, \"certificates\": [{\"sha256\": \"" SHA_A
                   "\", \"file\": \"a\"}, "
                   "{\"sha256\": \"" SHA_A "\", \"pem\": \"x\"}]}",
                   "certificates[1].sha256",
                   "duplicate certificate: same sha256 (also certificates[0].sha256)");
    expect_error_s(
        "{\"version\": 1, \"certificates\": [{\"alias\": \"x\", \"sha256\": \"" SHA_A
        "\", \"file\": \"a\"}, {\"alias\": \"x\", \"sha256\": \"" SHA_B "\", \"pem\": \"x\"}]}",
        "certificates[1].alias", "duplicate alias \"x\": already used by certificates[0]");
    expect_error_s("{\"version\": 1, \"keystore_dirs\": [\"rel\"]}", "keystore_dirs[0]",
                   "expected an absolute path (starting with /)");
    expect_error_s("{\"version\": 1, \"targets\": [{\"path\": \"x\"}]}", "targets[0].path",
                   "expected an absolute path (starting with /)");
    expect_error_s("{\"version\": 1, \"keystore_dirs\": [{\"path\": \"/k\", \"trust\": \"all\"}]}",
                   "keystore_dirs[0].trust", "expected \"full\" or \"host\"");
    expect_error_s("{\"version\": 1, \"keystore_dirs\": [{\"password\": \"x\"}]}",
                   "keystore_dirs[0].path", "missing: expected an absolute path (starting with /)");
    expect_error_s("{\"version\": 1, \"keystore_dirs\": [\"/k\", {\"path\": \"/k\"}]}",
                   "keystore_dirs[1]", "path listed twice (also keystore_dirs[0])");
    expect_error_s("{\"version\": 1, \"keystore_dirs\": [7]}", "keystore_dirs[0]",
                   "expected an absolute path, or an object with \"path\", \"password\", "
                   "\"trust\"");
    expect_error_s("{\"version\": 1, \"keystore_dirs\": [{\"path\": \"/k\", \"pasword\": \"\"}]}",
                   "keystore_dirs[0].pasword",
                   "unknown field (expected one of path, password, trust)");
    expect_error_s("{\"version\": 1, \"version\": 1}", "version",
                   "field given twice in the same object");
    /* Saved "UTF-8 with BOM" by an editor: say so, not just "expected an object". */
    expect_error_s("\xef\xbb\xbf{\"version\": 1}", "line 1, column 1",
                   "a UTF-8 byte order mark: expected the JSON object (save the file as UTF-8 "
                   "without BOM)");
    expect_error_s(
        "{\n  \"version\": 1,\n  \"password\": [}\n", "line 3, column 16",
        "unexpected '}': expected a value (object, array, string, number, true, false or null)");
    expect_error_s(
        "{\"version\": 1, \"x\": tru}", "line 1, column 21",
        "unexpected 't': expected a value (object, array, string, number, true, false or null)");
    expect_error_s("{\"version\": -}", "line 1, column 13", "invalid number");
    expect_error_s("{\"version\": 1.e5}", "line 1, column 13", "invalid number");
    expect_error_s("{\"version\" 1}", "line 1, column 12", "unexpected '1': expected ':'");
    expect_error_s("{\"version\": 1, \"password\": \"\\ud800x\"}", "line 1, column 29",
                   "invalid \\u escape: unpaired surrogate");
    expect_error_s("{\"version\": 1, \"password\": \"\\u12g4\"}", "line 1, column 29",
                   "invalid \\u escape: expected 4 hexadecimal digits");
    expect_error_s("{\"version\": 1, \"password\": \"abc", "line 1, column 32",
                   "unexpected end of the text: expected '\"' to close the string");
    expect_error_s("  \n [1]", "line 2, column 2", "expected a JSON object at the top level");
    expect_error_s(
        "{\"version\": 1, \"targets\": [{\"path\": [[]]}]}", "line 1, column 38",
        "nested deeper than the manifest format allows (4 levels of objects and arrays)");
    /* A surrogate pair is fine (U+1F512). */
    ts_manifest ok;
    ts_error e2;
    const char *pair = "{\"version\": 1, \"password\": \"\\ud83d\\udd12\"}";
    assert_int_equal(ts_manifest_parse(pair, strlen(pair), NULL, &ok, &e2), 0);
    assert_string_equal(ok.password, "\xf0\x9f\x94\x92");
    ts_manifest_free(&ok);
    expect_error_s("{\"version\": 1} []", "line 1, column 16",
                   "unexpected text after the JSON object");
    expect_error_s("", "", "empty: expected a JSON object");
    expect_error_s("{\"version\": 1, \"certificates\": [{\"sha256\": \"" SHA_A
                   "\", \"file\": \"a\", \"added\": \"2024-02-30T00:00:00Z\"}]}",
                   "certificates[0].added",
                   "expected an RFC 3339 date-time such as 2024-05-01T12:00:00Z");
    /* Bytes the file set cannot hold as text. */
    expect_error("{\"version\": 1, \"password\": \"a\0b\"}", 34, "line 1, column 30",
                 "NUL byte: expected JSON text");
    expect_error("{\"version\": 1,\n \"password\": \"a\xff\"}", 35, "line 2, column 16",
                 "invalid UTF-8: expected JSON text in UTF-8");
    expect_error_s("{\"version\": 1, \"password\": \"\xed\xa0\x80\"}", "line 1, column 29",
                   "invalid UTF-8: expected JSON text in UTF-8");
    expect_error_s("{\"version\": 1, \"distrust\": [\"" SHA_A ":\"]}", "distrust[0]",
                   "expected 64 hexadecimal digits (the certificate's SHA-256, ':' separators "
                   "allowed), ':' goes between every two digits, or nowhere");
    /* A key with odd bytes is shown escaped. */
    expect_error_s("{\"version\": 1, \"pass\\nword\": 1}", "pass\\x0aword",
                   "unknown field (expected one of version, password, format, certificates, "
                   "distrust, keystore_dirs, targets)");
}

/* Every tests/manifest/bad/NAME.json fails to load with NAME.expect in its message. */
static void test_bad_set(void **state)
{
    const char *dir = MF_TEST_DIR "/bad";
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0, failed = 0;

    (void)state;
    assert_non_null(d);
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) {
            continue;
        }
        char *path = mf_printf("%s/%s", dir, de->d_name);
        char *exp_path = mf_printf("%s/%.*s.expect", dir, (int)(len - 5), de->d_name);
        unsigned char *expect = NULL;
        size_t exp_len = 0;
        ts_error err;
        ts_manifest m;
        char line[2048], got[1024];

        assert_int_equal(ts_read_file(exp_path, 4096, &expect, &exp_len, &err), 0);
        while (exp_len > 0 && expect[exp_len - 1] == '\n') {
            expect[--exp_len] = '\0';
        }
        n++;
        if (ts_manifest_load(path, &m, &err) == 0) {
            fprintf(stderr, "bad/%s: loaded without error\n", de->d_name);
            failed++;
            ts_manifest_free(&m);
        } else {
            snprintf(got, sizeof(got), "%s%s%s", err.where, err.where[0] != '\0' ? ": " : "",
                     err.what);
            ts_error_str(&err, line, sizeof(line));
            if (strstr(got, (const char *)expect) == NULL || strcmp(err.file, path) != 0) {
                fprintf(stderr, "bad/%s:\n  got      %s\n  expected %s\n", de->d_name, line,
                        (const char *)expect);
                failed++;
            }
            ts_manifest_free(&m);
        }
        free(expect);
        free(path);
        free(exp_path);
    }
    closedir(d);
    assert_true(n >= 70);
    assert_int_equal(failed, 0);
}

static const char *full_json(void)
{
    return "{\n"
           "  \"version\": 1,\n"
           "  \"password\": \"s3cret \\\"quoted\\\" \\\\ \xc3\xa9\",\n"
           "  \"format\": \"pkcs12\",\n"
           "  \"certificates\": [\n"
           "    {\n"
           "      \"alias\": \"mail\",\n"
           "      \"sha256\": \"" SHA_A "\",\n"
           "      \"hosts\": [\n"
           "        \"mail.example.test\",\n"
           "        \"MX.example.test\"\n"
           "      ],\n"
           "      \"source\": \"fetch smtp://mail.example.test:587\",\n"
           "      \"added\": \"2024-05-01T12:00:00.5+02:00\",\n"
           "      \"file\": \"certs/mail.pem\"\n"
           "    },\n"
           "    {\n"
           "      \"sha256\": \"" SHA_B "\",\n"
           "      \"pem\": \"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n\"\n"
           "    }\n"
           "  ],\n"
           "  \"distrust\": [\n"
           "    \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"\n"
           "  ],\n"
           "  \"keystore_dirs\": [\n"
           "    \"/opt/allegra/keystore\",\n"
           "    {\n"
           "      \"path\": \"/srv/trackplus/keystore\",\n"
           "      \"password\": \"\",\n"
           "      \"trust\": \"host\"\n"
           "    }\n"
           "  ],\n"
           "  \"targets\": [\n"
           "    {\n"
           "      \"path\": \"/opt/app/truststore.jks\",\n"
           "      \"password\": \"apppass\",\n"
           "      \"merge\": false\n"
           "    },\n"
           "    {\n"
           "      \"path\": \"/opt/other.p12\"\n"
           "    }\n"
           "  ]\n"
           "}\n";
}

static void assert_manifests_equal(const ts_manifest *a, const ts_manifest *b)
{
    assert_int_equal(a->version, b->version);
    assert_string_equal(a->password, b->password);
    assert_int_equal(a->format, b->format);
    assert_int_equal(a->n_certs, b->n_certs);
    for (size_t i = 0; i < a->n_certs; i++) {
        const ts_manifest_cert *x = &a->certs[i], *y = &b->certs[i];
#define SAME_STR(f)                                                                                \
    do {                                                                                           \
        if (x->f == NULL || y->f == NULL) {                                                        \
            assert_ptr_equal(x->f, y->f);                                                          \
        } else {                                                                                   \
            assert_string_equal(x->f, y->f);                                                       \
        }                                                                                          \
    } while (0)
        SAME_STR(alias);
        SAME_STR(pem);
        SAME_STR(file);
        SAME_STR(source);
        SAME_STR(added);
        assert_memory_equal(x->sha256, y->sha256, TS_SHA256_LEN);
        assert_int_equal(x->n_hosts, y->n_hosts);
        for (size_t k = 0; k < x->n_hosts; k++) {
            assert_string_equal(x->hosts[k], y->hosts[k]);
        }
    }
    assert_int_equal(a->n_distrust, b->n_distrust);
    if (a->n_distrust > 0) {
        assert_memory_equal(a->distrust, b->distrust, a->n_distrust * TS_SHA256_LEN);
    }
    assert_int_equal(a->n_keystore_dirs, b->n_keystore_dirs);
    for (size_t i = 0; i < a->n_keystore_dirs; i++) {
        assert_string_equal(a->keystore_dirs[i].path, b->keystore_dirs[i].path);
        assert_int_equal(a->keystore_dirs[i].trust, b->keystore_dirs[i].trust);
        if (a->keystore_dirs[i].password == NULL || b->keystore_dirs[i].password == NULL) {
            assert_ptr_equal(a->keystore_dirs[i].password, b->keystore_dirs[i].password);
        } else {
            assert_string_equal(a->keystore_dirs[i].password, b->keystore_dirs[i].password);
        }
    }
    assert_int_equal(a->n_targets, b->n_targets);
    for (size_t i = 0; i < a->n_targets; i++) {
        assert_string_equal(a->targets[i].path, b->targets[i].path);
        assert_int_equal(a->targets[i].merge, b->targets[i].merge);
        if (a->targets[i].password == NULL || b->targets[i].password == NULL) {
            assert_ptr_equal(a->targets[i].password, b->targets[i].password);
        } else {
            assert_string_equal(a->targets[i].password, b->targets[i].password);
        }
    }
}

static void test_parse_full(void **state)
{
    const char *text = full_json();
    ts_manifest m;
    ts_error err;

    (void)state;
    assert_int_equal(ts_manifest_parse(text, strlen(text), "m.json", &m, &err), 0);
    assert_int_equal(m.version, 1);
    assert_string_equal(m.password, "s3cret \"quoted\" \\ \xc3\xa9");
    assert_int_equal(m.format, TS_FORMAT_PKCS12);
    assert_int_equal(m.n_certs, 2);
    assert_string_equal(m.certs[0].alias, "mail");
    assert_int_equal(m.certs[0].sha256[0], 0xaa);
    assert_string_equal(m.certs[0].file, "certs/mail.pem");
    assert_null(m.certs[0].pem);
    assert_int_equal(m.certs[0].n_hosts, 2);
    assert_string_equal(m.certs[0].hosts[1], "MX.example.test");
    assert_string_equal(m.certs[0].source, "fetch smtp://mail.example.test:587");
    assert_string_equal(m.certs[0].added, "2024-05-01T12:00:00.5+02:00");
    assert_null(m.certs[0].cert.der);
    assert_null(m.certs[1].alias);
    assert_null(m.certs[1].file);
    assert_string_equal(m.certs[1].pem,
                        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assert_int_equal(m.n_distrust, 1);
    assert_int_equal(m.distrust[0][31], 0xcc);
    assert_int_equal(m.n_keystore_dirs, 2);
    assert_string_equal(m.keystore_dirs[0].path, "/opt/allegra/keystore");
    assert_null(m.keystore_dirs[0].password);
    assert_int_equal(m.keystore_dirs[0].trust, TS_DIR_TRUST_FULL);
    assert_string_equal(m.keystore_dirs[1].path, "/srv/trackplus/keystore");
    assert_string_equal(m.keystore_dirs[1].password, "");
    assert_int_equal(m.keystore_dirs[1].trust, TS_DIR_TRUST_HOST);
    assert_int_equal(m.n_targets, 2);
    assert_string_equal(m.targets[0].password, "apppass");
    assert_false(m.targets[0].merge);
    assert_null(m.targets[1].password);
    assert_true(m.targets[1].merge);

    /* The printer writes exactly this layout (full_json is in canonical form). */
    char *json = ts_manifest_to_json(&m);
    assert_non_null(json);
    assert_string_equal(json, text);
    free(json);
    ts_manifest_free(&m);
}

static void test_defaults_and_minimal(void **state)
{
    const char *text = "{\"version\":1.0}";
    ts_manifest m;
    ts_error err;
    char *json;

    (void)state;
    assert_int_equal(ts_manifest_parse(text, strlen(text), NULL, &m, &err), 0);
    assert_string_equal(m.password, TS_DEFAULT_PASSWORD);
    assert_int_equal(m.format, TS_FORMAT_UNKNOWN);
    assert_int_equal(m.n_certs, 0);
    json = ts_manifest_to_json(&m);
    assert_string_equal(json, "{\n  \"version\": 1,\n  \"certificates\": []\n}\n");
    free(json);
    ts_manifest_free(&m);

    /* The JDK accepts an empty password: so does the manifest, and it is kept. */
    text = "{\"version\": 1, \"password\": \"\", \"targets\": [{\"path\": \"/a\", \"password\": "
           "\"\"}]}";
    assert_int_equal(ts_manifest_parse(text, strlen(text), NULL, &m, &err), 0);
    assert_string_equal(m.password, "");
    assert_string_equal(m.targets[0].password, "");
    json = ts_manifest_to_json(&m);
    assert_non_null(strstr(json, "\"password\": \"\",\n"));
    free(json);
    ts_manifest_free(&m);

    assert_int_equal(ts_manifest_init(&m), 0);
    json = ts_manifest_to_json(&m);
    assert_string_equal(json, "{\n  \"version\": 1,\n  \"certificates\": []\n}\n");
    free(json);
    ts_manifest_free(&m);

    /* keytool's colon form is accepted and printed back as plain hex. */
    text = "{\"version\":1,\"certificates\":[{\"sha256\":\"AA:aa:AA:aa:AA:aa:AA:aa:AA:aa:AA:aa:AA:"
           "aa:AA:aa:"
           "AA:aa:AA:aa:AA:aa:AA:aa:AA:aa:AA:aa:AA:aa:AA:aa\",\"file\":\"/x.pem\",\"hosts\":[],"
           "\"alias\":\"weird alias with spaces/and~marks\"}],\"distrust\":[],\"keystore_dirs\":[],"
           "\"targets\":[{\"path\":\"/t\",\"merge\":true}]}";
    assert_int_equal(ts_manifest_parse(text, strlen(text), NULL, &m, &err), 0);
    assert_int_equal(m.certs[0].sha256[5], 0xaa);
    assert_int_equal(m.certs[0].n_hosts, 0);
    json = ts_manifest_to_json(&m);
    assert_non_null(strstr(json, "\"sha256\": \"" SHA_A "\""));
    assert_null(strstr(json, "distrust"));
    assert_null(strstr(json, "merge"));
    assert_null(strstr(json, "\t"));
    free(json);
    ts_manifest_free(&m);
}

/* parse(to_json(m)) == m, for a manifest built through the API with awkward strings. */
static void test_round_trip(void **state)
{
    ts_manifest m, back;
    ts_cert c1, c2, c3;
    ts_error err;
    const char *hosts[] = {"mail.example.test", "::1", "192.0.2.1"};
    char *json, *json2;

    (void)state;
    mf_make_cert("Round \"Trip\" \\ CA", &c1);
    mf_make_cert("second", &c2);
    mf_make_cert(NULL, &c3);
    assert_int_equal(ts_manifest_init(&m), 0);
    free(m.password);
    m.password = strdup("p\xc3\xa4ss \"\\ \xf0\x9f\x94\x92");
    assert_int_equal(ts_manifest_add_cert(&m, &c1, NULL, hosts, 3,
                                          "fetch smtp://mail.example.test:587 \"x\"",
                                          "2024-05-01T12:00:00Z", NULL, &err),
                     0);
    assert_int_equal(ts_manifest_add_cert(&m, &c2, "second one", NULL, 0, NULL, NULL, NULL, &err),
                     0);
    assert_int_equal(ts_manifest_add_cert(&m, &c3, NULL, NULL, 0, NULL, NULL, NULL, &err), 0);
    assert_int_equal(ts_manifest_distrust(&m, c2.sha256), 0);
    m.keystore_dirs = calloc(2, sizeof(*m.keystore_dirs));
    m.keystore_dirs[0].path = strdup("/opt/d\xc3\xbcr");
    m.keystore_dirs[1].path = strdup("/opt/other");
    m.keystore_dirs[1].password = strdup("");
    m.n_keystore_dirs = 2;
    m.format = TS_FORMAT_JKS;
    m.targets = calloc(1, sizeof(ts_target));
    m.targets[0].path = strdup("/opt/app/trust store.jks");
    m.targets[0].password = strdup("a\\b");
    m.targets[0].merge = false;
    m.n_targets = 1;

    json = ts_manifest_to_json(&m);
    assert_non_null(json);
    assert_int_equal(json[strlen(json) - 1], '\n');
    assert_int_equal(ts_manifest_parse(json, strlen(json), "rt.json", &back, &err), 0);
    assert_manifests_equal(&m, &back);
    json2 = ts_manifest_to_json(&back);
    assert_string_equal(json, json2);
    /* Loading the inline PEM gives back the same certificates. */
    assert_int_equal(ts_manifest_load_certs(&back, "rt.json", false, 0, &err), 0);
    assert_memory_equal(back.certs[0].cert.der, c1.der, c1.der_len);
    assert_memory_equal(back.certs[2].cert.der, c3.der, c3.der_len);

    free(json);
    free(json2);
    ts_manifest_free(&back);
    ts_manifest_free(&m);
    ts_cert_free(&c1);
    ts_cert_free(&c2);
    ts_cert_free(&c3);
}

/* ts_manifest_add_host: a new host is listed once (any case), a bad one is refused, nothing else
 * changes. */
static void test_add_host(void **state)
{
    ts_manifest m, back;
    ts_cert c1;
    ts_error err;
    const char *hosts[] = {"mail.example.test"};
    char *json;

    (void)state;
    mf_make_cert("host test", &c1);
    assert_int_equal(ts_manifest_init(&m), 0);
    assert_int_equal(ts_manifest_add_cert(&m, &c1, NULL, hosts, 1, NULL, NULL, NULL, &err), 0);
    assert_int_equal(ts_manifest_add_host(&m, 0, "imap.example.test", &err), 1);
    assert_int_equal(ts_manifest_add_host(&m, 0, "IMAP.example.test", &err), 0);
    assert_int_equal(ts_manifest_add_host(&m, 0, "mail.example.test", &err), 0);
    ts_error_clear(&err);
    assert_int_equal(ts_manifest_add_host(&m, 0, "bad host", &err), -1);
    assert_string_equal(err.where, "hosts");
    assert_non_null(strstr(err.what, "expected a host name"));
    assert_int_equal(ts_manifest_add_host(&m, 1, "x.example.test", &err), -1);
    assert_int_equal(m.certs[0].n_hosts, 2);
    assert_string_equal(m.certs[0].hosts[1], "imap.example.test");
    assert_true(ts_manifest_has_host(&m, "imap.example.test"));
    /* What was added survives the round trip. */
    json = ts_manifest_to_json(&m);
    assert_non_null(json);
    assert_int_equal(ts_manifest_parse(json, strlen(json), "h.json", &back, &err), 0);
    assert_int_equal(back.certs[0].n_hosts, 2);
    assert_string_equal(back.certs[0].hosts[1], "imap.example.test");
    free(json);
    ts_manifest_free(&back);
    ts_manifest_free(&m);
    ts_cert_free(&c1);
}

static void test_load_certs(void **state)
{
    char *dir = mf_tmpdir();
    ts_cert a, b, c, other;
    char ha[65], hb[65], hc[65], ho[65];
    ts_manifest m;
    ts_error err;
    char *pa, *pb, *pc, *po, *bundle, *sub, *mpath, *text, *abs_path;

    (void)state;
    mf_make_cert("a.example.test", &a);
    mf_make_cert("b.example.test", &b);
    mf_make_cert("c.example.test", &c);
    mf_make_cert("other", &other);
    mf_hex(&a, ha);
    mf_hex(&b, hb);
    mf_hex(&c, hc);
    mf_hex(&other, ho);
    pa = mf_cert_pem(&a);
    pb = mf_cert_pem(&b);
    pc = mf_cert_pem(&c);
    po = mf_cert_pem(&other);
    sub = mf_printf("%s/certs", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    bundle = mf_printf("# a bundle\n%s\nsome text between\n%s%s", pa, pb, pc);
    char *bpath = mf_printf("%s/bundle.pem", sub);
    mf_write(bpath, bundle, 0644);
    char *opath = mf_printf("%s/other.pem", sub);
    mf_write(opath, po, 0644);
    mpath = mf_printf("%s/manifest.json", dir);

    /* Relative file, bundle (the pinned one is the second), absolute file, inline PEM. */
    abs_path = mf_printf("%s/other.pem", sub);
    char *pem_json = strdup(po);
    text = mf_printf("{\"version\": 1, \"certificates\": ["
                     "{\"sha256\": \"%s\", \"file\": \"certs/bundle.pem\"},"
                     "{\"sha256\": \"%s\", \"file\": \"%s\"},"
                     "{\"sha256\": \"%s\", \"file\": \"certs/bundle.pem\"}]}",
                     hb, ho, abs_path, hc);
    mf_write(mpath, text, 0644);
    assert_int_equal(ts_manifest_load(mpath, &m, &err), 0);
    assert_int_equal(m.certs[0].cert.der_len, b.der_len);
    assert_memory_equal(m.certs[0].cert.der, b.der, b.der_len);
    assert_memory_equal(m.certs[1].cert.der, other.der, other.der_len);
    assert_memory_equal(m.certs[2].cert.der, c.der, c.der_len);
    /* With ownership checks: everything here is root's or ours and private. */
    ts_manifest_free(&m);
    assert_int_equal(ts_manifest_parse(text, strlen(text), mpath, &m, &err), 0);
    assert_int_equal(ts_manifest_load_certs(&m, mpath, true, (unsigned)getuid(), &err), 0);
    ts_manifest_free(&m);
    free(text);

    /* Several entries pinning certificates of one bundle (read once, then cached). */
    text = mf_printf("{\"version\": 1, \"certificates\": ["
                     "{\"sha256\": \"%s\", \"file\": \"certs/bundle.pem\"},"
                     "{\"sha256\": \"%s\", \"file\": \"certs/other.pem\"},"
                     "{\"sha256\": \"%s\", \"file\": \"certs/bundle.pem\"},"
                     "{\"sha256\": \"%s\", \"file\": \"certs/bundle.pem\"}]}",
                     hc, ho, ha, hb);
    mf_write(mpath, text, 0644);
    assert_int_equal(ts_manifest_load(mpath, &m, &err), 0);
    assert_memory_equal(m.certs[0].cert.der, c.der, c.der_len);
    assert_memory_equal(m.certs[1].cert.der, other.der, other.der_len);
    assert_memory_equal(m.certs[2].cert.der, a.der, a.der_len);
    assert_memory_equal(m.certs[3].cert.der, b.der, b.der_len);
    ts_manifest_free(&m);
    free(text);

    /* A pin matching nothing in a single-certificate file. */
    text = mf_printf(
        "{\"version\": 1, \"certificates\": [{\"sha256\": \"%s\", \"file\": \"certs/other.pem\"}]}",
        ha);
    mf_write(mpath, text, 0644);
    assert_int_equal(ts_manifest_load(mpath, &m, &err), -1);
    assert_string_equal(err.file, mpath);
    assert_string_equal(err.where, "certificates[0].sha256");
    char *want = mf_printf("does not match the certificate (got %s)", ho);
    assert_string_equal(err.what, want);
    free(want);
    free(text);

    /* In a bundle: the first certificate is named, and how many there were. */
    text = mf_printf("{\"version\": 1, \"certificates\": [{\"sha256\": \"%s\", \"file\": "
                     "\"certs/bundle.pem\"}]}",
                     ho);
    mf_write(mpath, text, 0644);
    assert_int_equal(ts_manifest_load(mpath, &m, &err), -1);
    want = mf_printf(
        "does not match the certificate (got %s; none of the 3 certificates in the bundle matches)",
        ha);
    assert_string_equal(err.what, want);
    free(want);
    free(text);

    /* Inline PEM mismatch. */
    for (char *p = pem_json; *p != '\0'; p++) {
        if (*p == '\n') {
            *p = '|';
        }
    }
    text = mf_printf("{\"version\": 1, \"certificates\": [{\"sha256\": \"%s\", \"pem\": \"%s\"}]}",
                     hb, pem_json);
    for (char *p = text; *p != '\0'; p++) {
        if (*p == '|') {
            *p = '\n';
        }
    }
    /* Raw newlines in a JSON string are a syntax error: escape them. */
    assert_int_equal(ts_manifest_parse(text, strlen(text), mpath, &m, &err), -1);
    assert_non_null(strstr(err.what, "control character in a string"));
    free(text);
    /* Escaped newlines: fine. */
    size_t k = 0;
    char *esc = malloc(2 * strlen(pem_json) + 1);
    for (const char *p = pem_json; *p != '\0'; p++) {
        if (*p == '|') {
            esc[k++] = '\\';
            esc[k++] = 'n';
        } else {
            esc[k++] = *p;
        }
    }
    esc[k] = '\0';
    text = mf_printf("{\"version\": 1, \"certificates\": [{\"sha256\": \"%s\", \"pem\": \"%s\"}]}",
                     hb, esc);
    free(esc);
    assert_int_equal(ts_manifest_parse(text, strlen(text), mpath, &m, &err), 0);
    assert_int_equal(ts_manifest_load_certs(&m, mpath, false, 0, &err), -1);
    assert_string_equal(err.where, "certificates[0].sha256");
    want = mf_printf("does not match the certificate (got %s)", ho);
    assert_string_equal(err.what, want);
    free(want);
    assert_null(m.certs[0].cert.der);
    ts_manifest_free(&m);
    free(text);

    /* A missing file: the JSON path, then the file and the reason. */
    text = strdup("{\"version\": 1, \"certificates\": [{\"sha256\": \"" SHA_A
                  "\", \"file\": \"nope.pem\"}]}");
    mf_write(mpath, text, 0644);
    assert_int_equal(ts_manifest_load(mpath, &m, &err), -1);
    assert_string_equal(err.where, "certificates[0].file");
    want = mf_printf("%s/nope.pem: No such file or directory", dir);
    assert_string_equal(err.what, want);
    free(want);
    free(text);

    /* Ownership: a world-writable certificate file is refused when asked. */
    text = mf_printf(
        "{\"version\": 1, \"certificates\": [{\"sha256\": \"%s\", \"file\": \"certs/other.pem\"}, "
        "{\"sha256\": \"%s\", \"file\": \"certs/bundle.pem\"}]}",
        ho, hb);
    chmod(bpath, 0666);
    assert_int_equal(ts_manifest_parse(text, strlen(text), mpath, &m, &err), 0);
    assert_int_equal(ts_manifest_load_certs(&m, mpath, true, (unsigned)getuid(), &err), -1);
    assert_string_equal(err.file, mpath);
    assert_string_equal(err.where, "certificates[1].file");
    want = mf_printf("%s: writable by group or others (mode 0666)", bpath);
    assert_string_equal(err.what, want);
    free(want);
    /* Nothing half-loaded. */
    assert_null(m.certs[0].cert.der);
    assert_null(m.certs[1].cert.der);
    /* Without the check it loads. */
    assert_int_equal(ts_manifest_load_certs(&m, mpath, false, 0, &err), 0);
    ts_manifest_free(&m);
    free(text);

    free(pem_json);
    free(abs_path);
    free(bpath);
    free(opath);
    free(mpath);
    free(sub);
    free(bundle);
    free(pa);
    free(pb);
    free(pc);
    free(po);
    ts_cert_free(&a);
    ts_cert_free(&b);
    ts_cert_free(&c);
    ts_cert_free(&other);
    mf_rmtree(dir);
    free(dir);
}

static void test_editing(void **state)
{
    ts_manifest m;
    ts_cert c1, c2, c3, c4, c5;
    ts_error err;
    size_t idx = 99;
    const char *hosts[] = {"Mail.Example.Test"};
    const char *bad_hosts[] = {"ok.example", "not a host"};

    (void)state;
    mf_make_cert("Mail Server CA", &c1);
    mf_make_cert("Mail Server CA", &c2);
    mf_make_cert("Mail Server CA", &c3);
    mf_make_cert(NULL, &c4);
    mf_make_cert("x", &c5);
    assert_int_equal(ts_manifest_init(&m), 0);

    /* From the CN, not the host: a CA fetched from a mail server is not that server. */
    assert_int_equal(
        ts_manifest_add_cert(&m, &c1, NULL, hosts, 1, "fetch smtp://x", NULL, &idx, &err), 0);
    assert_int_equal(idx, 0);
    assert_string_equal(m.certs[0].alias, "mail-server-ca");
    assert_string_equal(m.certs[0].hosts[0], "Mail.Example.Test");
    assert_non_null(m.certs[0].pem);
    assert_null(m.certs[0].file);
    assert_memory_equal(m.certs[0].cert.der, c1.der, c1.der_len);
    /* BER (the outer length over 4 bytes where 2 do) is not what the loader takes: refused,
     * whatever way it came in (a keystore's entry for import), nothing added. */
    {
        ts_cert ber = {0};
        assert_int_equal(c2.der[0], 0x30);
        assert_int_equal(c2.der[1], 0x82);
        ber.der_len = c2.der_len + 2;
        ber.der = malloc(ber.der_len);
        assert_non_null(ber.der);
        memcpy(ber.der, "\x30\x84\x00\x00", 4);
        memcpy(ber.der + 4, c2.der + 2, c2.der_len - 2);
        memset(ber.sha256, 0x5a, sizeof(ber.sha256));
        assert_int_equal(ts_manifest_add_cert(&m, &ber, NULL, NULL, 0, NULL, NULL, &idx, &err), -1);
        assert_non_null(strstr(err.what, "DER"));
        assert_int_equal(m.n_certs, 1);
        free(ber.der);
    }
    /* From the CN, then made unique. */
    assert_int_equal(ts_manifest_add_cert(&m, &c2, NULL, NULL, 0, NULL, NULL, &idx, &err), 0);
    assert_string_equal(m.certs[1].alias, "mail-server-ca-2");
    assert_int_equal(ts_manifest_add_cert(&m, &c3, NULL, NULL, 0, NULL, NULL, &idx, &err), 0);
    assert_string_equal(m.certs[2].alias, "mail-server-ca-3");
    /* No CN at all. */
    assert_int_equal(ts_manifest_add_cert(&m, &c4, NULL, NULL, 0, NULL, NULL, &idx, &err), 0);
    assert_string_equal(m.certs[3].alias, "cert");
    /* Same fingerprint again: refused, nothing changes. */
    assert_int_equal(ts_manifest_add_cert(&m, &c2, "another", NULL, 0, NULL, NULL, &idx, &err), -1);
    assert_non_null(
        strstr(err.what, "is already in the manifest (certificates[1], alias mail-server-ca-2)"));
    assert_int_equal(m.n_certs, 4);
    /* Bad alias, host, added: refused with the manifest's wording. */
    assert_int_equal(ts_manifest_add_cert(&m, &c5, "Upper", NULL, 0, NULL, NULL, NULL, &err), -1);
    assert_string_equal(err.where, "alias");
    assert_non_null(strstr(err.what, "must be lowercase"));
    assert_int_equal(ts_manifest_add_cert(&m, &c5, NULL, bad_hosts, 2, NULL, NULL, NULL, &err), -1);
    assert_string_equal(err.where, "hosts[1]");
    assert_int_equal(ts_manifest_add_cert(&m, &c5, NULL, NULL, 0, NULL, "yesterday", NULL, &err),
                     -1);
    assert_string_equal(err.where, "added");
    /* An explicit alias that is taken gets a suffix. */
    assert_int_equal(ts_manifest_add_cert(&m, &c5, "cert", NULL, 0, NULL, NULL, NULL, &err), 0);
    assert_string_equal(m.certs[4].alias, "cert-2");
    assert_int_equal(m.n_certs, 5);

    /* Lookups. */
    assert_int_equal(ts_manifest_find_sha256(&m, c3.sha256), 2);
    assert_int_equal(ts_manifest_find_alias(&m, "MAIL-server-ca-3"), 2);
    assert_int_equal(ts_manifest_find_alias(&m, "nope"), -1);
    assert_true(ts_manifest_has_host(&m, "mail.example.test"));
    assert_false(ts_manifest_has_host(&m, "example.test"));

    /* Remove keeps order. */
    ts_manifest_remove_cert(&m, 1);
    assert_int_equal(m.n_certs, 4);
    assert_string_equal(m.certs[1].alias, "mail-server-ca-3");
    assert_int_equal(ts_manifest_find_sha256(&m, c2.sha256), -1);
    ts_manifest_remove_cert(&m, 3);
    assert_int_equal(m.n_certs, 3);

    /* Distrust list. */
    assert_false(ts_manifest_is_distrusted(&m, c5.sha256));
    assert_int_equal(ts_manifest_distrust(&m, c5.sha256), 0);
    assert_int_equal(ts_manifest_distrust(&m, c5.sha256), 0);
    assert_int_equal(m.n_distrust, 1);
    assert_int_equal(ts_manifest_distrust(&m, c4.sha256), 0);
    assert_true(ts_manifest_is_distrusted(&m, c5.sha256));
    assert_int_equal(ts_manifest_undistrust(&m, c5.sha256), 0);
    assert_int_equal(ts_manifest_undistrust(&m, c5.sha256), -1);
    assert_int_equal(m.n_distrust, 1);
    assert_true(ts_manifest_is_distrusted(&m, c4.sha256));

    /* What the editing API made parses back to the same thing. */
    char *json = ts_manifest_to_json(&m);
    ts_manifest back;
    assert_int_equal(ts_manifest_parse(json, strlen(json), NULL, &back, &err), 0);
    assert_manifests_equal(&m, &back);
    free(json);
    ts_manifest_free(&back);

    ts_manifest_free(&m);
    ts_cert_free(&c1);
    ts_cert_free(&c2);
    ts_cert_free(&c3);
    ts_cert_free(&c4);
    ts_cert_free(&c5);
}

/* The example in docs/manifest.md parses (the docs and the code agree). */
static void test_docs_example(void **state)
{
    const char *path = MF_TEST_DIR "/good/example.json";
    unsigned char *buf = NULL;
    size_t len = 0;
    ts_manifest m;
    ts_error err;

    (void)state;
    assert_int_equal(ts_read_file(path, 1 << 20, &buf, &len, &err), 0);
    if (ts_manifest_parse((const char *)buf, len, path, &m, &err) != 0) {
        char line[2048];
        fail_msg("%s", ts_error_str(&err, line, sizeof(line)));
    }
    assert_true(m.n_certs >= 2);

    /* Written back: the same text (key order, 2-space indentation, one element per line)
     * except that defaults are left out and fingerprints lose their colons. */
    {
        static const struct {
            const char *from, *to;
        } edits[] = {
            {"  \"password\": \"changeit\",\n", ""},
            {"\"0f:1e:2d:3c:4b:5a:69:78:87:96:a5:b4:c3:d2:e1:f0:0f:1e:2d:3c:4b:5a:69:78:87:96:a5:"
             "b4:"
             "c3:d2:e1:f0\"",
             "\"0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0\""},
            {"\"app-secret\",\n      \"merge\": true\n", "\"app-secret\"\n"},
        };
        char *want = strdup((const char *)buf);
        char *json = ts_manifest_to_json(&m);

        assert_non_null(want);
        assert_non_null(json);
        for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
            char *at = strstr(want, edits[i].from);
            if (at == NULL) {
                fail_msg("example.json no longer holds %s", edits[i].from);
            }
            size_t from_len = strlen(edits[i].from), to_len = strlen(edits[i].to);
            assert_true(to_len <= from_len);
            memcpy(at, edits[i].to, to_len);
            memmove(at + to_len, at + from_len, strlen(at + from_len) + 1);
        }
        assert_string_equal(json, want);
        free(want);
        free(json);
    }
    ts_manifest_free(&m);

    /* docs/manifest.md shows this very file as its first JSON block. */
    unsigned char *doc = NULL;
    size_t doc_len = 0;
    assert_int_equal(
        ts_read_file(MF_TEST_DIR "/../../docs/manifest.md", 1 << 20, &doc, &doc_len, &err), 0);
    const char *start = strstr((const char *)doc, "```json\n");
    assert_non_null(start);
    start += 8;
    const char *end = strstr(start, "```");
    assert_non_null(end);
    assert_int_equal((size_t)(end - start), len);
    assert_memory_equal(start, buf, len);
    free(doc);
    free(buf);
}

/*
 * Every prefix of a valid manifest and many single-byte changes: each parses or
 * fails with a message, never crashes or leaks (the ASan build checks), and
 * whatever parses prints back to text that parses to the same thing.
 */
static void test_mutations(void **state)
{
    static const unsigned char values[] = {0,   '"', '\\', '{',  '[',  ']', ',',
                                           ':', '1', 'x',  0x80, 0xff, ' '};
    const char *text = full_json();
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    size_t ok = 0, bad = 0;

    (void)state;
    for (size_t cut = 0; cut <= len + 1; cut++) {
        for (size_t v = 0; v <= sizeof(values); v++) {
            ts_manifest m;
            ts_error err;
            size_t n = cut < len ? cut : len;

            memcpy(copy, text, len + 1);
            if (cut > len || v == sizeof(values)) {
                /* a truncation (or, past the end, the text as it is) */
                if (v != sizeof(values)) {
                    continue;
                }
            } else {
                copy[cut] = (char)values[v];
                n = len;
            }
            if (ts_manifest_parse(copy, n, "mut.json", &m, &err) == 0) {
                char *json = ts_manifest_to_json(&m);
                ts_manifest back;
                assert_non_null(json);
                assert_int_equal(ts_manifest_parse(json, strlen(json), NULL, &back, &err), 0);
                assert_manifests_equal(&m, &back);
                ts_manifest_free(&back);
                free(json);
                ok++;
            } else {
                assert_true(err.what[0] != '\0');
                assert_string_equal(err.file, "mut.json");
                bad++;
            }
            ts_manifest_free(&m);
        }
    }
    print_message("mutations: %zu parsed, %zu refused\n", ok, bad);
    assert_true(ok > 0 && bad > ok);
    free(copy);
}

static int teardown(void **state)
{
    (void)state;
    mf_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors_exact), cmocka_unit_test(test_bad_set),
        cmocka_unit_test(test_parse_full),   cmocka_unit_test(test_defaults_and_minimal),
        cmocka_unit_test(test_round_trip),   cmocka_unit_test(test_load_certs),
        cmocka_unit_test(test_editing),      cmocka_unit_test(test_docs_example),
        cmocka_unit_test(test_mutations),    cmocka_unit_test(test_add_host),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
