/* test_edge_timeout.c -- the deadline the edge puts in the envelope is honoured by the
 * worker side: a request taken after its deadline_ms is answered 504 GATEWAY_TIMEOUT
 * without running the handler (common/bus_worker.c), and one within it is served. The
 * broker is played by a ROUTER socket, so the worker alone is under test. */
#include <check.h>
#include <czmq.h>
#include <pthread.h>
#include <stdatomic.h>
#include "bus_proto.h"
#include "bus_worker.h"
#include "clock.h"
#include "envelope.h"

static atomic_int s_handled;

static void
s_handler(void *state, const envelope_t *req, envelope_t *reply)
{
    (void) state;
    (void) req;
    (void) reply;
    atomic_fetch_add(&s_handled, 1);
}

typedef struct {
    bus_worker_t *worker;
    volatile sig_atomic_t stop;
} s_run_t;

static void *
s_run(void *arg)
{
    s_run_t *run = arg;
    bus_worker_run(run->worker, s_handler, NULL, &run->stop);
    return NULL;
}

/* Sends one REQUEST with DEADLINE_MS to the worker IDENTITY; returns the reply's status. */
static int
s_call(zsock_t *router, zframe_t *identity, int64_t deadline_ms)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "req_deadline");
    snprintf(req->service, sizeof req->service, "clock");
    snprintf(req->method, sizeof req->method, "tick");
    req->deadline_ms = deadline_ms;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    zmsg_t *msg = zmsg_new();
    zmsg_append(msg, &(zframe_t *) { zframe_dup(identity) });
    zmsg_addmem(msg, BUS_WORKER, BUS_HEADER_SIZE);
    zmsg_addmem(msg, BUS_REQUEST, 1);
    zmsg_addmem(msg, "client-1", 8);
    zmsg_addmem(msg, "12345678", BUS_NONCE_SIZE);
    zmsg_addmem(msg, buf.data, buf.size);
    zmsg_send(&msg, router);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&req);

    /* skip heartbeats until the REPLY: [id, header, REPLY, client, nonce, envelope] */
    for (;;) {
        zmsg_t *in = zmsg_recv(router);
        ck_assert_ptr_nonnull(in);
        if (zmsg_size(in) == 6) {
            zframe_t *body = zmsg_last(in);
            envelope_t *rep = envelope_decode(zframe_data(body), zframe_size(body), NULL);
            ck_assert_ptr_nonnull(rep);
            int status = rep->status;
            envelope_destroy(&rep);
            zmsg_destroy(&in);
            return status;
        }
        zmsg_destroy(&in);
    }
}

START_TEST(test_expired_request_skipped)
{
    zsock_t *router = zsock_new(ZMQ_ROUTER);
    ck_assert_ptr_nonnull(router);
    zsock_set_rcvtimeo(router, 3000);
    ck_assert_int_eq(zsock_bind(router, "inproc://edge-deadline"), 0);
    s_run_t run = { bus_worker_new("inproc://edge-deadline", "clock"), 0 };
    ck_assert_ptr_nonnull(run.worker);
    pthread_t th;
    pthread_create(&th, NULL, s_run, &run);

    /* READY: [identity, header, READY, service] */
    zmsg_t *ready = zmsg_recv(router);
    ck_assert_ptr_nonnull(ready);
    zframe_t *identity = zframe_dup(zmsg_first(ready));
    zmsg_destroy(&ready);

    ck_assert_int_eq(s_call(router, identity, clock_wall_ms() - 1), 504);
    ck_assert_int_eq(atomic_load(&s_handled), 0);
    ck_assert_int_eq(s_call(router, identity, clock_wall_ms() + 5000), 200);
    ck_assert_int_eq(atomic_load(&s_handled), 1);
    ck_assert_int_eq(s_call(router, identity, 0), 200);          /* 0: no deadline */
    ck_assert_int_eq(atomic_load(&s_handled), 2);

    run.stop = 1;
    pthread_join(th, NULL);
    zframe_destroy(&identity);
    bus_worker_destroy(&run.worker);
    zsock_destroy(&router);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("edge_timeout");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_expired_request_skipped);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
