/* chaos_csv.c -- dumping the run's records, one CSV file per kind. */
#include "chaos_csv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static FILE *
s_open(const char *dir, const char *name, const char *header)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "chaos: cannot write %s: %s\n", path, strerror(errno));
    else
        fprintf(f, "%s\n", header);
    return f;
}

int
chaos_csv_write(const chaos_app_t *app, const chaos_result_t *res, const char *dir)
{
    FILE *at = s_open(dir, "attempts.csv", "thread,request,route,t_start_ms,t_end_ms,status,error");
    FILE *rq = s_open(dir, "requests.csv",
                      "thread,request,tag,route,sender_id,target_id,t_start_ms,t_end_ms,"
                      "attempts,final_status,acked,created_id");
    FILE *ws = s_open(dir, "websockets.csv",
                      "user_id,t_open_ms,t_ready_ms,t_close_ms,since,status,close_code,replayed");
    FILE *nt = s_open(dir, "notifications.csv", "user_id,notification_id");
    FILE *kl = s_open(dir, "kills.csv",
                      "name,t_planned_ms,t_kill_ms,t_started_ms,t_ready_ms,t_recovered_ms,"
                      "kill_rc,start_rc,errors");
    int rc = at && rq && ws && nt && kl ? 0 : -1;
    for (int t = 0; rc == 0 && t < app->cfg.threads; t++) {
        const chaos_loader_t *l = &app->loaders[t];
        for (size_t i = 0; i < l->n_attempts; i++) {
            const chaos_attempt_t *a = &l->attempts[i];
            fprintf(at, "%d,%d,%s,%lld,%lld,%d,\"%s\"\n", t, a->logical, chaos_route_name(a->route),
                    (long long) a->t_start, (long long) a->t_end, a->status, a->error);
        }
        for (size_t i = 0; i < l->n_logical; i++) {
            const chaos_logical_t *lg = &l->logical[i];
            char tag[CHAOS_TAG_MAX];
            chaos_tag(app, t, i, tag, sizeof tag);
            fprintf(rq, "%d,%zu,%s,%s,%lld,%lld,%lld,%lld,%u,%d,%d,%lld\n", t, i, tag,
                    chaos_route_name(lg->route), (long long) app->users[lg->sender].id,
                    lg->target >= 0 ? (long long) app->users[lg->target].id : 0LL,
                    (long long) lg->t_start, (long long) lg->t_end, lg->attempts,
                    lg->final_status, lg->acked, (long long) lg->created_id);
        }
    }
    for (int u = 0; rc == 0 && u < app->cfg.ws_users; u++) {
        const chaos_wsuser_t *w = &app->ws[u];
        long long uid = (long long) app->users[w->user].id;
        for (size_t i = 0; i < w->n_conns; i++) {
            const chaos_wsconn_t *c = &w->conns[i];
            fprintf(ws, "%lld,%lld,%lld,%lld,%lld,%d,%d,%d\n", uid, (long long) c->t_open,
                    (long long) c->t_ready, (long long) c->t_close, (long long) c->since,
                    c->status, c->close_code, c->replayed);
        }
        for (size_t i = 0; i < w->n_ids; i++)
            fprintf(nt, "%lld,%lld\n", uid, (long long) w->ids[i]);
    }
    for (int k = 0; rc == 0 && k < app->cfg.n_kills; k++) {
        const chaos_kill_t *kill = &app->kills[k];
        fprintf(kl, "%s,%lld,%lld,%lld,%lld,%lld,%d,%d,%zu\n", kill->name,
                (long long) kill->t_planned, (long long) kill->t_kill,
                (long long) kill->t_started, (long long) kill->t_ready,
                (long long) res->kills[k].t_recovered, kill->kill_rc, kill->start_rc,
                res->kills[k].errors);
    }
    FILE *files[] = { at, rq, ws, nt, kl };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (files[i] && fclose(files[i]) != 0)
            rc = -1;
    return rc;
}
