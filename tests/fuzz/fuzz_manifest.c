/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for ts_manifest_parse, the JSON a user edits by hand.
 * What parses must write back (ts_manifest_to_json) as text that parses again
 * and writes back to the same text; inline PEM is decoded as the preload
 * would.  Certificate files are not read (a "file" could name any path).
 * Built with clang only:
 *   CC=clang cmake -S . -B build-fuzz && cmake --build build-fuzz --target fuzz_manifest
 *   build-fuzz/bin/fuzz_manifest -max_total_time=60 -dict=tests/fuzz/manifest.dict CORPUS_DIR
 * A corpus: tests/manifest/good/ and tests/manifest/bad/ (*.json).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_manifest m, again;
    ts_error err;
    char *json = NULL, *json2 = NULL;
    bool inline_only = true;

    if (ts_manifest_parse((const char *)data, size, "fuzz.json", &m, &err) != 0) {
        ts_manifest_free(&m);
        return 0;
    }
    json = ts_manifest_to_json(&m);
    if (json == NULL) {
        abort();
    }
    if (ts_manifest_parse(json, strlen(json), "fuzz.json", &again, &err) != 0) {
        abort(); /* what we write must parse */
    }
    json2 = ts_manifest_to_json(&again);
    if (json2 == NULL || strcmp(json, json2) != 0) {
        abort(); /* and write back the same */
    }
    for (size_t i = 0; i < m.n_certs; i++) {
        if (m.certs[i].file != NULL) {
            inline_only = false;
        }
    }
    if (inline_only) {
        (void)ts_manifest_load_certs(&m, "/nonexistent/fuzz.json", false, 0, &err);
    }
    free(json);
    free(json2);
    ts_manifest_free(&again);
    ts_manifest_free(&m);
    return 0;
}
