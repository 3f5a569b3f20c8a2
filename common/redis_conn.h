/* redis_conn.h -- one synchronous hiredis connection for one thread, with bounded connect
 * and command time, and a fresh connection after any error (a hiredis context cannot be
 * reused once it failed). */
#ifndef COMMON_REDIS_CONN_H
#define COMMON_REDIS_CONN_H
#include <hiredis/hiredis.h>
#include <stdbool.h>

typedef struct redis_conn_t redis_conn_t;

/* From REDIS_HOST (127.0.0.1), REDIS_PORT (6379), REDIS_TIMEOUT_MS (200), REDIS_PASSWORD
 * (none: sent as AUTH after each connect when set). Never NULL: connects lazily. */
redis_conn_t *redis_conn_new(void);
void redis_conn_destroy(redis_conn_t **self_p);

/* Like redisCommandArgv. Returns a reply the caller frees with freeReplyObject, or NULL
 * when Redis is unreachable or timed out (the context is dropped and rebuilt next call,
 * at most once per REDIS_RETRY_MS so a dead Redis does not cost a connect per request).
 * A connection that went stale (Redis restarted) is replaced and the command sent once
 * more, so callers never see one failure per thread after a restart.
 * A REDIS_REPLY_ERROR reply is returned as is. */
redisReply *redis_conn_command(redis_conn_t *self, int argc, const char **argv,
                               const size_t *argvlen);

/* Queues "GET KEY" to ride in the same write as the next redis_conn_command, so a caller
 * that needs a value beside its command pays one round trip, not two (the edge reads its
 * profile cache with the revocation check). -1 when KEY is too long (nothing queued). */
int redis_conn_prefetch(redis_conn_t *self, const char *key);

/* The reply of the last prefetched GET (caller frees), or NULL when none was sent or Redis
 * did not answer. Taking it clears it. */
redisReply *redis_conn_prefetched(redis_conn_t *self);

#endif
