/* SPDX-License-Identifier: Apache-2.0 */
/* ts_read_file, ts_dirname, ts_file_check_safe and ts_open_safe (ownership, modes, symlinks,
 * the walk's races, sealed memfds), ts_dir_check_safe. */
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
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
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

/* Not a regular file, or too large: refused from fstat, before the first read. */
static void test_read_fstat_first(void **state)
{
    unsigned char *buf = NULL;
    size_t len = 1;
    ts_error err;
    struct timespec t0, t1;

    (void)state;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(ts_read_file("/dev/zero", 64u << 20, &buf, &len, &err), -1);
    assert_string_equal(err.what, "not a regular file");
    assert_int_equal(ts_read_file("/dev/urandom", 64u << 20, &buf, &len, &err), -1);
    assert_string_equal(err.what, "not a regular file");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* Reading 64 MiB of either takes far longer than this. */
    assert_true((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) < 20000000L);
    assert_null(buf);

    /* A sparse file of 1 GiB: refused by its size, nothing read. */
    char *dir = mf_tmpdir();
    char *big = mf_printf("%s/big", dir);
    int fd = open(big, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 1L << 30), 0);
    close(fd);
    assert_int_equal(ts_read_file(big, 1u << 20, &buf, &len, &err), -1);
    assert_string_equal(err.what, "larger than 1048576 bytes");
    assert_int_equal(ts_read_file_safe(big, getuid(), 1u << 20, &buf, &len, NULL, &err), -1);
    assert_string_equal(err.what, "larger than 1048576 bytes");
    /* Through the walk: a device is not a regular file either. */
    assert_int_equal(ts_read_file_safe("/dev/zero", getuid(), 1u << 20, &buf, &len, NULL, &err),
                     -1);
    assert_string_equal(err.file, "/dev/zero");
    assert_string_equal(err.what, "not a regular file");
    free(big);
    mf_rmtree(dir);
    free(dir);
}

/*
 * What the old check missed: the directory holding an intermediate symlink, a
 * symlink's own owner, a link chain, and sticky directories.
 */
static void test_walk(void **state)
{
    char *dir = mf_tmpdir();
    char *safe = mf_printf("%s/safe", dir), *file = mf_printf("%s/safe/m.json", dir);
    char *open_dir = mf_printf("%s/open", dir), *l1 = mf_printf("%s/open/l", dir);
    char *via = mf_printf("%s/open/l/m.json", dir);
    char *sticky = mf_printf("%s/sticky", dir), *sl = mf_printf("%s/sticky/l", dir);
    char *via_sticky = mf_printf("%s/sticky/l/m.json", dir);
    char *loop = mf_printf("%s/safe/loop", dir), *rel = mf_printf("%s/safe/rel", dir);
    char *dots = mf_printf("%s/safe/../safe/./m.json", dir);
    unsigned char *buf;
    size_t len;
    ts_error err;
    uid_t me = getuid();

    (void)state;
    assert_int_equal(mkdir(safe, 0755), 0);
    mf_write(file, "{\"good\": 1}", 0644);
    assert_int_equal(mkdir(open_dir, 0755), 0);
    assert_int_equal(symlink(safe, l1), 0);
    assert_int_equal(ts_file_check_safe(via, me, &err), 0);
    /* The directory holding an intermediate symlink, writable by others: whoever can write it
     * can point the link elsewhere.  The old check looked at the resolved path and at the
     * directory of the path as given (open/l -> safe) only, and accepted this. */
    chmod(open_dir, 0777);
    expect_unsafe(via, me, open_dir, "writable by group or others (mode 0777)");
    chmod(open_dir, 0775);
    expect_unsafe(via, me, open_dir, "writable by group or others (mode 0775)");
    chmod(open_dir, 0755);

    /* Relative links, "." and "..", read through the checked descriptor. */
    assert_int_equal(symlink("m.json", rel), 0);
    assert_int_equal(ts_read_file_safe(rel, me, 100, &buf, &len, NULL, &err), 0);
    assert_string_equal((char *)buf, "{\"good\": 1}");
    free(buf);
    assert_int_equal(ts_file_check_safe(dots, me, &err), 0);
    /* A loop: ELOOP after TS_MAX_SYMLINKS, not a hang. */
    assert_int_equal(symlink("loop", loop), 0);
    expect_unsafe(loop, me, loop, strerror(ELOOP));
    /* Components: a file used as a directory; a trailing slash on a file. */
    char *through = mf_printf("%s/x", file), *slash = mf_printf("%s/", file);
    expect_unsafe(through, me, file, strerror(ENOTDIR));
    expect_unsafe(slash, me, file, strerror(ENOTDIR));
    free(through);
    free(slash);

    /* A sticky, world-writable directory (like /tmp): a symlink of ours in it is fine. */
    assert_int_equal(mkdir(sticky, 0755), 0);
    chmod(sticky, 01777);
    assert_int_equal(symlink(safe, sl), 0);
    assert_int_equal(ts_file_check_safe(via_sticky, me, &err), 0);
    if (geteuid() == 0) {
        /* The same symlink owned by another user, who may re-point it: refused.  The old
         * check accepted it (the sticky directory passes, the resolved path is safe). */
        assert_int_equal(lchown(sl, 12345, 12345), 0);
        char *want = mf_printf("symlink owned by uid 12345: expected root or uid %u", (unsigned)me);
        expect_unsafe(via_sticky, me, sl, want);
        free(want);
        /* ... even in a directory that is not writable by others: the owner of a link is
         * trusted like the owner of a file. */
        assert_int_equal(lchown(l1, 12345, 12345), 0);
        expect_unsafe(via, 0, l1, "symlink owned by uid 12345: expected root or uid 0");
        assert_int_equal(lchown(l1, 0, 0), 0);
        /* A sticky directory owned by someone else: its owner can replace anything in it. */
        assert_int_equal(lchown(sl, 0, 0), 0);
        assert_int_equal(chown(sticky, 12345, 12345), 0);
        expect_unsafe(via_sticky, 0, sticky, "owned by uid 12345: expected root or uid 0");
    } else {
        print_message("SKIPPED part: symlinks of other users need root\n");
    }

    free(safe);
    free(file);
    free(open_dir);
    free(l1);
    free(via);
    free(sticky);
    free(sl);
    free(via_sticky);
    free(loop);
    free(rel);
    free(dots);
    mf_rmtree(dir);
    free(dir);
}

/* Keystore directories: refused when anyone else can add a file, sticky or not. */
static void test_dir_check(void **state)
{
    char *dir = mf_tmpdir();
    char *ks = mf_printf("%s/keystore", dir), *missing = mf_printf("%s/keystore/none", dir);
    char *link = mf_printf("%s/ks-link", dir);
    ts_error err;

    (void)state;
    assert_int_equal(mkdir(ks, 0755), 0);
    assert_int_equal(ts_dir_check_safe(ks, getuid(), &err), 0);
    assert_int_equal(symlink(ks, link), 0);
    assert_int_equal(ts_dir_check_safe(link, getuid(), &err), 0);
    /* Does not exist, below safe directories: only their owners could make it. */
    assert_int_equal(ts_dir_check_safe(missing, getuid(), &err), 0);
    chmod(ks, 01777);
    assert_int_equal(ts_dir_check_safe(ks, getuid(), &err), -1);
    assert_string_equal(err.file, ks);
    assert_string_equal(
        err.what, "writable by group or others (mode 1777): anyone could plant a keystore in it");
    /* Missing below an unsafe directory: whoever can write that one can make it. */
    chmod(ks, 0777);
    assert_int_equal(ts_dir_check_safe(missing, getuid(), &err), -1);
    assert_string_equal(err.file, ks);
    /* A file is not a directory. */
    chmod(ks, 0755);
    mf_write(missing, "x", 0644);
    assert_int_equal(ts_dir_check_safe(missing, getuid(), &err), -1);
    assert_string_equal(err.what, strerror(ENOTDIR));
    free(ks);
    free(missing);
    free(link);
    mf_rmtree(dir);
    free(dir);
}

/*
 * The race of the issue: another user swaps a symlink, in a directory it can
 * write, between a safe directory and one of its own.  Whatever the timing,
 * its manifest is never read.  Needs root (to be two users).
 */
static void test_race(void **state)
{
    char *dir, *good, *evil, *attacker, *link, *tmp, *via;
    unsigned char *buf;
    size_t len;
    ts_error err;
    int evil_reads = 0, good_reads = 0, refused = 0;

    (void)state;
    if (geteuid() != 0) {
        print_message("SKIPPED test_race: needs root to act as a second user\n");
        if (getenv("TRUSTSHIM_NO_SKIP") != NULL && strcmp(getenv("TRUSTSHIM_NO_SKIP"), "1") == 0) {
            fail_msg("skipped with TRUSTSHIM_NO_SKIP=1");
        }
        return;
    }
    dir = mf_tmpdir();
    chmod(dir, 0755);
    good = mf_printf("%s/good", dir);
    evil = mf_printf("%s/evil", dir);
    attacker = mf_printf("%s/attacker", dir);
    link = mf_printf("%s/attacker/conf", dir);
    tmp = mf_printf("%s/attacker/conf.new", dir);
    via = mf_printf("%s/attacker/conf/m.json", dir);
    assert_int_equal(mkdir(good, 0755), 0);
    char *m = mf_printf("%s/good/m.json", dir);
    mf_write(m, "good", 0644);
    free(m);
    /* The attacker's directories: both owned by 65534, the manifest inside too. */
    assert_int_equal(mkdir(evil, 0755), 0);
    m = mf_printf("%s/evil/m.json", dir);
    mf_write(m, "evil", 0644);
    free(m);
    assert_int_equal(mkdir(attacker, 0755), 0);
    assert_int_equal(symlink(good, link), 0);
    assert_int_equal(chown(evil, 65534, 65534), 0);
    assert_int_equal(lchown(link, 65534, 65534), 0);
    assert_int_equal(chown(attacker, 65534, 65534), 0);

    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0) {
            _exit(3);
        }
        for (unsigned long i = 0;; i++) {
            (void)unlink(tmp);
            if (symlink((i & 1) != 0 ? evil : good, tmp) != 0 || rename(tmp, link) != 0) {
                _exit(4);
            }
        }
    }
    for (int i = 0; i < 3000; i++) {
        if (ts_read_file_safe(via, 0, 100, &buf, &len, NULL, &err) == 0) {
            if (strcmp((char *)buf, "evil") == 0) {
                evil_reads++;
            } else {
                good_reads++;
            }
            free(buf);
        } else {
            refused++;
        }
    }
    int status = 0;
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    assert_true(WIFSIGNALED(status)); /* it was swapping all along */
    assert_int_equal(evil_reads, 0);
    /* The directory is another user's: always refused, good or evil. */
    assert_int_equal(good_reads, 0);
    assert_int_equal(refused, 3000);
    assert_string_equal(err.file, attacker);
    mf_rmtree(dir);
    free(dir);
    free(good);
    free(evil);
    free(attacker);
    free(link);
    free(tmp);
    free(via);
}

/* A sealed memfd as /proc/self/fd/N (what `trustshim exec --with` named before). */
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

/* A sealed memfd with "{}" in it (not CLOEXEC: a child inherits it). */
static int sealed_memfd(void)
{
    int fd = memfd_create("trustshim-manifest", MFD_ALLOW_SEALING);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, "{}", 2), 2);
    assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK), 0);
    return fd;
}

/* A child that lives until its stdin-like pipe closes; made to hold descriptors. */
static pid_t holder(int *release)
{
    int p[2];

    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        close(p[1]);
        (void)read(p[0], &c, 1);
        _exit(0);
    }
    close(p[0]);
    *release = p[1];
    return pid;
}

/*
 * What `trustshim exec --with` names now: /proc/PID/fd/N of the process it
 * became, the same file for every descendant, whether it still holds
 * descriptor N or not, and for one whose own N is another file.
 */
static void test_proc_pid_memfd(void **state)
{
    char path[64];
    ts_error err;
    unsigned char *buf;
    size_t len;
    int release;

    (void)state;
    int fd = sealed_memfd();
    pid_t pid = holder(&release); /* holds fd too: it stands for CMD */
    close(fd);
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
    /* Our own descriptor fd is now something else (or nothing): the holder's is read. */
    int other = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    assert_int_equal(ts_read_file_safe(path, getuid(), 100, &buf, &len, NULL, &err), 0);
    assert_string_equal((char *)buf, "{}");
    free(buf);
    close(other);
    /* The holder is gone: a descendant that inherited descriptor fd uses its own. */
    fd = sealed_memfd();
    close(release);
    waitpid(pid, NULL, 0);
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
    assert_int_equal(ts_read_file_safe(path, getuid(), 100, &buf, &len, NULL, &err), 0);
    free(buf);
    close(fd);
    /* Gone, and no descriptor of our own either: one line that says both. */
    assert_int_equal(ts_file_check_safe(path, getuid(), &err), -1);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.what, "cannot open: No such file or directory"));
    assert_non_null(strstr(err.what, "is not the sealed memfd either"));
    /* A plain file behind /proc/PID/fd/N is not a sealed memfd. */
    fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), fd);
    assert_int_equal(ts_file_check_safe(path, getuid(), &err), -1);
    assert_string_equal(err.what, "not a sealed memfd (F_GET_SEALS failed: not a memfd)");
    close(fd);

    /* A sealed memfd of another user (a process that took a reused PID): refused. */
    if (geteuid() != 0) {
        print_message("SKIPPED part: a memfd of another user needs root\n");
        return;
    }
    int p[2], q[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(q), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        close(p[0]);
        close(q[1]);
        if (setgid(65534) != 0 || setuid(65534) != 0) {
            _exit(3);
        }
        fd = sealed_memfd();
        (void)write(p[1], &fd, sizeof(fd));
        (void)read(q[0], &c, 1);
        _exit(0);
    }
    close(p[1]);
    close(q[0]);
    assert_int_equal(read(p[0], &fd, sizeof(fd)), (ssize_t)sizeof(fd));
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
    assert_int_equal(ts_file_check_safe(path, 0, &err), -1);
    assert_string_equal(err.what, "memfd owned by uid 65534: expected root or uid 0");
    close(q[1]);
    close(p[0]);
    waitpid(pid, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_file),        cmocka_unit_test(test_dirname),
        cmocka_unit_test(test_check_safe),       cmocka_unit_test(test_check_safe_memfd),
        cmocka_unit_test(test_read_fstat_first), cmocka_unit_test(test_walk),
        cmocka_unit_test(test_dir_check),        cmocka_unit_test(test_race),
        cmocka_unit_test(test_proc_pid_memfd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
