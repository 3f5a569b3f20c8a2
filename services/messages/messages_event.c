/* messages_event.c -- packing and publishing the service's events (schemas/events.md). */
#include "messages_event.h"
#include "event_topic.h"
#include "messages_pack.h"
#include "messages_rules.h"
#include "messages_sql.h"
#include "clock.h"
#include "envelope.h"
#include <stdlib.h>

/* The three keys every event starts with; the caller declared the map's size. */
static void
s_pack_head(msgpack_packer *pk, const char *name, int64_t ts)
{
    envelope_pack_key(pk, "v");
    msgpack_pack_int(pk, 1);
    envelope_pack_key(pk, "event");
    envelope_pack_str(pk, name);
    envelope_pack_key(pk, "ts");
    msgpack_pack_int64(pk, ts);
}

void
messages_event_pack_new_message(msgpack_sbuffer *out, const PGresult *sent, int64_t ts)
{
    messages_event_pack_new_message_rows(out, sent, 0, PQntuples(sent), ts);
}

void
messages_event_pack_new_message_rows(msgpack_sbuffer *out, const PGresult *sent, int first,
                                     int count, int64_t ts)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    s_pack_head(&pk, EVENT_NEW_MESSAGE, ts);
    envelope_pack_key(&pk, "message");
    messages_pack_message(&pk, sent, first, 0);
    envelope_pack_key(&pk, "notifications");
    int end = first + count, n = 0;
    for (int r = first; r < end; r++)
        n += !PQgetisnull(sent, r, SEND_NOTIF + NEWNOTIF_USER);
    msgpack_pack_array(&pk, (size_t) n);
    for (int r = first; r < end; r++) {
        if (PQgetisnull(sent, r, SEND_NOTIF + NEWNOTIF_USER))
            continue;
        msgpack_pack_map(&pk, 3);
        envelope_pack_key(&pk, "user_id");
        messages_pack_id(&pk, sent, r, SEND_NOTIF + NEWNOTIF_USER);
        envelope_pack_key(&pk, "id");
        messages_pack_id(&pk, sent, r, SEND_NOTIF + NEWNOTIF_ID);
        envelope_pack_key(&pk, "created_at");
        envelope_pack_str(&pk, PQgetvalue(sent, r, SEND_NOTIF + NEWNOTIF_CREATED));
    }
}

void
messages_event_pack_deleted(msgpack_sbuffer *out, const PGresult *message,
                            const PGresult *recipients, int64_t ts)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    s_pack_head(&pk, EVENT_MESSAGE_DELETED, ts);
    envelope_pack_key(&pk, "message");
    msgpack_pack_map(&pk, 4);
    envelope_pack_key(&pk, "id");
    messages_pack_id(&pk, message, 0, MSG_ID);
    envelope_pack_key(&pk, "sender_id");
    messages_pack_id(&pk, message, 0, MSG_SENDER);
    envelope_pack_key(&pk, "receiver_type");
    envelope_pack_str(&pk, PQgetvalue(message, 0, MSG_RECEIVER_TYPE));
    envelope_pack_key(&pk, "receiver_id");
    messages_pack_id(&pk, message, 0, MSG_RECEIVER_ID);
    envelope_pack_key(&pk, "recipients");
    int n = recipients ? PQntuples(recipients) : 0;
    msgpack_pack_array(&pk, (size_t) n);
    for (int r = 0; r < n; r++)
        messages_pack_id(&pk, recipients, r, 0);
}

void
messages_event_pack_group(msgpack_sbuffer *out, const char *name, int64_t group_id,
                          int64_t user_id, int64_t ts)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, user_id > 0 ? 5 : 4);
    s_pack_head(&pk, name, ts);
    envelope_pack_key(&pk, "group_id");
    msgpack_pack_int64(&pk, group_id);
    if (user_id > 0) {
        envelope_pack_key(&pk, "user_id");
        msgpack_pack_int64(&pk, user_id);
    }
}

static void
s_send(events_t *events, const char *topic, msgpack_sbuffer *buf)
{
    events_publish(events, topic, buf->data, buf->size);
    msgpack_sbuffer_destroy(buf);
}

/* The topic of the message in row ROW of MESSAGE. */
static void
s_message_topic(const PGresult *message, int row, char *topic, size_t size)
{
    messages_topic(PQgetvalue(message, row, MSG_RECEIVER_TYPE),
                   strtoll(PQgetvalue(message, row, MSG_RECEIVER_ID), NULL, 10), topic, size);
}

void
messages_event_new_message(events_t *events, const PGresult *sent)
{
    messages_event_new_message_rows(events, sent, 0, PQntuples(sent));
}

void
messages_event_new_message_rows(events_t *events, const PGresult *sent, int first, int count)
{
    if (!events)
        return;
    char topic[48];
    s_message_topic(sent, first, topic, sizeof topic);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    messages_event_pack_new_message_rows(&buf, sent, first, count, clock_wall_ms());
    s_send(events, topic, &buf);
}

void
messages_event_deleted(events_t *events, const PGresult *message, const PGresult *recipients)
{
    if (!events)
        return;
    char topic[48];
    s_message_topic(message, 0, topic, sizeof topic);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    messages_event_pack_deleted(&buf, message, recipients, clock_wall_ms());
    s_send(events, topic, &buf);
}

void
messages_event_membership(events_t *events, const char *name, int64_t group_id,
                          int64_t user_id)
{
    if (!events)
        return;
    char topic[48];
    messages_topic("user", user_id, topic, sizeof topic);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    messages_event_pack_group(&buf, name, group_id, user_id, clock_wall_ms());
    s_send(events, topic, &buf);
}

void
messages_event_group_deleted(events_t *events, int64_t group_id)
{
    if (!events)
        return;
    char topic[48];
    messages_topic("group", group_id, topic, sizeof topic);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    messages_event_pack_group(&buf, EVENT_GROUP_DELETED, group_id, 0, clock_wall_ms());
    s_send(events, topic, &buf);
}
