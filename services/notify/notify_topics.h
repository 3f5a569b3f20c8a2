/* notify_topics.h -- reference counts of this replica's bus subscriptions.
 *
 * A replica subscribes its SUB socket to u:<uid>| while it holds any socket of that user
 * and to g:<gid>| while it holds any socket of a member of that group. Several sockets
 * (and several members) share one subscription: the first acquire says "subscribe now",
 * the last release says "unsubscribe now". Pure bookkeeping: the caller talks to ZeroMQ. */
#ifndef NOTIFY_TOPICS_H
#define NOTIFY_TOPICS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { NOTIFY_TOPIC_USER = 0, NOTIFY_TOPIC_GROUP = 1 } notify_topic_kind_t;

/* Enough for "g:<19 digits>|" and "sync:<replica up to 64>:<20 digits>|". */
#define NOTIFY_TOPIC_MAX 112

typedef struct notify_topics_t notify_topics_t;

notify_topics_t *notify_topics_new(void);
void notify_topics_destroy(notify_topics_t **self_p);

/* Counts one more holder of topic KIND/ID. True when it was the first (subscribe now). */
bool notify_topics_acquire(notify_topics_t *self, notify_topic_kind_t kind, int64_t id);

/* Counts one holder less. True when it was the last (unsubscribe now). Releasing a topic
 * nobody holds is a no-op that returns false. */
bool notify_topics_release(notify_topics_t *self, notify_topic_kind_t kind, int64_t id);

/* Holders of KIND/ID (0 when none). */
long notify_topics_count(const notify_topics_t *self, notify_topic_kind_t kind, int64_t id);

/* Distinct topics held. */
size_t notify_topics_size(const notify_topics_t *self);

/* Writes "u:<id>|" or "g:<id>|" into OUT. Returns the length, or -1 if it does not fit. */
int notify_topic_format(notify_topic_kind_t kind, int64_t id, char *out, size_t size);

/* Parses TOPIC (LEN bytes, not NUL-terminated) as "u:<id>|", "g:<id>|". Returns true and
 * fills *KIND and *ID for one of those. */
bool notify_topic_parse(const char *topic, size_t len, notify_topic_kind_t *kind, int64_t *id);

#endif
