/* notify_topics.h -- reference counts of this replica's bus subscriptions.
 *
 * A replica subscribes its SUB socket to u:<uid>| while it holds any socket of that user
 * and to g:<gid>| while it holds any socket of a member of that group (the topics'
 * text is common/event_topic.h, the publishers' own). Several sockets
 * (and several members) share one subscription: the first acquire says "subscribe now",
 * the last release says "unsubscribe now". Pure bookkeeping: the caller talks to ZeroMQ. */
#ifndef NOTIFY_TOPICS_H
#define NOTIFY_TOPICS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event_topic.h"

typedef struct notify_topics_t notify_topics_t;

notify_topics_t *notify_topics_new(void);
void notify_topics_destroy(notify_topics_t **self_p);

/* Counts one more holder of topic KIND/ID. True when it was the first (subscribe now). */
bool notify_topics_acquire(notify_topics_t *self, event_topic_kind_t kind, int64_t id);

/* Counts one holder less. True when it was the last (unsubscribe now). Releasing a topic
 * nobody holds is a no-op that returns false. */
bool notify_topics_release(notify_topics_t *self, event_topic_kind_t kind, int64_t id);

/* Holders of KIND/ID (0 when none). */
long notify_topics_count(const notify_topics_t *self, event_topic_kind_t kind, int64_t id);

/* Distinct topics held. */
size_t notify_topics_size(const notify_topics_t *self);

#endif
