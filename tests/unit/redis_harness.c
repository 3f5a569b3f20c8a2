/* redis_harness.c -- a private redis-server for the unit suites (redis_harness.h). */
#include "redis_harness.h"
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define REDIS_SERVER "/usr/bin/redis-server"

struct redis_harness {
    pid_t pid;
    int port;
};

bool
redis_harness_available(void)
{
    return access(REDIS_SERVER, X_OK) == 0;
}

/* A PING-less probe is enough: the server accepts connections only once it is ready,
 * and with requirepass a connection is accepted before AUTH. */
static bool
s_answers(int port)
{
    redisContext *c = redisConnect("127.0.0.1", port);
    bool ok = c && !c->err;
    if (c)
        redisFree(c);
    return ok;
}

redis_harness_t *
redis_harness_new(int port_base, const char *password_or_null)
{
    if (!redis_harness_available())
        return NULL;
    redis_harness_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->port = port_base + (int) (getpid() % 2000);
    char port[16];
    snprintf(port, sizeof port, "%d", self->port);
    self->pid = fork();
    if (self->pid == 0) {
        if (!freopen("/dev/null", "w", stdout))
            _exit(127);
        if (password_or_null)
            execl(REDIS_SERVER, "redis-server", "--port", port, "--bind", "127.0.0.1", "--save",
                  "", "--appendonly", "no", "--requirepass", password_or_null, (char *) NULL);
        else
            execl(REDIS_SERVER, "redis-server", "--port", port, "--bind", "127.0.0.1", "--save",
                  "", "--appendonly", "no", (char *) NULL);
        _exit(127);
    }
    if (self->pid < 0) {
        free(self);
        return NULL;
    }
    setenv("REDIS_HOST", "127.0.0.1", 1);
    setenv("REDIS_PORT", port, 1);
    setenv("REDIS_RETRY_MS", "0", 1);
    for (int i = 0; i < 100; i++) {
        if (s_answers(self->port))
            return self;
        if (waitpid(self->pid, NULL, WNOHANG) == self->pid) {
            self->pid = 0;   /* it exited (port taken?): nothing to stop */
            break;
        }
        usleep(50000);
    }
    redis_harness_destroy(&self);
    return NULL;
}

void
redis_harness_destroy(redis_harness_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    redis_harness_t *self = *self_p;
    if (self->pid > 0) {
        kill(self->pid, SIGTERM);
        waitpid(self->pid, NULL, 0);
    }
    free(self);
    *self_p = NULL;
}

int
redis_harness_port(const redis_harness_t *self)
{
    return self->port;
}
