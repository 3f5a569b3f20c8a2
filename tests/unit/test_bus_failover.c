/* test_bus_failover.c -- several brokers: calls spread over them, move off one that says
 * "undelivered", that is lost with a call in flight (only a retryable call moves), that
 * vanishes without a reset (ZMTP heartbeats find it), or that drains on its way out; and
 * a worker whose broker answers only after a silence keeps the link it registered on, and
 * a call made just as a broker comes back waits for its link instead of failing.
 * Real sockets on 127.0.0.1, ports 24600-24699 (clear of test_broker's 24550-24599 and of
 * every stack). */
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "bus_client.h"
#include "bus_endpoints.h"
#include "bus_harness.h"
#include "bus_proto.h"
#include "clock.h"
#include "log.h"

/* --- a client that knows several brokers --------------------------------------------- */

/* A client of LIST, once connected to EXPECTED brokers. */
static bus_client_t *
s_client(const char *list, size_t expected)
{
    bus_client_t *client = bus_client_new(list);
    ck_assert_ptr_nonnull(client);
    int64_t until = clock_mono_ms() + 5000;
    while (bus_client_live(client) < expected && clock_mono_ms() < until)
        bus_client_wait_event(client, 50);
    ck_assert_uint_eq(bus_client_live(client), expected);
    return client;
}

/* One call. Returns the status, or -rc; *WORKER the answering worker's id. */
static int
s_call(bus_client_t *client, int sleep_ms, int timeout_ms, int flags, int64_t *worker)
{
    envelope_t *req = bh_request("echo", "req_failover", sleep_ms);
    envelope_t *reply = NULL;
    err_code_t rc = bus_client_call(client, req, timeout_ms, flags, &reply);
    int status = reply ? reply->status : -(int) rc;
    if (worker)
        *worker = bh_body_int(reply, "worker");
    envelope_destroy(&reply);
    envelope_destroy(&req);
    return status;
}

/* A call on its own thread, so the test can break its broker meanwhile. */
typedef struct {
    bus_client_t *client;
    int flags;
    int timeout_ms;
    int status;
    int64_t worker;
    int64_t elapsed_ms;
    pthread_t thread;
} call_run_t;

static void *
s_call_main(void *arg)
{
    call_run_t *c = (call_run_t *) arg;
    int64_t t0 = clock_mono_ms();
    c->status = s_call(c->client, 0, c->timeout_ms, c->flags, &c->worker);
    c->elapsed_ms = clock_mono_ms() - t0;
    return NULL;
}

/* --- a TCP relay that can go silent, like a machine that vanished -------------------- */

typedef struct {
    int listen_fd;
    int target_port;
    atomic_bool silent;     /* stop relaying, keep every socket open */
    atomic_bool stop;
    atomic_int accepts;     /* connections taken so far, */
    _Atomic int64_t accepted_at;  /* and when the last one was (mono ms) */
    pthread_t thread;
} relay_t;

static int
s_tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* One connection at a time is all a DEALER makes; a reconnect replaces the pair. */
static void *
s_relay_main(void *arg)
{
    relay_t *r = (relay_t *) arg;
    int a = -1, b = -1;
    char buf[16384];
    while (!atomic_load(&r->stop)) {
        struct pollfd fds[3] = { { r->listen_fd, POLLIN, 0 }, { a, POLLIN, 0 }, { b, POLLIN, 0 } };
        bool relaying = !atomic_load(&r->silent);
        if (!relaying)
            fds[1].fd = fds[2].fd = -1;
        if (poll(fds, 3, 20) <= 0)
            continue;
        if (fds[0].revents & POLLIN) {
            int fd = accept(r->listen_fd, NULL, NULL);
            if (fd >= 0) {
                if (a >= 0)
                    close(a);
                if (b >= 0)
                    close(b);
                a = fd;
                b = s_tcp_connect(r->target_port);
                atomic_store(&r->accepted_at, clock_mono_ms());
                atomic_fetch_add(&r->accepts, 1);
            }
        }
        for (int i = 1; i <= 2 && relaying; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            int from = i == 1 ? a : b, to = i == 1 ? b : a;
            ssize_t n = read(from, buf, sizeof buf);
            if (n <= 0 || to < 0 || write(to, buf, (size_t) n) != n) {
                close(a), close(b);
                a = b = -1;
                break;
            }
        }
    }
    if (a >= 0)
        close(a);
    if (b >= 0)
        close(b);
    return NULL;
}

static relay_t *
s_relay_start(int port, int target_port)
{
    relay_t *r = (relay_t *) calloc(1, sizeof *r);
    r->target_port = target_port;
    r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(r->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(r->listen_fd, (struct sockaddr *) &addr, sizeof addr), 0);
    ck_assert_int_eq(listen(r->listen_fd, 4), 0);
    pthread_create(&r->thread, NULL, s_relay_main, r);
    return r;
}

static void
s_relay_stop(relay_t **r_p)
{
    relay_t *r = *r_p;
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    close(r->listen_fd);
    free(r);
    *r_p = NULL;
}

/* --- Tests ---------------------------------------------------------------------------- */

START_TEST(test_endpoints_expand)
{
    bus_endpoints_t *list = bus_endpoints_new(" tcp://127.0.0.1:7001 ,tcp://localhost:7002,"
                                              "tcp://127.0.0.1:7001");
    ck_assert_ptr_nonnull(list);
    ck_assert(bus_endpoints_due(list));
    size_t n = bus_endpoints_refresh(list, NULL, NULL, NULL);
    /* the duplicate is one broker; the name became its address(es), sorted */
    ck_assert_uint_ge(n, 2);
    ck_assert_str_eq(bus_endpoints_at(list, 0), "tcp://127.0.0.1:7001");
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found = found || strcmp(bus_endpoints_at(list, i), "tcp://127.0.0.1:7002") == 0;
    ck_assert(found);
    for (size_t i = 0; i < n; i++)
        ck_assert_ptr_null(strstr(bus_endpoints_at(list, i), "localhost"));
    bus_endpoints_destroy(&list);

    const char *bad[] = { "", ",", "udp://1.2.3.4:5", "tcp://1.2.3.4", "tcp://:5555",
                          "tcp://host:55x5", "tcp://host:", NULL };
    for (int i = 0; bad[i]; i++)
        ck_assert_msg(bus_endpoints_new(bad[i]) == NULL, "accepted '%s'", bad[i]);
}
END_TEST

static int s_changes[2];

static void
s_count_added(void *arg, const char *endpoint)
{
    (void) arg, (void) endpoint;
    s_changes[0]++;
}

static void
s_count_removed(void *arg, const char *endpoint)
{
    (void) arg, (void) endpoint;
    s_changes[1]++;
}

START_TEST(test_endpoints_refresh_reports_changes)
{
    setenv("BUS_RESOLVE_MS", "0", 1);   /* read by bus_endpoints_new: never due again */
    bus_endpoints_t *list = bus_endpoints_new("tcp://127.0.0.1:7001,ipc:///tmp/x");
    unsetenv("BUS_RESOLVE_MS");
    memset(s_changes, 0, sizeof s_changes);
    ck_assert_uint_eq(bus_endpoints_refresh(list, s_count_added, s_count_removed, NULL), 2);
    ck_assert_int_eq(s_changes[0], 2);
    ck_assert_int_eq(s_changes[1], 0);
    ck_assert(!bus_endpoints_due(list));
    /* the same set again: nothing to report */
    ck_assert_uint_eq(bus_endpoints_refresh(list, s_count_added, s_count_removed, NULL), 2);
    ck_assert_int_eq(s_changes[0], 2);
    ck_assert_int_eq(s_changes[1], 0);
    bus_endpoints_destroy(&list);
}
END_TEST

START_TEST(test_calls_spread_over_brokers)
{
    broker_run_t *a = bh_broker_start(24600, 100);
    broker_run_t *b = bh_broker_start(24610, 100);
    char workers[256], clients[256];
    snprintf(workers, sizeof workers, "%s,%s", a->ports.worker, b->ports.worker);
    snprintf(clients, sizeof clients, "%s,%s", a->ports.client, b->ports.client);
    worker_run_t *w1 = bh_worker_start(workers, "echo", 1);
    worker_run_t *w2 = bh_worker_start(workers, "echo", 2);
    bh_wait_workers(a, 2);   /* every worker registers with every broker */
    bh_wait_workers(b, 2);
    bus_client_t *client = s_client(clients, 2);
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(s_call(client, 0, 2000, 0, NULL), 200);
    ck_assert_uint_ge(bh_stats(a).routed, 5);
    ck_assert_uint_ge(bh_stats(b).routed, 5);

    /* one broker stops for good (its sockets close after the thread ends, in libzmq's
     * own time: wait until the client has seen it go): every call goes to the other */
    bh_broker_stop(&a);
    int64_t until = clock_mono_ms() + 5000;
    while (bus_client_live(client) > 1 && clock_mono_ms() < until)
        bus_client_wait_event(client, 50);
    ck_assert_uint_eq(bus_client_live(client), 1);
    for (int i = 0; i < 20; i++)
        ck_assert_int_eq(s_call(client, 0, 2000, 0, NULL), 200);
    bus_client_destroy(&client);
    bh_worker_stop(&w1);
    bh_worker_stop(&w2);
    bh_broker_stop(&b);
}
END_TEST

START_TEST(test_undelivered_moves_to_another_broker)
{
    broker_run_t *a = bh_broker_start(24620, 100);
    broker_run_t *b = bh_broker_start(24630, 100);
    worker_run_t *w = bh_worker_start(b->ports.worker, "echo", 7);   /* at B only */
    bh_wait_workers(b, 1);
    char clients[256];
    snprintf(clients, sizeof clients, "%s,%s", a->ports.client, b->ports.client);
    bus_client_t *client = s_client(clients, 2);
    for (int i = 0; i < 10; i++) {
        int64_t worker = 0;
        ck_assert_int_eq(s_call(client, 0, 2000, 0, &worker), 200);
        ck_assert_int_eq(worker, 7);
    }
    /* A was asked (and said "no worker, never delivered") about half the time */
    ck_assert_uint_ge(bh_stats(a).unavailable, 3);
    bus_client_destroy(&client);
    bh_worker_stop(&w);
    bh_broker_stop(&a);
    bh_broker_stop(&b);
}
END_TEST

/* A "broker" that takes the call and then dies: its socket closes with the call in
 * flight. PORT sorts before the real broker's, so the client's first call goes there. */
static void
s_lost_in_flight(int fake_port, int flags, int *status, int64_t *elapsed_ms)
{
    broker_run_t *b = bh_broker_start(24650, 100);
    worker_run_t *w = bh_worker_start(b->ports.worker, "echo", 9);
    bh_wait_workers(b, 1);
    char fake[64], clients[256];
    snprintf(fake, sizeof fake, "tcp://127.0.0.1:%d", fake_port);
    zsock_t *router = zsock_new_router(fake);
    ck_assert_ptr_nonnull(router);
    zsock_set_linger(router, 0);
    snprintf(clients, sizeof clients, "%s,%s", fake, b->ports.client);
    bus_client_t *client = s_client(clients, 2);

    call_run_t c = { .client = client, .flags = flags, .timeout_ms = 10000 };
    pthread_create(&c.thread, NULL, s_call_main, &c);
    zsock_set_rcvtimeo(router, 5000);
    zmsg_t *msg = zmsg_recv(router);   /* the call reached the fake broker ... */
    ck_assert_ptr_nonnull(msg);
    zmsg_destroy(&msg);
    zsock_destroy(&router);            /* ... which dies with it */
    pthread_join(c.thread, NULL);
    *status = c.status;
    *elapsed_ms = c.elapsed_ms;
    if (c.status == 200)
        ck_assert_int_eq(c.worker, 9);
    bus_client_destroy(&client);
    bh_worker_stop(&w);
    bh_broker_stop(&b);
}

START_TEST(test_lost_in_flight_retryable_moves)
{
    int status;
    int64_t elapsed;
    s_lost_in_flight(24640, BUS_CALL_RETRYABLE, &status, &elapsed);
    ck_assert_int_eq(status, 200);
    ck_assert_int_lt(elapsed, 5000);   /* not the 10 s timeout */
}
END_TEST

START_TEST(test_lost_in_flight_write_is_not_repeated)
{
    int status;
    int64_t elapsed;
    s_lost_in_flight(24641, 0, &status, &elapsed);
    /* its outcome is unknown: 504 at once, never sent to the other broker */
    ck_assert_int_eq(status, -(int) ERR_GATEWAY_TIMEOUT);
    ck_assert_int_lt(elapsed, 5000);
}
END_TEST

START_TEST(test_vanished_broker_found_by_heartbeats)
{
    broker_run_t *b = bh_broker_start(24670, 100);
    worker_run_t *w = bh_worker_start(b->ports.worker, "echo", 3);
    bh_wait_workers(b, 1);
    /* the relay is a second way to the same broker; silent, it is a machine gone */
    relay_t *relay = s_relay_start(24660, 24670);
    char clients[256];
    snprintf(clients, sizeof clients, "tcp://127.0.0.1:24660,%s", b->ports.client);
    bus_client_t *client = s_client(clients, 2);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(s_call(client, 0, 2000, 0, NULL), 200);

    atomic_store(&relay->silent, true);
    /* the next call goes to the relay first (round robin from the start): it is lost when
     * the heartbeats time out (3 x 200 ms), then answered through the direct link */
    call_run_t c = { .client = client, .flags = BUS_CALL_RETRYABLE, .timeout_ms = 10000 };
    s_call_main(&c);
    ck_assert_int_eq(c.status, 200);
    ck_assert_int_lt(c.elapsed_ms, 5000);
    ck_assert_uint_eq(bus_client_live(client), 1);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(s_call(client, 0, 2000, 0, NULL), 200);

    bus_client_destroy(&client);
    s_relay_stop(&relay);
    bh_worker_stop(&w);
    bh_broker_stop(&b);
}
END_TEST

/* A broker back after a while: the client's socket retries within 250 ms (the back-off
 * stops there) and a call made meanwhile waits that long for it, instead of answering
 * "no broker" while the broker already serves (an edge's other threads, /health/ready).
 * The relay is the client's only way to the broker: stopped, the link is lost; started
 * again after 1.5 s (the back-off had grown), a call made at once is served. */
START_TEST(test_call_waits_for_a_broker_back)
{
    broker_run_t *b = bh_broker_start(24654, 100);
    worker_run_t *w = bh_worker_start(b->ports.worker, "echo", 1);
    bh_wait_workers(b, 1);
    relay_t *relay = s_relay_start(24658, 24654);
    bus_client_t *client = s_client("tcp://127.0.0.1:24658", 1);
    ck_assert_int_eq(s_call(client, 0, 2000, 0, NULL), 200);

    s_relay_stop(&relay);
    int64_t until = clock_mono_ms() + 5000;
    while (bus_client_live(client) > 0 && clock_mono_ms() < until)
        bus_client_wait_event(client, 50);
    ck_assert_uint_eq(bus_client_live(client), 0);
    zclock_sleep(1500);
    relay = s_relay_start(24658, 24654);
    ck_assert_int_eq(s_call(client, 0, 5000, 0, NULL), 200);

    bus_client_destroy(&client);
    s_relay_stop(&relay);
    bh_worker_stop(&w);
    bh_broker_stop(&b);
}
END_TEST

/* A broker heard from again only after a silence: its handshake completes late (here the
 * relay holds the bytes 300 ms), and the silence check must count from then, not from
 * when the link was made, or it replaces the link that just said READY (d386879: a
 * restarted broker lost every worker of a service moments after they registered). The
 * "broker" is a raw ROUTER that sends its first heartbeat 750 ms after the connection
 * was made: after the stale deadline (600 ms), before the right one (300 + 600 ms). */
START_TEST(test_late_handshake_keeps_the_link)
{
    zsock_t *router = zsock_new_router("tcp://127.0.0.1:24697");
    ck_assert_ptr_nonnull(router);
    zsock_set_rcvtimeo(router, 20);
    relay_t *relay = s_relay_start(24696, 24697);
    atomic_store(&relay->silent, true);
    worker_run_t *w = bh_worker_start("tcp://127.0.0.1:24696", "echo", 1);
    int64_t until = clock_mono_ms() + 5000;
    while (atomic_load(&relay->accepts) == 0 && clock_mono_ms() < until)
        zclock_sleep(5);
    ck_assert_int_eq(atomic_load(&relay->accepts), 1);
    int64_t t0 = atomic_load(&relay->accepted_at);
    zclock_sleep((int) (t0 + 300 - clock_mono_ms()));
    atomic_store(&relay->silent, false);

    zframe_t *identity = NULL;
    int readies = 0, beats = 0;
    int64_t next_beat = t0 + 750, end = t0 + 2100;
    while (clock_mono_ms() < end) {
        zmsg_t *msg = zmsg_recv(router);
        if (msg) {
            zframe_t *id = zmsg_pop(msg);
            zframe_t *header = zmsg_pop(msg);
            zframe_t *cmd = zmsg_pop(msg);
            ck_assert(header && zframe_streq(header, BUS_WORKER) && cmd);
            if (zframe_size(cmd) == 1 && zframe_data(cmd)[0] == BUS_READY[0]) {
                readies++;
                if (!identity)
                    identity = zframe_dup(id);
            }
            /* whatever it says, it says it on the first link: never a new identity */
            ck_assert(identity && zframe_eq(id, identity));
            zframe_destroy(&cmd);
            zframe_destroy(&header);
            zframe_destroy(&id);
            zmsg_destroy(&msg);
        }
        if (identity && clock_mono_ms() >= next_beat) {
            zmsg_t *beat = zmsg_new();
            zmsg_append(beat, &(zframe_t *) { zframe_dup(identity) });
            zmsg_addstr(beat, BUS_WORKER);
            zmsg_addmem(beat, BUS_HEARTBEAT, 1);
            ck_assert_int_eq(zmsg_send(&beat, router), 0);
            beats++;
            next_beat += 150;
        }
    }
    ck_assert_int_eq(readies, 1);
    ck_assert_int_ge(beats, 5);
    ck_assert_int_eq(atomic_load(&relay->accepts), 1);   /* no second link was made */

    zframe_destroy(&identity);
    bh_worker_stop(&w);
    s_relay_stop(&relay);
    zsock_destroy(&router);
}
END_TEST

START_TEST(test_draining_broker_sends_calls_elsewhere)
{
    broker_run_t *a = bh_broker_start(24680, 100);
    broker_run_t *b = bh_broker_start(24690, 100);
    char workers[256], clients[256];
    snprintf(workers, sizeof workers, "%s,%s", a->ports.worker, b->ports.worker);
    snprintf(clients, sizeof clients, "%s,%s", a->ports.client, b->ports.client);
    worker_run_t *w1 = bh_worker_start(workers, "echo", 1);
    worker_run_t *w2 = bh_worker_start(workers, "echo", 2);
    bh_wait_workers(a, 2);
    bh_wait_workers(b, 2);

    /* a slow call in flight at A keeps it draining once told to stop */
    envelope_t *slow_reply = NULL;
    zsock_t *raw = bh_raw_dealer(a->ports.client);
    bh_raw_call(raw, "echo", clock_wall_ms() + 5000, 800);
    zclock_sleep(100);
    a->stop = 1;                       /* SIGTERM, as the broker's main sees it */
    bus_client_t *client = s_client(clients, 2);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(s_call(client, 0, 2000, 0, NULL), 200);
    /* the call in flight when the drain began finished normally */
    slow_reply = bh_raw_reply(raw);
    ck_assert_ptr_nonnull(slow_reply);
    ck_assert_int_eq(slow_reply->status, 200);
    envelope_destroy(&slow_reply);
    zsock_destroy(&raw);
    bus_client_destroy(&client);
    bh_worker_stop(&w1);
    bh_worker_stop(&w2);
    pthread_join(a->thread, NULL);
    free(a);
    bh_broker_stop(&b);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("bus_failover");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_endpoints_expand);
    tcase_add_test(tc, test_endpoints_refresh_reports_changes);
    tcase_add_test(tc, test_calls_spread_over_brokers);
    tcase_add_test(tc, test_undelivered_moves_to_another_broker);
    tcase_add_test(tc, test_lost_in_flight_retryable_moves);
    tcase_add_test(tc, test_lost_in_flight_write_is_not_repeated);
    tcase_add_test(tc, test_vanished_broker_found_by_heartbeats);
    tcase_add_test(tc, test_late_handshake_keeps_the_link);
    tcase_add_test(tc, test_call_waits_for_a_broker_back);
    tcase_add_test(tc, test_draining_broker_sends_calls_elsewhere);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    setenv("BUS_HEARTBEAT_MS", "200", 1);   /* matches HB_MS: heartbeats time out in 600 ms */
    if (!getenv("LOG_LEVEL"))
        setenv("LOG_LEVEL", "warn", 1);
    log_init("test_bus_failover");
    SRunner *sr = srunner_create(s_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
