/* chaos_check.h -- the verdict: the run's records against each other and against the
 * database. Pure: no I/O, so the unit test can feed it made-up runs. */
#ifndef CHAOS_CHECK_H
#define CHAOS_CHECK_H
#include "chaos.h"
#include "chaos_db.h"

#define CHAOS_EXAMPLES     5
#define CHAOS_STATUS_KINDS 16

enum {
    CHAOS_CHECK_LOAD_RAN,        /* every route was acknowledged at least once */
    CHAOS_CHECK_ACKED_IN_DB,     /* every acknowledged create is its own row */
    CHAOS_CHECK_NO_DUPLICATES,   /* no request made two rows; rows per user = acks */
    CHAOS_CHECK_ALL_ACKED,       /* no logical request gave up */
    CHAOS_CHECK_ERROR_KINDS,     /* every failed attempt was 502/503/504/broken/409 in use */
    CHAOS_CHECK_ERROR_WINDOWS,   /* every failed attempt ended inside a kill window: a
                                  * failure seen long after recovery (a 30 s timeout) is
                                  * outside it */
    CHAOS_CHECK_KILLS,           /* every killed process was back and requests succeeded */
    CHAOS_CHECK_WS_EXACTLY_ONCE, /* every socket user got each notification row once */
    CHAOS_CHECKS
};

typedef struct {
    const char *name;
    const char *meaning;
    bool pass;
    size_t failures;
    int n_examples;
    char examples[CHAOS_EXAMPLES][240];
} chaos_check_t;

typedef struct {
    int64_t t_recovered;         /* ready AND every route succeeded again; 0: never */
    int64_t window_end;          /* t_recovered (or the end of the load) + slack */
    size_t errors;               /* failed attempts attributed to this kill */
} chaos_kill_result_t;

typedef struct {
    int status;                  /* 0: transport error; 4090: 409 IDEMPOTENCY_KEY_IN_USE */
    size_t count;
} chaos_status_count_t;

typedef struct {
    size_t logical[CHAOS_ROUTES], attempts[CHAOS_ROUTES], acked[CHAOS_ROUTES];
    size_t failed[CHAOS_ROUTES], retried[CHAOS_ROUTES];
    chaos_status_count_t errors_by_status[CHAOS_STATUS_KINDS];
    int n_status_kinds;
    size_t errors, errors_outside;
    chaos_attempt_t slowest;     /* the longest attempt, whatever its outcome */
    size_t rows_orders, rows_messages, duplicate_rows, failed_but_written, unexpected_rows;
    size_t notif_expected, notif_received, notif_duplicates, notif_missing, notif_unexpected;
    size_t ws_connections, ws_reconnects_since, ws_failed_connects;
    chaos_kill_result_t kills[CHAOS_MAX_KILLS];
    chaos_check_t checks[CHAOS_CHECKS];
} chaos_result_t;

/* Judges the run in APP (all threads joined) against DB into *RES. */
void chaos_check_run(const chaos_app_t *app, const chaos_db_state_t *db, chaos_result_t *res);

/* Whether every check passed. */
bool chaos_check_passed(const chaos_result_t *res);

/* The moment the system was serving again after kill K: the latest, over the routes in
 * the mix, of the end of the first 2xx attempt started once K's process was ready.
 * 0 when the process never came back or some route never succeeded after it. */
int64_t chaos_check_recovery(const chaos_app_t *app, const chaos_kill_t *k);

#endif
