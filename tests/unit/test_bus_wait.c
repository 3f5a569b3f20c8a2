/* test_bus_wait.c -- bus_wait's contract on real libzmq sockets (inproc PAIRs): a dirty
 * socket is ready without waiting, a clean one only when its ZMQ_FD fires, a socket read
 * in part stays ready, and a quiet one times out. */
#include <check.h>
#include <stdio.h>
#include <zmq.h>
#include "bus_wait.h"
#include "clock.h"

static void *s_ctx, *s_a, *s_b;

static void
s_setup(void)
{
    static int serial;
    char address[64];
    snprintf(address, sizeof address, "inproc://test-bus-wait-%d", serial++);
    s_ctx = zmq_ctx_new();
    s_a = zmq_socket(s_ctx, ZMQ_PAIR);
    s_b = zmq_socket(s_ctx, ZMQ_PAIR);
    ck_assert_int_eq(zmq_bind(s_a, address), 0);
    ck_assert_int_eq(zmq_connect(s_b, address), 0);
}

static void
s_teardown(void)
{
    zmq_close(s_a);
    zmq_close(s_b);
    zmq_ctx_term(s_ctx);
}

/* Receives from A until EAGAIN; returns how many messages it took. */
static int
s_drain(void)
{
    int n = 0;
    char buf[16];
    while (zmq_recv(s_a, buf, sizeof buf, ZMQ_DONTWAIT) >= 0)
        n++;
    return n;
}

START_TEST(test_dirty_then_clean_times_out)
{
    bus_wait_item_t item;
    bus_wait_item_set(&item, s_a);
    ck_assert(item.dirty);
    ck_assert_int_ge(item.fd, 0);
    /* dirty: ready at once, without waiting */
    int64_t t0 = clock_mono_ms();
    ck_assert_int_eq(bus_wait(&item, 1, 5000), 1);
    ck_assert(item.ready);
    ck_assert_int_lt(clock_mono_ms() - t0, 1000);
    ck_assert_int_eq(s_drain(), 0);
    bus_wait_clean(&item);
    /* clean and quiet: the wait times out, nothing ready */
    ck_assert_int_eq(bus_wait(&item, 1, 50), 0);
    ck_assert(!item.ready);
}
END_TEST

START_TEST(test_input_fires_the_fd)
{
    bus_wait_item_t item;
    bus_wait_item_set(&item, s_a);
    s_drain();
    bus_wait_clean(&item);
    ck_assert_int_eq(zmq_send(s_b, "x", 1, 0), 1);
    ck_assert_int_eq(bus_wait(&item, 1, 5000), 1);
    ck_assert(item.ready);
    ck_assert(item.dirty);   /* until a receive says EAGAIN */
    ck_assert_int_eq(s_drain(), 1);
    bus_wait_clean(&item);
    ck_assert_int_eq(bus_wait(&item, 1, 50), 0);
}
END_TEST

START_TEST(test_read_in_part_stays_ready)
{
    bus_wait_item_t item;
    bus_wait_item_set(&item, s_a);
    s_drain();
    bus_wait_clean(&item);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(zmq_send(s_b, "x", 1, 0), 1);
    ck_assert_int_eq(bus_wait(&item, 1, 5000), 1);
    char buf[4];
    ck_assert_int_eq(zmq_recv(s_a, buf, sizeof buf, ZMQ_DONTWAIT), 1);   /* one of three */
    /* the first receive took the FD's signal; the socket is still ready for the rest */
    ck_assert_int_eq(bus_wait(&item, 1, 5000), 1);
    ck_assert_int_eq(s_drain(), 2);
}
END_TEST

START_TEST(test_send_makes_dirty)
{
    bus_wait_item_t items[2];
    bus_wait_item_set(&items[0], s_a);
    bus_wait_item_set(&items[1], NULL);   /* an empty slot is never ready */
    s_drain();
    bus_wait_clean(&items[0]);
    ck_assert_int_eq(zmq_send(s_a, "y", 1, 0), 1);
    bus_wait_dirty(&items[0]);
    ck_assert_int_eq(bus_wait(items, 2, 5000), 1);
    ck_assert(items[0].ready);
    ck_assert(!items[1].ready);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("bus_wait");
    TCase *tc = tcase_create("wait");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_dirty_then_clean_times_out);
    tcase_add_test(tc, test_input_fires_the_fd);
    tcase_add_test(tc, test_read_in_part_stays_ready);
    tcase_add_test(tc, test_send_makes_dirty);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
