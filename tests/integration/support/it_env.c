/* it_env.c -- test environment lookup, the shared suite runner and stack control. */
#include "it_env.h"
#include "it_assert.h"
#include "it_http.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

/* The runner's pid, fixed before any test forks, so children and the runner agree on the
 * names of the "component stopped" markers. */
static pid_t s_runner_pid;

static const char *const s_components[] = { "broker", "users", "orders", "messages", "notify",
                                             "edge", "redis", "postgres", NULL };

const char *
it_env_require(const char *name)
{
    const char *v = getenv(name);
    if (v && *v)
        return v;
    fprintf(stderr, "FATAL: %s is not set. Integration tests run against a live stack: "
                    "start them with scripts/test.sh, which exports TEST_* variables.\n", name);
    /* Inside a test, a Check failure names the test; outside, exit non-zero. */
    ck_abort_msg("environment variable %s is not set (run through scripts/test.sh)", name);
    exit(2);
}

const char *
it_edge_url(void)
{
    /* One per thread: suites that send from several threads call this concurrently. */
    static _Thread_local char url[512];
    const char *v = it_env_require("TEST_EDGE_URL");
    snprintf(url, sizeof url, "%s", v);
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        url[--n] = '\0';
    return url;
}

int64_t
it_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
it_sleep_ms(int64_t ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Waits up to TIMEOUT_MS for the edge to answer anything on /health/live, so that a
 * stack that never came up gives one clear message instead of a hundred failures. */
static int
s_edge_reachable(int64_t timeout_ms)
{
    int64_t until = it_now_ms() + timeout_ms;
    do {
        it_response_t *r = it_request("GET", "/health/live", NULL, NULL, NULL);
        long status = r->status;
        it_response_destroy(&r);
        if (status > 0)
            return 1;
        it_sleep_ms(250);
    } while (it_now_ms() < until);
    return 0;
}

int
it_wait_healthy(int64_t timeout_ms)
{
    int64_t until = it_now_ms() + timeout_ms;
    do {
        it_response_t *r = it_request("GET", "/health", NULL, NULL, NULL);
        const char *status = r->json ? it_json_str(r->json, "status") : NULL;
        bool ok = r->status == 200 && status && strcmp(status, "ok") == 0;
        it_response_destroy(&r);
        if (ok)
            return 1;
        it_sleep_ms(200);
    } while (it_now_ms() < until);
    return 0;
}

int
it_suite_run(Suite *suite)
{
    if (!getenv("TEST_EDGE_URL") || !*getenv("TEST_EDGE_URL")) {
        fprintf(stderr, "FATAL: TEST_EDGE_URL is not set. These integration tests drive a "
                        "running system; run them through scripts/test.sh.\n");
        return 2;
    }
    s_runner_pid = getpid();
    curl_global_init(CURL_GLOBAL_ALL);
    if (!s_edge_reachable(15000)) {
        fprintf(stderr, "FATAL: the edge at %s does not answer /health/live\n", it_edge_url());
        curl_global_cleanup();
        return 2;
    }
    /* A suite before this one may have restarted the broker or a service: each worker
     * re-registers on its own heartbeat, so wait until the edge sees every service up. */
    if (!it_wait_healthy(20000))
        fprintf(stderr, "warning: /health is not ok after 20 s; running the suite anyway\n");
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? 0 : 1;
}

static void
s_marker_path(const char *component, char *out, size_t size)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, size, "%s/it_stopped_%ld_%s", tmp && *tmp ? tmp : "/tmp",
             (long) (s_runner_pid ? s_runner_pid : getpid()), component);
}

static int
s_stack(const char *verb, const char *component)
{
    const char *script = it_env_require("TEST_STACK_SCRIPT");
    char cmd[1024];
    /* The component name comes from this file's callers, never from outside input. */
    snprintf(cmd, sizeof cmd, "'%s' %s %s >&2", script, verb, component);
    int rc = system(cmd);
    if (rc == -1)
        return -1;
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int
it_stack_stop(const char *component)
{
    char marker[512];
    s_marker_path(component, marker, sizeof marker);
    FILE *f = fopen(marker, "w");
    if (f)
        fclose(f);
    return s_stack("stop-one", component);
}

int
it_stack_start(const char *component)
{
    int rc = s_stack("start-one", component);
    if (rc == 0) {
        char marker[512];
        s_marker_path(component, marker, sizeof marker);
        unlink(marker);
    }
    return rc;
}

void
it_stack_restore(void)
{
    for (int i = 0; s_components[i]; i++) {
        char marker[512];
        s_marker_path(s_components[i], marker, sizeof marker);
        if (access(marker, F_OK) == 0) {
            fprintf(stderr, "it_stack_restore: restarting %s left stopped by a test\n",
                    s_components[i]);
            if (s_stack("start-one", s_components[i]) == 0)
                unlink(marker);
        }
    }
}

/* True when /proc says PID runs EXE (a rebuilt binary shows as "EXE (deleted)"). A zombie
 * has no exe link, so a killed process stops matching before it is reaped. */
static bool
s_pid_runs(pid_t pid, const char *exe)
{
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/%ld/exe", (long) pid);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return false;
    target[n] = '\0';
    char *deleted = strstr(target, " (deleted)");
    if (deleted && deleted[10] == '\0')
        *deleted = '\0';
    return strcmp(target, exe) == 0;
}

int
it_stack_kill(const char *component)
{
    char file[1024], exe[4096] = "";
    long pid = 0;
    snprintf(file, sizeof file, "%s/run/%s.pid", it_env_require("STACK_DIR"), component);
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    int fields = fscanf(f, "%ld %4095s", &pid, exe);
    fclose(f);
    if (fields != 2 || pid <= 1 || !s_pid_runs((pid_t) pid, exe))
        return -1;
    /* The marker first: should the test die right after the kill, the teardown still
     * knows to bring the component back. */
    char marker[512];
    s_marker_path(component, marker, sizeof marker);
    FILE *m = fopen(marker, "w");
    if (m)
        fclose(m);
    if (kill((pid_t) pid, SIGKILL) != 0)
        return -1;
    int64_t until = it_now_ms() + 10000;
    while (s_pid_runs((pid_t) pid, exe)) {
        if (it_now_ms() > until)
            return -1;
        it_sleep_ms(20);
    }
    return 0;
}
