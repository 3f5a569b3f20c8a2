/* fsync_delay.c -- an LD_PRELOAD shim that makes every flush to disk take FSYNC_DELAY_US
 * microseconds longer: a reproducible slow disk (a cloud volume) for the bench's PostgreSQL.
 *
 * What PostgreSQL 15 waits on to make a commit durable on Linux, and so what is wrapped:
 * - fdatasync: wal_sync_method's default on Linux (XLogFlush -> issue_xlog_fsync);
 * - fsync: wal_sync_method = fsync, new WAL segments, and the checkpointer's data files;
 * - writes to a descriptor opened with O_DSYNC or O_SYNC (wal_sync_method = open_datasync
 *   or open_sync: the write itself is the flush). Descriptors are remembered at open and
 *   forgotten at close; write, pwrite and pwritev on them are delayed.
 * Not wrapped: sync_file_range (PostgreSQL only uses SYNC_FILE_RANGE_WRITE, a writeback
 * hint that waits for nothing), msync (its flush path on Linux is sync_file_range) and
 * syncfs/sync (recovery's and initdb's, not the commit path).
 *
 * The delay is a sleep after the real call, whose result and errno are returned unchanged:
 * the data is flushed as before, only later. Each process sleeps on its own; PostgreSQL
 * serializes WAL flushes itself (WALWriteLock), as a single disk queue would.
 * fsync_delay_calls() counts the delayed calls, for the shim's own test. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define FSYNC_DELAY_MAX_FDS 65536   /* descriptors above this are never delayed on write */

static long s_delay_us;
static atomic_long s_calls;
static atomic_uchar s_sync_fd[FSYNC_DELAY_MAX_FDS];

static int (*s_fsync)(int);
static int (*s_fdatasync)(int);
static int (*s_open)(const char *, int, ...);
static int (*s_open64)(const char *, int, ...);
static int (*s_openat)(int, const char *, int, ...);
static int (*s_openat64)(int, const char *, int, ...);
static int (*s_close)(int);
static ssize_t (*s_write)(int, const void *, size_t);
static ssize_t (*s_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*s_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*s_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*s_pwritev64)(int, const struct iovec *, int, off_t);

/* Resolved before main, or at the first wrapped call if another library's constructor
 * makes one earlier: the real functions are libc's, the next in lookup order. */
__attribute__((constructor)) static void
s_init(void)
{
    if (s_close)
        return;
    const char *env = getenv("FSYNC_DELAY_US");
    long us = env ? strtol(env, NULL, 10) : 0;
    s_delay_us = (us > 0 && us <= 10000000) ? us : 0;   /* at most 10 s per flush */
    s_fsync = (int (*)(int)) dlsym(RTLD_NEXT, "fsync");
    s_fdatasync = (int (*)(int)) dlsym(RTLD_NEXT, "fdatasync");
    s_open = (int (*)(const char *, int, ...)) dlsym(RTLD_NEXT, "open");
    s_open64 = (int (*)(const char *, int, ...)) dlsym(RTLD_NEXT, "open64");
    s_openat = (int (*)(int, const char *, int, ...)) dlsym(RTLD_NEXT, "openat");
    s_openat64 = (int (*)(int, const char *, int, ...)) dlsym(RTLD_NEXT, "openat64");
    s_write = (ssize_t (*)(int, const void *, size_t)) dlsym(RTLD_NEXT, "write");
    s_pwrite = (ssize_t (*)(int, const void *, size_t, off_t)) dlsym(RTLD_NEXT, "pwrite");
    s_pwrite64 = (ssize_t (*)(int, const void *, size_t, off_t)) dlsym(RTLD_NEXT, "pwrite64");
    s_pwritev = (ssize_t (*)(int, const struct iovec *, int, off_t)) dlsym(RTLD_NEXT, "pwritev");
    s_pwritev64 = (ssize_t (*)(int, const struct iovec *, int, off_t))
        dlsym(RTLD_NEXT, "pwritev64");
    s_close = (int (*)(int)) dlsym(RTLD_NEXT, "close");
}

/* Sleeps the configured delay, keeping the caller's errno (the real call's). */
static void
s_delay(void)
{
    if (s_delay_us <= 0)
        return;
    int saved = errno;
    struct timespec left = { s_delay_us / 1000000, (s_delay_us % 1000000) * 1000 };
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
    atomic_fetch_add(&s_calls, 1);
    errno = saved;
}

static int
s_is_sync(int fd)
{
    return fd >= 0 && fd < FSYNC_DELAY_MAX_FDS && atomic_load(&s_sync_fd[fd]);
}

/* Remembers whether descriptor FD (a fresh one, or -1) writes through to the disk. */
static int
s_opened(int fd, int flags)
{
    if (fd >= 0 && fd < FSYNC_DELAY_MAX_FDS)
        atomic_store(&s_sync_fd[fd], (flags & O_DSYNC) != 0);   /* O_SYNC includes O_DSYNC */
    return fd;
}

/* The mode argument exists only when the flags create a file. */
static mode_t
s_mode(int flags, va_list ap)
{
    return ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? (mode_t) va_arg(ap, int) : 0;
}

int
fsync(int fd)
{
    s_init();
    int rc = s_fsync(fd);
    s_delay();
    return rc;
}

int
fdatasync(int fd)
{
    s_init();
    int rc = s_fdatasync(fd);
    s_delay();
    return rc;
}

int
open(const char *path, int flags, ...)
{
    s_init();
    va_list ap;
    va_start(ap, flags);
    mode_t mode = s_mode(flags, ap);
    va_end(ap);
    return s_opened(s_open(path, flags, mode), flags);
}

int
open64(const char *path, int flags, ...)
{
    s_init();
    va_list ap;
    va_start(ap, flags);
    mode_t mode = s_mode(flags, ap);
    va_end(ap);
    return s_opened(s_open64(path, flags, mode), flags);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
    s_init();
    va_list ap;
    va_start(ap, flags);
    mode_t mode = s_mode(flags, ap);
    va_end(ap);
    return s_opened(s_openat(dirfd, path, flags, mode), flags);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
    s_init();
    va_list ap;
    va_start(ap, flags);
    mode_t mode = s_mode(flags, ap);
    va_end(ap);
    return s_opened(s_openat64(dirfd, path, flags, mode), flags);
}

int
close(int fd)
{
    s_init();
    if (fd >= 0 && fd < FSYNC_DELAY_MAX_FDS)
        atomic_store(&s_sync_fd[fd], 0);
    return s_close(fd);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
    s_init();
    ssize_t rc = s_write(fd, buf, n);
    if (s_is_sync(fd))
        s_delay();
    return rc;
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
    s_init();
    ssize_t rc = s_pwrite(fd, buf, n, off);
    if (s_is_sync(fd))
        s_delay();
    return rc;
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    s_init();
    ssize_t rc = s_pwrite64(fd, buf, n, off);
    if (s_is_sync(fd))
        s_delay();
    return rc;
}

ssize_t
pwritev(int fd, const struct iovec *iov, int count, off_t off)
{
    s_init();
    ssize_t rc = s_pwritev(fd, iov, count, off);
    if (s_is_sync(fd))
        s_delay();
    return rc;
}

ssize_t
pwritev64(int fd, const struct iovec *iov, int count, off_t off)
{
    s_init();
    ssize_t rc = s_pwritev64(fd, iov, count, off);
    if (s_is_sync(fd))
        s_delay();
    return rc;
}

long
fsync_delay_calls(void)
{
    return atomic_load(&s_calls);
}
