/* test_chaos_check.c -- the chaos checker judged on made-up runs: a checker that passes
 * a duplicate, a lost row or an error outside every kill window would prove nothing. */
#include "chaos.h"
#include "chaos_check.h"
#include "chaos_schedule.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A run of one thread and two users (user 0 holds a WebSocket), mix orders and messages
 * only, and one kill of "orders1" at 1000 ms, ready at 2000 ms. */
typedef struct {
    chaos_app_t app;
    chaos_loader_t loader;
    chaos_wsuser_t ws;
    chaos_db_state_t db;
} fake_t;

static fake_t *
s_fake(void)
{
    fake_t *f = calloc(1, sizeof *f);
    chaos_app_t *app = &f->app;
    snprintf(app->run_id, sizeof app->run_id, "abcd0123");
    app->cfg.threads = 1;
    app->cfg.users = 2;
    app->cfg.ws_users = 1;
    app->cfg.mix[CHAOS_ORDER] = 1;
    app->cfg.mix[CHAOS_MESSAGE] = 1;
    app->cfg.slack_ms = 500;
    app->cfg.n_kills = 1;
    app->users[0].id = 10;
    app->users[1].id = 11;
    app->loaders = &f->loader;
    app->ws = &f->ws;
    f->loader.app = app;
    f->ws.app = app;
    f->ws.user = 0;
    snprintf(app->kills[0].name, CHAOS_NAME_MAX, "orders1");
    app->kills[0].t_kill = 1000;
    app->kills[0].t_ready = 2000;
    app->t_load_end = 5000;
    return f;
}

static void
s_fake_free(fake_t *f)
{
    free(f->loader.attempts);
    free(f->loader.logical);
    free(f->ws.ids);
    free(f->ws.conns);
    chaos_db_state_clear(&f->db);
    free(f);
}

/* A logical request with one attempt per STATUS (ending at T, T+100, ...), acknowledged
 * when the last status is 2xx with CREATED_ID; a POST's row (tag) when ROWS > 0. */
static void
s_request(fake_t *f, int route, int64_t t, const int *statuses, int n, int64_t created_id,
          int rows)
{
    chaos_loader_t *l = &f->loader;
    size_t seq = l->n_logical;
    chaos_logical_t *lg = chaos_push((void **) &l->logical, &l->n_logical, &l->cap_logical,
                                     sizeof *lg);
    lg->route = (uint8_t) route;
    lg->sender = 1;
    lg->target = route == CHAOS_MESSAGE ? 0 : -1;
    lg->t_start = t;
    for (int i = 0; i < n; i++) {
        chaos_attempt_t *a = chaos_push((void **) &l->attempts, &l->n_attempts,
                                        &l->cap_attempts, sizeof *a);
        a->logical = (int32_t) seq;
        a->route = (uint8_t) route;
        a->t_start = t + i * 100;
        a->t_end = t + i * 100 + 50;
        a->status = (int16_t) statuses[i];
        lg->attempts++;
        lg->final_status = a->status;
    }
    lg->t_end = t + n * 100;
    lg->acked = statuses[n - 1] >= 200 && statuses[n - 1] < 300;
    lg->created_id = lg->acked ? created_id : 0;
    chaos_rows_t *rows_of = route == CHAOS_ORDER ? &f->db.orders : &f->db.messages;
    for (int r = 0; r < rows; r++) {
        chaos_row_t *row = chaos_push((void **) &rows_of->rows, &rows_of->n, &rows_of->cap,
                                      sizeof *row);
        row->id = created_id + r;
        row->user_id = 11;
        chaos_tag(&f->app, 0, seq, row->tag, sizeof row->tag);
    }
}

static void
s_notification(fake_t *f, int64_t id, int received)
{
    chaos_row_t *row = chaos_push((void **) &f->db.notifications.rows, &f->db.notifications.n,
                                  &f->db.notifications.cap, sizeof *row);
    row->id = id;
    row->user_id = 10;
    for (int i = 0; i < received; i++) {
        int64_t *slot = chaos_push((void **) &f->ws.ids, &f->ws.n_ids, &f->ws.cap_ids,
                                   sizeof *slot);
        *slot = id;
    }
}

/* A healthy run: errors only inside the kill, every row once, every notification once. */
static fake_t *
s_healthy(void)
{
    fake_t *f = s_fake();
    static const int ok[] = { 201 }, retried[] = { 503, 0, 201 };
    s_request(f, CHAOS_ORDER, 100, ok, 1, 100, 1);
    s_request(f, CHAOS_ORDER, 1200, retried, 3, 101, 1);     /* errors at 1250, 1350 */
    s_request(f, CHAOS_MESSAGE, 300, ok, 1, 500, 1);
    s_request(f, CHAOS_ORDER, 2100, ok, 1, 102, 1);           /* recovered: orders */
    s_request(f, CHAOS_MESSAGE, 2200, ok, 1, 501, 1);         /* recovered: messages */
    s_notification(f, 7, 1);
    s_notification(f, 8, 1);
    return f;
}

START_TEST(test_tag_round_trip)
{
    chaos_app_t app = { 0 };
    snprintf(app.run_id, sizeof app.run_id, "00ff00ff");
    char tag[CHAOS_TAG_MAX];
    chaos_tag(&app, 3, 12345, tag, sizeof tag);
    ck_assert_str_eq(tag, "chaos-00ff00ff-3-12345");
    int t;
    size_t seq;
    ck_assert_int_eq(chaos_tag_parse("00ff00ff", tag, &t, &seq), 1);
    ck_assert_int_eq(t, 3);
    ck_assert_uint_eq(seq, 12345);
    ck_assert_int_eq(chaos_tag_parse("11111111", tag, &t, &seq), 0);
    ck_assert_int_eq(chaos_tag_parse("00ff00ff", "chaos-00ff00ff-3-", &t, &seq), 0);
    ck_assert_int_eq(chaos_tag_parse("00ff00ff", "chaos-00ff00ff-3-1x", &t, &seq), 0);
    ck_assert_int_eq(chaos_tag_parse("00ff00ff", "hello", &t, &seq), 0);
}
END_TEST

START_TEST(test_healthy_run_passes)
{
    fake_t *f = s_healthy();
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    for (int i = 0; i < CHAOS_CHECKS; i++)
        ck_assert_msg(res.checks[i].pass, "%s: %s", res.checks[i].name,
                      res.checks[i].n_examples ? res.checks[i].examples[0] : "");
    ck_assert(chaos_check_passed(&res));
    ck_assert_uint_eq(res.errors, 2);
    ck_assert_uint_eq(res.kills[0].errors, 2);
    ck_assert_uint_eq(res.retried[CHAOS_ORDER], 1);
    ck_assert_uint_eq(res.notif_expected, 2);
    /* Ready at 2000; the first order after it ends at 2150, the first message at 2250. */
    ck_assert_int_eq(res.kills[0].t_recovered, 2250);
    s_fake_free(f);
}
END_TEST

START_TEST(test_duplicate_row_fails)
{
    fake_t *f = s_healthy();
    static const int retried[] = { 504, 201 };
    s_request(f, CHAOS_MESSAGE, 1500, retried, 2, 600, 2);   /* one request, two rows */
    f->loader.logical[f->loader.n_logical - 1].created_id = 601;   /* the retry's answer */
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_NO_DUPLICATES].pass);
    ck_assert_uint_eq(res.duplicate_rows, 1);
    ck_assert(res.checks[CHAOS_CHECK_ACKED_IN_DB].pass);
    ck_assert(!chaos_check_passed(&res));
    s_fake_free(f);
}
END_TEST

START_TEST(test_acked_without_row_fails)
{
    fake_t *f = s_healthy();
    static const int ok[] = { 201 };
    s_request(f, CHAOS_ORDER, 3000, ok, 1, 700, 0);           /* acknowledged, never stored */
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_ACKED_IN_DB].pass);
    ck_assert(!res.checks[CHAOS_CHECK_NO_DUPLICATES].pass);  /* rows per user != acks */
    s_fake_free(f);
}
END_TEST

START_TEST(test_acked_with_wrong_id_fails)
{
    fake_t *f = s_healthy();
    f->loader.logical[0].created_id = 999;                    /* the answer named another row */
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_ACKED_IN_DB].pass);
    s_fake_free(f);
}
END_TEST

START_TEST(test_error_outside_window_fails)
{
    fake_t *f = s_healthy();
    /* Recovered at 2250 + 500 slack: a 503 seen at 3050 is outside, though a 503. */
    static const int late[] = { 503, 201 };
    s_request(f, CHAOS_ORDER, 3000, late, 2, 103, 1);
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_ERROR_WINDOWS].pass);
    ck_assert(res.checks[CHAOS_CHECK_ERROR_KINDS].pass);
    ck_assert_uint_eq(res.errors_outside, 1);
    s_fake_free(f);
}
END_TEST

START_TEST(test_slow_failure_after_recovery_fails)
{
    fake_t *f = s_healthy();
    /* Started inside the kill, failed 30 s later (a call timeout): outside. */
    static const int ok[] = { 201 };
    s_request(f, CHAOS_ORDER, 1100, ok, 1, 104, 1);
    chaos_attempt_t *a = &f->loader.attempts[f->loader.n_attempts - 1];
    a->status = 504;
    a->t_end = 31100;
    f->loader.logical[f->loader.n_logical - 1].acked = true;
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_ERROR_WINDOWS].pass);
    ck_assert_int_eq(res.slowest.t_end, 31100);
    s_fake_free(f);
}
END_TEST

START_TEST(test_wrong_status_and_give_up_fail)
{
    fake_t *f = s_healthy();
    static const int refused[] = { 400 }, gave_up[] = { 503, 503 };
    s_request(f, CHAOS_ORDER, 1500, refused, 1, 0, 0);
    s_request(f, CHAOS_ORDER, 1600, gave_up, 2, 0, 0);
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_ERROR_KINDS].pass);
    ck_assert_uint_eq(res.checks[CHAOS_CHECK_ERROR_KINDS].failures, 1);
    ck_assert(!res.checks[CHAOS_CHECK_ALL_ACKED].pass);
    ck_assert_uint_eq(res.failed[CHAOS_ORDER], 2);
    ck_assert(res.checks[CHAOS_CHECK_ERROR_WINDOWS].pass);
    s_fake_free(f);
}
END_TEST

START_TEST(test_notifications_missing_and_twice_fail)
{
    fake_t *f = s_healthy();
    s_notification(f, 9, 0);                                   /* never pushed */
    s_notification(f, 10, 2);                                  /* replayed and pushed live */
    int64_t *stray = chaos_push((void **) &f->ws.ids, &f->ws.n_ids, &f->ws.cap_ids,
                                sizeof *stray);
    *stray = 99;                                               /* not this user's row */
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_WS_EXACTLY_ONCE].pass);
    ck_assert_uint_eq(res.notif_missing, 1);
    ck_assert_uint_eq(res.notif_duplicates, 1);
    ck_assert_uint_eq(res.notif_unexpected, 1);
    ck_assert_uint_eq(res.checks[CHAOS_CHECK_WS_EXACTLY_ONCE].failures, 3);
    s_fake_free(f);
}
END_TEST

START_TEST(test_kill_never_ready_fails)
{
    fake_t *f = s_healthy();
    f->app.kills[0].t_ready = 0;
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_KILLS].pass);
    ck_assert_int_eq(res.kills[0].t_recovered, 0);
    /* Its window then lasts to the end of the load: the errors are inside it. */
    ck_assert(res.checks[CHAOS_CHECK_ERROR_WINDOWS].pass);
    s_fake_free(f);
}
END_TEST

START_TEST(test_empty_run_fails)
{
    fake_t *f = s_fake();
    f->app.cfg.n_kills = 0;
    chaos_result_t res;
    chaos_check_run(&f->app, &f->db, &res);
    ck_assert(!res.checks[CHAOS_CHECK_LOAD_RAN].pass);
    s_fake_free(f);
}
END_TEST

START_TEST(test_schedule_spreads_kills)
{
    int64_t prev = -1;
    for (int k = 0; k < 6; k++) {
        int64_t t = chaos_schedule_plan(k, 6, 90000);
        ck_assert_int_gt(t, prev);
        ck_assert_int_ge(t, 5000);
        ck_assert_int_le(t, 90000 - 18000);
        prev = t;
    }
    ck_assert_int_eq(chaos_schedule_plan(0, 1, 30000), 5000);
    ck_assert_int_le(chaos_schedule_plan(1, 2, 30000), 30000 - 6000);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("chaos_check");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_tag_round_trip);
    tcase_add_test(tc, test_healthy_run_passes);
    tcase_add_test(tc, test_duplicate_row_fails);
    tcase_add_test(tc, test_acked_without_row_fails);
    tcase_add_test(tc, test_acked_with_wrong_id_fails);
    tcase_add_test(tc, test_error_outside_window_fails);
    tcase_add_test(tc, test_slow_failure_after_recovery_fails);
    tcase_add_test(tc, test_wrong_status_and_give_up_fail);
    tcase_add_test(tc, test_notifications_missing_and_twice_fail);
    tcase_add_test(tc, test_kill_never_ready_fails);
    tcase_add_test(tc, test_empty_run_fails);
    tcase_add_test(tc, test_schedule_spreads_kills);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
