/* test_redis_conn.c -- redis_conn against a private redis-server that wants a password
 * (requirepass, as a managed Redis or the Kubernetes Secret's REDIS_PASSWORD): AUTH with
 * the right one works, none gets Redis's NOAUTH, a wrong one counts as unreachable.
 * Without /usr/bin/redis-server the suite exits 77: skipped (tests/CMakeLists.txt). */
#include "redis_conn.h"
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PASSWORD "k8s-test-password"

static pid_t s_redis_pid;
static char s_port[16];

/* A redis-server of our own on a port of its own (another range than test_edge_ratelimit's). */
static bool
s_redis_start(void)
{
    if (access("/usr/bin/redis-server", X_OK) != 0)
        return false;
    snprintf(s_port, sizeof s_port, "%d", 32000 + (int) (getpid() % 2000));
    s_redis_pid = fork();
    if (s_redis_pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        execl("/usr/bin/redis-server", "redis-server", "--port", s_port, "--bind", "127.0.0.1",
              "--save", "", "--appendonly", "no", "--requirepass", PASSWORD, (char *) NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        redisContext *c = redisConnect("127.0.0.1", atoi(s_port));
        bool ok = c && !c->err;
        if (c)
            redisFree(c);
        if (ok)
            return true;
        usleep(50000);
    }
    return false;
}

static void
s_redis_stop(void)
{
    if (s_redis_pid > 0) {
        kill(s_redis_pid, SIGTERM);
        waitpid(s_redis_pid, NULL, 0);
        s_redis_pid = 0;
    }
}

/* PING through a fresh redis_conn made with REDIS_PASSWORD = PASSWORD_OR_NULL (unset). */
static redisReply *
s_ping(const char *password_or_null)
{
    if (password_or_null)
        setenv("REDIS_PASSWORD", password_or_null, 1);
    else
        unsetenv("REDIS_PASSWORD");
    redis_conn_t *redis = redis_conn_new();
    const char *argv[1] = { "PING" };
    redisReply *r = redis_conn_command(redis, 1, argv, (size_t[]) { 4 });
    redis_conn_destroy(&redis);
    return r;
}

START_TEST(test_auth_right_password)
{
    redisReply *r = s_ping(PASSWORD);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, REDIS_REPLY_STATUS);
    ck_assert_str_eq(r->str, "PONG");
    freeReplyObject(r);
}
END_TEST

START_TEST(test_auth_no_password)
{
    /* Without AUTH the server answers every command with NOAUTH: returned as is. */
    redisReply *r = s_ping(NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, REDIS_REPLY_ERROR);
    ck_assert_ptr_nonnull(strstr(r->str, "NOAUTH"));
    freeReplyObject(r);
}
END_TEST

START_TEST(test_auth_wrong_password)
{
    /* A refused AUTH drops the connection: the caller sees Redis as unreachable. */
    ck_assert_ptr_null(s_ping("not-the-password"));
}
END_TEST

int
main(void)
{
    if (!s_redis_start()) {
        fprintf(stderr, "test_redis_conn: no redis-server here; skipped\n");
        s_redis_stop();
        return 77;
    }
    setenv("REDIS_HOST", "127.0.0.1", 1);
    setenv("REDIS_PORT", s_port, 1);
    setenv("REDIS_RETRY_MS", "0", 1);
    Suite *s = suite_create("redis_conn");
    TCase *tc = tcase_create("auth");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_auth_right_password);
    tcase_add_test(tc, test_auth_no_password);
    tcase_add_test(tc, test_auth_wrong_password);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    s_redis_stop();
    return failed ? 1 : 0;
}
