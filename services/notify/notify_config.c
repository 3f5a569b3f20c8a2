/* notify_config.c -- the env table of the notify service. */
#include "notify_config.h"
#include "admin.h"
#include "config.h"
#include "log.h"
#include "origin_list.h"
#include <stdio.h>
#include <unistd.h>

void
notify_config_load(notify_config_t *cfg)
{
    snprintf(cfg->bind, sizeof cfg->bind, "%s", config_str("NOTIFY_BIND", "127.0.0.1"));
    cfg->port = (int) config_int("NOTIFY_PORT", 8081, 1, 65535);
    cfg->admin_port = (int) config_int("ADMIN_PORT", ADMIN_DEFAULT_PORT_NOTIFY, 0, 65535);
    snprintf(cfg->sub_endpoint, sizeof cfg->sub_endpoint, "%s",
             config_str("BUS_SUB_ENDPOINT", "tcp://127.0.0.1:5558"));
    snprintf(cfg->pub_endpoint, sizeof cfg->pub_endpoint, "%s",
             config_str("BUS_PUB_ENDPOINT", "tcp://127.0.0.1:5557"));
    snprintf(cfg->database_url, sizeof cfg->database_url, "%s",
             config_str("DATABASE_URL", "host=127.0.0.1 port=55432 dbname=busd user=busd"));
    /* Sync topics must be unique per replica, also across restarts of one pod: the pid
     * makes a restarted process a new replica whose markers never meet the old one's. */
    char host[48] = "notify";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    char def[65];
    snprintf(def, sizeof def, "%.40s-%ld", host, (long) getpid());
    const char *rep = config_str("NOTIFY_REPLICA_ID", def);
    /* ':' and '|' would break the topic's framing: fall back to the default. */
    for (const char *p = rep; *p; p++)
        if (*p == ':' || *p == '|' || *p <= ' ') {
            rep = def;
            break;
        }
    snprintf(cfg->replica, sizeof cfg->replica, "%s", rep);
    cfg->send_queue_max = (int) config_int("NOTIFY_SEND_QUEUE_MAX", 256, 4, 100000);
    cfg->send_queue_bytes = (int) config_int("NOTIFY_SEND_QUEUE_BYTES", 1 << 20, 16384, 1 << 28);
    cfg->replay_max = (int) config_int("NOTIFY_REPLAY_MAX", 1000, 1, 100000);
    cfg->ping_s = (int) config_int("NOTIFY_PING_S", 30, 1, 3600);
    cfg->hangup_s = (int) config_int("NOTIFY_HANGUP_S", 75, 2, 7200);
    if (cfg->hangup_s <= cfg->ping_s)
        cfg->hangup_s = cfg->ping_s + 1;
    cfg->rx_buffer = (int) config_int("NOTIFY_RX_BUFFER", 512, 128, 65536);
    cfg->max_sockets = (int) config_int("NOTIFY_MAX_SOCKETS", 19000, 16, 1000000);
    cfg->sync_retry_ms = (int) config_int("NOTIFY_SYNC_RETRY_MS", 500, 50, 60000);
    cfg->db_queue_max = (int) config_int("NOTIFY_DB_QUEUE_MAX", 20000, 1, 1000000);
    cfg->max_sockets_per_user = (int) config_int("NOTIFY_MAX_SOCKETS_PER_USER", 16, 1, 100000);
    /* The closes are a few bytes each: 5 s covers thousands of sockets, and a client that
     * never acknowledges its close costs only this wait. */
    cfg->shutdown_delay_ms = (int) config_int("NOTIFY_SHUTDOWN_DELAY_MS", 0, 0, 600000);
    cfg->shutdown_grace_ms = (int) config_int("NOTIFY_SHUTDOWN_GRACE_MS", 5000, 0, 600000);
    cfg->dedup_max = (int) config_int("NOTIFY_DEDUP_MAX", 65536, 16, 1 << 22);
    cfg->dedup_ms = (int) config_int("NOTIFY_DEDUP_MS", 10000, 100, 600000);
    snprintf(cfg->allowed_origins, sizeof cfg->allowed_origins, "%s",
             config_str("NOTIFY_ALLOWED_ORIGINS", config_str("CORS_ORIGINS", "")));
    /* Read per handshake from the text (origin_list_contains), so the part of a list
     * beyond origin_list.h's bounds would never match without a word: say so at start,
     * as the edge does for CORS_ORIGINS. */
    origin_list_t origins;
    if (origin_list_parse(&origins, cfg->allowed_origins) > 0)
        log_warn(NULL, "notify_config", "NOTIFY_ALLOWED_ORIGINS: some origins skipped "
                 "(too long or too many)");
}
