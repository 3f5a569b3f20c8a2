/* messages_event.h -- the events of schemas/events.md that the messages service publishes,
 * always after COMMIT: new_message, message_deleted, group_joined, group_left,
 * group_deleted. The pack functions build a payload (unit-tested); the publish functions
 * pack and send it on its topic. A publish that fails is logged and counted by events.c:
 * the rows are in PostgreSQL, and clients catch up from there. */
#ifndef MESSAGES_EVENT_H
#define MESSAGES_EVENT_H
#include <libpq-fe.h>
#include <msgpack.h>
#include <stdint.h>
#include "events.h"


/* {v, event: "new_message", ts, message, notifications: [{user_id, id, created_at}]}
 * from SENT, the answer of message_send_* (messages_sql.h, SEND_*): the message of row 0,
 * a notification from every row whose notification columns are not NULL. */
void messages_event_pack_new_message(msgpack_sbuffer *out, const PGresult *sent, int64_t ts);

/* The same from rows FIRST .. FIRST + COUNT - 1 of SENT only: one message of a batch
 * (message_send_batch), whose rows hold several messages. */
void messages_event_pack_new_message_rows(msgpack_sbuffer *out, const PGresult *sent,
                                          int first, int count, int64_t ts);

/* {v, event: "message_deleted", ts, message: {id, sender_id, receiver_type, receiver_id},
 * recipients: [user ids]} from row 0 of MESSAGE and column 0 of every row of RECIPIENTS. */
void messages_event_pack_deleted(msgpack_sbuffer *out, const PGresult *message,
                                 const PGresult *recipients, int64_t ts);

/* {v, event: NAME, ts, group_id[, user_id]}: group_joined and group_left carry the user,
 * group_deleted does not (USER_ID 0). */
void messages_event_pack_group(msgpack_sbuffer *out, const char *name, int64_t group_id,
                               int64_t user_id, int64_t ts);

/* Packs and publishes on the message's topic (u:<receiver>| or g:<group>|). EVENTS may
 * be NULL (no PUB socket): nothing is sent. */
void messages_event_new_message(events_t *events, const PGresult *sent);
void messages_event_new_message_rows(events_t *events, const PGresult *sent, int first,
                                     int count);
void messages_event_deleted(events_t *events, const PGresult *message,
                            const PGresult *recipients);

/* group_joined / group_left on u:<user>|. */
void messages_event_membership(events_t *events, const char *name, int64_t group_id,
                               int64_t user_id);

/* group_deleted on g:<group>|. */
void messages_event_group_deleted(events_t *events, int64_t group_id);

#endif
