/* bus_harness.h -- what the bus unit suites share: in-process brokers and workers on real
 * sockets, one-call clients, raw protocol sockets, child processes. Ports are each
 * suite's own (see the suite's first lines). */
#ifndef TESTS_UNIT_BUS_HARNESS_H
#define TESTS_UNIT_BUS_HARNESS_H
#include <signal.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sys/types.h>
#include <czmq.h>
#include "broker.h"
#include "envelope.h"

#define HB_MS 200   /* fast heartbeats keep the failure tests short */

typedef struct {
    char client[64], worker[64], xsub[64], xpub[64];
} ports_t;
typedef struct {
    broker_config_t cfg;
    ports_t ports;
    volatile sig_atomic_t stop;
    broker_t *_Atomic broker;
    pthread_t thread;
} broker_run_t;
typedef struct {
    char endpoint[256];      /* one broker's worker endpoint, or a list */
    char service[33];
    int id;
    volatile sig_atomic_t stop;
    pthread_t thread;
    _Atomic int served;
} worker_run_t;

ports_t bh_ports(int base);
envelope_t *bh_request(const char *service, const char *rid, int sleep_ms);
int64_t bh_body_int(const envelope_t *env, const char *key);
int bh_call(const char *endpoint, const char *service, int sleep_ms, int timeout_ms, int64_t *worker_id);
broker_run_t *bh_broker_start(int base, int queue_max);
broker_stats_t bh_stats(broker_run_t *b);
void bh_wait_workers(broker_run_t *b, uint64_t n);
void bh_broker_stop(broker_run_t **b_p);
void bh_handler(void *state, const envelope_t *req, envelope_t *reply);
worker_run_t *bh_worker_start(const char *endpoint, const char *service, int id);
void bh_worker_stop(worker_run_t **w_p);
pid_t bh_spawn(char *const argv[], char *const env_extra[]);
void bh_self_path(char *out, size_t size);
void bh_broker_path(char *out, size_t size);
zsock_t *bh_raw_dealer(const char *endpoint);
void bh_raw_call(zsock_t *sock, const char *service, int64_t deadline_ms, int sleep_ms);
envelope_t *bh_raw_reply(zsock_t *sock);

#endif
