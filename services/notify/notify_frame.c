/* notify_frame.c -- building the JSON frames with json-c (escaping done by the library,
 * never by hand). */
#include "notify_frame.h"
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Serialises and frees ROOT. Slashes stay unescaped: clients compare text as sent. */
static char *
s_finish(json_object *root)
{
    const char *s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN
                                                         | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *out = s ? strdup(s) : NULL;
    json_object_put(root);
    return out;
}

static json_object *
s_event(const char *name, json_object *data)
{
    json_object *root = json_object_new_object();
    json_object_object_add(root, "event", json_object_new_string(name));
    json_object_object_add(root, "data", data);
    return root;
}

static json_object *
s_message(const notify_message_t *msg)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "id", json_object_new_int64(msg->id));
    json_object_object_add(m, "sender_id",
                           msg->has_sender ? json_object_new_int64(msg->sender_id) : NULL);
    json_object_object_add(m, "receiver_type", json_object_new_string(msg->receiver_type));
    json_object_object_add(m, "receiver_id", json_object_new_int64(msg->receiver_id));
    json_object_object_add(m, "text", json_object_new_string(msg->text ? msg->text : ""));
    json_object_object_add(m, "is_read", json_object_new_boolean(msg->is_read));
    json_object_object_add(m, "created_at", json_object_new_string(msg->created_at));
    return m;
}

char *
notify_frame_ready(int64_t user_id)
{
    json_object *data = json_object_new_object();
    json_object_object_add(data, "user_id", json_object_new_int64(user_id));
    return s_finish(s_event("ready", data));
}

char *
notify_frame_new_message(const notify_message_t *msg)
{
    return s_finish(s_event("new_message", s_message(msg)));
}

char *
notify_frame_notification(const notify_message_t *msg, const notify_notif_t *notif)
{
    json_object *n = json_object_new_object();
    json_object_object_add(n, "id", json_object_new_int64(notif->id));
    json_object_object_add(n, "user_id", json_object_new_int64(notif->user_id));
    json_object_object_add(n, "type", json_object_new_string("new_message"));
    json_object_object_add(n, "message_id", json_object_new_int64(msg->id));
    json_object_object_add(n, "message", s_message(msg));
    json_object_object_add(n, "is_read", json_object_new_boolean(notif->is_read));
    json_object_object_add(n, "created_at", json_object_new_string(notif->created_at));
    return s_finish(s_event("notification", n));
}

char *
notify_frame_message_deleted(const notify_message_t *msg)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "id", json_object_new_int64(msg->id));
    json_object_object_add(d, "receiver_type", json_object_new_string(msg->receiver_type));
    json_object_object_add(d, "receiver_id", json_object_new_int64(msg->receiver_id));
    return s_finish(s_event("message_deleted", d));
}

char *
notify_frame_replay_truncated(int64_t last_id)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "last_id", json_object_new_int64(last_id));
    return s_finish(s_event("replay_truncated", d));
}
