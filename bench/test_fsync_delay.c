/* test_fsync_delay.c -- the slow-disk shim (fsync_delay.c): its flushes still flush and
 * return what libc returns, they take at least the delay, and only flushes are delayed.
 * The shim is loaded with dlopen and its wrappers called by name, so the test runs the
 * same in the sanitizer build (where an LD_PRELOAD would come before the ASan runtime). */
#include <check.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define DELAY_US 20000

static int (*t_fdatasync)(int);
static int (*t_fsync)(int);
static int (*t_open)(const char *, int, ...);
static int (*t_close)(int);
static ssize_t (*t_write)(int, const void *, size_t);
static ssize_t (*t_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*t_pwritev)(int, const struct iovec *, int, off_t);
static long (*t_calls)(void);

static int64_t
s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A fresh file in the build folder's temp space, opened through the shim with FLAGS. */
static int
s_temp(int flags, char *path, size_t size)
{
    snprintf(path, size, "%s/fsync_delay_XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    fd = t_open(path, O_RDWR | flags, 0600);
    ck_assert_int_ge(fd, 0);
    return fd;
}

START_TEST(test_fdatasync_delays_and_flushes)
{
    char path[256];
    int fd = s_temp(0, path, sizeof path);
    ck_assert_int_eq((int) t_write(fd, "durable", 7), 7);
    long before = t_calls();
    int64_t start = s_now_us();
    ck_assert_int_eq(t_fdatasync(fd), 0);
    ck_assert_int_ge(s_now_us() - start, DELAY_US);
    ck_assert_int_eq(t_fsync(fd), 0);
    ck_assert_int_eq(t_calls() - before, 2);
    char buf[8] = { 0 };
    ck_assert_int_eq((int) pread(fd, buf, 7, 0), 7);
    ck_assert_str_eq(buf, "durable");
    ck_assert_int_eq(t_close(fd), 0);
    unlink(path);
}
END_TEST

START_TEST(test_errors_pass_through)
{
    long before = t_calls();
    errno = 0;
    ck_assert_int_eq(t_fdatasync(-1), -1);
    ck_assert_int_eq(errno, EBADF);     /* the real call's errno, kept across the sleep */
    errno = 0;
    ck_assert_int_eq(t_fsync(-1), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(t_calls() - before, 2);
}
END_TEST

START_TEST(test_only_sync_writes_delayed)
{
    char path[256];
    int fd = s_temp(0, path, sizeof path);
    long before = t_calls();
    ck_assert_int_eq((int) t_write(fd, "plain", 5), 5);
    ck_assert_int_eq((int) t_pwrite(fd, "plain", 5, 5), 5);
    ck_assert_int_eq(t_calls(), before);          /* a plain write is not a flush */
    ck_assert_int_eq(t_close(fd), 0);

    /* O_DSYNC (wal_sync_method = open_datasync): the write is the flush */
    int sfd = s_temp(O_DSYNC, path, sizeof path);
    ck_assert_int_eq((int) t_pwrite(sfd, "synced", 6, 0), 6);
    struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
    ck_assert_int_eq((int) t_pwritev(sfd, iov, 2, 6), 4);
    ck_assert_int_eq(t_calls() - before, 2);
    char buf[11] = { 0 };
    ck_assert_int_eq((int) pread(sfd, buf, 10, 0), 10);
    ck_assert_str_eq(buf, "syncedabcd");
    ck_assert_int_eq(t_close(sfd), 0);

    /* the same descriptor number reopened without O_DSYNC is a plain file again */
    int again = t_open(path, O_RDWR, 0);
    ck_assert_int_ge(again, 0);
    long mid = t_calls();
    ck_assert_int_eq((int) t_write(again, "x", 1), 1);
    ck_assert_int_eq(t_calls(), mid);
    ck_assert_int_eq(t_close(again), 0);
    unlink(path);
}
END_TEST

static void *
s_sym(void *lib, const char *name)
{
    void *p = dlsym(lib, name);
    if (!p) {
        fprintf(stderr, "test_fsync_delay: %s not in the shim\n", name);
        exit(EXIT_FAILURE);
    }
    return p;
}

int
main(void)
{
    char delay[32];
    snprintf(delay, sizeof delay, "%d", DELAY_US);
    setenv("FSYNC_DELAY_US", delay, 1);
    void *lib = dlopen(FSYNC_DELAY_LIB, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "test_fsync_delay: %s\n", dlerror());
        return EXIT_FAILURE;
    }
    *(void **) &t_fdatasync = s_sym(lib, "fdatasync");
    *(void **) &t_fsync = s_sym(lib, "fsync");
    *(void **) &t_open = s_sym(lib, "open");
    *(void **) &t_close = s_sym(lib, "close");
    *(void **) &t_write = s_sym(lib, "write");
    *(void **) &t_pwrite = s_sym(lib, "pwrite");
    *(void **) &t_pwritev = s_sym(lib, "pwritev");
    *(void **) &t_calls = s_sym(lib, "fsync_delay_calls");

    Suite *s = suite_create("fsync_delay");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_fdatasync_delays_and_flushes);
    tcase_add_test(tc, test_errors_pass_through);
    tcase_add_test(tc, test_only_sync_writes_delayed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
