/* notify_db.h -- PostgreSQL work off the libwebsockets thread.
 *
 * One worker thread with its own connection (DATABASE_URL) runs the two reads notify
 * needs: the groups of a user who connects, and the notifications a reconnecting socket
 * missed (?since=). The lws thread submits jobs; results come back on a queue and the
 * worker calls WAKE (lws_cancel_service) so the loop collects them. Replays and resyncs
 * queued one behind the other are read together, up to 64 sockets in one query (a broker
 * lost with thousands of sockets open queues one per socket); each result is what its
 * job alone would have read, and results come back in the order the jobs went in. */
#ifndef NOTIFY_DB_H
#define NOTIFY_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "notify_sendq.h"

/* CATCHUP: after a group_joined, the user's notifications of that group's messages since
 * the membership began (services/notify/README.md); its result is shaped as a REPLAY's.
 * RESYNC: a socket that has no notification cursor (no ?since=, nothing sent yet) caught
 * up after a broker came or went: the user's notifications created since a time; shaped
 * as a REPLAY's too. */
typedef enum {
    NOTIFY_JOB_GROUPS = 1, NOTIFY_JOB_REPLAY, NOTIFY_JOB_CATCHUP, NOTIFY_JOB_RESYNC
} notify_job_kind_t;

typedef struct notify_result_t {
    struct notify_result_t *next;
    notify_job_kind_t kind;
    int64_t user_id;
    uint64_t session_id;         /* REPLAY: the socket that asked; CATCHUP: the join */
    bool ok;                     /* false: the database failed; nothing else is set */
    int64_t *groups;             /* GROUPS: the user's group ids */
    size_t group_count;
    notify_sendq_t frames;       /* REPLAY: new_message + notification frames, id order,
                                    each tagged with its notification id */
    int64_t *replayed;           /* REPLAY: the notification ids sent, ascending */
    size_t replayed_count;
    bool truncated;              /* REPLAY: more than the bound were missed */
} notify_result_t;

typedef struct notify_db_t notify_db_t;

typedef void (notify_wake_fn)(void *arg);

/* Starts the worker. REPLAY_MAX bounds one replay; HEADROOM is the spare room in front of
 * each frame (LWS_PRE); QUEUE_MAX bounds the jobs waiting. NULL when the thread cannot
 * start (a database that is down is not a failure: jobs then fail one by one). */
notify_db_t *notify_db_new(const char *conninfo, int replay_max, size_t headroom,
                           size_t queue_max, notify_wake_fn *wake, void *wake_arg);

/* Stops the worker (after the job in hand) and frees pending jobs and results. */
void notify_db_destroy(notify_db_t **self_p);

/* Queues a job. ARG is the ?since= cursor of a REPLAY, the group id of a CATCHUP, the
 * unix ms of a RESYNC (rows created at or after it). 0, or
 * -1 when the queue is full (the caller refuses the socket). */
int notify_db_submit(notify_db_t *self, notify_job_kind_t kind, int64_t user_id,
                     uint64_t session_id, int64_t arg);

/* The oldest finished result (caller destroys it), or NULL. */
notify_result_t *notify_db_take(notify_db_t *self);

void notify_result_destroy(notify_result_t **self_p);

/* True when the last database call succeeded (or none was made yet). */
bool notify_db_healthy(const notify_db_t *self);

#endif
