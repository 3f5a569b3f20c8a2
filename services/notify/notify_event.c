/* notify_event.c -- decoding event payloads from the bus, defensively: every field is
 * type-checked and bounded, a malformed event is dropped, never trusted. */
#include "notify_event.h"
#include "mem.h"
#include "event_topic.h"
#include "clock.h"
#include "envelope.h"
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
s_int(const msgpack_object *o, int64_t *out)
{
    if (!o)
        return false;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
        *out = (int64_t) o->via.u64;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = o->via.i64;
        return true;
    }
    return false;
}

/* A timestamp: an ISO 8601 string as is, or unix milliseconds turned into one. */
static bool
s_ts(const msgpack_object *o, char *out, size_t size)
{
    int64_t ms;
    if (o && o->type == MSGPACK_OBJECT_STR)
        return envelope_str_copy(o, out, size) > 0;
    if (s_int(o, &ms) && ms >= 0) {
        clock_iso8601(ms, out, size);
        return true;
    }
    return false;
}

static int
s_message(const msgpack_object *m, notify_message_t *msg, bool full)
{
    if (!m || m->type != MSGPACK_OBJECT_MAP)
        return -1;
    if (!s_int(envelope_map_get(m, "id"), &msg->id) || msg->id <= 0)
        return -1;
    const msgpack_object *sender = envelope_map_get(m, "sender_id");
    msg->has_sender = s_int(sender, &msg->sender_id);
    if (envelope_str_copy(envelope_map_get(m, "receiver_type"), msg->receiver_type,
                          sizeof msg->receiver_type) <= 0)
        return -1;
    if (strcmp(msg->receiver_type, "user") != 0 && strcmp(msg->receiver_type, "group") != 0)
        return -1;
    if (!s_int(envelope_map_get(m, "receiver_id"), &msg->receiver_id))
        return -1;
    if (!full)
        return 0;
    const msgpack_object *text = envelope_map_get(m, "text");
    if (!text || text->type != MSGPACK_OBJECT_STR || text->via.str.size > NOTIFY_TEXT_MAX)
        return -1;
    msg->text = mem_malloc(text->via.str.size + 1);
    memcpy(msg->text, envelope_str_bytes(text), text->via.str.size);
    msg->text[text->via.str.size] = '\0';
    const msgpack_object *read = envelope_map_get(m, "is_read");
    msg->is_read = read && read->type == MSGPACK_OBJECT_BOOLEAN && read->via.boolean;
    if (!s_ts(envelope_map_get(m, "created_at"), msg->created_at, sizeof msg->created_at))
        return -1;
    return 0;
}

static int
s_notifs(const msgpack_object *a, notify_event_t *ev)
{
    if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size > NOTIFY_EVENT_MAX_RECIPIENTS)
        return -1;
    ev->notifs = mem_calloc(a->via.array.size ? a->via.array.size : 1, sizeof *ev->notifs);
    for (uint32_t i = 0; i < a->via.array.size; i++) {
        const msgpack_object *o = &a->via.array.ptr[i];
        notify_notif_t *n = &ev->notifs[ev->notif_count];
        if (o->type != MSGPACK_OBJECT_MAP || !s_int(envelope_map_get(o, "user_id"), &n->user_id)
            || !s_int(envelope_map_get(o, "id"), &n->id) || n->id <= 0)
            return -1;
        if (!s_ts(envelope_map_get(o, "created_at"), n->created_at, sizeof n->created_at))
            snprintf(n->created_at, sizeof n->created_at, "%s", ev->message.created_at);
        ev->notif_count++;
    }
    return 0;
}

static int
s_recipients(const msgpack_object *a, notify_event_t *ev)
{
    if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size > NOTIFY_EVENT_MAX_RECIPIENTS)
        return -1;
    ev->recipients = mem_calloc(a->via.array.size ? a->via.array.size : 1, sizeof *ev->recipients);
    for (uint32_t i = 0; i < a->via.array.size; i++)
        if (!s_int(&a->via.array.ptr[i], &ev->recipients[ev->recipient_count++]))
            return -1;
    return 0;
}

static int
s_decode_map(const msgpack_object *root, notify_event_t *ev)
{
    if (root->type != MSGPACK_OBJECT_MAP)
        return -1;
    const msgpack_object *name = envelope_map_get(root, "event");
    if (!name || name->type != MSGPACK_OBJECT_STR)
        return -1;
    const msgpack_object *eid = envelope_map_get(root, "eid");
    if (eid) {
        if (eid->type != MSGPACK_OBJECT_POSITIVE_INTEGER || eid->via.u64 == 0)
            return -1;
        ev->eid = eid->via.u64;
    }
    if (envelope_str_eq(name, EVENT_NEW_MESSAGE)) {
        ev->kind = NOTIFY_EV_NEW_MESSAGE;
        if (s_message(envelope_map_get(root, "message"), &ev->message, true) != 0)
            return -1;
        return s_notifs(envelope_map_get(root, "notifications"), ev);
    }
    if (envelope_str_eq(name, EVENT_MESSAGE_DELETED)) {
        ev->kind = NOTIFY_EV_MESSAGE_DELETED;
        if (s_message(envelope_map_get(root, "message"), &ev->message, false) != 0)
            return -1;
        return s_recipients(envelope_map_get(root, "recipients"), ev);
    }
    if (envelope_str_eq(name, EVENT_GROUP_JOINED) || envelope_str_eq(name, EVENT_GROUP_LEFT)) {
        ev->kind = envelope_str_eq(name, EVENT_GROUP_JOINED) ? NOTIFY_EV_GROUP_JOINED
                                                         : NOTIFY_EV_GROUP_LEFT;
        if (!s_int(envelope_map_get(root, "group_id"), &ev->group_id)
            || !s_int(envelope_map_get(root, "user_id"), &ev->user_id))
            return -1;
        return 0;
    }
    if (envelope_str_eq(name, EVENT_GROUP_DELETED)) {
        ev->kind = NOTIFY_EV_GROUP_DELETED;
        return s_int(envelope_map_get(root, "group_id"), &ev->group_id) ? 0 : -1;
    }
    if (envelope_str_eq(name, EVENT_SESSION_REVOKED)) {
        ev->kind = NOTIFY_EV_SESSION_REVOKED;
        if (!s_int(envelope_map_get(root, "user_id"), &ev->user_id) || ev->user_id <= 0)
            return -1;
        const msgpack_object *jti = envelope_map_get(root, "jti");
        const msgpack_object *fam = envelope_map_get(root, "family");
        const msgpack_object *before = envelope_map_get(root, "before_ms");
        if ((jti && envelope_str_copy(jti, ev->jti, sizeof ev->jti) <= 0)
            || (fam && envelope_str_copy(fam, ev->family, sizeof ev->family) <= 0)
            || (before && (!s_int(before, &ev->before_ms) || ev->before_ms <= 0)))
            return -1;
        return jti || fam || before ? 0 : -1;
    }
    if (envelope_str_eq(name, EVENT_SYNC)) {
        ev->kind = NOTIFY_EV_SYNC;
        return s_int(envelope_map_get(root, "n"), &ev->n) ? 0 : -1;
    }
    ev->kind = NOTIFY_EV_UNKNOWN;
    return 0;
}

int
notify_event_decode(const void *payload, size_t size, notify_event_t *ev)
{
    memset(ev, 0, sizeof *ev);
    if (!payload || size == 0 || size > NOTIFY_EVENT_MAX_BYTES
        || !envelope_msgpack_safe(payload, size, 8))
        return -1;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    int rc = -1;
    size_t off = 0;
    if (msgpack_unpack_next(&up, payload, size, &off) != MSGPACK_UNPACK_SUCCESS)
        goto cleanup;
    rc = s_decode_map(&up.data, ev);
cleanup:
    msgpack_unpacked_destroy(&up);
    if (rc != 0)
        notify_event_release(ev);
    return rc;
}

void
notify_message_release(notify_message_t *msg)
{
    free(msg->text);
    msg->text = NULL;
}

void
notify_event_release(notify_event_t *ev)
{
    notify_message_release(&ev->message);
    free(ev->notifs);
    free(ev->recipients);
    ev->notifs = NULL;
    ev->recipients = NULL;
    ev->notif_count = ev->recipient_count = 0;
}
