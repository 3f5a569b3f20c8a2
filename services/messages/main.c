/* main.c -- the messages service: one pool of workers registered as "messages" (groups,
 * messages, notifications). */
#include "service.h"
#include "log.h"
#include "messages_app.h"
#include "messages_config.h"

int
main(void)
{
    log_init("messages");
    messages_config_t cfg;
    messages_config_load(&cfg);
    metrics_t *metrics = metrics_new();
    messages_app_t *app = messages_app_new(&cfg, metrics);
    service_pool_t pools[] = {
        { "messages", cfg.threads, messages_methods, messages_thread_new,
          messages_thread_destroy },
    };
    int rc = service_run("messages", pools, 1, app, metrics, &cfg.service, messages_app_ready);
    messages_app_destroy(&app);
    metrics_destroy(&metrics);
    return rc;
}
