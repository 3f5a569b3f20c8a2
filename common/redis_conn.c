/* redis_conn.c -- one hiredis connection per thread; bounded time; rebuilt after errors. */
#include "redis_conn.h"
#include "mem.h"
#include "clock.h"
#include "config.h"
#include "dep_health.h"
#include "log.h"
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct redis_conn_t {
    char host[256];
    char password[256];            /* REDIS_PASSWORD: AUTH after each connect, or "" */
    int port;
    int timeout_ms;
    int retry_ms;
    redisContext *ctx;
    int64_t next_attempt_ms;
    char prefetch_key[256];        /* a GET riding along with the next command, or "" */
    redisReply *prefetched;        /* its reply, until taken */
};

redis_conn_t *
redis_conn_new(void)
{
    redis_conn_t *self = mem_calloc(1, sizeof *self);
    snprintf(self->host, sizeof self->host, "%s", config_str("REDIS_HOST", "127.0.0.1"));
    snprintf(self->password, sizeof self->password, "%s", config_str("REDIS_PASSWORD", ""));
    self->port = (int) config_int("REDIS_PORT", 56379, 1, 65535);
    self->timeout_ms = (int) config_int("REDIS_TIMEOUT_MS", 200, 1, 60000);
    self->retry_ms = (int) config_int("REDIS_RETRY_MS", 250, 0, 60000);
    return self;
}

void
redis_conn_destroy(redis_conn_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->ctx)
        redisFree((*self_p)->ctx);
    if ((*self_p)->prefetched)
        freeReplyObject((*self_p)->prefetched);
    free(*self_p);
    *self_p = NULL;
}

/* AUTH with REDIS_PASSWORD on a fresh context (Redis with requirepass, a managed Redis).
 * A refused or failed AUTH drops the context: the connection counts as unreachable, and
 * the password never reaches the log. */
static bool
s_auth(redis_conn_t *self)
{
    const char *argv[2] = { "AUTH", self->password };
    size_t argvlen[2] = { 4, strlen(self->password) };
    redisReply *reply = redisCommandArgv(self->ctx, 2, argv, argvlen);
    bool ok = reply && reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "OK") == 0;
    if (!ok)
        log_warn(NULL, "redis_auth", "redis %s:%d refused AUTH: %s", self->host, self->port,
                 reply && reply->type == REDIS_REPLY_ERROR ? reply->str
                 : self->ctx->err ? self->ctx->errstr : "unexpected reply");
    if (reply)
        freeReplyObject(reply);
    if (!ok) {
        redisFree(self->ctx);
        self->ctx = NULL;
    }
    return ok;
}

static bool
s_connect(redis_conn_t *self)
{
    int64_t now = clock_mono_ms();
    if (now < self->next_attempt_ms)
        return false;
    self->next_attempt_ms = now + self->retry_ms;
    struct timeval tv = { self->timeout_ms / 1000, (self->timeout_ms % 1000) * 1000 };
    self->ctx = redisConnectWithTimeout(self->host, self->port, tv);
    if (!self->ctx || self->ctx->err) {
        log_warn(NULL, "redis_connect", "redis %s:%d unreachable: %s", self->host, self->port,
                 self->ctx ? self->ctx->errstr : "out of memory");
        if (self->ctx)
            redisFree(self->ctx);
        self->ctx = NULL;
        dep_health_report(DEP_REDIS, false);
        return false;
    }
    redisSetTimeout(self->ctx, tv);
    if (self->password[0] && !s_auth(self))
        return false;
    return true;
}

/* One command on the current context, with the prefetch GET in the same write when one
 * is queued; on failure the context is dropped. */
static redisReply *
s_command(redis_conn_t *self, int argc, const char **argv, const size_t *argvlen)
{
    redisReply *reply = NULL, *extra = NULL;
    bool prefetch = self->prefetch_key[0] != '\0';
    bool ok = redisAppendCommandArgv(self->ctx, argc, argv, argvlen) == REDIS_OK;
    if (ok && prefetch) {
        const char *gargv[2] = { "GET", self->prefetch_key };
        size_t glen[2] = { 3, strlen(self->prefetch_key) };
        ok = redisAppendCommandArgv(self->ctx, 2, gargv, glen) == REDIS_OK;
    }
    ok = ok && redisGetReply(self->ctx, (void **) &reply) == REDIS_OK && reply;
    ok = ok && (!prefetch || (redisGetReply(self->ctx, (void **) &extra) == REDIS_OK && extra));
    if (!ok || self->ctx->err) {
        log_warn(NULL, "redis_error", "redis command failed: %s", self->ctx->errstr);
        if (reply)
            freeReplyObject(reply);
        if (extra)
            freeReplyObject(extra);
        redisFree(self->ctx);
        self->ctx = NULL;
        self->next_attempt_ms = 0;
        dep_health_report(DEP_REDIS, false);
        return NULL;
    }
    dep_health_report(DEP_REDIS, true);
    if (prefetch) {
        if (self->prefetched)
            freeReplyObject(self->prefetched);
        self->prefetched = extra;
        self->prefetch_key[0] = '\0';
    }
    return reply;
}

redisReply *
redis_conn_command(redis_conn_t *self, int argc, const char **argv, const size_t *argvlen)
{
    bool had_context = self->ctx != NULL;
    redisReply *reply = NULL;
    if (self->ctx || s_connect(self)) {
        reply = s_command(self, argc, argv, argvlen);
        /* A connection made before a Redis restart fails once with a reset; the command
         * never ran, so it goes again, once, on a fresh connection. A Redis that is really
         * gone refuses the new connection at once (or within the connect timeout). */
        if (!reply && had_context && s_connect(self))
            reply = s_command(self, argc, argv, argvlen);
    }
    self->prefetch_key[0] = '\0';   /* it rides with this command or not at all */
    return reply;
}

int
redis_conn_prefetch(redis_conn_t *self, const char *key)
{
    if (strlen(key) >= sizeof self->prefetch_key)
        return -1;
    memcpy(self->prefetch_key, key, strlen(key) + 1);
    return 0;
}

redisReply *
redis_conn_prefetched(redis_conn_t *self)
{
    redisReply *reply = self->prefetched;
    self->prefetched = NULL;
    return reply;
}
