/* SPDX-License-Identifier: Apache-2.0 */
/* Where the JDKs are, and their cacerts. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"

static bool is_file(const char *path)
{
    struct stat st;
    return (stat(path, &st) == 0) && S_ISREG(st.st_mode);
}

int ts_jdk_cacerts(const char *java_home, char *out, size_t size)
{
    static const char *const rel[] = {"lib/security/cacerts", "jre/lib/security/cacerts"};
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        int n = snprintf(out, size, "%s/%s", java_home, rel[i]);
        if ((n > 0) && ((size_t)n < size) && is_file(out)) {
            return 0;
        }
    }
    return -1;
}

int ts_java_home_of(const char *java_path, char *out, size_t size)
{
    char real[PATH_MAX];
    char *slash;
    if (!realpath(java_path, real)) {
        return -1;
    }
    /* .../bin/java -> ... */
    for (int i = 0; i < 2; i++) {
        slash = strrchr(real, '/');
        if (!slash || (slash == real)) {
            return -1;
        }
        *slash = '\0';
    }
    return (snprintf(out, size, "%s", real) < (int)size) ? 0 : -1;
}

/* `java` on PATH, or -1 */
static int java_on_path(char *out, size_t size)
{
    const char *path = getenv("PATH");
    char *copy;
    char *save = NULL;
    int ret = -1;
    if (!path) {
        return -1;
    }
    copy = strdup(path);
    if (!copy) {
        return -1;
    }
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        int n = snprintf(out, size, "%s/java", d[0] ? d : ".");
        if ((n > 0) && ((size_t)n < size) && (access(out, X_OK) == 0) && is_file(out)) {
            ret = 0;
            break;
        }
    }
    free(copy);
    return ret;
}

int ts_default_java_home(char *out, size_t size)
{
    const char *jh = getenv("JAVA_HOME");
    char java[PATH_MAX];
    if (jh && jh[0]) {
        return (snprintf(out, size, "%s", jh) < (int)size) ? 0 : -1;
    }
    if (java_on_path(java, sizeof(java)) == 0) {
        return ts_java_home_of(java, out, size);
    }
    return -1;
}

int ts_default_cacerts(char *out, size_t size, ts_error *err)
{
    const char *jh = getenv("JAVA_HOME");
    char java[PATH_MAX];
    char home[PATH_MAX];
    if (jh && jh[0]) {
        if (ts_jdk_cacerts(jh, out, size) == 0) {
            return 0;
        }
        ts_error_set_file(err, jh);
        return ts_error_set(err, NULL,
                            "JAVA_HOME has no lib/security/cacerts (nor jre/lib/security/cacerts)");
    }
    if ((java_on_path(java, sizeof(java)) == 0) &&
        (ts_java_home_of(java, home, sizeof(home)) == 0)) {
        if (ts_jdk_cacerts(home, out, size) == 0) {
            return 0;
        }
        ts_error_set_file(err, home);
        return ts_error_set(err, NULL, "this JDK has no lib/security/cacerts");
    }
    return ts_error_set(
        err, NULL,
        "no JDK found: set JAVA_HOME or put java on PATH (or give --base FILE or --no-base)");
}

static int add_home(ts_jdk_list *l, const char *home)
{
    char real[PATH_MAX];
    char cacerts[PATH_MAX];
    char **h;
    if (!realpath(home, real) || (ts_jdk_cacerts(real, cacerts, sizeof(cacerts)) != 0)) {
        return 0;
    }
    for (size_t i = 0; i < l->count; i++) {
        if (strcmp(l->homes[i], real) == 0) {
            return 0;
        }
    }
    h = realloc(l->homes, (l->count + 1) * sizeof(char *));
    if (!h) {
        return -1;
    }
    l->homes = h;
    l->homes[l->count] = strdup(real);
    if (!l->homes[l->count]) {
        return -1;
    }
    l->count++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ts_find_jdks(ts_jdk_list *l)
{
    const char *jh = getenv("JAVA_HOME");
    char java[PATH_MAX];
    char home[PATH_MAX];
    DIR *d = opendir("/usr/lib/jvm");
    memset(l, 0, sizeof(*l));
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            char p[PATH_MAX];
            if (de->d_name[0] == '.') {
                continue;
            }
            snprintf(p, sizeof(p), "/usr/lib/jvm/%s", de->d_name);
            if (add_home(l, p) != 0) {
                closedir(d);
                return -1;
            }
        }
        closedir(d);
        if (l->count > 1) {
            qsort(l->homes, l->count, sizeof(char *), cmp_str);
        }
    }
    if (jh && jh[0] && (add_home(l, jh) != 0)) {
        return -1;
    }
    if ((java_on_path(java, sizeof(java)) == 0) &&
        (ts_java_home_of(java, home, sizeof(home)) == 0) && (add_home(l, home) != 0)) {
        return -1;
    }
    return 0;
}

void ts_jdk_list_free(ts_jdk_list *l)
{
    for (size_t i = 0; i < l->count; i++) {
        free(l->homes[i]);
    }
    free(l->homes);
    memset(l, 0, sizeof(*l));
}

int ts_load_keystore(const char *path, const char *password, ts_keystore *ks)
{
    ts_error err;
    unsigned char *buf = NULL;
    size_t len = 0;
    int ret = TS_EXIT_USAGE;
    ts_error_clear(&err);
    if (ts_read_file(path, TS_MANIFEST_MAX_SIZE, &buf, &len, &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    if (ts_keystore_decode(buf, len, password, ks, &err) != 0) {
        ts_cli_core_error(path, &err);
        goto end;
    }
    ret = TS_EXIT_OK;
end:
    free(buf);
    return ret;
}

int64_t ts_timestamp_ms(void)
{
    int64_t ms;

    /* A malformed value gives the default time: render reports it (ts_check_source_date_epoch). */
    (void)ts_timestamp_from_epoch_string(getenv("SOURCE_DATE_EPOCH"), &ms, NULL);
    return ms;
}

int ts_check_source_date_epoch(void)
{
    int64_t ms;
    ts_error err;

    ts_error_clear(&err);
    if (ts_timestamp_from_epoch_string(getenv("SOURCE_DATE_EPOCH"), &ms, &err) != 0) {
        ts_cli_core_error("SOURCE_DATE_EPOCH", &err);
        return TS_EXIT_USAGE;
    }
    return TS_EXIT_OK;
}
