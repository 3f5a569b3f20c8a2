/* notify_db.c -- the database worker thread: group lists and ?since= replays. */
#include "notify_db.h"
#include "mem.h"
#include "db.h"
#include "log.h"
#include "notify_dbarray.h"
#include "notify_event.h"
#include "notify_frame.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* Replays and resyncs read in batches of at most this many sockets: one query instead of
 * one per socket (a broker lost with 19,000 sockets open was 19,000 queries). The bound
 * keeps one result, at worst BATCH_MAX times NOTIFY_REPLAY_MAX rows, in a few MiB. */
#define BATCH_MAX 64

/* The bound plus one is the LIMIT, so one extra row tells that the replay was truncated. */
static const db_statement_t s_statements[] = {
    { "notify_groups", "SELECT group_id FROM group_members WHERE user_id = $1", 1 },
    /* Replays (?since=: the rows after an id) and resyncs without a cursor (the rows
     * created since a time, on PostgreSQL's clock against notify's: one host, or NTP) of
     * many sockets at once: socket K of the batch is row K of the arrays (user, rows
     * after this id, rows created at or after this unix ms; 0 where the socket has no
     * such bound), each with its own bound (LIMIT in the LATERAL), the rows in socket
     * then id order, tagged with K (the last column). */
    { "notify_replay_batch",
      "SELECT r.nid, r.nread, r.ncreated, r.mid, r.sender_id, r.receiver_type, r.receiver_id,"
      " r.text, r.mread, r.mcreated, q.k"
      " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY"
      " AS q(user_id, after_id, since_ms, k)"
      " CROSS JOIN LATERAL (SELECT n.id AS nid, n.is_read AS nread, " TS("n.created_at")
      " AS ncreated, m.id AS mid, m.sender_id, m.receiver_type, m.receiver_id, m.text,"
      " m.is_read AS mread, " TS("m.created_at") " AS mcreated"
      " FROM notifications n JOIN messages m ON m.id = n.message_id"
      " WHERE n.user_id = q.user_id AND n.id > q.after_id"
      " AND n.created_at >= to_timestamp(q.since_ms::float8 / 1000)"
      " ORDER BY n.id LIMIT $4) r"
      " ORDER BY q.k, r.nid", 4 },
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
    r->groups = mem_calloc(rows ? (size_t) rows : 1, sizeof *r->groups);
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

/* Rows FIRST .. FIRST+COUNT-1 of RES, one socket's, into R: at most the bound, and
 * truncated when there were more. */
static void
s_replay_rows(notify_db_t *self, const PGresult *res, int first, int count, notify_result_t *r)
{
    if (count > self->replay_max) {
        r->truncated = true;
        count = self->replay_max;
    }
    r->replayed = mem_calloc(count ? (size_t) count : 1, sizeof *r->replayed);
    for (int i = 0; i < count; i++)
        if (s_replay_row(self, res, first + i, r, r->user_id) != 0)
            return;                      /* out of memory: report a failure */
    r->ok = true;
}

/* A join catch-up: the rows of one group since the membership began. */
static void
s_catchup(notify_db_t *self, db_t *db, const job_t *job, notify_result_t *r)
{
    char uid[24], arg[24], limit[24];
    snprintf(uid, sizeof uid, "%lld", (long long) job->user_id);
    snprintf(arg, sizeof arg, "%lld", (long long) job->arg);
    snprintf(limit, sizeof limit, "%d", self->replay_max + 1);
    const char *params[3] = { uid, arg, limit };
    PGresult *res = db_exec(db, "notify_catchup", 3, params);
    if (!res)
        return;
    s_replay_rows(self, res, 0, PQntuples(res), r);
    PQclear(res);
}

/* N replays and resyncs (JOBS, results R, same order) in one query: each socket gets the
 * rows and the bound it would have had alone. A failure fails them all. */
static void
s_replay_batch(notify_db_t *self, db_t *db, job_t *const *jobs, size_t n,
               notify_result_t *const *r)
{
    int64_t users[BATCH_MAX], after[BATCH_MAX], since[BATCH_MAX];
    for (size_t k = 0; k < n; k++) {
        users[k] = jobs[k]->user_id;
        after[k] = jobs[k]->kind == NOTIFY_JOB_REPLAY ? jobs[k]->arg : 0;
        since[k] = jobs[k]->kind == NOTIFY_JOB_RESYNC ? jobs[k]->arg : 0;
    }
    char a1[NOTIFY_DBARRAY_SIZE(BATCH_MAX)], a2[NOTIFY_DBARRAY_SIZE(BATCH_MAX)],
        a3[NOTIFY_DBARRAY_SIZE(BATCH_MAX)], limit[24];
    if (notify_dbarray_format(users, n, a1, sizeof a1) < 0
        || notify_dbarray_format(after, n, a2, sizeof a2) < 0
        || notify_dbarray_format(since, n, a3, sizeof a3) < 0)
        return;
    snprintf(limit, sizeof limit, "%d", self->replay_max + 1);
    const char *params[4] = { a1, a2, a3, limit };
    PGresult *res = db_exec(db, "notify_replay_batch", 4, params);
    if (!res)
        return;
    int rows = PQntuples(res), i = 0;
    for (size_t k = 0; k < n; k++) {
        /* The rows of socket K (1-based in the query) follow those of K-1. */
        int first = i;
        while (i < rows && s_int(res, i, 10) == (int64_t) k + 1)
            i++;
        s_replay_rows(self, res, first, i - first, r[k]);
    }
    PQclear(res);
}

static bool
s_batched(notify_job_kind_t kind)
{
    return kind == NOTIFY_JOB_REPLAY || kind == NOTIFY_JOB_RESYNC;
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
        /* The job at the head; replays and resyncs queued right behind it go with it,
         * so results still come back in the order the jobs were queued. */
        job_t *jobs[BATCH_MAX];
        size_t n = 0;
        do {
            job_t *job = self->jobs_head;
            self->jobs_head = job->next;
            if (!self->jobs_head)
                self->jobs_tail = NULL;
            self->job_count--;
            jobs[n++] = job;
        } while (s_batched(jobs[0]->kind) && n < BATCH_MAX && self->jobs_head
                 && s_batched(self->jobs_head->kind));
        pthread_mutex_unlock(&self->lock);

        notify_result_t *r[BATCH_MAX];
        for (size_t k = 0; k < n; k++) {
            r[k] = mem_calloc(1, sizeof *r[k]);
            r[k]->kind = jobs[k]->kind;
            r[k]->user_id = jobs[k]->user_id;
            r[k]->session_id = jobs[k]->session_id;
            notify_sendq_init(&r[k]->frames);
        }
        if (jobs[0]->kind == NOTIFY_JOB_GROUPS)
            s_groups(self, db, jobs[0], r[0]);
        else if (jobs[0]->kind == NOTIFY_JOB_CATCHUP)
            s_catchup(self, db, jobs[0], r[0]);
        else
            s_replay_batch(self, db, jobs, n, r);
        for (size_t k = 0; k < n; k++) {
            atomic_store(&self->healthy, r[k]->ok);
            if (!r[k]->ok)
                log_warn(NULL, "db_job_failed", "%s for user %lld failed (sqlstate %s)",
                         jobs[k]->kind == NOTIFY_JOB_GROUPS    ? "group list"
                         : jobs[k]->kind == NOTIFY_JOB_CATCHUP ? "join catch-up"
                         : jobs[k]->kind == NOTIFY_JOB_RESYNC  ? "resync" : "replay",
                         (long long) jobs[k]->user_id, db_sqlstate(db));
            free(jobs[k]);
            s_finish(self, r[k]);
        }
    }
    db_destroy(&db);
    return NULL;
}

notify_db_t *
notify_db_new(const char *conninfo, int replay_max, size_t headroom, size_t queue_max,
              notify_wake_fn *wake, void *wake_arg)
{
    notify_db_t *self = mem_calloc(1, sizeof *self);
    self->conninfo = mem_strdup(conninfo);
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
