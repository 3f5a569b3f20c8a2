/* test_events.c -- event ids (common/events.h): events_stamp adds "eid" to a payload map
 * of every header size and leaves the other pairs as they were; it refuses a non-map;
 * events_publish stamps a new id on each event, never 0. */
#include "events.h"
#include "envelope.h"
#include <check.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

/* A map of PAIRS pairs "k<i>": i, as a publisher would build it. */
static void
s_map(msgpack_sbuffer *sb, size_t pairs)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, pairs);
    for (size_t i = 0; i < pairs; i++) {
        char key[24];
        snprintf(key, sizeof key, "k%zu", i);
        envelope_pack_key(&pk, key);
        msgpack_pack_uint64(&pk, i);
    }
}

static void
s_check_stamped(size_t pairs, uint64_t eid)
{
    msgpack_sbuffer in, out;
    s_map(&in, pairs);
    msgpack_sbuffer_init(&out);
    ck_assert_int_eq(events_stamp(in.data, in.size, eid, &out), 0);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    ck_assert_int_eq(msgpack_unpack_next(&up, out.data, out.size, &off), MSGPACK_UNPACK_SUCCESS);
    ck_assert_uint_eq(off, out.size);               /* one object, nothing left over */
    ck_assert_int_eq(up.data.type, MSGPACK_OBJECT_MAP);
    ck_assert_uint_eq(up.data.via.map.size, pairs + 1);
    /* a lookup is a scan: the first pairs and the last one are enough */
    for (size_t i = 0; i < pairs; i = i < 20 ? i + 1 : (i < pairs - 1 ? pairs - 1 : pairs)) {
        char key[24];
        snprintf(key, sizeof key, "k%zu", i);
        const msgpack_object *v = envelope_map_get(&up.data, key);
        ck_assert_ptr_nonnull(v);
        ck_assert_uint_eq(v->via.u64, i);
    }
    const msgpack_object *id = envelope_map_get(&up.data, "eid");
    ck_assert_ptr_nonnull(id);
    ck_assert_int_eq(id->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    ck_assert_uint_eq(id->via.u64, eid);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&in);
    msgpack_sbuffer_destroy(&out);
}

START_TEST(test_stamp_every_header)
{
    s_check_stamped(0, 1);
    s_check_stamped(3, 0xfedcba9876543210ULL);
    s_check_stamped(15, 7);         /* fixmap 15 becomes map 16 */
    s_check_stamped(16, 8);
    s_check_stamped(70000, 9);      /* map 32 */
}
END_TEST

START_TEST(test_stamp_refuses_non_map)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    const unsigned char array[] = { 0x91, 0x01 };
    const unsigned char truncated[] = { 0xde, 0x00 };
    ck_assert_int_eq(events_stamp(array, sizeof array, 1, &out), -1);
    ck_assert_int_eq(events_stamp(truncated, sizeof truncated, 1, &out), -1);
    ck_assert_int_eq(events_stamp(NULL, 0, 1, &out), -1);
    ck_assert_uint_eq(out.size, 0);
    msgpack_sbuffer_destroy(&out);
}
END_TEST

START_TEST(test_publish_ids)
{
    setenv("BUS_INSECURE", "true", 1);
    /* Nothing listens there: PUB queues (or drops) without a peer, which is fine here. */
    events_t *e = events_new("tcp://127.0.0.1:1");
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(events_last_id(e), 0);
    msgpack_sbuffer m;
    s_map(&m, 2);
    uint64_t prev = 0;
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(events_publish(e, "u:1|", m.data, m.size), 0);
        uint64_t id = events_last_id(e);
        ck_assert_uint_ne(id, 0);
        ck_assert_uint_ne(id, prev);
        prev = id;
    }
    msgpack_sbuffer_destroy(&m);
    events_destroy(&e);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("events");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_stamp_every_header);
    tcase_add_test(tc, test_stamp_refuses_non_map);
    tcase_add_test(tc, test_publish_ids);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
