/* test_users_event.c -- the users service's session_revoked event goes out on the topic
 * notify subscribes to (common/event_topic.h): a real SUB socket, subscribed the way
 * notify subscribes, receives what users_event_revoked publishes. */
#include "users_event.h"
#include "event_topic.h"
#include "envelope.h"
#include "clock.h"
#include <check.h>
#include <czmq.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_revoked_on_the_user_topic)
{
    setenv("BUS_INSECURE", "true", 1);
    zsock_t *sub = zsock_new(ZMQ_SUB);
    int port = zsock_bind(sub, "tcp://127.0.0.1:*");
    ck_assert_int_gt(port, 0);
    char topic[EVENT_TOPIC_MAX], endpoint[64];
    ck_assert_int_gt(event_topic_format(EVENT_TOPIC_USER, 12, topic, sizeof topic), 0);
    zsock_set_subscribe(sub, topic);
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    events_t *events = events_new(endpoint);
    ck_assert_ptr_nonnull(events);

    /* A subscription reaches the publisher some time after connect: publish until one
     * arrives, within a deadline. Only user 12's topic is subscribed: an event of user
     * 1 (a prefix of "12") must never arrive. */
    zmsg_t *msg = NULL;
    int64_t deadline = clock_mono_ms() + 5000;
    while (!msg && clock_mono_ms() < deadline) {
        users_event_revoked(events, 1, "other", NULL, 0);
        users_event_revoked(events, 12, "j1", NULL, 0);
        zsock_set_rcvtimeo(sub, 50);
        msg = zmsg_recv(sub);
    }
    ck_assert_ptr_nonnull(msg);
    ck_assert_int_eq(zmsg_size(msg), 2);
    char *got = zmsg_popstr(msg);
    ck_assert_str_eq(got, "u:12|");
    free(got);
    zframe_t *payload = zmsg_pop(msg);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    ck_assert(msgpack_unpack_next(&u, (const char *) zframe_data(payload), zframe_size(payload),
                                  NULL) == MSGPACK_UNPACK_SUCCESS);
    ck_assert(envelope_str_eq(envelope_map_get(&u.data, "event"), "session_revoked"));
    ck_assert(envelope_str_eq(envelope_map_get(&u.data, "jti"), "j1"));
    msgpack_unpacked_destroy(&u);
    zframe_destroy(&payload);
    zmsg_destroy(&msg);
    events_destroy(&events);
    zsock_destroy(&sub);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("users_event");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_revoked_on_the_user_topic);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
