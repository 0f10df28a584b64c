/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for fetch's URL parser (ts_url_parse).  Invariant: what
 * parses has a host and a port, and written back as scheme://host:port (IPv6
 * in brackets) parses to the same.  See docs/fuzzing.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    char why[256], again[600];
    ts_url u, v;

    if (s == NULL) {
        return 0;
    }
    memcpy(s, data, size);
    s[size] = '\0';
    if (ts_url_parse(s, &u, why, sizeof(why)) == 0) {
        bool v6 = strchr(u.host, ':') != NULL;

        if (u.host[0] == '\0' || u.port == 0 || u.port > 65535) {
            abort();
        }
        snprintf(again, sizeof(again), "%s%s%s%s%s:%u", u.scheme, u.scheme[0] ? "://" : "",
                 v6 ? "[" : "", u.host, v6 ? "]" : "", u.port);
        if (ts_url_parse(again, &v, why, sizeof(why)) != 0 || strcmp(u.host, v.host) != 0 ||
            u.port != v.port || u.proto != v.proto || u.host_is_ip != v.host_is_ip) {
            abort();
        }
    }
    free(s);
    return 0;
}
