/* chaos_schedule.c -- kill -9, wait, start-one, poll ready: once per name, in order. */
#include "chaos_schedule.h"
#include "chaos_cmd.h"

#include <stdio.h>

#define KILL_TIMEOUT_MS  15000
#define READY_POLL_MS    200
#define READY_CMD_MS     5000

int64_t
chaos_schedule_plan(int k, int n, int64_t duration_ms)
{
    int64_t warm = duration_ms / 6 < 5000 ? duration_ms / 6 : 5000;
    int64_t tail = duration_ms / 5 > 6000 ? duration_ms / 5 : 6000;
    int64_t span = duration_ms - warm - tail;
    if (span < 0)
        span = 0;
    return warm + (n > 1 ? span * k / (n - 1) : 0);
}

static void
s_one(chaos_app_t *app, chaos_kill_t *k, int log_fd)
{
    const chaos_cfg_t *cfg = &app->cfg;
    k->t_kill = chaos_since(app);
    k->kill_rc = chaos_cmd_run(cfg->kill_cmd, k->name, KILL_TIMEOUT_MS, log_fd);
    fprintf(stderr, "chaos: %6.1f s  killed %s (rc %d)\n", k->t_kill / 1000.0, k->name,
            k->kill_rc);
    chaos_sleep_ms(cfg->down_ms);
    int64_t deadline = k->t_kill + (int64_t) cfg->ready_timeout_s * 1000;
    k->start_rc = chaos_cmd_run(cfg->start_cmd, k->name, deadline - chaos_since(app), log_fd);
    k->t_started = chaos_since(app);
    while (chaos_since(app) < deadline) {
        if (chaos_cmd_run(cfg->ready_cmd, k->name, READY_CMD_MS, log_fd) == 0) {
            k->t_ready = chaos_since(app);
            break;
        }
        chaos_sleep_ms(READY_POLL_MS);
    }
    if (k->t_ready)
        fprintf(stderr, "chaos: %6.1f s  %s ready again after %.2f s\n", k->t_ready / 1000.0,
                k->name, (k->t_ready - k->t_kill) / 1000.0);
    else
        fprintf(stderr, "chaos: %6.1f s  %s NOT ready within %d s (start rc %d)\n",
                chaos_since(app) / 1000.0, k->name, cfg->ready_timeout_s, k->start_rc);
}

static void *
s_run(void *arg)
{
    chaos_app_t *app = arg;
    int n = app->cfg.n_kills;
    for (int i = 0; i < n && !atomic_load(&app->stop_load); i++) {
        chaos_kill_t *k = &app->kills[i];
        /* Never two kills at once: a late restart pushes the next kill back. */
        chaos_sleep_ms(k->t_planned - chaos_since(app));
        s_one(app, k, app->cmd_log_fd);
    }
    atomic_store(&app->schedule_done, true);
    return NULL;
}

int
chaos_schedule_start(chaos_app_t *app, pthread_t *thread)
{
    for (int i = 0; i < app->cfg.n_kills; i++) {
        snprintf(app->kills[i].name, sizeof app->kills[i].name, "%s", app->cfg.kills[i]);
        app->kills[i].t_planned =
            chaos_schedule_plan(i, app->cfg.n_kills, (int64_t) app->cfg.duration_s * 1000);
    }
    return pthread_create(thread, NULL, s_run, app) == 0 ? 0 : -1;
}
