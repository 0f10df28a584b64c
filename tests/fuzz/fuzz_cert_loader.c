/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential libFuzzer target: every certificate input that add accepts
 * must load through the manifest loader with the same fingerprint, both as
 * add stores it (inline "pem", through the manifest's JSON) and as a "file"
 * entry naming the input itself (a bundle: each certificate picked by its pin).
 * Seeds: tests/fuzz/seeds.sh certs.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cert.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The manifest's JSON written and read back, its certificates loaded; 0 or -1. */
static int reload(const ts_manifest *m, ts_manifest *out)
{
    ts_error err;
    char *json = ts_manifest_to_json(m);
    int rc = -1;

    if (json != NULL && ts_manifest_parse(json, strlen(json), "fuzz.json", out, &err) == 0 &&
        ts_manifest_load_certs(out, "/nonexistent/fuzz.json", false, 0, &err) == 0) {
        rc = 0;
    }
    free(json);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_cert_list l = {0};
    ts_manifest m, back, files;
    ts_error err;
    char path[64];
    int fd = -1;

    if (ts_certs_parse(data, size, &l, &err) != 0) {
        return 0;
    }
    /* As add stores them: inline, duplicates reported and skipped. */
    if (ts_manifest_init(&m) != 0 || ts_manifest_init(&files) != 0) {
        abort();
    }
    fd = memfd_create("fuzz-certs", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        abort();
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    for (size_t i = 0; i < l.count; i++) {
        size_t at = 0;

        if (ts_manifest_find_sha256(&m, l.items[i].sha256) >= 0) {
            continue;
        }
        if (ts_manifest_add_cert(&m, &l.items[i], NULL, NULL, 0, NULL, NULL, &at, &err) != 0 ||
            ts_manifest_add_cert(&files, &l.items[i], NULL, NULL, 0, NULL, NULL, NULL, &err) != 0) {
            continue; /* e.g. no alias can be made: add refuses it too */
        }
        /* The same pin, but the certificate read from the input file. */
        ts_manifest_cert *fc = &files.certs[files.n_certs - 1];
        free(fc->pem);
        fc->pem = NULL;
        fc->file = strdup(path);
        if (fc->file == NULL) {
            abort();
        }
    }
    if (reload(&m, &back) != 0 || back.n_certs != m.n_certs) {
        abort();
    }
    for (size_t i = 0; i < back.n_certs; i++) {
        if (memcmp(back.certs[i].cert.sha256, m.certs[i].sha256, TS_SHA256_LEN) != 0) {
            abort();
        }
    }
    ts_manifest_free(&back);
    if (reload(&files, &back) != 0) {
        abort();
    }
    ts_manifest_free(&back);
    close(fd);
    ts_manifest_free(&m);
    ts_manifest_free(&files);
    ts_cert_list_free(&l);
    return 0;
}
