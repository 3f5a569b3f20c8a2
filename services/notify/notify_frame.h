/* notify_frame.h -- the JSON text frames notify sends (API.md "Notifications and
 * WebSocket", schemas/events.md "Delivery rules"). Each returns a new NUL-terminated
 * string the caller frees, or NULL when out of memory. */
#ifndef NOTIFY_FRAME_H
#define NOTIFY_FRAME_H
#include "notify_event.h"

/* {"event":"ready","data":{"user_id":N}} */
char *notify_frame_ready(int64_t user_id);

/* {"event":"new_message","data":<message>} */
char *notify_frame_new_message(const notify_message_t *msg);

/* {"event":"notification","data":{id,user_id,type:"new_message",message_id,message,
 *  is_read,created_at}} */
char *notify_frame_notification(const notify_message_t *msg, const notify_notif_t *notif);

/* {"event":"message_deleted","data":{"id":..,"receiver_type":..,"receiver_id":..}} */
char *notify_frame_message_deleted(const notify_message_t *msg);

/* {"event":"replay_truncated","data":{"last_id":N}}: more than NOTIFY_REPLAY_MAX
 * notifications were missed; reconnect with ?since=N for the rest. */
char *notify_frame_replay_truncated(int64_t last_id);

#endif
