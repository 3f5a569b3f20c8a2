/* event_topic.h -- the topics of the event bus (schemas/events.md), the one contract the
 * publishers (messages, users) and notify must spell alike: a publisher sends an event on
 * "u:<user id>|" or "g:<group id>|", and notify subscribes to exactly that text. ZeroMQ
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

/* Writes the topic of KIND/ID into OUT. Returns its length, or -1 when ID is not an id
 * (<= 0) or the topic does not fit (OUT is then ""). */
int event_topic_format(event_topic_kind_t kind, int64_t id, char *out, size_t size);

#endif
