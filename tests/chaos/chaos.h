/* chaos.h -- the chaos test's shared types: its settings, what every thread records, and
 * the one run context (chaos_app_t) passed down to every part. Each part owns its own
 * records while it runs (no locks on the hot path); the checker reads them after every
 * thread has been joined. Times are milliseconds since the run's start (chaos_app_t.t0). */
#ifndef CHAOS_H
#define CHAOS_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAOS_MAX_USERS  64
#define CHAOS_MAX_KILLS  32
#define CHAOS_NAME_MAX   32
#define CHAOS_TAG_MAX    64

typedef enum {
    CHAOS_ORDER = 0,     /* POST /api/orders */
    CHAOS_MESSAGE,       /* POST /api/messages, a direct message to a WebSocket holder */
    CHAOS_USER_GET,      /* GET /api/users/:id */
    CHAOS_ROUTES
} chaos_route_t;

/* Settings: options first, then environment, then defaults (chaos_cfg.c). */
typedef struct {
    char url[256];               /* base URL of the API, no trailing slash */
    char ws_url[256];            /* ws://host:port/ws */
    char db_url[512];            /* libpq connection string of the same system */
    char kill_cmd[512];          /* "<cmd> NAME": SIGKILL one process */
    char start_cmd[512];         /* "<cmd> NAME": start it again (may wait until ready) */
    char ready_cmd[512];         /* "<cmd> NAME": exit 0 when it is ready */
    char record_dir[512];        /* CSV files of every record, or "" */
    char kills[CHAOS_MAX_KILLS][CHAOS_NAME_MAX];
    int n_kills;
    int duration_s;              /* load period */
    int threads;                 /* load threads, one keep-alive connection each */
    int users;                   /* test users registered */
    int ws_users;                /* of those, how many hold a WebSocket (message receivers) */
    int rate;                    /* logical requests per second over all threads; 0: no pause */
    int mix[CHAOS_ROUTES];       /* weights of orders, messages, user reads */
    int down_ms;                 /* how long a killed process stays down before start-one */
    int slack_ms;                /* a kill's window ends this long after its recovery */
    int retry_budget_ms;         /* a logical request gives up after this long */
    int request_timeout_ms;      /* one attempt */
    int ready_timeout_s;         /* start-one + ready polling, per kill */
    int drain_s;                 /* after the load: wait for WebSockets to catch up */
} chaos_cfg_t;

typedef struct {
    int64_t id;
    char email[128];
    char password[64];
    char token[2048];            /* access token */
} chaos_user_t;

/* One HTTP attempt. */
typedef struct {
    int64_t t_start, t_end;
    int32_t logical;             /* index into the owning loader's logical array */
    int16_t status;              /* HTTP status; 0 when the transfer failed */
    uint8_t route;
    bool key_in_use;             /* a 409 IDEMPOTENCY_KEY_IN_USE */
    char error[72];              /* libcurl's message or the envelope's error code */
} chaos_attempt_t;

/* One logical request: its attempts share one Idempotency-Key and one body. */
typedef struct {
    int64_t t_start, t_end;
    int64_t created_id;          /* data.id of the 2xx answer of a POST */
    int32_t sender;              /* user index making the request */
    int32_t target;              /* receiver (messages) or profile read (GETs); -1 orders */
    int16_t final_status;        /* last attempt's status (0: transport error) */
    uint16_t attempts;
    uint8_t route;
    bool acked;                  /* ended with a 2xx */
} chaos_logical_t;

/* One load thread and its records. */
typedef struct {
    struct chaos_app_t *app;
    int index;
    pthread_t thread;
    chaos_attempt_t *attempts;
    size_t n_attempts, cap_attempts;
    chaos_logical_t *logical;
    size_t n_logical, cap_logical;
} chaos_loader_t;

/* One WebSocket connection of a test user. */
typedef struct {
    int64_t t_open;              /* handshake started */
    int64_t t_ready;             /* "ready" event came (0: never) */
    int64_t t_close;             /* closed or broken (0: open at the end) */
    int64_t since;               /* ?since= sent (-1: none) */
    int status;                  /* handshake's HTTP status (101, or the refusal) */
    int close_code;              /* the server's close code, 0 when none (broken) */
    int replayed;                /* notifications before "ready" */
} chaos_wsconn_t;

/* One user holding a WebSocket, and everything it received. */
typedef struct {
    struct chaos_app_t *app;
    int user;                    /* index into app->users */
    pthread_t thread;
    int64_t *ids;                /* notification ids, in arrival order, duplicates kept */
    size_t n_ids, cap_ids;
    atomic_size_t received;      /* n_ids, readable by main while the thread runs */
    atomic_bool ready;           /* the first connection is live */
    int64_t max_id;              /* the ?since= of the next reconnect */
    chaos_wsconn_t *conns;
    size_t n_conns, cap_conns;
} chaos_wsuser_t;

/* One kill of the schedule. Times 0 mean "did not happen". */
typedef struct {
    char name[CHAOS_NAME_MAX];
    int64_t t_planned;
    int64_t t_kill;              /* just before the kill command ran */
    int64_t t_started;           /* the start command returned */
    int64_t t_ready;             /* the ready command first exited 0 */
    int kill_rc, start_rc;
} chaos_kill_t;

typedef struct chaos_app_t {
    chaos_cfg_t cfg;
    int64_t t0;                  /* monotonic ms at the start of the load */
    char run_id[16];             /* tags every row this run creates */
    chaos_user_t users[CHAOS_MAX_USERS];
    chaos_loader_t *loaders;
    chaos_wsuser_t *ws;
    chaos_kill_t kills[CHAOS_MAX_KILLS];
    int64_t t_load_end;
    int cmd_log_fd;              /* where the operator commands' output goes (< 0: ours) */
    atomic_bool stop_load;
    atomic_bool stop_ws;
    atomic_bool schedule_done;
} chaos_app_t;

/* Monotonic milliseconds; chaos_since(app) the same relative to app->t0. */
int64_t chaos_now_ms(void);
int64_t chaos_since(const chaos_app_t *app);
void chaos_sleep_ms(int64_t ms);

/* Makes room for one more element of SIZE bytes in *ARR (N used, *CAP allocated);
 * returns the new element's address (zeroed). Aborts when memory runs out: the records
 * are the test's evidence, a silent drop would be a lie. */
void *chaos_push(void **arr, size_t *n, size_t *cap, size_t size);

/* The tag that names a created row: "chaos-RUN-THREAD-SEQ" (product or message text). */
void chaos_tag(const chaos_app_t *app, int thread, size_t seq, char *out, size_t size);

/* Reads a tag back: 1 with *THREAD and *SEQ when it is this run's, 0 otherwise. */
int chaos_tag_parse(const char *run_id, const char *tag, int *thread, size_t *seq);

const char *chaos_route_name(int route);

#endif
