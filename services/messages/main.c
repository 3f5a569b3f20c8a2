/* main.c -- the messages service: one pool of workers registered as "messages" (groups,
 * messages, notifications), admin port 9103. */
#include "service.h"
#include "log.h"
#include "messages_app.h"

int
main(void)
{
    log_init("messages");
    metrics_t *metrics = metrics_new();
    messages_app_t *app = messages_app_new(metrics);
    service_pool_t pools[] = {
        { "messages", app->threads, messages_methods, messages_thread_new,
          messages_thread_destroy },
    };
    int rc = service_run("messages", pools, 1, app, metrics, 9103, messages_app_ready);
    messages_app_destroy(&app);
    metrics_destroy(&metrics);
    return rc;
}
