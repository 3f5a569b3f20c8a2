/* chaos_main.c -- the chaos test: users, WebSockets, load, kills, then the checks and
 * the table. Exit 0 when every check passed, 1 when one failed, 2 when it could not run. */
#include "chaos.h"
#include "chaos_cfg.h"
#include "chaos_check.h"
#include "chaos_csv.h"
#include "chaos_db.h"
#include "chaos_load.h"
#include "chaos_report.h"
#include "chaos_schedule.h"
#include "chaos_setup.h"
#include "chaos_ws.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WS_READY_TIMEOUT_MS  15000
#define RECOVERY_TAIL_MS     3000     /* load kept after the last restart, to see recovery */
#define OVERTIME_MAX_MS      120000   /* how long the load may outlast --duration for kills */

static volatile sig_atomic_t s_interrupted;

static void
s_on_signal(int sig)
{
    (void) sig;
    s_interrupted = 1;
}

static void
s_run_id(char *out, size_t size)
{
    unsigned char b[4] = { 0 };
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd < 0 || read(fd, b, sizeof b) != (ssize_t) sizeof b) {
        unsigned v = (unsigned) time(NULL) ^ (unsigned) getpid() << 16;
        memcpy(b, &v, sizeof b);
    }
    if (fd >= 0)
        close(fd);
    snprintf(out, size, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

/* The load runs for --duration, and longer while a kill is still being restarted, and a
 * little longer after the last restart so its recovery can be seen. */
static void
s_wait_load(chaos_app_t *app)
{
    int64_t duration = (int64_t) app->cfg.duration_s * 1000;
    int64_t cap = duration + OVERTIME_MAX_MS;
    for (;;) {
        int64_t now = chaos_since(app);
        if (s_interrupted || now >= cap)
            return;
        bool kills_done = app->cfg.n_kills == 0 || atomic_load(&app->schedule_done);
        int64_t last_ready = 0;
        for (int k = 0; k < app->cfg.n_kills; k++)
            if (app->kills[k].t_ready > last_ready)
                last_ready = app->kills[k].t_ready;
        if (now >= duration && kills_done && now >= last_ready + RECOVERY_TAIL_MS)
            return;
        chaos_sleep_ms(100);
    }
}

static int
s_run(chaos_app_t *app)
{
    if (chaos_setup_users(app) != 0)
        return 2;
    fprintf(stderr, "chaos: run %s, %d users registered; opening %d WebSockets\n", app->run_id,
            app->cfg.users, app->cfg.ws_users);
    app->t0 = chaos_now_ms();
    if (chaos_ws_start(app, WS_READY_TIMEOUT_MS) != 0)
        return 2;
    fprintf(stderr, "chaos: load for %d s, %d kills\n", app->cfg.duration_s, app->cfg.n_kills);
    if (chaos_load_start(app) != 0) {
        chaos_ws_stop(app);
        return 2;
    }
    pthread_t schedule;
    bool scheduled = app->cfg.n_kills > 0 && chaos_schedule_start(app, &schedule) == 0;
    if (app->cfg.n_kills > 0 && !scheduled)
        fprintf(stderr, "chaos: cannot start the kill schedule\n");
    s_wait_load(app);
    atomic_store(&app->stop_load, true);
    chaos_load_join(app);
    if (scheduled)
        pthread_join(schedule, NULL);
    app->t_load_end = chaos_since(app);

    /* Every acknowledged message has its notification row by now; give the sockets a
     * bounded while to receive them (a reconnect's replay may still be running). */
    char err[512] = "";
    size_t expected[CHAOS_MAX_USERS] = { 0 };
    if (chaos_db_count_notifications(app, expected, err, sizeof err) == 0) {
        fprintf(stderr, "chaos: load over at %.1f s; waiting up to %d s for WebSockets\n",
                app->t_load_end / 1000.0, app->cfg.drain_s);
        if (!chaos_ws_wait_for(app, expected, (int64_t) app->cfg.drain_s * 1000))
            fprintf(stderr, "chaos: WebSockets still short of their rows after %d s\n",
                    app->cfg.drain_s);
    }
    chaos_ws_stop(app);

    chaos_db_state_t db;
    if (chaos_db_fetch(app, &db, err, sizeof err) != 0) {
        fprintf(stderr, "chaos: cannot read the database: %s\n", err);
        chaos_db_state_clear(&db);
        return 2;
    }
    chaos_result_t *res = calloc(1, sizeof *res);
    if (!res)
        abort();
    chaos_check_run(app, &db, res);
    chaos_report_print(stdout, app, res);
    fflush(stdout);
    if (app->cfg.record_dir[0] && chaos_csv_write(app, res, app->cfg.record_dir) == 0)
        fprintf(stderr, "chaos: records in %s\n", app->cfg.record_dir);
    int rc = chaos_check_passed(res) ? 0 : 1;
    free(res);
    chaos_db_state_clear(&db);
    return rc;
}

static void
s_free(chaos_app_t *app)
{
    for (int i = 0; app->loaders && i < app->cfg.threads; i++) {
        free(app->loaders[i].attempts);
        free(app->loaders[i].logical);
    }
    for (int i = 0; app->ws && i < app->cfg.ws_users; i++) {
        free(app->ws[i].ids);
        free(app->ws[i].conns);
    }
    free(app->loaders);
    free(app->ws);
    if (app->cmd_log_fd >= 0)
        close(app->cmd_log_fd);
    free(app);
}

int
main(int argc, char **argv)
{
    chaos_app_t *app = calloc(1, sizeof *app);
    if (!app)
        return 2;
    app->cmd_log_fd = -1;
    int rc = chaos_cfg_load(&app->cfg, argc, argv);
    if (rc != 0) {
        free(app);
        return rc > 0 ? 0 : 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa = { .sa_handler = s_on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s_run_id(app->run_id, sizeof app->run_id);
    if (app->cfg.record_dir[0]) {
        mkdir(app->cfg.record_dir, 0755);
        char path[1024];
        snprintf(path, sizeof path, "%s/commands.log", app->cfg.record_dir);
        app->cmd_log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    rc = s_run(app);
    s_free(app);
    curl_global_cleanup();
    return rc;
}
