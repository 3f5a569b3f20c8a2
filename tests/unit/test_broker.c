/* test_broker.c -- the bus end to end on real sockets: broker (in-process and the real
 * binary), bus_worker, bus_client. Ports 24550-24599 on 127.0.0.1: below the ephemeral range and
 * clear of every stack (local 5555, test 15555, bench 25555).
 *
 * The binary is re-executed as a worker process ("--worker ENDPOINT SERVICE") for the
 * kill test, so the killed worker is a real process with its own TCP connection. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libgen.h>
#include <limits.h>
#include <czmq.h>
#include "broker.h"
#include "bus_harness.h"
#include "bus_client.h"
#include "bus_proto.h"
#include "bus_worker.h"
#include "clock.h"
#include "envelope.h"
#include "log.h"


/* --- Tests ---------------------------------------------------------------------------- */

START_TEST(test_lru_routing)
{
    broker_run_t *b = bh_broker_start(24550, 100);
    worker_run_t *w[3];
    for (int i = 0; i < 3; i++) {
        w[i] = bh_worker_start(b->ports.worker, "echo", i + 1);
        bh_wait_workers(b, (uint64_t) i + 1);   /* registration order = idle order */
    }
    int64_t seen[6];
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(bh_call(b->ports.client, "echo", 0, 2000, &seen[i]), 200);
    /* least recently used first: 1, 2, 3, then the same round again */
    ck_assert_int_eq(seen[0], 1);
    ck_assert_int_eq(seen[1], 2);
    ck_assert_int_eq(seen[2], 3);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(seen[i + 3], seen[i]);
    ck_assert_uint_eq(bh_stats(b).routed, 6);
    for (int i = 0; i < 3; i++)
        bh_worker_stop(&w[i]);
    bh_wait_workers(b, 0);   /* DISCONNECT on destroy removes them at once */
    bh_broker_stop(&b);
}
END_TEST

START_TEST(test_unknown_service)
{
    broker_run_t *b = bh_broker_start(24554, 100);
    int64_t t0 = clock_mono_ms();
    ck_assert_int_eq(bh_call(b->ports.client, "nosuch", 0, 5000, NULL), 503);
    ck_assert_int_lt(clock_mono_ms() - t0, 1000);   /* at once, not at the timeout */
    ck_assert_uint_eq(bh_stats(b).unavailable, 1);
    bh_broker_stop(&b);
}
END_TEST

typedef struct {
    const char *endpoint;
    int sleep_ms;
    int status;
} call_arg_t;

static void *
s_call_thread(void *arg)
{
    call_arg_t *c = (call_arg_t *) arg;
    c->status = bh_call(c->endpoint, "slow", c->sleep_ms, 10000, NULL);
    return NULL;
}

START_TEST(test_queue_timeout_and_full)
{
    broker_run_t *b = bh_broker_start(24558, 1);   /* room for one queued request */
    worker_run_t *w = bh_worker_start(b->ports.worker, "slow", 1);
    bh_wait_workers(b, 1);

    call_arg_t busy = { b->ports.client, 1000, 0 };
    pthread_t th;
    pthread_create(&th, NULL, s_call_thread, &busy);
    zclock_sleep(150);   /* the only worker is now inside its handler */

    zsock_t *raw = bh_raw_dealer(b->ports.client);
    int64_t t0 = clock_mono_ms();
    bh_raw_call(raw, "slow", clock_wall_ms() + 300, 0);   /* queued, then 504 */
    zclock_sleep(20);
    bh_raw_call(raw, "slow", clock_wall_ms() + 5000, 0);  /* queue full: 503 at once */
    envelope_t *first = bh_raw_reply(raw);
    ck_assert_ptr_nonnull(first);
    ck_assert_int_eq(first->status, 503);
    ck_assert_str_eq(first->code, "SERVICE_UNAVAILABLE");
    ck_assert_str_eq(first->request_id, "req_raw");
    envelope_t *second = bh_raw_reply(raw);
    ck_assert_ptr_nonnull(second);
    ck_assert_int_eq(second->status, 504);
    ck_assert_str_eq(second->code, "GATEWAY_TIMEOUT");
    int64_t waited = clock_mono_ms() - t0;
    ck_assert_int_ge(waited, 250);
    ck_assert_int_lt(waited, 900);   /* answered near its deadline, not after the worker */
    envelope_destroy(&first);
    envelope_destroy(&second);

    /* queued behind the busy worker, served once it is free */
    t0 = clock_mono_ms();
    ck_assert_int_eq(bh_call(b->ports.client, "slow", 0, 5000, NULL), 200);
    ck_assert_int_ge(clock_mono_ms() - t0, 200);
    pthread_join(th, NULL);
    ck_assert_int_eq(busy.status, 200);
    broker_stats_t st = bh_stats(b);
    ck_assert_uint_eq(st.timeouts, 1);
    ck_assert_uint_eq(st.unavailable, 1);
    zsock_destroy(&raw);
    bh_worker_stop(&w);
    bh_broker_stop(&b);
}
END_TEST

typedef struct {
    const char *endpoint;
    int status;
    int64_t done_at;
} kill_arg_t;

static void *
s_kill_call_thread(void *arg)
{
    kill_arg_t *c = (kill_arg_t *) arg;
    c->status = bh_call(c->endpoint, "fragile", 8000, 15000, NULL);
    c->done_at = clock_mono_ms();
    return NULL;
}

START_TEST(test_worker_killed)
{
    broker_run_t *b = bh_broker_start(24562, 100);
    char self[PATH_MAX];
    bh_self_path(self, sizeof self);
    char *argv[] = { self, "--worker", b->ports.worker, "fragile", NULL };
    pid_t child = bh_spawn(argv, NULL);
    bh_wait_workers(b, 1);
    worker_run_t *w = bh_worker_start(b->ports.worker, "fragile", 7);
    bh_wait_workers(b, 2);

    kill_arg_t call = { b->ports.client, 0, 0 };
    pthread_t th;
    pthread_create(&th, NULL, s_kill_call_thread, &call);
    zclock_sleep(300);   /* the child (first in LRU order) is sleeping in its handler */
    int64_t killed_at = clock_mono_ms();
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    pthread_join(th, NULL);
    ck_assert_int_eq(call.status, 503);
    ck_assert_int_lt(call.done_at - killed_at, 3000);   /* about one heartbeat */
    bh_wait_workers(b, 1);

    int64_t id = 0;
    ck_assert_int_eq(bh_call(b->ports.client, "fragile", 0, 3000, &id), 200);
    ck_assert_int_eq(id, 7);
    ck_assert_uint_ge(bh_stats(b).dropped, 1);   /* the heartbeat that found it gone */
    bh_worker_stop(&w);
    bh_broker_stop(&b);
}
END_TEST

START_TEST(test_broker_restart)
{
    char broker_bin[PATH_MAX];
    bh_broker_path(broker_bin, sizeof broker_bin);
    ck_assert_msg(access(broker_bin, X_OK) == 0, "broker binary not found at %s (BROKER_BIN)",
                  broker_bin);
    ports_t p = bh_ports(24566);
    char e1[96], e2[96], e3[96], e4[96];
    snprintf(e1, sizeof e1, "BROKER_CLIENT_BIND=%s", p.client);
    snprintf(e2, sizeof e2, "BROKER_WORKER_BIND=%s", p.worker);
    snprintf(e3, sizeof e3, "BROKER_XSUB_BIND=%s", p.xsub);
    snprintf(e4, sizeof e4, "BROKER_XPUB_BIND=%s", p.xpub);
    /* the clients and workers of this suite are plain: so is this broker */
    char *env[] = { e1, e2, e3, e4, "ADMIN_PORT=0", "BUS_HEARTBEAT_MS=200",
                    "LOG_LEVEL=warn", "BUS_CURVE_DIR=", "BUS_INSECURE=true", NULL };
    char *argv[] = { broker_bin, NULL };
    pid_t broker = bh_spawn(argv, env);

    worker_run_t *w[2] = { bh_worker_start(p.worker, "echo", 1),
                           bh_worker_start(p.worker, "echo", 2) };
    bus_client_t *client = bus_client_new(p.client);
    envelope_t *req = bh_request("echo", "req_restart", 0);

    /* traffic: one call every 20 ms; count answers before, during and after */
    int ok_before = 0, ok_after = 0, failed = 0;
    int64_t restarted_at = 0, recovered_at = 0;
    int64_t start = clock_mono_ms();
    bool killed = false;
    while (clock_mono_ms() - start < 20000) {
        envelope_t *reply = NULL;
        err_code_t rc = bus_client_call(client, req, 500, 0, &reply);
        bool ok = rc == ERR_NONE && reply && reply->status == 200;
        envelope_destroy(&reply);
        if (!killed) {
            ok_before += ok;
            if (ok_before >= 20) {
                kill(broker, SIGKILL);
                waitpid(broker, NULL, 0);
                killed = true;
                zclock_sleep(300);
                broker = bh_spawn(argv, env);
                restarted_at = clock_mono_ms();
            }
        } else if (ok) {
            if (!recovered_at)
                recovered_at = clock_mono_ms();
            if (++ok_after >= 20)
                break;
        } else {
            failed++;
        }
        zclock_sleep(20);
    }
    ck_assert_int_ge(ok_before, 20);
    ck_assert_int_ge(ok_after, 20);
    ck_assert_int_gt(recovered_at, 0);
    ck_assert_int_lt(recovered_at - restarted_at, 5000);
    fprintf(stderr, "broker restart: first success %lld ms after restart, %d failed calls\n",
            (long long) (recovered_at - restarted_at), failed);

    /* graceful stop: SIGTERM, exit code 0 */
    kill(broker, SIGTERM);
    int status = 0;
    waitpid(broker, &status, 0);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    envelope_destroy(&req);
    bus_client_destroy(&client);
    bh_worker_stop(&w[0]);
    bh_worker_stop(&w[1]);
}
END_TEST

static void
s_send_frames(zsock_t *sock, const char **frames, const size_t *sizes, int count)
{
    zmsg_t *msg = zmsg_new();
    for (int i = 0; i < count; i++)
        zmsg_addmem(msg, frames[i], sizes[i]);
    zmsg_send(&msg, sock);
}

START_TEST(test_garbage_frames)
{
    broker_run_t *b = bh_broker_start(24570, 100);
    worker_run_t *w = bh_worker_start(b->ports.worker, "echo", 1);
    bh_wait_workers(b, 1);
    zsock_t *front = bh_raw_dealer(b->ports.client);
    zsock_t *back = bh_raw_dealer(b->ports.worker);

    char noise[512];
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (char) (rand() & 0xff);
    envelope_t *req = bh_request("echo", "req_garbage", 0);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);

    /* client side: 6 malformed messages */
    const char *f1[] = { noise };
    size_t s1[] = { sizeof noise };
    s_send_frames(front, f1, s1, 1);                                   /* random bytes */
    const char *f2[] = { "BUSX99", "echo", "12345678", buf.data };
    size_t s2[] = { 6, 4, 8, buf.size };
    s_send_frames(front, f2, s2, 4);                                   /* wrong header */
    const char *f3[] = { BUS_CLIENT, "echo", "12345678", buf.data };
    size_t s3[] = { 6, 4, 8, buf.size / 2 };
    s_send_frames(front, f3, s3, 4);                                   /* truncated envelope */
    const char *f4[] = { BUS_CLIENT, "echo", "12345678", buf.data, "x", "y" };
    size_t s4[] = { 6, 4, 8, buf.size, 1, 1 };
    s_send_frames(front, f4, s4, 6);                                   /* too many frames */
    const char *f5[] = { BUS_CLIENT, "echo", "1234", buf.data };
    size_t s5[] = { 6, 4, 4, buf.size };
    s_send_frames(front, f5, s5, 4);                                   /* short nonce */
    const char *f6[] = { BUS_CLIENT, "ec ho\n", "12345678", noise };
    size_t s6[] = { 6, 6, 8, sizeof noise };
    s_send_frames(front, f6, s6, 4);                                   /* bad service */

    /* worker side: 5 malformed messages */
    s_send_frames(back, f1, s1, 1);                                    /* random bytes */
    const char *g2[] = { "BUSC01", BUS_HEARTBEAT };
    size_t t2[] = { 6, 1 };
    s_send_frames(back, g2, t2, 2);                                    /* client header */
    const char *g3[] = { BUS_WORKER, "\077" };
    size_t t3[] = { 6, 1 };
    s_send_frames(back, g3, t3, 2);                                    /* unknown command */
    const char *g4[] = { BUS_WORKER, BUS_READY, "bad service!" };
    size_t t4[] = { 6, 1, 12 };
    s_send_frames(back, g4, t4, 3);                                    /* bad name */
    const char *g5[] = { BUS_WORKER, BUS_READY, "mmi.service" };
    size_t t5[] = { 6, 1, 11 };
    s_send_frames(back, g5, t5, 3);                                    /* reserved name */

    /* an unknown worker heartbeating is told to re-register */
    const char *g6[] = { BUS_WORKER, BUS_HEARTBEAT };
    size_t t6[] = { 6, 1 };
    zsock_t *stranger = bh_raw_dealer(b->ports.worker);
    s_send_frames(stranger, g6, t6, 2);
    zmsg_t *msg = NULL;
    for (int i = 0; i < 10; i++) {   /* skip broker heartbeats, none are expected */
        msg = zmsg_recv(stranger);
        ck_assert_ptr_nonnull(msg);
        if (zmsg_size(msg) == 2 && memcmp(zframe_data(zmsg_last(msg)), BUS_DISCONNECT, 1) == 0)
            break;
        zmsg_destroy(&msg);
    }
    ck_assert_ptr_nonnull(msg);
    zmsg_destroy(&msg);

    /* an oversized message: libzmq drops the connection (ZMQ_MAXMSGSIZE) */
    size_t big = BUS_MAX_MSG_SIZE + 1024;
    char *huge = (char *) calloc(1, big);
    const char *f7[] = { BUS_CLIENT, "echo", "12345678", huge };
    size_t s7[] = { 6, 4, 8, big };
    s_send_frames(front, f7, s7, 4);
    free(huge);

    for (int i = 0; i < 100 && bh_stats(b).malformed < 11; i++)
        zclock_sleep(10);
    ck_assert_uint_eq(bh_stats(b).malformed, 11);
    /* still alive and routing */
    ck_assert_int_eq(bh_call(b->ports.client, "echo", 0, 2000, NULL), 200);
    ck_assert_uint_eq(bh_stats(b).workers, 1);

    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&req);
    zsock_destroy(&stranger);
    zsock_destroy(&front);
    zsock_destroy(&back);
    bh_worker_stop(&w);
    bh_broker_stop(&b);
}
END_TEST

/* mmi.service through the real client API. */
static envelope_t *
s_mmi(const char *endpoint, const char *name)
{
    bus_client_t *client = bus_client_new(endpoint);
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "req_mmi");
    snprintf(req->service, sizeof req->service, BUS_MMI_SERVICE);
    snprintf(req->method, sizeof req->method, "lookup");
    if (name) {
        msgpack_packer *pk = envelope_body_packer(req);
        msgpack_pack_map(pk, 1);
        envelope_pack_key(pk, "service");
        envelope_pack_str(pk, name);
    }
    envelope_t *reply = NULL;
    err_code_t rc = ERR_SERVICE_UNAVAILABLE;
    for (int i = 0; i < 50 && rc == ERR_SERVICE_UNAVAILABLE; i++) {
        rc = bus_client_call(client, req, 2000, 0, &reply);
        if (rc == ERR_SERVICE_UNAVAILABLE)
            zclock_sleep(20);
    }
    envelope_destroy(&req);
    bus_client_destroy(&client);
    return reply;
}

START_TEST(test_mmi_service)
{
    broker_run_t *b = bh_broker_start(24574, 100);
    worker_run_t *w1 = bh_worker_start(b->ports.worker, "users", 1);
    worker_run_t *w2 = bh_worker_start(b->ports.worker, "users", 2);
    bh_wait_workers(b, 2);

    envelope_t *reply = s_mmi(b->ports.client, "users");
    ck_assert_ptr_nonnull(reply);
    ck_assert_int_eq(reply->status, 200);
    ck_assert(envelope_str_eq(envelope_map_get(reply->body_obj, "service"), "users"));
    ck_assert_int_eq(bh_body_int(reply, "workers"), 2);
    envelope_destroy(&reply);

    reply = s_mmi(b->ports.client, "orders");
    ck_assert_ptr_nonnull(reply);
    ck_assert_int_eq(reply->status, 404);
    ck_assert_str_eq(reply->code, "NOT_FOUND");
    envelope_destroy(&reply);

    reply = s_mmi(b->ports.client, NULL);
    ck_assert_ptr_nonnull(reply);
    ck_assert_int_eq(reply->status, 400);
    envelope_destroy(&reply);

    bh_worker_stop(&w1);
    bh_worker_stop(&w2);
    bh_wait_workers(b, 0);
    reply = s_mmi(b->ports.client, "users");
    ck_assert_int_eq(reply->status, 404);
    envelope_destroy(&reply);
    bh_broker_stop(&b);
}
END_TEST

START_TEST(test_events_proxy)
{
    broker_run_t *b = bh_broker_start(24578, 100);
    zsock_t *pub = zsock_new_pub(NULL);
    zsock_connect(pub, "%s", b->ports.xsub);
    zsock_t *sub = zsock_new_sub(b->ports.xpub, "user.42");
    zsock_set_rcvtimeo(sub, 100);
    /* slow joiner: publish until the subscription has travelled upstream */
    char *got = NULL;
    for (int i = 0; i < 50 && !got; i++) {
        zstr_sendx(pub, "user.7", "not for us", NULL);
        zstr_sendx(pub, "user.42", "hello", NULL);
        char *topic = NULL, *body = NULL;
        if (zstr_recvx(sub, &topic, &body, NULL) >= 0 && topic) {
            ck_assert_str_eq(topic, "user.42");   /* the filter holds */
            got = body;
            body = NULL;
        }
        zstr_free(&topic);
        zstr_free(&body);
    }
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, "hello");
    zstr_free(&got);
    ck_assert_uint_ge(bh_stats(b).events, 1);
    zsock_destroy(&pub);
    zsock_destroy(&sub);
    bh_broker_stop(&b);
}
END_TEST

/* Not an assertion on speed: prints the round trip so the report has a number. */
START_TEST(test_echo_roundtrip)
{
    broker_run_t *b = bh_broker_start(24582, 100);
    worker_run_t *w = bh_worker_start(b->ports.worker, "echo", 1);
    bh_wait_workers(b, 1);
    bus_client_t *client = bus_client_new(b->ports.client);
    envelope_t *req = bh_request("echo", "req_bench", 0);
    zclock_sleep(100);
    const int calls = 10000;
    int ok = 0;
    int64_t t0 = clock_mono_us();
    for (int i = 0; i < calls; i++) {
        envelope_t *reply = NULL;
        if (bus_client_call(client, req, 2000, 0, &reply) == ERR_NONE && reply->status == 200)
            ok++;
        envelope_destroy(&reply);
    }
    double us = (double) (clock_mono_us() - t0) / calls;
    fprintf(stderr, "echo round trip: %d calls, %d ok, %.1f us per call (%.0f calls/s)\n",
            calls, ok, us, 1e6 / us);
    ck_assert_int_eq(ok, calls);
    envelope_destroy(&req);
    bus_client_destroy(&client);
    bh_worker_stop(&w);
    bh_broker_stop(&b);
}
END_TEST

START_TEST(test_client_no_broker)
{
    bus_client_t *client = bus_client_new("tcp://127.0.0.1:24599");   /* nobody there */
    ck_assert_ptr_nonnull(client);
    envelope_t *req = bh_request("echo", "req_nobroker", 0);
    envelope_t *reply = NULL;
    int64_t t0 = clock_mono_ms();
    ck_assert_int_eq(bus_client_call(client, req, 10000, 0, &reply), ERR_SERVICE_UNAVAILABLE);
    ck_assert_ptr_null(reply);
    /* refused after the connect grace (500 ms, bus_client.c), not at the call's timeout */
    ck_assert_int_lt(clock_mono_ms() - t0, 5000);
    bus_client_destroy(&client);
    bus_client_destroy(&client);   /* NULL-safe */
    envelope_destroy(&req);
    ck_assert_ptr_null(bus_worker_new(NULL, "x"));
    ck_assert_ptr_null(bus_worker_new("tcp://127.0.0.1:24599", "mmi.service"));
    ck_assert_ptr_null(bus_worker_new("tcp://127.0.0.1:24599", "bad name"));
}
END_TEST


/* The worker against a raw ROUTER playing broker: READY on connect, a new READY (new
 * identity) after DISCONNECT and after broker silence, 504 without the handler for an
 * expired request, a reply carrying client and nonce back. */
static zmsg_t *
s_expect(zsock_t *router, const char *command, int wait_ms)
{
    int64_t until = clock_mono_ms() + wait_ms;
    while (clock_mono_ms() < until) {
        zmsg_t *msg = zmsg_recv(router);
        if (!msg)
            continue;
        zmsg_first(msg);   /* the routing id; the cursor walks on from it */
        zframe_t *header = zmsg_size(msg) >= 3 ? zmsg_next(msg) : NULL;
        zframe_t *cmd = header ? zmsg_next(msg) : NULL;
        if (cmd && zframe_size(header) == 6 && memcmp(zframe_data(header), BUS_WORKER, 6) == 0
            && memcmp(zframe_data(cmd), command, 1) == 0)
            return msg;
        zmsg_destroy(&msg);
    }
    return NULL;
}

static void
s_send_request(zsock_t *router, zframe_t *identity, int64_t deadline_ms)
{
    envelope_t *req = bh_request("proto", "req_proto", 0);
    req->deadline_ms = deadline_ms;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    zmsg_t *msg = zmsg_new();
    zmsg_append(msg, &(zframe_t *) { zframe_dup(identity) });
    zmsg_addstr(msg, BUS_WORKER);
    zmsg_addmem(msg, BUS_REQUEST, 1);
    zmsg_addstr(msg, "client-1");
    zmsg_addmem(msg, "nonce-01", 8);
    zmsg_addmem(msg, buf.data, buf.size);
    zmsg_send(&msg, router);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&req);
}

START_TEST(test_worker_protocol)
{
    zsock_t *router = zsock_new_router("tcp://127.0.0.1:24588");
    ck_assert_ptr_nonnull(router);
    zsock_set_rcvtimeo(router, 100);
    worker_run_t *w = bh_worker_start("tcp://127.0.0.1:24588", "proto", 3);

    zmsg_t *ready = s_expect(router, BUS_READY, 2000);
    ck_assert_ptr_nonnull(ready);
    ck_assert_uint_eq(zmsg_size(ready), 4);
    ck_assert(zframe_streq(zmsg_last(ready), "proto"));
    zframe_t *id1 = zframe_dup(zmsg_first(ready));
    zmsg_destroy(&ready);

    /* a served request: client and nonce come back untouched */
    s_send_request(router, id1, clock_wall_ms() + 5000);
    zmsg_t *reply = s_expect(router, BUS_REPLY, 2000);
    ck_assert_ptr_nonnull(reply);
    ck_assert_uint_eq(zmsg_size(reply), 6);
    zmsg_first(reply);
    zmsg_next(reply);
    zmsg_next(reply);
    ck_assert(zframe_streq(zmsg_next(reply), "client-1"));
    ck_assert(memcmp(zframe_data(zmsg_next(reply)), "nonce-01", 8) == 0);
    envelope_t *env = envelope_decode(zframe_data(zmsg_last(reply)),
                                      zframe_size(zmsg_last(reply)), NULL);
    ck_assert_int_eq(env->status, 200);
    envelope_destroy(&env);
    zmsg_destroy(&reply);
    ck_assert_int_eq(atomic_load(&w->served), 1);

    /* an expired request: 504, the handler is not called */
    s_send_request(router, id1, clock_wall_ms() - 10);
    reply = s_expect(router, BUS_REPLY, 2000);
    ck_assert_ptr_nonnull(reply);
    env = envelope_decode(zframe_data(zmsg_last(reply)), zframe_size(zmsg_last(reply)), NULL);
    ck_assert_int_eq(env->status, 504);
    envelope_destroy(&env);
    zmsg_destroy(&reply);
    ck_assert_int_eq(atomic_load(&w->served), 1);

    /* DISCONNECT: READY again at once, from a new socket */
    zmsg_t *dis = zmsg_new();
    zmsg_append(dis, &(zframe_t *) { zframe_dup(id1) });
    zmsg_addstr(dis, BUS_WORKER);
    zmsg_addmem(dis, BUS_DISCONNECT, 1);
    int64_t t0 = clock_mono_ms();
    zmsg_send(&dis, router);
    ready = s_expect(router, BUS_READY, 2000);
    ck_assert_ptr_nonnull(ready);
    ck_assert_int_lt(clock_mono_ms() - t0, 500);
    ck_assert(!zframe_eq(zmsg_first(ready), id1));
    zmsg_destroy(&ready);

    /* silence (no heartbeats from us): READY again after about HB_MS * 3 */
    t0 = clock_mono_ms();
    ready = s_expect(router, BUS_READY, 5000);
    ck_assert_ptr_nonnull(ready);
    int64_t silent = clock_mono_ms() - t0;
    ck_assert_int_ge(silent, HB_MS * 2);
    ck_assert_int_lt(silent, HB_MS * 3 + 1500);
    zmsg_destroy(&ready);

    zframe_destroy(&id1);
    bh_worker_stop(&w);
    zsock_destroy(&router);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("broker");
    TCase *tc = tcase_create("bus");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_client_no_broker);
    tcase_add_test(tc, test_worker_protocol);
    tcase_add_test(tc, test_lru_routing);
    tcase_add_test(tc, test_unknown_service);
    tcase_add_test(tc, test_queue_timeout_and_full);
    tcase_add_test(tc, test_mmi_service);
    tcase_add_test(tc, test_garbage_frames);
    tcase_add_test(tc, test_events_proxy);
    tcase_add_test(tc, test_worker_killed);
    tcase_add_test(tc, test_broker_restart);
    tcase_add_test(tc, test_echo_roundtrip);
    suite_add_tcase(s, tc);
    return s;
}

/* "--worker ENDPOINT SERVICE": serve SERVICE until SIGTERM (the kill test's child). */
static volatile sig_atomic_t s_worker_stop_flag = 0;

static void
s_on_term(int sig)
{
    (void) sig;
    s_worker_stop_flag = 1;
}

static int
s_worker_process(const char *endpoint, const char *service)
{
    signal(SIGTERM, s_on_term);
    setenv("BUS_HEARTBEAT_MS", "200", 1);
    bus_worker_t *worker = bus_worker_new(endpoint, service);
    if (!worker)
        return 1;
    bus_worker_run(worker, bh_handler, NULL, &s_worker_stop_flag);
    bus_worker_destroy(&worker);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--worker") == 0)
        return s_worker_process(argv[2], argv[3]);
    setenv("BUS_HEARTBEAT_MS", "200", 1);   /* workers read it; matches HB_MS */
    if (!getenv("LOG_LEVEL"))
        setenv("LOG_LEVEL", "warn", 1);
    log_init("test_broker");
    SRunner *sr = srunner_create(s_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
