/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the build lock of preload/shim.c (ts_lock/ts_unlock): it
 * excludes the other threads of the process, and a child forked while
 * another thread held it can take it (fork() waits for the holder through its
 * atfork handlers; a raw fork system call without them takes it over; and a
 * child whose pid equals the stale owner's: pid 1 of a new pid namespace, as
 * after a pid is reused).
 * Every child runs under alarm(): a deadlock fails the test instead of hanging it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shim.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A thread that takes the lock, says so, and keeps it until released (or for release_after_ms). */
typedef struct holder {
    pthread_t thread;
    int taken;             /* 1 once the lock is held */
    int release;           /* set by the test */
    long release_after_ms; /* > 0: let go on its own after this long */
    int released;          /* 1 once the lock is given back */
} holder;

static void *hold(void *arg)
{
    holder *h = arg;
    long held = 0;

    ts_lock();
    __atomic_store_n(&h->taken, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&h->release, __ATOMIC_ACQUIRE) == 0 &&
           (h->release_after_ms <= 0 || held < h->release_after_ms)) {
        sleep_ms(1);
        held++;
    }
    ts_unlock();
    __atomic_store_n(&h->released, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void hold_start_for(holder *h, long release_after_ms)
{
    h->taken = 0;
    h->release = 0;
    h->released = 0;
    h->release_after_ms = release_after_ms;
    assert_int_equal(pthread_create(&h->thread, NULL, hold, h), 0);
    while (__atomic_load_n(&h->taken, __ATOMIC_ACQUIRE) == 0) {
        sleep_ms(1);
    }
}

static void hold_start(holder *h)
{
    hold_start_for(h, 0);
}

static void hold_stop(holder *h)
{
    __atomic_store_n(&h->release, 1, __ATOMIC_RELEASE);
    assert_int_equal(pthread_join(h->thread, NULL), 0);
}

static void *take(void *arg)
{
    int *got = arg;

    ts_lock();
    __atomic_store_n(got, 1, __ATOMIC_RELEASE);
    ts_unlock();
    return NULL;
}

/* Another thread of the same process waits while the lock is held. */
static void test_lock_excludes_threads(void **state)
{
    holder h;
    pthread_t t;
    int got = 0;

    (void)state;
    hold_start(&h);
    assert_int_equal(pthread_create(&t, NULL, take, &got), 0);
    sleep_ms(100);
    assert_int_equal(__atomic_load_n(&got, __ATOMIC_ACQUIRE), 0);
    hold_stop(&h);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(got, 1);
}

/*
 * A child that hangs exits 99 at the alarm.  A handler, not the default
 * action: pid 1 of a namespace ignores signals it does not handle.
 */
#define HUNG 99
static void on_alarm(int sig)
{
    (void)sig;
    _exit(HUNG);
}

static void arm_alarm(unsigned int seconds)
{
    signal(SIGALRM, on_alarm);
    alarm(seconds);
}

/* The child takes the lock, gives it back and exits 0. */
static _Noreturn void child_takes_lock(void)
{
    arm_alarm(10);
    ts_lock();
    ts_unlock();
    ts_lock();
    ts_unlock();
    _exit(0);
}

static void expect_exit(pid_t pid, int code)
{
    int status = 0;

    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status)) {
        fail_msg("the child was killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    if (WEXITSTATUS(status) == HUNG) {
        fail_msg("the child hung on the lock");
    }
    assert_int_equal(WEXITSTATUS(status), code);
}

/*
 * fork() waits until the building thread lets go (the atfork prepare handler),
 * so that the child inherits no lock of a thread it does not have; the child
 * can take the lock.
 */
static void test_fork_waits_for_holder(void **state)
{
    holder h;

    (void)state;
    hold_start_for(&h, 300);
    pid_t pid = fork();
    if (pid == 0) {
        child_takes_lock();
    }
    assert_int_equal(__atomic_load_n(&h.released, __ATOMIC_ACQUIRE), 1);
    expect_exit(pid, 0);
    hold_stop(&h);
}

/* A fork without glibc's atfork handlers (a raw system call): the pid check alone. */
static void test_raw_fork_while_held(void **state)
{
    holder h;

    (void)state;
    hold_start(&h);
#if defined(SYS_fork)
    pid_t pid = (pid_t)syscall(SYS_fork);
#else
    pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
#endif
    if (pid == 0) {
        child_takes_lock();
    }
    expect_exit(pid, 0);
    hold_stop(&h);
}

/*
 * The stale owner's pid is the child's own: a process that is pid 1 of a
 * pid namespace holds the lock in a thread and forks into a new namespace,
 * where the child is pid 1 too.  Comparing pids alone, the child would wait
 * for itself forever.  Needs CAP_SYS_ADMIN or unprivileged user namespaces.
 */
static _Noreturn void namespace_holder(void)
{
    holder h;

    arm_alarm(20);
    if (getpid() != 1) {
        _exit(3);
    }
    hold_start_for(&h, 300);
    if (unshare(CLONE_NEWPID) != 0) {
        _exit(4);
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (getpid() != 1) {
            _exit(5);
        }
        child_takes_lock();
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        _exit(6);
    }
    hold_stop(&h);
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 7);
}

static void test_fork_child_with_owner_pid(void **state)
{
    (void)state;
    pid_t outer = fork();
    if (outer == 0) {
        if (unshare(CLONE_NEWPID) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0) {
            _exit(77);
        }
        pid_t pid = fork();
        if (pid == 0) {
            namespace_holder();
        }
        int status = 0;
        if (pid < 0 || waitpid(pid, &status, 0) != pid) {
            _exit(8);
        }
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 9);
    }
    int status = 0;
    assert_int_equal(waitpid(outer, &status, 0), outer);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 77) {
        print_message(
            "[  SKIPPED ] no pid namespaces here (needs CAP_SYS_ADMIN or user namespaces)\n");
        skip();
    }
    if (WEXITSTATUS(status) == HUNG) {
        fail_msg("the child in the new pid namespace (pid 1, as the stale owner) hung on the lock");
    }
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lock_excludes_threads),
        cmocka_unit_test(test_fork_waits_for_holder),
        cmocka_unit_test(test_raw_fork_while_held),
        cmocka_unit_test(test_fork_child_with_owner_pid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
