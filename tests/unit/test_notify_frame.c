/* test_notify_frame.c -- decoding bus events and building the WebSocket JSON frames. */
#include "envelope.h"
#include "events.h"
#include "notify_event.h"
#include "notify_frame.h"
#include <check.h>
#include <json-c/json.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

static void
s_message(msgpack_packer *pk, bool with_sender)
{
    msgpack_pack_map(pk, 7);
    envelope_pack_key(pk, "id");
    msgpack_pack_int64(pk, 41);
    envelope_pack_key(pk, "sender_id");
    if (with_sender)
        msgpack_pack_int64(pk, 3);
    else
        msgpack_pack_nil(pk);
    envelope_pack_key(pk, "receiver_type");
    envelope_pack_str(pk, "group");
    envelope_pack_key(pk, "receiver_id");
    msgpack_pack_int64(pk, 9);
    envelope_pack_key(pk, "text");
    envelope_pack_str(pk, "hi \"there\" </script>");
    envelope_pack_key(pk, "is_read");
    msgpack_pack_false(pk);
    envelope_pack_key(pk, "created_at");
    envelope_pack_str(pk, "2026-11-22T10:30:45.123Z");
}

static void
s_new_message(msgpack_sbuffer *sb, int recipients)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    envelope_pack_key(&pk, "v");
    msgpack_pack_int(&pk, 1);
    envelope_pack_key(&pk, "event");
    envelope_pack_str(&pk, "new_message");
    envelope_pack_key(&pk, "ts");
    msgpack_pack_int64(&pk, 1700000000000);
    envelope_pack_key(&pk, "message");
    s_message(&pk, true);
    envelope_pack_key(&pk, "notifications");
    msgpack_pack_array(&pk, (size_t) recipients);
    for (int i = 0; i < recipients; i++) {
        msgpack_pack_map(&pk, 3);
        envelope_pack_key(&pk, "user_id");
        msgpack_pack_int64(&pk, 100 + i);
        envelope_pack_key(&pk, "id");
        msgpack_pack_int64(&pk, 500 + i);
        envelope_pack_key(&pk, "created_at");
        msgpack_pack_int64(&pk, 1700000000123);       /* unix ms is accepted too */
    }
}

START_TEST(test_decode_new_message)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_new_message(&sb, 2);
    notify_event_t ev;
    ck_assert_int_eq(notify_event_decode(sb.data, sb.size, &ev), 0);
    ck_assert_int_eq(ev.kind, NOTIFY_EV_NEW_MESSAGE);
    ck_assert_int_eq(ev.message.id, 41);
    ck_assert(ev.message.has_sender);
    ck_assert_str_eq(ev.message.receiver_type, "group");
    ck_assert_str_eq(ev.message.text, "hi \"there\" </script>");
    ck_assert_uint_eq(ev.notif_count, 2);
    ck_assert_int_eq(ev.notifs[1].user_id, 101);
    ck_assert_int_eq(ev.notifs[1].id, 501);
    ck_assert_str_eq(ev.notifs[0].created_at, "2023-11-14T22:13:20.123Z");
    notify_event_release(&ev);
    notify_event_release(&ev);            /* twice is safe */
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_decode_malformed)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_new_message(&sb, 1);
    notify_event_t ev;
    /* Every truncation of a valid event is refused, never read past its end. */
    for (size_t n = 0; n < sb.size; n++)
        ck_assert_int_eq(notify_event_decode(sb.data, n, &ev), -1);
    /* A hostile array32 header claiming four billion entries. */
    const unsigned char hostile[] = { 0x81, 0xa5, 'e', 'v', 'e', 'n', 't', 0xdd, 0xff, 0xff,
                                      0xff, 0xff };
    ck_assert_int_eq(notify_event_decode(hostile, sizeof hostile, &ev), -1);
    /* Not a map; a map without "event". */
    const unsigned char num[] = { 0x05 };
    ck_assert_int_eq(notify_event_decode(num, 1, &ev), -1);
    const unsigned char empty_map[] = { 0x80 };
    ck_assert_int_eq(notify_event_decode(empty_map, 1, &ev), -1);
    ck_assert_int_eq(notify_event_decode(NULL, 0, &ev), -1);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

/* The event id events_publish stamps: read back; absent is 0 (an older publisher); a
 * zero, negative or non-integer id makes the event malformed. */
START_TEST(test_decode_eid)
{
    msgpack_sbuffer sb, stamped;
    msgpack_sbuffer_init(&sb);
    s_new_message(&sb, 1);
    notify_event_t ev;
    ck_assert_int_eq(notify_event_decode(sb.data, sb.size, &ev), 0);
    ck_assert_uint_eq(ev.eid, 0);
    notify_event_release(&ev);
    msgpack_sbuffer_init(&stamped);
    ck_assert_int_eq(events_stamp(sb.data, sb.size, 0xfedcba9876543210ULL, &stamped), 0);
    ck_assert_int_eq(notify_event_decode(stamped.data, stamped.size, &ev), 0);
    ck_assert_int_eq(ev.kind, NOTIFY_EV_NEW_MESSAGE);
    ck_assert_uint_eq(ev.eid, 0xfedcba9876543210ULL);
    ck_assert_uint_eq(ev.notif_count, 1);
    notify_event_release(&ev);

    /* group_deleted {group_id: 4} is valid as it stands; only its eid differs */
    for (int bad = 0; bad < 4; bad++) {
        msgpack_sbuffer b;
        msgpack_sbuffer_init(&b);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 3);
        envelope_pack_key(&pk, "event");
        envelope_pack_str(&pk, "group_deleted");
        envelope_pack_key(&pk, "group_id");
        msgpack_pack_int64(&pk, 4);
        envelope_pack_key(&pk, "eid");
        if (bad == 0)
            msgpack_pack_uint64(&pk, 7);           /* the control: accepted */
        else if (bad == 1)
            msgpack_pack_uint64(&pk, 0);
        else if (bad == 2)
            msgpack_pack_int64(&pk, -7);
        else
            envelope_pack_str(&pk, "7");
        ck_assert_int_eq(notify_event_decode(b.data, b.size, &ev), bad ? -1 : 0);
        if (!bad) {
            ck_assert_int_eq(ev.kind, NOTIFY_EV_GROUP_DELETED);
            ck_assert_uint_eq(ev.eid, 7);
            notify_event_release(&ev);
        }
        msgpack_sbuffer_destroy(&b);
    }
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&stamped);
}
END_TEST

START_TEST(test_decode_others)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    envelope_pack_key(&pk, "event");
    envelope_pack_str(&pk, "group_joined");
    envelope_pack_key(&pk, "group_id");
    msgpack_pack_int64(&pk, 4);
    envelope_pack_key(&pk, "user_id");
    msgpack_pack_int64(&pk, 8);
    notify_event_t ev;
    ck_assert_int_eq(notify_event_decode(sb.data, sb.size, &ev), 0);
    ck_assert_int_eq(ev.kind, NOTIFY_EV_GROUP_JOINED);
    ck_assert_int_eq(ev.group_id, 4);
    ck_assert_int_eq(ev.user_id, 8);
    notify_event_release(&ev);

    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 2);
    envelope_pack_key(&pk, "event");
    envelope_pack_str(&pk, "some_future_event");
    envelope_pack_key(&pk, "x");
    msgpack_pack_int64(&pk, 1);
    ck_assert_int_eq(notify_event_decode(sb.data, sb.size, &ev), 0);
    ck_assert_int_eq(ev.kind, NOTIFY_EV_UNKNOWN);
    notify_event_release(&ev);

    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 3);
    envelope_pack_key(&pk, "event");
    envelope_pack_str(&pk, "message_deleted");
    envelope_pack_key(&pk, "message");
    msgpack_pack_map(&pk, 4);
    envelope_pack_key(&pk, "id");
    msgpack_pack_int64(&pk, 41);
    envelope_pack_key(&pk, "sender_id");
    msgpack_pack_int64(&pk, 3);
    envelope_pack_key(&pk, "receiver_type");
    envelope_pack_str(&pk, "user");
    envelope_pack_key(&pk, "receiver_id");
    msgpack_pack_int64(&pk, 5);
    envelope_pack_key(&pk, "recipients");
    msgpack_pack_array(&pk, 1);
    msgpack_pack_int64(&pk, 5);
    ck_assert_int_eq(notify_event_decode(sb.data, sb.size, &ev), 0);
    ck_assert_int_eq(ev.kind, NOTIFY_EV_MESSAGE_DELETED);
    ck_assert_uint_eq(ev.recipient_count, 1);
    char *f = notify_frame_message_deleted(&ev.message);
    ck_assert_str_eq(f, "{\"event\":\"message_deleted\",\"data\":{\"id\":41,"
                        "\"receiver_type\":\"user\",\"receiver_id\":5}}");
    free(f);
    notify_event_release(&ev);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(test_frames)
{
    char *f = notify_frame_ready(12);
    ck_assert_str_eq(f, "{\"event\":\"ready\",\"data\":{\"user_id\":12}}");
    free(f);

    notify_message_t msg = { .id = 41, .has_sender = false, .receiver_type = "user",
                             .receiver_id = 5, .text = "a/b \"q\"\n", .is_read = false,
                             .created_at = "2026-11-22T10:30:45.123Z" };
    f = notify_frame_new_message(&msg);
    json_object *root = json_tokener_parse(f);
    ck_assert_ptr_nonnull(root);
    json_object *data = json_object_object_get(root, "data");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(root, "event")),
                     "new_message");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(data, "text")), "a/b \"q\"\n");
    ck_assert(json_object_is_type(json_object_object_get(data, "sender_id"), json_type_null));
    ck_assert(json_object_object_get_ex(data, "sender_id", NULL));
    ck_assert_ptr_null(strstr(f, "\\/"));                /* slashes as written */
    json_object_put(root);
    free(f);

    notify_notif_t n = { .id = 77, .user_id = 5, .created_at = "2026-11-22T10:30:45.200Z" };
    f = notify_frame_notification(&msg, &n);
    root = json_tokener_parse(f);
    data = json_object_object_get(root, "data");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(root, "event")),
                     "notification");
    ck_assert_int_eq(json_object_get_int64(json_object_object_get(data, "id")), 77);
    ck_assert_int_eq(json_object_get_int64(json_object_object_get(data, "user_id")), 5);
    ck_assert_int_eq(json_object_get_int64(json_object_object_get(data, "message_id")), 41);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(data, "type")),
                     "new_message");
    ck_assert(!json_object_get_boolean(json_object_object_get(data, "is_read")));
    json_object *m = json_object_object_get(data, "message");
    ck_assert_int_eq(json_object_get_int64(json_object_object_get(m, "id")), 41);
    json_object_put(root);
    free(f);

    f = notify_frame_replay_truncated(1000);
    ck_assert_str_eq(f, "{\"event\":\"replay_truncated\",\"data\":{\"last_id\":1000}}");
    free(f);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("notify_frame");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_decode_new_message);
    tcase_add_test(tc, test_decode_malformed);
    tcase_add_test(tc, test_decode_others);
    tcase_add_test(tc, test_decode_eid);
    tcase_add_test(tc, test_frames);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
