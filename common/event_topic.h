/* event_topic.h -- the names of the event bus (schemas/events.md) that the publishers
 * (messages, users) and notify must spell alike: the topics (a publisher sends an event on
 * "u:<user id>|" or "g:<group id>|", and notify subscribes to exactly that text) and the
 * "event" name each payload carries (packed by its publisher, decoded by notify, and
 * allowed per publisher by the bus's CURVE rules, bus_security.c). ZeroMQ
 * matches subscriptions by prefix, so the closing '|' is what keeps u:1| from matching
 * u:12|. (notify's own sync marker, "sync:<replica>:<n>|", is published and read by notify
 * alone: notify_bus.c.) */
#ifndef COMMON_EVENT_TOPIC_H
#define COMMON_EVENT_TOPIC_H
#include <stddef.h>
#include <stdint.h>

typedef enum { EVENT_TOPIC_USER = 0, EVENT_TOPIC_GROUP = 1 } event_topic_kind_t;

/* Enough for "g:<19 digits>|". */
#define EVENT_TOPIC_MAX 32

/* The events, by their "event" name. */
#define EVENT_NEW_MESSAGE       "new_message"        /* messages */
#define EVENT_MESSAGE_DELETED   "message_deleted"    /* messages */
#define EVENT_GROUP_JOINED      "group_joined"       /* messages */
#define EVENT_GROUP_LEFT        "group_left"         /* messages */
#define EVENT_GROUP_DELETED     "group_deleted"      /* messages */
#define EVENT_SESSION_REVOKED   "session_revoked"    /* users */
#define EVENT_SYNC              "sync"               /* notify, to itself */

/* Writes the topic of KIND/ID into OUT. Returns its length, or -1 when ID is not an id
 * (<= 0) or the topic does not fit (OUT is then ""). */
int event_topic_format(event_topic_kind_t kind, int64_t id, char *out, size_t size);

#endif
