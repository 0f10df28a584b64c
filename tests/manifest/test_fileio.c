/* SPDX-License-Identifier: Apache-2.0 */
/* ts_read_file, ts_dirname, ts_file_check_safe (ownership, modes, symlinks, sealed memfds). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"
#include "mf_util.h"

static void test_read_file(void **state)
{
    char *dir = mf_tmpdir();
    char *path = mf_printf("%s/f", dir), *fifo = mf_printf("%s/fifo", dir);
    unsigned char *buf = NULL;
    size_t len = 1;
    ts_error err;

    (void)state;
    mf_write(path, "hello\n", 0644);
    assert_int_equal(ts_read_file(path, 100, &buf, &len, &err), 0);
    assert_int_equal(len, 6);
    assert_memory_equal(buf, "hello\n", 7); /* with the NUL after the data */
    free(buf);

    /* Exactly max is fine, one more is not. */
    assert_int_equal(ts_read_file(path, 6, &buf, &len, &err), 0);
    free(buf);
    assert_int_equal(ts_read_file(path, 5, &buf, &len, &err), -1);
    assert_null(buf);
    assert_string_equal(err.file, path);
    assert_string_equal(err.what, "larger than 5 bytes");

    /* An empty file. */
    mf_write(path, "", 0644);
    assert_int_equal(ts_read_file(path, 5, &buf, &len, &err), 0);
    assert_int_equal(len, 0);
    assert_int_equal(buf[0], 0);
    free(buf);

    /* Larger than the first read buffer, size hint from /proc-like files not needed. */
    char *big = malloc(100001);
    memset(big, 'b', 100000);
    big[100000] = '\0';
    mf_write(path, big, 0644);
    assert_int_equal(ts_read_file(path, 1 << 20, &buf, &len, &err), 0);
    assert_int_equal(len, 100000);
    assert_memory_equal(buf, big, 100001);
    free(buf);
    free(big);
    /* /proc files report size 0 but have content. */
    assert_int_equal(ts_read_file("/proc/self/status", 1 << 20, &buf, &len, &err), 0);
    assert_true(len > 0);
    assert_non_null(strstr((char *)buf, "Pid:"));
    free(buf);

    /* Not regular files: a directory, a FIFO (must not block waiting for a writer). */
    assert_int_equal(ts_read_file(dir, 100, &buf, &len, &err), -1);
    assert_string_equal(err.what, "not a regular file");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(ts_read_file(fifo, 100, &buf, &len, &err), -1);
    assert_string_equal(err.what, "not a regular file");

    /* Missing. */
    char *missing = mf_printf("%s/missing", dir);
    assert_int_equal(ts_read_file(missing, 100, &buf, &len, &err), -1);
    assert_string_equal(err.file, missing);
    assert_string_equal(err.what, "No such file or directory");
    free(missing);

    free(path);
    free(fifo);
    mf_rmtree(dir);
    free(dir);
}

static void test_dirname(void **state)
{
    static const char *const cases[][2] = {
        {"/etc/trustshim/manifest.json", "/etc/trustshim"},
        {"manifest.json", "."},
        {"certs/a.pem", "certs"},
        {"/manifest.json", "/"},
        {"/", "/"},
        {"", "."},
        {"a/b/", "a"},
        {"//x", "/"},
        {"a//b", "a"},
    };
    char out[64], tiny[4];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ts_dirname(cases[i][0], out, sizeof(out));
        if (strcmp(out, cases[i][1]) != 0) {
            fail_msg("ts_dirname(\"%s\") = \"%s\", expected \"%s\"", cases[i][0], out, cases[i][1]);
        }
    }
    ts_dirname("/abcdef/x", tiny, sizeof(tiny));
    assert_string_equal(tiny, "/ab");
}

static void expect_unsafe(const char *path, uid_t uid, const char *bad, const char *what)
{
    ts_error err;

    assert_int_equal(ts_file_check_safe(path, uid, &err), -1);
    if (strcmp(err.file, bad) != 0 || strcmp(err.what, what) != 0) {
        fail_msg("%s: got %s: %s, expected %s: %s", path, err.file, err.what, bad, what);
    }
}

static void test_check_safe(void **state)
{
    char *dir = mf_tmpdir(); /* 0700 under /tmp (sticky, world-writable: accepted) */
    char *file = mf_printf("%s/m.json", dir);
    char *sub = mf_printf("%s/open", dir);
    char *subfile = mf_printf("%s/open/m.json", dir);
    char *link = mf_printf("%s/open/link.json", dir);
    char *want;
    ts_error err;
    uid_t me = getuid();

    (void)state;
    mf_write(file, "{}", 0644);
    assert_int_equal(ts_file_check_safe(file, me, &err), 0);
    /* Relative path (resolved against the working directory). */
    char cwd[4096];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(ts_file_check_safe("m.json", me, &err), 0);
    assert_int_equal(chdir(cwd), 0);

    /* The file itself writable by others or by its group. */
    chmod(file, 0666);
    expect_unsafe(file, me, file, "writable by group or others (mode 0666)");
    chmod(file, 0664);
    expect_unsafe(file, me, file, "writable by group or others (mode 0664)");
    chmod(file, 0644);

    /* A world-writable directory above it, without the sticky bit. */
    assert_int_equal(mkdir(sub, 0700), 0);
    mf_write(subfile, "{}", 0600);
    chmod(sub, 0777);
    expect_unsafe(subfile, me, sub, "writable by group or others (mode 0777)");
    /* With the sticky bit, like /tmp, it is accepted. */
    chmod(sub, 01777);
    assert_int_equal(ts_file_check_safe(subfile, me, &err), 0);
    /* A sticky bit on the file does not make it safe. */
    chmod(file, 01666);
    expect_unsafe(file, me, file, "writable by group or others (mode 1666)");
    chmod(file, 0644);

    /* A symlink to a safe file, sitting in an unsafe directory: refused (it can be re-pointed). */
    chmod(sub, 0777);
    assert_int_equal(symlink(file, link), 0);
    expect_unsafe(link, me, sub, "writable by group or others (mode 0777)");
    chmod(sub, 0755);
    assert_int_equal(ts_file_check_safe(link, me, &err), 0);
    /* A symlink whose target is unsafe: the target is checked. */
    chmod(file, 0646);
    expect_unsafe(link, me, file, "writable by group or others (mode 0646)");
    chmod(file, 0644);

    /* Owners: root or the given uid. */
    if (geteuid() == 0) {
        assert_int_equal(chown(file, 12345, 12345), 0);
        want = mf_printf("owned by uid 12345: expected root or uid %u", (unsigned)me);
        expect_unsafe(file, me, file, want);
        free(want);
        assert_int_equal(ts_file_check_safe(file, 12345, &err), 0);
        /* The directory owned by someone else. */
        assert_int_equal(chown(file, 0, 0), 0);
        assert_int_equal(chown(dir, 12345, 12345), 0);
        want = mf_printf("owned by uid 12345: expected root or uid 0");
        expect_unsafe(file, 0, dir, want);
        free(want);
        assert_int_equal(chown(dir, 0, 0), 0);
    } else {
        print_message("SKIPPED part: ownership changes need root\n");
    }

    /* Missing file: the error names it. */
    char *missing = mf_printf("%s/missing.json", dir);
    expect_unsafe(missing, me, missing, "No such file or directory");
    free(missing);

    free(file);
    free(sub);
    free(subfile);
    free(link);
    mf_rmtree(dir);
    free(dir);
}

/* `trustshim exec --with` hands over a sealed memfd as /proc/self/fd/N. */
static void test_check_safe_memfd(void **state)
{
    char path[64];
    ts_error err;
    unsigned char *buf;
    size_t len;
    int fd;

    (void)state;
    fd = memfd_create("trustshim-manifest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{\"version\": 1}", 14), 14);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    /* Not sealed yet: refused. */
    assert_int_equal(ts_file_check_safe(path, getuid(), &err), -1);
    assert_string_equal(err.file, path);
    assert_string_equal(err.what, "memfd is not sealed against writing (F_SEAL_WRITE missing)");
    /* Sealed against shrinking only: still refused. */
    assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
    assert_int_equal(ts_file_check_safe(path, getuid(), &err), -1);
    /* Sealed against writing: accepted, and it reads. */
    assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SEAL), 0);
    assert_int_equal(ts_file_check_safe(path, getuid(), &err), 0);
    assert_int_equal(ts_read_file(path, 1024, &buf, &len, &err), 0);
    assert_int_equal(len, 14);
    free(buf);
    close(fd);

    /* A descriptor that is not a memfd at all. */
    fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    }
    assert_true(fd >= 0);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    assert_int_equal(ts_file_check_safe(path, getuid(), &err), -1);
    assert_string_equal(err.what, "not a sealed memfd (F_GET_SEALS failed: not a memfd)");
    close(fd);
    /* A closed descriptor. */
    assert_int_equal(ts_file_check_safe(path, getuid(), &err), -1);
    assert_string_equal(err.what, "not a sealed memfd (F_GET_SEALS failed: no such descriptor)");
    /* Not digits only: an ordinary path, checked as one (and missing here). */
    assert_int_equal(ts_file_check_safe("/proc/self/fd/1x", getuid(), &err), -1);
    assert_string_equal(err.what, "No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_file),
        cmocka_unit_test(test_dirname),
        cmocka_unit_test(test_check_safe),
        cmocka_unit_test(test_check_safe_memfd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
