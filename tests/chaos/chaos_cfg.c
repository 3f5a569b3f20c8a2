/* chaos_cfg.c -- options and environment into one settings struct, each bounded. */
#include "chaos_cfg.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_KILLS "broker1,users1,orders2,messages1,edge1,notify2"

static const char *s_usage =
    "usage: chaos [options]   (each option also reads the environment variable shown)\n"
    "  --url URL             CHAOS_URL       API base (http://127.0.0.1:14080)\n"
    "  --ws-url URL          CHAOS_WS_URL    WebSocket URL (ws://127.0.0.1:14080/ws)\n"
    "  --db CONNINFO         CHAOS_DATABASE_URL, else DATABASE_URL\n"
    "  --kill-cmd CMD        CHAOS_KILL_CMD  run as: CMD NAME (scripts/cluster.sh kill)\n"
    "  --start-cmd CMD       CHAOS_START_CMD (scripts/cluster.sh start-one)\n"
    "  --ready-cmd CMD       CHAOS_READY_CMD (scripts/cluster.sh ready)\n"
    "  --kills LIST          CHAOS_KILLS     names, in order (" DEFAULT_KILLS ");\n"
    "                                        \"none\" for a run without kills\n"
    "  --duration S          CHAOS_DURATION  load period in seconds (90)\n"
    "  --threads N           CHAOS_THREADS   load threads (4)\n"
    "  --users N             CHAOS_USERS     test users (6)\n"
    "  --ws-users N          CHAOS_WS_USERS  of those, WebSocket holders (3)\n"
    "  --rate R              CHAOS_RATE      logical requests/s, all threads (150; 0: flat out)\n"
    "  --mix O:M:G           CHAOS_MIX       weights orders:messages:user reads (2:2:1)\n"
    "  --down-ms MS          CHAOS_DOWN_MS   a killed process stays down this long (1000)\n"
    "  --slack-ms MS         CHAOS_SLACK_MS  a kill window ends this long after recovery (2000)\n"
    "  --retry-budget-ms MS  CHAOS_RETRY_BUDGET_MS  a request gives up after (30000)\n"
    "  --request-timeout-ms MS CHAOS_REQUEST_TIMEOUT_MS  one attempt (35000)\n"
    "  --ready-timeout S     CHAOS_READY_TIMEOUT  restart + ready, per kill (60)\n"
    "  --drain S             CHAOS_DRAIN     wait for WebSockets after the load (20)\n"
    "  --record-dir DIR      CHAOS_RECORD_DIR  write every record as CSV there\n";

static int
s_copy(char *dst, size_t size, const char *opt, const char *env, const char *def)
{
    const char *v = opt ? opt : (env && getenv(env) && *getenv(env) ? getenv(env) : def);
    if (!v)
        v = "";
    if (strlen(v) >= size) {
        fprintf(stderr, "chaos: %s is too long (at most %zu characters)\n",
                env ? env : "a value", size - 1);
        return -1;
    }
    snprintf(dst, size, "%s", v);
    return 0;
}

static int
s_int(int *dst, const char *opt, const char *env, int def, int lo, int hi)
{
    const char *v = opt ? opt : (getenv(env) && *getenv(env) ? getenv(env) : NULL);
    if (!v) {
        *dst = def;
        return 0;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < lo || n > hi) {
        fprintf(stderr, "chaos: %s must be an integer in %d..%d, not '%s'\n", env, lo, hi, v);
        return -1;
    }
    *dst = (int) n;
    return 0;
}

/* Names are passed to shell commands: keep them to [a-z0-9_-]. */
static int
s_kills(chaos_cfg_t *cfg, const char *list)
{
    cfg->n_kills = 0;
    if (strcmp(list, "none") == 0 || !*list)
        return 0;
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t n = strlen(t);
        if (n == 0 || n >= CHAOS_NAME_MAX || strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n) {
            fprintf(stderr, "chaos: bad process name '%s' in the kill list\n", t);
            return -1;
        }
        if (cfg->n_kills == CHAOS_MAX_KILLS) {
            fprintf(stderr, "chaos: at most %d kills\n", CHAOS_MAX_KILLS);
            return -1;
        }
        snprintf(cfg->kills[cfg->n_kills++], CHAOS_NAME_MAX, "%s", t);
    }
    return 0;
}

static int
s_mix(chaos_cfg_t *cfg, const char *v)
{
    int o, m, g;
    char tail;
    if (sscanf(v, "%d:%d:%d%c", &o, &m, &g, &tail) != 3 || o < 0 || m < 0 || g < 0 ||
        o > 1000 || m > 1000 || g > 1000 || o + m + g == 0) {
        fprintf(stderr, "chaos: --mix must be O:M:G weights (0..1000, not all 0), not '%s'\n", v);
        return -1;
    }
    cfg->mix[CHAOS_ORDER] = o;
    cfg->mix[CHAOS_MESSAGE] = m;
    cfg->mix[CHAOS_USER_GET] = g;
    return 0;
}

int
chaos_cfg_load(chaos_cfg_t *cfg, int argc, char **argv)
{
    enum { O_URL = 256, O_WS, O_DB, O_KILLCMD, O_STARTCMD, O_READYCMD, O_KILLS, O_DURATION,
           O_THREADS, O_USERS, O_WSUSERS, O_RATE, O_MIX, O_DOWN, O_SLACK, O_BUDGET,
           O_TIMEOUT, O_READY, O_DRAIN, O_RECORD, O_COUNT };
    static const struct option opts[] = {
        { "url", 1, 0, O_URL }, { "ws-url", 1, 0, O_WS }, { "db", 1, 0, O_DB },
        { "kill-cmd", 1, 0, O_KILLCMD }, { "start-cmd", 1, 0, O_STARTCMD },
        { "ready-cmd", 1, 0, O_READYCMD }, { "kills", 1, 0, O_KILLS },
        { "duration", 1, 0, O_DURATION }, { "threads", 1, 0, O_THREADS },
        { "users", 1, 0, O_USERS }, { "ws-users", 1, 0, O_WSUSERS }, { "rate", 1, 0, O_RATE },
        { "mix", 1, 0, O_MIX }, { "down-ms", 1, 0, O_DOWN }, { "slack-ms", 1, 0, O_SLACK },
        { "retry-budget-ms", 1, 0, O_BUDGET }, { "request-timeout-ms", 1, 0, O_TIMEOUT },
        { "ready-timeout", 1, 0, O_READY }, { "drain", 1, 0, O_DRAIN },
        { "record-dir", 1, 0, O_RECORD }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 }
    };
    const char *v[O_COUNT] = { 0 };
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(s_usage, stdout);
            return 1;
        }
        if (c < O_URL || c >= O_COUNT) {
            fputs(s_usage, stderr);
            return -1;
        }
        v[c] = optarg;
    }
    if (optind < argc) {
        fprintf(stderr, "chaos: unexpected argument '%s'\n%s", argv[optind], s_usage);
        return -1;
    }
    memset(cfg, 0, sizeof *cfg);
    const char *db_env = getenv("CHAOS_DATABASE_URL") && *getenv("CHAOS_DATABASE_URL")
                             ? "CHAOS_DATABASE_URL" : "DATABASE_URL";
    char kills[1024], mix[64];
    if (s_copy(cfg->url, sizeof cfg->url, v[O_URL], "CHAOS_URL", "http://127.0.0.1:14080") ||
        s_copy(cfg->ws_url, sizeof cfg->ws_url, v[O_WS], "CHAOS_WS_URL",
               "ws://127.0.0.1:14080/ws") ||
        s_copy(cfg->db_url, sizeof cfg->db_url, v[O_DB], db_env, NULL) ||
        s_copy(cfg->kill_cmd, sizeof cfg->kill_cmd, v[O_KILLCMD], "CHAOS_KILL_CMD",
               "scripts/cluster.sh kill") ||
        s_copy(cfg->start_cmd, sizeof cfg->start_cmd, v[O_STARTCMD], "CHAOS_START_CMD",
               "scripts/cluster.sh start-one") ||
        s_copy(cfg->ready_cmd, sizeof cfg->ready_cmd, v[O_READYCMD], "CHAOS_READY_CMD",
               "scripts/cluster.sh ready") ||
        s_copy(cfg->record_dir, sizeof cfg->record_dir, v[O_RECORD], "CHAOS_RECORD_DIR", "") ||
        s_copy(kills, sizeof kills, v[O_KILLS], "CHAOS_KILLS", DEFAULT_KILLS) ||
        s_copy(mix, sizeof mix, v[O_MIX], "CHAOS_MIX", "2:2:1") ||
        s_kills(cfg, kills) || s_mix(cfg, mix) ||
        s_int(&cfg->duration_s, v[O_DURATION], "CHAOS_DURATION", 90, 5, 3600) ||
        s_int(&cfg->threads, v[O_THREADS], "CHAOS_THREADS", 4, 1, 64) ||
        s_int(&cfg->users, v[O_USERS], "CHAOS_USERS", 6, 2, CHAOS_MAX_USERS) ||
        s_int(&cfg->ws_users, v[O_WSUSERS], "CHAOS_WS_USERS", 3, 1, CHAOS_MAX_USERS) ||
        s_int(&cfg->rate, v[O_RATE], "CHAOS_RATE", 150, 0, 100000) ||
        s_int(&cfg->down_ms, v[O_DOWN], "CHAOS_DOWN_MS", 1000, 0, 60000) ||
        s_int(&cfg->slack_ms, v[O_SLACK], "CHAOS_SLACK_MS", 2000, 0, 60000) ||
        s_int(&cfg->retry_budget_ms, v[O_BUDGET], "CHAOS_RETRY_BUDGET_MS", 30000, 100, 600000) ||
        s_int(&cfg->request_timeout_ms, v[O_TIMEOUT], "CHAOS_REQUEST_TIMEOUT_MS", 35000, 100,
              600000) ||
        s_int(&cfg->ready_timeout_s, v[O_READY], "CHAOS_READY_TIMEOUT", 60, 1, 600) ||
        s_int(&cfg->drain_s, v[O_DRAIN], "CHAOS_DRAIN", 20, 1, 600))
        return -1;
    if (!cfg->db_url[0]) {
        fprintf(stderr, "chaos: no database: give --db, CHAOS_DATABASE_URL or DATABASE_URL\n");
        return -1;
    }
    if (cfg->ws_users > cfg->users) {
        fprintf(stderr, "chaos: --ws-users must be at most --users\n");
        return -1;
    }
    size_t n = strlen(cfg->url);
    while (n > 0 && cfg->url[n - 1] == '/')
        cfg->url[--n] = '\0';
    return 0;
}
