/* notify_db.c -- the database worker thread: group lists and ?since= replays. */
#include "notify_db.h"
#include "db.h"
#include "log.h"
#include "notify_event.h"
#include "notify_frame.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* $3 is the bound plus one, so one extra row tells that the replay was truncated. */
static const db_statement_t s_statements[] = {
    { "notify_groups", "SELECT group_id FROM group_members WHERE user_id = $1", 1 },
    { "notify_replay",
      "SELECT n.id, n.is_read, " TS("n.created_at") ", m.id, m.sender_id, m.receiver_type, "
      "m.receiver_id, m.text, m.is_read, " TS("m.created_at")
      " FROM notifications n JOIN messages m ON m.id = n.message_id"
      " WHERE n.user_id = $1 AND n.id > $2 ORDER BY n.id LIMIT $3", 3 },
    /* The membership's rows: a message's notifications are written in its transaction,
     * which saw the member row, so it began at most a lock wait before joined_at (both
     * are PostgreSQL's now(), one clock); the margin covers that wait, and costs at worst
     * a duplicate after a leave and rejoin within it. No member row (left again): none. */
    { "notify_catchup",
      "SELECT n.id, n.is_read, " TS("n.created_at") ", m.id, m.sender_id, m.receiver_type, "
      "m.receiver_id, m.text, m.is_read, " TS("m.created_at")
      " FROM notifications n JOIN messages m ON m.id = n.message_id"
      " JOIN group_members gm ON gm.group_id = m.receiver_id AND gm.user_id = n.user_id"
      " WHERE n.user_id = $1 AND m.receiver_type = 'group' AND m.receiver_id = $2"
      " AND n.created_at >= gm.joined_at - interval '30 seconds' ORDER BY n.id LIMIT $3", 3 },
    /* A socket without a cursor: the rows created since it went live (less a margin the
     * caller took off), on PostgreSQL's clock against notify's (one host, or NTP). */
    { "notify_resync",
      "SELECT n.id, n.is_read, " TS("n.created_at") ", m.id, m.sender_id, m.receiver_type, "
      "m.receiver_id, m.text, m.is_read, " TS("m.created_at")
      " FROM notifications n JOIN messages m ON m.id = n.message_id"
      " WHERE n.user_id = $1 AND n.created_at >= to_timestamp($2::float8 / 1000)"
      " ORDER BY n.id LIMIT $3", 3 },
    { NULL, NULL, 0 }
};

typedef struct job_t {
    struct job_t *next;
    notify_job_kind_t kind;
    int64_t user_id;
    uint64_t session_id;
    int64_t arg;                 /* REPLAY: since; CATCHUP: group id; RESYNC: unix ms */
} job_t;

struct notify_db_t {
    char *conninfo;
    int replay_max;
    size_t headroom;
    size_t queue_max;
    notify_wake_fn *wake;
    void *wake_arg;

    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;                   /* under lock */
    job_t *jobs_head, *jobs_tail;
    size_t job_count;
    notify_result_t *results_head, *results_tail;
    atomic_bool healthy;
};

static int64_t
s_int(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void
s_groups(notify_db_t *self, db_t *db, const job_t *job, notify_result_t *r)
{
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long) job->user_id);
    const char *params[1] = { uid };
    PGresult *res = db_exec(db, "notify_groups", 1, params);
    if (!res)
        return;
    int rows = PQntuples(res);
    r->groups = calloc(rows ? (size_t) rows : 1, sizeof *r->groups);
    if (!r->groups)
        abort();
    for (int i = 0; i < rows; i++)
        r->groups[r->group_count++] = s_int(res, i, 0);
    PQclear(res);
    r->ok = true;
}

/* Builds the two frames of row I of RES into R. */
static int
s_replay_row(notify_db_t *self, const PGresult *res, int i, notify_result_t *r, int64_t uid)
{
    notify_message_t msg = { 0 };
    notify_notif_t notif = { 0 };
    notif.id = s_int(res, i, 0);
    notif.user_id = uid;
    notif.is_read = PQgetvalue(res, i, 1)[0] == 't';
    snprintf(notif.created_at, sizeof notif.created_at, "%s", PQgetvalue(res, i, 2));
    msg.id = s_int(res, i, 3);
    msg.has_sender = !PQgetisnull(res, i, 4);
    msg.sender_id = msg.has_sender ? s_int(res, i, 4) : 0;
    snprintf(msg.receiver_type, sizeof msg.receiver_type, "%s", PQgetvalue(res, i, 5));
    msg.receiver_id = s_int(res, i, 6);
    msg.text = PQgetvalue(res, i, 7);          /* borrowed: never released below */
    msg.is_read = PQgetvalue(res, i, 8)[0] == 't';
    snprintf(msg.created_at, sizeof msg.created_at, "%s", PQgetvalue(res, i, 9));

    int rc = -1;
    char *a = notify_frame_new_message(&msg);
    char *b = notify_frame_notification(&msg, &notif);
    if (!a || !b)
        goto cleanup;
    notify_sendq_push(&r->frames, a, strlen(a), notif.id, self->headroom,
                      NOTIFY_SENDQ_UNBOUNDED, NOTIFY_SENDQ_UNBOUNDED);
    notify_sendq_push(&r->frames, b, strlen(b), notif.id, self->headroom,
                      NOTIFY_SENDQ_UNBOUNDED, NOTIFY_SENDQ_UNBOUNDED);
    r->replayed[r->replayed_count++] = notif.id;
    rc = 0;
cleanup:
    free(a);
    free(b);
    return rc;
}

/* A ?since= replay, a join catch-up or a resync: the same rows, the same bound. */
static void
s_replay(notify_db_t *self, db_t *db, const job_t *job, notify_result_t *r)
{
    char uid[24], arg[24], limit[24];
    snprintf(uid, sizeof uid, "%lld", (long long) job->user_id);
    snprintf(arg, sizeof arg, "%lld", (long long) job->arg);
    snprintf(limit, sizeof limit, "%d", self->replay_max + 1);
    const char *params[3] = { uid, arg, limit };
    const char *stmt = job->kind == NOTIFY_JOB_CATCHUP  ? "notify_catchup"
                       : job->kind == NOTIFY_JOB_RESYNC ? "notify_resync"
                                                        : "notify_replay";
    PGresult *res = db_exec(db, stmt, 3, params);
    if (!res)
        return;
    int rows = PQntuples(res);
    if (rows > self->replay_max) {
        r->truncated = true;
        rows = self->replay_max;
    }
    r->replayed = calloc(rows ? (size_t) rows : 1, sizeof *r->replayed);
    if (!r->replayed)
        abort();
    for (int i = 0; i < rows; i++) {
        if (s_replay_row(self, res, i, r, job->user_id) != 0) {
            PQclear(res);
            return;                      /* out of memory: report a failure */
        }
    }
    PQclear(res);
    r->ok = true;
}

static void
s_finish(notify_db_t *self, notify_result_t *r)
{
    pthread_mutex_lock(&self->lock);
    if (self->results_tail)
        self->results_tail->next = r;
    else
        self->results_head = r;
    self->results_tail = r;
    pthread_mutex_unlock(&self->lock);
    if (self->wake)
        self->wake(self->wake_arg);
}

static void *
s_run(void *arg)
{
    notify_db_t *self = arg;
    db_t *db = db_new(self->conninfo, s_statements);
    for (;;) {
        pthread_mutex_lock(&self->lock);
        while (!self->stop && !self->jobs_head)
            pthread_cond_wait(&self->cond, &self->lock);
        if (self->stop) {
            pthread_mutex_unlock(&self->lock);
            break;
        }
        job_t *job = self->jobs_head;
        self->jobs_head = job->next;
        if (!self->jobs_head)
            self->jobs_tail = NULL;
        self->job_count--;
        pthread_mutex_unlock(&self->lock);

        notify_result_t *r = calloc(1, sizeof *r);
        if (!r)
            abort();
        r->kind = job->kind;
        r->user_id = job->user_id;
        r->session_id = job->session_id;
        notify_sendq_init(&r->frames);
        if (job->kind == NOTIFY_JOB_GROUPS)
            s_groups(self, db, job, r);
        else
            s_replay(self, db, job, r);
        atomic_store(&self->healthy, r->ok);
        if (!r->ok)
            log_warn(NULL, "db_job_failed", "%s for user %lld failed (sqlstate %s)",
                     job->kind == NOTIFY_JOB_GROUPS ? "group list"
                     : job->kind == NOTIFY_JOB_CATCHUP ? "join catch-up"
                     : job->kind == NOTIFY_JOB_RESYNC  ? "resync" : "replay",
                     (long long) job->user_id, db_sqlstate(db));
        free(job);
        s_finish(self, r);
    }
    db_destroy(&db);
    return NULL;
}

notify_db_t *
notify_db_new(const char *conninfo, int replay_max, size_t headroom, size_t queue_max,
              notify_wake_fn *wake, void *wake_arg)
{
    notify_db_t *self = calloc(1, sizeof *self);
    if (!self)
        abort();
    self->conninfo = strdup(conninfo);
    self->replay_max = replay_max;
    self->headroom = headroom;
    self->queue_max = queue_max;
    self->wake = wake;
    self->wake_arg = wake_arg;
    atomic_init(&self->healthy, true);
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->cond, NULL);
    if (!self->conninfo || pthread_create(&self->thread, NULL, s_run, self) != 0) {
        pthread_mutex_destroy(&self->lock);
        pthread_cond_destroy(&self->cond);
        free(self->conninfo);
        free(self);
        return NULL;
    }
    return self;
}

void
notify_db_destroy(notify_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_db_t *self = *self_p;
    pthread_mutex_lock(&self->lock);
    self->stop = true;
    pthread_cond_signal(&self->cond);
    pthread_mutex_unlock(&self->lock);
    pthread_join(self->thread, NULL);
    while (self->jobs_head) {
        job_t *next = self->jobs_head->next;
        free(self->jobs_head);
        self->jobs_head = next;
    }
    notify_result_t *r;
    while ((r = notify_db_take(self)))
        notify_result_destroy(&r);
    pthread_mutex_destroy(&self->lock);
    pthread_cond_destroy(&self->cond);
    free(self->conninfo);
    free(self);
    *self_p = NULL;
}

int
notify_db_submit(notify_db_t *self, notify_job_kind_t kind, int64_t user_id,
                 uint64_t session_id, int64_t arg)
{
    job_t *job = calloc(1, sizeof *job);
    if (!job)
        return -1;
    job->kind = kind;
    job->user_id = user_id;
    job->session_id = session_id;
    job->arg = arg;
    pthread_mutex_lock(&self->lock);
    if (self->job_count >= self->queue_max) {
        pthread_mutex_unlock(&self->lock);
        free(job);
        return -1;
    }
    if (self->jobs_tail)
        self->jobs_tail->next = job;
    else
        self->jobs_head = job;
    self->jobs_tail = job;
    self->job_count++;
    pthread_cond_signal(&self->cond);
    pthread_mutex_unlock(&self->lock);
    return 0;
}

notify_result_t *
notify_db_take(notify_db_t *self)
{
    pthread_mutex_lock(&self->lock);
    notify_result_t *r = self->results_head;
    if (r) {
        self->results_head = r->next;
        if (!self->results_head)
            self->results_tail = NULL;
        r->next = NULL;
    }
    pthread_mutex_unlock(&self->lock);
    return r;
}

void
notify_result_destroy(notify_result_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    notify_result_t *r = *self_p;
    free(r->groups);
    free(r->replayed);
    notify_sendq_clear(&r->frames);
    free(r);
    *self_p = NULL;
}

bool
notify_db_healthy(const notify_db_t *self)
{
    return atomic_load(&((notify_db_t *) self)->healthy);
}
