/* it_edge.c -- starting and stopping a suite's own edge. */
#include "it_edge.h"
#include "it_env.h"
#include "it_http.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t
it_edge_start(int port, const char *const *settings)
{
    char bin[1024], log[1024];
    snprintf(bin, sizeof bin, "%s/edge-http/edge", it_env_require("TEST_BUILD_DIR"));
    const char *log_dir = getenv("LOG_DIR");
    snprintf(log, sizeof log, "%s/edge-%d.log", log_dir && *log_dir ? log_dir : "/tmp", port);
    const char *bus = getenv("TEST_BUS_CLIENT_ENDPOINT");
    if (!bus || !*bus)
        bus = it_env_require("BUS_CLIENT_ENDPOINT");
    const char *redis_host = it_env_require("TEST_REDIS_HOST");
    const char *redis_port = it_env_require("TEST_REDIS_PORT");
    const char *secret = it_env_require("TEST_JWT_SECRET");
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(1);
        char p[16];
        snprintf(p, sizeof p, "%d", port);
        setenv("EDGE_PORT", p, 1);
        setenv("ADMIN_PORT", "0", 1);
        setenv("BUS_CLIENT_ENDPOINT", bus, 1);
        setenv("REDIS_HOST", redis_host, 1);
        setenv("REDIS_PORT", redis_port, 1);
        setenv("JWT_ALG", "HS256", 1);
        setenv("JWT_SECRET", secret, 1);
        setenv("BUS_TIMEOUT_MS", "3000", 1);
        /* the test stack's generous limits must not leak into the suite's edges */
        unsetenv("RATE_LIMIT_PER_SECOND");
        unsetenv("RATE_LIMIT_PER_MINUTE");
        unsetenv("RATE_LIMIT_ROUTES");
        unsetenv("RATE_LIMIT_WINDOWS");
        for (int i = 0; settings && settings[i]; i++) {
            char name[128];
            const char *eq = strchr(settings[i], '=');
            snprintf(name, sizeof name, "%.*s", (int) (eq - settings[i]), settings[i]);
            setenv(name, eq + 1, 1);
        }
        if (!freopen(log, "a", stderr))
            _exit(1);
        execl(bin, "edge", (char *) NULL);
        _exit(127);
    }
    char url[64], saved[512];
    const char *before = getenv("TEST_EDGE_URL");
    snprintf(saved, sizeof saved, "%s", before ? before : "");
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    setenv("TEST_EDGE_URL", url, 1);
    for (int i = 0; i < 200; i++) {
        it_response_t *r = it_request("GET", "/health/live", NULL, NULL, NULL);
        long status = r->status;
        it_response_destroy(&r);
        if (status == 200) {
            setenv("TEST_EDGE_URL", saved, 1);
            return pid;
        }
        it_sleep_ms(50);
    }
    setenv("TEST_EDGE_URL", saved, 1);
    ck_abort_msg("edge on port %d did not start (log %s)", port, log);
    return -1;
}

void
it_edge_stop(pid_t *pid)
{
    if (!pid || *pid <= 0)
        return;
    kill(*pid, SIGTERM);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

long
it_proc_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long kib = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    fclose(f);
    return kib;
}
