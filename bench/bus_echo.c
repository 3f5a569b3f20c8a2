/* bus_echo.c -- the bus alone under load: CPU and context switches per call through a
 * broker, its workers and concurrent clients, all in this process (one libzmq I/O
 * thread for all of them), so a change to broker/ or common/bus_*.c can be A/B measured
 * without the HTTP edge, PostgreSQL or the machine's other load moving the figure much:
 * CPU time per call does not depend on what else runs.
 *
 *   bus_echo [CALLS_PER_CLIENT (20000)] [CLIENTS (8)] [WORKERS (4)]
 *
 * Prints calls, wall us per call, CPU us per call (whole process, user + system) and
 * voluntary + involuntary context switches per call, then the CPU per call of the client
 * threads, the broker thread, the worker threads and the rest (libzmq's I/O thread). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <czmq.h>
#include "broker.h"
#include "bus_client.h"
#include "bus_proto.h"
#include "bus_worker.h"
#include "clock.h"

#define S_PORT_BASE 24740   /* clear of the unit suites' 24500-24703 and every stack */

static volatile sig_atomic_t s_stop;
static char s_client_ep[64], s_worker_ep[64];
static _Atomic int s_errors[1000];                  /* failed calls by status */

static double s_thread_cpu_us(void);

static void *
s_broker_main(void *arg)
{
    broker_run(arg, &s_stop);
    return NULL;
}

/* Echoes the request's body, like a service answering a small read. */
static void
s_echo(void *state, const envelope_t *req, envelope_t *reply)
{
    (void) state;
    msgpack_packer *pk = envelope_body_packer(reply);
    msgpack_pack_map(pk, 1);
    envelope_pack_key(pk, "echo");
    envelope_pack_str(pk, req->request_id);
}

static void *
s_worker_main(void *arg)
{
    (void) arg;
    bus_worker_t *worker = bus_worker_new(s_worker_ep, "echo");
    if (worker)
        bus_worker_run(worker, s_echo, NULL, &s_stop);
    bus_worker_destroy(&worker);
    return NULL;
}

typedef struct {
    const char *endpoint;
    pthread_barrier_t *ready;   /* every client warmed up: the clock starts */
    int calls;
    int ok;
    double cpu_us;
    pthread_t thread;
} s_client_t;

static double
s_thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void *
s_client_main(void *arg)
{
    s_client_t *c = arg;
    bus_client_t *client = bus_client_new(c->endpoint);
    bus_client_wait_connected(client, 2000);
    /* until the link is up and a worker answers: the start is not what is measured */
    for (int i = 0; i < 200; i++) {
        envelope_t *reply = NULL;
        envelope_t *ping = envelope_new(ENVELOPE_REQUEST);
        snprintf(ping->service, sizeof ping->service, "echo");
        snprintf(ping->method, sizeof ping->method, "get");
        bool up = bus_client_call(client, ping, 1000, 0, &reply) == ERR_NONE
                  && reply->status == 200;
        envelope_destroy(&reply);
        envelope_destroy(&ping);
        if (up)
            break;
        zclock_sleep(10);
    }
    pthread_barrier_wait(c->ready);
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "req_bus_echo");
    snprintf(req->service, sizeof req->service, "echo");
    snprintf(req->method, sizeof req->method, "get");
    double t0 = s_thread_cpu_us();
    for (int i = 0; i < c->calls; i++) {
        envelope_t *reply = NULL;
        err_code_t rc = bus_client_call(client, req, 5000, 0, &reply);
        int status = rc == ERR_NONE ? reply->status : 0;
        if (status == 200)
            c->ok++;
        else
            atomic_fetch_add(&s_errors[status >= 0 && status < 1000 ? status : 0], 1);
        envelope_destroy(&reply);
    }
    c->cpu_us = s_thread_cpu_us() - t0;
    envelope_destroy(&req);
    bus_client_destroy(&client);
    return NULL;
}

/* CPU us THREAD has used so far. */
static double
s_cpu_of(pthread_t thread)
{
    clockid_t cid;
    struct timespec ts;
    if (pthread_getcpuclockid(thread, &cid) != 0 || clock_gettime(cid, &ts) != 0)
        return 0;
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double
s_usage(struct rusage *ru)
{
    getrusage(RUSAGE_SELF, ru);
    return ru->ru_utime.tv_sec * 1e6 + ru->ru_utime.tv_usec + ru->ru_stime.tv_sec * 1e6
           + ru->ru_stime.tv_usec;
}

int
main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 20000;
    int nclients = argc > 2 ? atoi(argv[2]) : 8;
    int nworkers = argc > 3 ? atoi(argv[3]) : 4;
    if (calls < 1 || nclients < 1 || nclients > 256 || nworkers < 1 || nworkers > 256) {
        fprintf(stderr, "usage: bus_echo [CALLS_PER_CLIENT] [CLIENTS] [WORKERS]\n");
        return 2;
    }
    char xsub[64], xpub[64];
    snprintf(s_client_ep, sizeof s_client_ep, "tcp://127.0.0.1:%d", S_PORT_BASE);
    snprintf(s_worker_ep, sizeof s_worker_ep, "tcp://127.0.0.1:%d", S_PORT_BASE + 1);
    snprintf(xsub, sizeof xsub, "tcp://127.0.0.1:%d", S_PORT_BASE + 2);
    snprintf(xpub, sizeof xpub, "tcp://127.0.0.1:%d", S_PORT_BASE + 3);
    broker_config_t cfg;
    broker_config_from_env(&cfg);
    cfg.client_bind = s_client_ep;
    cfg.worker_bind = s_worker_ep;
    cfg.xsub_bind = xsub;
    cfg.xpub_bind = xpub;
    cfg.queue_max = 100000;
    bus_zsys_setup();
    broker_t *broker = broker_new(&cfg);
    if (!broker)
        return 1;
    pthread_t bt, wt[256];
    pthread_create(&bt, NULL, s_broker_main, broker);
    for (int i = 0; i < nworkers; i++)
        pthread_create(&wt[i], NULL, s_worker_main, NULL);
    broker_stats_t st;
    for (int i = 0; i < 500; i++) {
        broker_stats(broker, &st);
        if (st.workers == (uint64_t) nworkers)
            break;
        zclock_sleep(10);
    }
    s_client_t c[256] = { 0 };
    pthread_barrier_t ready;
    pthread_barrier_init(&ready, NULL, (unsigned) nclients + 1);
    for (int i = 0; i < nclients; i++) {
        c[i].endpoint = s_client_ep;
        c[i].ready = &ready;
        c[i].calls = calls;
        pthread_create(&c[i].thread, NULL, s_client_main, &c[i]);
    }
    pthread_barrier_wait(&ready);
    struct rusage r0, r1;
    double cpu0 = s_usage(&r0);
    double broker_us = -s_cpu_of(bt), workers_us = 0;
    for (int i = 0; i < nworkers; i++)
        workers_us -= s_cpu_of(wt[i]);
    int64_t t0 = clock_mono_us();
    int ok = 0;
    double client_us = 0;
    for (int i = 0; i < nclients; i++) {
        pthread_join(c[i].thread, NULL);
        ok += c[i].ok;
        client_us += c[i].cpu_us;
    }
    int64_t wall = clock_mono_us() - t0;
    double cpu = s_usage(&r1) - cpu0;
    broker_us += s_cpu_of(bt);
    for (int i = 0; i < nworkers; i++)
        workers_us += s_cpu_of(wt[i]);
    double n = (double) calls * nclients;
    printf("bus_echo: %.0f calls (%d ok), %d clients, %d workers: wall %.1f us/call (%.0f/s), "
           "CPU %.1f us/call (clients' threads %.1f), context switches %.2f/call\n",
           n, ok, nclients, nworkers, wall / n, n * 1e6 / (double) wall, cpu / n, client_us / n,
           (double) ((r1.ru_nvcsw - r0.ru_nvcsw) + (r1.ru_nivcsw - r0.ru_nivcsw)) / n);
    printf("  of which: broker thread %.1f, workers' threads %.1f, the rest (libzmq's I/O "
           "thread) %.1f us/call\n", broker_us / n, workers_us / n,
           cpu / n - client_us / n - broker_us / n - workers_us / n);
    for (int i = 0; i < 1000; i++)
        if (s_errors[i])
            printf("  failed: %d with status %d\n", s_errors[i], i);
    s_stop = 1;
    for (int i = 0; i < nworkers; i++)
        pthread_join(wt[i], NULL);
    pthread_join(bt, NULL);
    broker_destroy(&broker);
    return ok == (int) n ? 0 : 1;
}
