/* chaos_report.c -- the table the chaos test prints at the end. */
#include "chaos_report.h"

static void
s_row(FILE *out, const char *label, const size_t v[CHAOS_ROUTES])
{
    fprintf(out, "  %-28s %10zu %10zu %10zu %10zu\n", label, v[CHAOS_ORDER], v[CHAOS_MESSAGE],
            v[CHAOS_USER_GET], v[CHAOS_ORDER] + v[CHAOS_MESSAGE] + v[CHAOS_USER_GET]);
}

static void
s_status_name(int status, char *out, size_t size)
{
    if (status == 0)
        snprintf(out, size, "broken connection");
    else if (status == 4090)
        snprintf(out, size, "409 key in use");
    else
        snprintf(out, size, "%d", status);
}

static void
s_secs(int64_t from, int64_t to, char *out, size_t size)
{
    if (!from || !to)
        snprintf(out, size, "%s", "never");
    else
        snprintf(out, size, "%.2f s", (to - from) / 1000.0);
}

void
chaos_report_print(FILE *out, const chaos_app_t *app, const chaos_result_t *res)
{
    const chaos_cfg_t *cfg = &app->cfg;
    fprintf(out, "\n== chaos run %s: %.1f s of load, %d threads, rate %d/s, %d users "
                 "(%d with WebSockets)\n   %s  %s\n",
            app->run_id, app->t_load_end / 1000.0, cfg->threads, cfg->rate, cfg->users,
            cfg->ws_users, cfg->url, cfg->ws_url);

    fprintf(out, "\nrequests                         %10s %10s %10s %10s\n", "orders",
            "messages", "user reads", "total");
    s_row(out, "logical requests", res->logical);
    s_row(out, "attempts", res->attempts);
    s_row(out, "acknowledged (2xx)", res->acked);
    s_row(out, "failed (gave up)", res->failed);
    s_row(out, "retried (>1 attempt)", res->retried);

    fprintf(out, "\nfailed attempts: %zu", res->errors);
    for (int i = 0; i < res->n_status_kinds; i++) {
        char name[32];
        s_status_name(res->errors_by_status[i].status, name, sizeof name);
        fprintf(out, "%s %s: %zu", i ? "," : " (", name, res->errors_by_status[i].count);
    }
    fprintf(out, "%s; outside every kill window: %zu\n", res->n_status_kinds ? ")" : "",
            res->errors_outside);
    if (res->slowest.t_end > res->slowest.t_start)
        fprintf(out, "slowest attempt: %.2f s (%s at %.1f s -> %d%s%s)\n",
                (res->slowest.t_end - res->slowest.t_start) / 1000.0,
                chaos_route_name(res->slowest.route), res->slowest.t_start / 1000.0,
                res->slowest.status, res->slowest.error[0] ? " " : "", res->slowest.error);
    fprintf(out, "rows: %zu orders, %zu messages; duplicates %zu, unexpected %zu, "
                 "written but not acknowledged %zu\n",
            res->rows_orders, res->rows_messages, res->duplicate_rows, res->unexpected_rows,
            res->failed_but_written);
    fprintf(out, "notifications: expected %zu, received %zu, duplicates %zu, missing %zu, "
                 "unexpected %zu\n",
            res->notif_expected, res->notif_received, res->notif_duplicates, res->notif_missing,
            res->notif_unexpected);
    fprintf(out, "websockets: %zu connections, %zu reconnected with ?since=, %zu attempts "
                 "refused or failed\n",
            res->ws_connections, res->ws_reconnects_since, res->ws_failed_connects);

    if (cfg->n_kills) {
        fprintf(out, "\nkills (window = kill .. recovered + %d ms slack)\n", cfg->slack_ms);
        fprintf(out, "  %-12s %9s %14s %17s %18s\n", "process", "killed at", "time to ready",
                "time to recover", "errors in window");
        for (int k = 0; k < cfg->n_kills; k++) {
            const chaos_kill_t *kill = &app->kills[k];
            char at[32], ready[32], rec[32];
            if (kill->t_kill)
                snprintf(at, sizeof at, "%.1f s", kill->t_kill / 1000.0);
            else
                snprintf(at, sizeof at, "not run");
            s_secs(kill->t_kill, kill->t_ready, ready, sizeof ready);
            s_secs(kill->t_kill, res->kills[k].t_recovered, rec, sizeof rec);
            fprintf(out, "  %-12s %9s %14s %17s %18zu\n", kill->name, at, ready, rec,
                    res->kills[k].errors);
        }
    }

    fprintf(out, "\nchecks\n");
    for (int i = 0; i < CHAOS_CHECKS; i++) {
        const chaos_check_t *c = &res->checks[i];
        fprintf(out, "  %s %-16s %s\n", c->pass ? "PASS" : "FAIL", c->name, c->meaning);
        if (c->pass)
            continue;
        fprintf(out, "       %zu failure%s, e.g.:\n", c->failures, c->failures == 1 ? "" : "s");
        for (int e = 0; e < c->n_examples; e++)
            fprintf(out, "         - %s\n", c->examples[e]);
    }
    fprintf(out, "\nchaos: %s\n", chaos_check_passed(res) ? "PASS" : "FAIL");
}
