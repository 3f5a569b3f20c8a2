/* service.h -- the skeleton every service process shares: worker thread pools on the bus,
 * each thread with its own state (database connection, ...), the admin port, SIGTERM
 * handling (stop taking work, finish what is in flight), and method dispatch. */
#ifndef COMMON_SERVICE_H
#define COMMON_SERVICE_H
#include "bus_worker.h"
#include "admin.h"
#include "metrics.h"

/* One method of a service: METHOD name on the bus and its handler. */
typedef struct {
    const char *method;
    bus_handler_fn *fn;
} service_method_t;

/* A pool of THREADS worker threads registered as SERVICE. Each thread calls
 * THREAD_NEW(app) for its own state (NULL, with the reason logged, stops the process),
 * serves requests through DISPATCH (the METHODS table, NULL-terminated), and calls
 * THREAD_DESTROY(&state) at the end. Slow methods (bcrypt) get
 * a pool and a service name of their own, so they never queue ahead of fast ones. */
typedef struct {
    const char *service;
    int threads;
    const service_method_t *methods;
    void *(*thread_new)(void *app);
    void (*thread_destroy)(void **state_p);
} service_pool_t;

/* The settings every service process shares; each process's own table
 * (<service>_config.c) embeds them and fills them with service_config_load. */
typedef struct {
    int admin_port;               /* ADMIN_PORT, the process's ADMIN_DEFAULT_PORT_*; 0: none */
    const char *worker_endpoint;  /* BUS_WORKER_ENDPOINT, tcp://127.0.0.1:5556: the brokers */
    const char *database_url;     /* DATABASE_URL, DB_CONNINFO_DEFAULT */
} service_config_t;

/* Fills *CFG from the environment; DEFAULT_ADMIN_PORT is the process's
 * ADMIN_DEFAULT_PORT_* (admin.h). */
void service_config_load(service_config_t *cfg, int default_admin_port);

/* Runs the pools until SIGTERM or SIGINT, with the admin port and broker of CFG. READY
 * (may be NULL) answers /health/ready. Returns the process exit code: 1 when the process
 * could not start (bus security, admin port, a thread's state: each logged), else 0. */
int service_run(const char *process, const service_pool_t *pools, int pool_count, void *app,
                metrics_t *metrics, const service_config_t *cfg, admin_ready_fn *ready);

/* Calls the handler of REQ->method in METHODS, or answers BAD_REQUEST "Unknown method". */
void service_dispatch(const service_method_t *methods, void *state, const envelope_t *req,
                      envelope_t *reply);

/* The process's stop flag, set by SIGTERM/SIGINT. The only global mutable state. */
extern volatile sig_atomic_t service_stop;

#endif
