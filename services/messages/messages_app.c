/* messages_app.c -- settings, per-thread state and the method table of the messages
 * process. */
#include "messages_app.h"
#include "messages_event.h"
#include "messages_handlers.h"
#include "messages_sql.h"
#include "mem.h"
#include "log.h"
#include <stdlib.h>

messages_app_t *
messages_app_new(const messages_config_t *cfg, metrics_t *metrics)
{
    messages_app_t *self = mem_calloc(1, sizeof *self);
    self->cfg = *cfg;
    self->metrics = metrics;
    self->probe = db_probe_new(self->cfg.service.database_url);
    /* Queue bound: four batches' worth; with MESSAGES_THREADS workers at most that many
     * wait anyway, so the bound only matters for a pool larger than a batch. */
    if (self->cfg.send_batch > 1)
        self->combine = combine_new(self->cfg.send_batch, 4 * self->cfg.send_batch);
    return self;
}

void
messages_app_destroy(messages_app_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    messages_app_t *self = *self_p;
    db_probe_destroy(&self->probe);
    combine_destroy(&self->combine);
    free(self);
    *self_p = NULL;
}

void *
messages_thread_new(void *app)
{
    messages_thread_t *self = mem_calloc(1, sizeof *self);
    self->app = app;
    self->db = db_new(self->app->cfg.service.database_url, messages_statements);
    /* Without a PUB socket the service still works: the notification rows are written and
     * clients catch up on reconnect (?since=); only the live push is lost. */
    self->events = events_new(self->app->cfg.pub_endpoint);
    if (!self->events)
        log_error(NULL, "events_start", "cannot connect PUB to %s", self->app->cfg.pub_endpoint);
    static const char *help = "Messages stored, by receiver type";
    self->sent_user = metrics_get(self->app->metrics, METRIC_COUNTER, "messages_sent_total",
                                  help, "receiver_type=\"user\"");
    self->sent_group = metrics_get(self->app->metrics, METRIC_COUNTER, "messages_sent_total",
                                   help, "receiver_type=\"group\"");
    batch_metrics_init(&self->send_metrics, self->app->metrics, "messages_send",
                       "Direct messages");
    return self;
}

void
messages_thread_destroy(void **state_p)
{
    if (!state_p || !*state_p)
        return;
    messages_thread_t *self = *state_p;
    db_destroy(&self->db);
    events_destroy(&self->events);
    free(self);
    *state_p = NULL;
}

bool
messages_app_ready(void *arg)
{
    messages_app_t *self = arg;
    return db_probe_ok(self->probe);
}

/* The edge's route table (edge-http/edge_routes.c) names some methods differently from
 * services/messages/README.md; both names are served, so neither side waits on the other. */
const service_method_t messages_methods[] = {
    { "group_create", messages_group_create },
    { "group_list", messages_group_list },
    { "group_get", messages_group_get },
    { "group_update", messages_group_update },
    { "group_delete", messages_group_delete },
    { "member_add", messages_member_add },
    { "member_remove", messages_member_remove },
    { "member_update", messages_member_update },
    { "message_send", messages_message_send },
    { "message_list", messages_message_list },
    { "message_read", messages_message_read },
    { "message_delete", messages_message_delete },
    { "notifications_list", messages_notifications_list },
    { "notification_read", messages_notification_read },
    { "notifications_read_all", messages_notifications_read_all },
    { NULL, NULL }
};
