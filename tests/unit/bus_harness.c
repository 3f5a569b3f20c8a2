/* bus_harness.c -- in-process brokers and workers, one-call clients and raw protocol
 * sockets for the bus unit suites (bus_harness.h). */
#include "bus_harness.h"
#include <check.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bus_client.h"
#include "bus_proto.h"
#include "bus_worker.h"

/* --- Helpers: endpoints, requests ---------------------------------------------------- */


ports_t
bh_ports(int base)
{
    ports_t p;
    snprintf(p.client, sizeof p.client, "tcp://127.0.0.1:%d", base);
    snprintf(p.worker, sizeof p.worker, "tcp://127.0.0.1:%d", base + 1);
    snprintf(p.xsub, sizeof p.xsub, "tcp://127.0.0.1:%d", base + 2);
    snprintf(p.xpub, sizeof p.xpub, "tcp://127.0.0.1:%d", base + 3);
    return p;
}

/* A request to SERVICE whose body is {"sleep": SLEEP_MS}. */
envelope_t *
bh_request(const char *service, const char *rid, int sleep_ms)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "%s", rid);
    snprintf(req->service, sizeof req->service, "%s", service);
    snprintf(req->method, sizeof req->method, "echo");
    msgpack_packer *pk = envelope_body_packer(req);
    msgpack_pack_map(pk, 1);
    envelope_pack_key(pk, "sleep");
    msgpack_pack_int(pk, sleep_ms);
    return req;
}

int64_t
bh_body_int(const envelope_t *env, const char *key)
{
    const msgpack_object *v = env ? envelope_map_get(env->body_obj, key) : NULL;
    if (!v)
        return -1;
    if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return (int64_t) v->via.u64;
    if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return v->via.i64;
    return -1;
}

/* One call through a fresh client. Returns the reply status, or -rc when no reply. */
int
bh_call(const char *endpoint, const char *service, int sleep_ms, int timeout_ms,
       int64_t *worker_id)
{
    bus_client_t *client = bus_client_new(endpoint);
    ck_assert_ptr_nonnull(client);
    envelope_t *req = bh_request(service, "req_test_1", sleep_ms);
    envelope_t *reply = NULL;
    /* a fresh DEALER needs a moment to complete its connection (ZMQ_IMMEDIATE) */
    err_code_t rc = ERR_SERVICE_UNAVAILABLE;
    for (int i = 0; i < 50 && rc == ERR_SERVICE_UNAVAILABLE; i++) {
        rc = bus_client_call(client, req, timeout_ms, 0, &reply);
        if (rc == ERR_SERVICE_UNAVAILABLE)
            zclock_sleep(20);
    }
    int status = reply ? reply->status : -(int) rc;
    if (reply)
        ck_assert_str_eq(reply->request_id, "req_test_1");
    if (worker_id)
        *worker_id = bh_body_int(reply, "worker");
    envelope_destroy(&reply);
    envelope_destroy(&req);
    bus_client_destroy(&client);
    return status;
}

/* --- Helpers: an in-process broker ---------------------------------------------------- */


static void *
bh_broker_main(void *arg)
{
    broker_run_t *b = (broker_run_t *) arg;
    broker_t *broker = broker_new(&b->cfg);
    ck_assert_ptr_nonnull(broker);
    atomic_store(&b->broker, broker);
    broker_run(broker, &b->stop);
    atomic_store(&b->broker, NULL);
    broker_destroy(&broker);
    return NULL;
}

broker_run_t *
bh_broker_start(int base, int queue_max)
{
    broker_run_t *b = (broker_run_t *) calloc(1, sizeof *b);
    b->ports = bh_ports(base);
    b->cfg.client_bind = b->ports.client;
    b->cfg.worker_bind = b->ports.worker;
    b->cfg.xsub_bind = b->ports.xsub;
    b->cfg.xpub_bind = b->ports.xpub;
    b->cfg.heartbeat_ms = HB_MS;
    b->cfg.liveness = 3;
    b->cfg.queue_max = queue_max;
    b->cfg.queue_wait_ms = 30000;
    b->cfg.drain_ms = 1000;
    pthread_create(&b->thread, NULL, bh_broker_main, b);
    for (int i = 0; i < 200 && !atomic_load(&b->broker); i++)
        zclock_sleep(5);
    ck_assert_ptr_nonnull(atomic_load(&b->broker));
    return b;
}

broker_stats_t
bh_stats(broker_run_t *b)
{
    broker_stats_t st;
    broker_stats(atomic_load(&b->broker), &st);
    return st;
}

void
bh_wait_workers(broker_run_t *b, uint64_t n)
{
    for (int i = 0; i < 500 && bh_stats(b).workers != n; i++)
        zclock_sleep(10);
    ck_assert_uint_eq(bh_stats(b).workers, n);
}

void
bh_broker_stop(broker_run_t **b_p)
{
    broker_run_t *b = *b_p;
    b->stop = 1;
    pthread_join(b->thread, NULL);
    free(b);
    *b_p = NULL;
}

/* --- Helpers: workers ----------------------------------------------------------------- */


/* Echo handler: sleeps body.sleep ms, answers {"worker": id, "pid": pid}. */
void
bh_handler(void *state, const envelope_t *req, envelope_t *reply)
{
    int id = state ? ((worker_run_t *) state)->id : 0;
    int64_t sleep_ms = bh_body_int(req, "sleep");
    if (sleep_ms > 0)
        zclock_sleep((int) sleep_ms);
    msgpack_packer *pk = envelope_body_packer(reply);
    msgpack_pack_map(pk, 2);
    envelope_pack_key(pk, "worker");
    msgpack_pack_int(pk, id);
    envelope_pack_key(pk, "pid");
    msgpack_pack_int(pk, (int) getpid());
    if (state)
        atomic_fetch_add(&((worker_run_t *) state)->served, 1);
}

static void *
bh_worker_main(void *arg)
{
    worker_run_t *w = (worker_run_t *) arg;
    bus_worker_t *worker = bus_worker_new(w->endpoint, w->service);
    ck_assert_ptr_nonnull(worker);
    bus_worker_run(worker, bh_handler, w, &w->stop);
    bus_worker_destroy(&worker);
    return NULL;
}

worker_run_t *
bh_worker_start(const char *endpoint, const char *service, int id)
{
    worker_run_t *w = (worker_run_t *) calloc(1, sizeof *w);
    snprintf(w->endpoint, sizeof w->endpoint, "%s", endpoint);
    snprintf(w->service, sizeof w->service, "%s", service);
    w->id = id;
    pthread_create(&w->thread, NULL, bh_worker_main, w);
    return w;
}

void
bh_worker_stop(worker_run_t **w_p)
{
    worker_run_t *w = *w_p;
    w->stop = 1;
    pthread_join(w->thread, NULL);
    free(w);
    *w_p = NULL;
}

/* A child process running this binary in worker or broker role; returns its pid. */
pid_t
bh_spawn(char *const argv[], char *const env_extra[])
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        for (int i = 0; env_extra && env_extra[i]; i++)
            putenv(env_extra[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

void
bh_self_path(char *out, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", out, size - 1);
    ck_assert_int_gt(n, 0);
    out[n] = '\0';
}

/* The broker binary: BROKER_BIN, else <build>/broker/broker next to <build>/tests/. */
void
bh_broker_path(char *out, size_t size)
{
    const char *env = getenv("BROKER_BIN");
    if (env && *env) {
        snprintf(out, size, "%s", env);
        return;
    }
    char self[PATH_MAX];
    bh_self_path(self, sizeof self);
    char *dir = dirname(dirname(self));
    snprintf(out, size, "%s/broker/broker", dir);
}

/* --- Raw sockets, to speak the protocol (and break it) directly ----------------------- */

zsock_t *
bh_raw_dealer(const char *endpoint)
{
    zsock_t *sock = zsock_new_dealer(endpoint);
    ck_assert_ptr_nonnull(sock);
    zsock_set_rcvtimeo(sock, 3000);
    zclock_sleep(100);   /* let the connection complete before sending */
    return sock;
}

/* Sends a valid client request with DEADLINE_MS (wall); bh_raw_reply reads the answer. */
void
bh_raw_call(zsock_t *sock, const char *service, int64_t deadline_ms, int sleep_ms)
{
    envelope_t *req = bh_request(service, "req_raw", sleep_ms);
    req->deadline_ms = deadline_ms;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, BUS_CLIENT);
    zmsg_addstr(msg, service);
    zmsg_addmem(msg, "12345678", 8);
    zmsg_addmem(msg, buf.data, buf.size);
    zmsg_send(&msg, sock);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&req);
}

envelope_t *
bh_raw_reply(zsock_t *sock)
{
    zmsg_t *msg = zmsg_recv(sock);
    if (!msg)
        return NULL;
    ck_assert_uint_eq(zmsg_size(msg), 4);
    zframe_t *body = zmsg_last(msg);
    envelope_t *env = envelope_decode(zframe_data(body), zframe_size(body), NULL);
    zmsg_destroy(&msg);
    return env;
}

