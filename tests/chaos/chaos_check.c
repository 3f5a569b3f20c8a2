/* chaos_check.c -- every check of the chaos test, each with a count and examples. */
#include "chaos_check.h"
#include "chaos_load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_names[CHAOS_CHECKS][2] = {
    [CHAOS_CHECK_LOAD_RAN] = { "load_ran", "each route in the mix was acknowledged at least "
                               "once, and messages made notifications (no vacuous pass)" },
    [CHAOS_CHECK_ACKED_IN_DB] = { "acked_in_db", "every order and message acknowledged with "
                                  "2xx is in PostgreSQL, under the id the answer gave" },
    [CHAOS_CHECK_NO_DUPLICATES] = { "no_duplicates", "no request made two rows (retries "
                                    "carried one Idempotency-Key); rows per user = acks" },
    [CHAOS_CHECK_ALL_ACKED] = { "all_acked", "every logical request ended with a 2xx within "
                                "its retry budget" },
    [CHAOS_CHECK_ERROR_KINDS] = { "error_kinds", "every failed attempt was a 503 or 504, a "
                                  "broken connection (or the LB's 502), or 409 key in use" },
    [CHAOS_CHECK_ERROR_WINDOWS] = { "error_windows", "every failed attempt failed inside a "
                                    "kill window: from the kill to its recovery plus slack" },
    [CHAOS_CHECK_KILLS] = { "kills_recovered", "every kill ran, its process was ready again, "
                            "and every route succeeded again after it" },
    [CHAOS_CHECK_WS_EXACTLY_ONCE] = { "ws_exactly_once", "every WebSocket user received each "
                                      "of its notification rows exactly once (with ?since=)" },
};

static void __attribute__((format(printf, 2, 3)))
s_fail(chaos_check_t *c, const char *fmt, ...)
{
    c->pass = false;
    c->failures++;
    if (c->n_examples == CHAOS_EXAMPLES)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->examples[c->n_examples++], sizeof c->examples[0], fmt, ap);
    va_end(ap);
}

static void
s_count_status(chaos_result_t *res, int status)
{
    for (int i = 0; i < res->n_status_kinds; i++)
        if (res->errors_by_status[i].status == status) {
            res->errors_by_status[i].count++;
            return;
        }
    if (res->n_status_kinds < CHAOS_STATUS_KINDS)
        res->errors_by_status[res->n_status_kinds++] =
            (chaos_status_count_t) { .status = status, .count = 1 };
}

static bool
s_ok(int status)
{
    return status >= 200 && status < 300;
}

int64_t
chaos_check_recovery(const chaos_app_t *app, const chaos_kill_t *k)
{
    if (!k->t_ready)
        return 0;
    int64_t first[CHAOS_ROUTES];
    for (int r = 0; r < CHAOS_ROUTES; r++)
        first[r] = -1;
    for (int t = 0; t < app->cfg.threads; t++) {
        const chaos_loader_t *l = &app->loaders[t];
        for (size_t i = 0; i < l->n_attempts; i++) {
            const chaos_attempt_t *a = &l->attempts[i];
            if (a->t_start >= k->t_ready && s_ok(a->status) &&
                (first[a->route] < 0 || a->t_end < first[a->route]))
                first[a->route] = a->t_end;
        }
    }
    int64_t rec = k->t_ready;
    for (int r = 0; r < CHAOS_ROUTES; r++) {
        if (app->cfg.mix[r] == 0)
            continue;
        if (first[r] < 0)
            return 0;
        if (first[r] > rec)
            rec = first[r];
    }
    return rec;
}

/* Attempts: statuses, kinds, windows; logical outcomes. */
static void
s_attempts(const chaos_app_t *app, chaos_result_t *res)
{
    int64_t end = app->t_load_end;
    for (int k = 0; k < app->cfg.n_kills; k++) {
        chaos_kill_result_t *kr = &res->kills[k];
        kr->t_recovered = chaos_check_recovery(app, &app->kills[k]);
        kr->window_end = (kr->t_recovered ? kr->t_recovered : end) + app->cfg.slack_ms;
    }
    chaos_check_t *kinds = &res->checks[CHAOS_CHECK_ERROR_KINDS];
    chaos_check_t *windows = &res->checks[CHAOS_CHECK_ERROR_WINDOWS];
    chaos_check_t *all = &res->checks[CHAOS_CHECK_ALL_ACKED];
    for (int t = 0; t < app->cfg.threads; t++) {
        const chaos_loader_t *l = &app->loaders[t];
        for (size_t i = 0; i < l->n_attempts; i++) {
            const chaos_attempt_t *a = &l->attempts[i];
            res->attempts[a->route]++;
            if (a->t_end - a->t_start > res->slowest.t_end - res->slowest.t_start)
                res->slowest = *a;
            if (s_ok(a->status))
                continue;
            res->errors++;
            s_count_status(res, a->key_in_use ? 4090 : a->status);
            if (!chaos_load_retryable(a->status, a->key_in_use))
                s_fail(kinds, "%s at %.3f s -> %d %s", chaos_route_name(a->route),
                       a->t_start / 1000.0, a->status, a->error);
            int in = -1;
            for (int k = 0; k < app->cfg.n_kills && in < 0; k++)
                if (app->kills[k].t_kill && a->t_end >= app->kills[k].t_kill &&
                    a->t_end <= res->kills[k].window_end)
                    in = k;
            if (in >= 0) {
                res->kills[in].errors++;
            } else {
                res->errors_outside++;
                s_fail(windows, "%s %.3f..%.3f s -> %d %s (no kill window)",
                       chaos_route_name(a->route), a->t_start / 1000.0, a->t_end / 1000.0,
                       a->status, a->error[0] ? a->error : "");
            }
        }
        for (size_t i = 0; i < l->n_logical; i++) {
            const chaos_logical_t *lg = &l->logical[i];
            res->logical[lg->route]++;
            if (lg->attempts > 1)
                res->retried[lg->route]++;
            if (lg->acked) {
                res->acked[lg->route]++;
            } else {
                res->failed[lg->route]++;
                s_fail(all, "%s chaos-%s-%d-%zu gave up after %u attempts, %.1f s (last %d)",
                       chaos_route_name(lg->route), app->run_id, t, i, lg->attempts,
                       (lg->t_end - lg->t_start) / 1000.0, lg->final_status);
            }
        }
    }
}

/* Rows of one kind (orders or messages) against the logical requests of ROUTE. */
static void
s_rows(const chaos_app_t *app, const chaos_rows_t *rows, int route, chaos_result_t *res)
{
    chaos_check_t *in_db = &res->checks[CHAOS_CHECK_ACKED_IN_DB];
    chaos_check_t *dup = &res->checks[CHAOS_CHECK_NO_DUPLICATES];
    const char *kind = route == CHAOS_ORDER ? "order" : "message";
    /* Per logical request: how many rows carry its tag, and the first one's id; whether
     * one of them has the id its answer gave (a duplicate is no_duplicates' business). */
    uint32_t *count[64] = { 0 };
    int64_t *first[64] = { 0 };
    bool *matched[64] = { 0 };
    int threads = app->cfg.threads < 64 ? app->cfg.threads : 64;
    for (int t = 0; t < threads; t++) {
        count[t] = calloc(app->loaders[t].n_logical + 1, sizeof *count[t]);
        first[t] = calloc(app->loaders[t].n_logical + 1, sizeof *first[t]);
        matched[t] = calloc(app->loaders[t].n_logical + 1, sizeof *matched[t]);
        if (!count[t] || !first[t] || !matched[t])
            abort();
    }
    size_t rows_of[CHAOS_MAX_USERS] = { 0 }, acks_of[CHAOS_MAX_USERS] = { 0 };
    for (size_t r = 0; r < rows->n; r++) {
        const chaos_row_t *row = &rows->rows[r];
        for (int u = 0; u < app->cfg.users; u++)
            if (app->users[u].id == row->user_id)
                rows_of[u]++;
        int t;
        size_t seq;
        if (!chaos_tag_parse(app->run_id, row->tag, &t, &seq) || t >= threads ||
            seq >= app->loaders[t].n_logical || app->loaders[t].logical[seq].route != route) {
            res->unexpected_rows++;
            s_fail(dup, "%s row %lld '%.60s' matches no request of this run", kind,
                   (long long) row->id, row->tag);
            continue;
        }
        if (count[t][seq]++ == 0)
            first[t][seq] = row->id;
        if (row->id == app->loaders[t].logical[seq].created_id)
            matched[t][seq] = true;
    }
    for (int t = 0; t < threads; t++) {
        const chaos_loader_t *l = &app->loaders[t];
        for (size_t i = 0; i < l->n_logical; i++) {
            const chaos_logical_t *lg = &l->logical[i];
            if (lg->route != route)
                continue;
            if (lg->acked)
                acks_of[lg->sender]++;
            if (count[t][i] > 1) {
                res->duplicate_rows += count[t][i] - 1;
                s_fail(dup, "%s chaos-%s-%d-%zu has %u rows (%u attempts)", kind, app->run_id,
                       t, i, count[t][i], lg->attempts);
            }
            if (!lg->acked) {
                if (count[t][i] > 0)
                    res->failed_but_written++;
                continue;
            }
            if (count[t][i] == 0)
                s_fail(in_db, "%s chaos-%s-%d-%zu acknowledged as id %lld: no row", kind,
                       app->run_id, t, i, (long long) lg->created_id);
            else if (!matched[t][i])
                s_fail(in_db, "%s chaos-%s-%d-%zu acknowledged as id %lld: its row is %lld", kind,
                       app->run_id, t, i, (long long) lg->created_id, (long long) first[t][i]);
        }
        free(count[t]);
        free(first[t]);
        free(matched[t]);
    }
    for (int u = 0; u < app->cfg.users; u++)
        if (rows_of[u] != acks_of[u])
            s_fail(dup, "user %lld: %zu %s rows, %zu acknowledged", (long long) app->users[u].id,
                   rows_of[u], kind, acks_of[u]);
}

static int
s_cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

/* One WebSocket user's received ids (sorted copy) against its rows (sorted by id). */
static void
s_ws_user(const chaos_app_t *app, const chaos_wsuser_t *w, const chaos_db_state_t *db,
          chaos_result_t *res)
{
    chaos_check_t *c = &res->checks[CHAOS_CHECK_WS_EXACTLY_ONCE];
    int64_t uid = app->users[w->user].id;
    int64_t *got = malloc((w->n_ids + 1) * sizeof *got);
    if (!got)
        abort();
    if (w->n_ids) {   /* memcpy and qsort must not see a NULL, even for zero bytes */
        memcpy(got, w->ids, w->n_ids * sizeof *got);
        qsort(got, w->n_ids, sizeof *got, s_cmp_id);
    }
    res->notif_received += w->n_ids;
    for (size_t i = 0; i < w->n_conns; i++) {
        res->ws_connections++;
        if (w->conns[i].since >= 0 && w->conns[i].status == 101)
            res->ws_reconnects_since++;
        if (w->conns[i].status != 101)
            res->ws_failed_connects++;
    }
    size_t g = 0;
    const chaos_rows_t *rows = &db->notifications;
    for (size_t r = 0; r < rows->n; r++) {
        if (rows->rows[r].user_id != uid)
            continue;
        int64_t want = rows->rows[r].id;
        res->notif_expected++;
        while (g < w->n_ids && got[g] < want) {
            res->notif_unexpected++;
            s_fail(c, "user %lld received notification %lld, not one of its rows",
                   (long long) uid, (long long) got[g]);
            g++;
        }
        if (g < w->n_ids && got[g] == want) {
            size_t n = 0;
            while (g < w->n_ids && got[g] == want) {
                n++;
                g++;
            }
            if (n > 1) {
                res->notif_duplicates += n - 1;
                s_fail(c, "user %lld received notification %lld %zu times", (long long) uid,
                       (long long) want, n);
            }
        } else {
            res->notif_missing++;
            s_fail(c, "user %lld never received notification %lld", (long long) uid,
                   (long long) want);
        }
    }
    for (; g < w->n_ids; g++) {
        res->notif_unexpected++;
        s_fail(c, "user %lld received notification %lld, not one of its rows", (long long) uid,
               (long long) got[g]);
    }
    free(got);
}

static void
s_kills(const chaos_app_t *app, chaos_result_t *res)
{
    chaos_check_t *c = &res->checks[CHAOS_CHECK_KILLS];
    for (int k = 0; k < app->cfg.n_kills; k++) {
        const chaos_kill_t *kill = &app->kills[k];
        if (!kill->t_kill)
            s_fail(c, "%s: never killed (the load ended first)", kill->name);
        else if (kill->kill_rc != 0)
            s_fail(c, "%s: the kill command failed (rc %d)", kill->name, kill->kill_rc);
        else if (!kill->t_ready)
            s_fail(c, "%s: not ready within %d s of its kill (start rc %d)", kill->name,
                   app->cfg.ready_timeout_s, kill->start_rc);
        else if (!res->kills[k].t_recovered)
            s_fail(c, "%s: ready at %.1f s, but some route never succeeded after", kill->name,
                   kill->t_ready / 1000.0);
    }
}

void
chaos_check_run(const chaos_app_t *app, const chaos_db_state_t *db, chaos_result_t *res)
{
    memset(res, 0, sizeof *res);
    for (int i = 0; i < CHAOS_CHECKS; i++) {
        res->checks[i].name = s_names[i][0];
        res->checks[i].meaning = s_names[i][1];
        res->checks[i].pass = true;
    }
    s_attempts(app, res);
    res->rows_orders = db->orders.n;
    res->rows_messages = db->messages.n;
    s_rows(app, &db->orders, CHAOS_ORDER, res);
    s_rows(app, &db->messages, CHAOS_MESSAGE, res);
    for (int i = 0; i < app->cfg.ws_users; i++)
        s_ws_user(app, &app->ws[i], db, res);
    s_kills(app, res);
    chaos_check_t *ran = &res->checks[CHAOS_CHECK_LOAD_RAN];
    for (int r = 0; r < CHAOS_ROUTES; r++)
        if (app->cfg.mix[r] > 0 && res->acked[r] == 0)
            s_fail(ran, "%s: nothing acknowledged (%zu sent)", chaos_route_name(r),
                   res->logical[r]);
    if (app->cfg.mix[CHAOS_MESSAGE] > 0 && res->notif_expected == 0)
        s_fail(ran, "no notification rows for the WebSocket users");
}

bool
chaos_check_passed(const chaos_result_t *res)
{
    for (int i = 0; i < CHAOS_CHECKS; i++)
        if (!res->checks[i].pass)
            return false;
    return true;
}
