/* notify_idle.h -- which WebSockets have been silent long enough to be pinged, or hung up.
 *
 * Every socket sits on one of two intrusive lists, each in the order its sockets were last
 * heard from (any frame or pong received), oldest first: QUIET (not pinged since) and
 * PINGED (pinged, no answer yet). Hearing from a socket moves it to QUIET's tail, O(1);
 * the sockets due are always at the heads, so a sweep costs the sockets it acts on and
 * nothing for the others, whatever the number held. This replaces lws's per-connection
 * validity timer, whose re-arm walked a sorted list of every socket's timer
 * (docs/BENCHMARKS.md, "notify's own pings"). Pure bookkeeping: the caller pings and
 * closes. Times are monotonic milliseconds (clock_mono_ms). */
#ifndef NOTIFY_IDLE_H
#define NOTIFY_IDLE_H
#include <stddef.h>
#include <stdint.h>

typedef struct notify_idle_node_t {
    struct notify_idle_node_t *prev;
    struct notify_idle_node_t *next;
    int64_t heard_ms;            /* when a frame or pong last came in (or it joined) */
    uint8_t where;               /* NOTIFY_IDLE_NOWHERE, _QUIET or _PINGED */
} notify_idle_node_t;

enum { NOTIFY_IDLE_NOWHERE = 0, NOTIFY_IDLE_QUIET, NOTIFY_IDLE_PINGED };

typedef struct {
    notify_idle_node_t *head;
    notify_idle_node_t *tail;
    size_t count;
} notify_idle_list_t;

typedef struct {
    notify_idle_list_t quiet;
    notify_idle_list_t pinged;
    int64_t ping_ms;             /* silent this long: ping (NOTIFY_PING_S) */
    int64_t hangup_ms;           /* silent this long, the ping unanswered: hang up */
} notify_idle_t;

typedef enum { NOTIFY_IDLE_NONE = 0, NOTIFY_IDLE_PING, NOTIFY_IDLE_HANGUP } notify_idle_action_t;

/* Empty lists; HANGUP_MS must be above PING_MS (notify_config guarantees it). */
void notify_idle_init(notify_idle_t *idle, int64_t ping_ms, int64_t hangup_ms);

/* Puts NODE (not on a list) at QUIET's tail, heard at NOW_MS: a socket that just joined. */
void notify_idle_add(notify_idle_t *idle, notify_idle_node_t *node, int64_t now_ms);

/* NODE's socket was heard from at NOW_MS: to QUIET's tail, whichever list it was on. A node
 * on no list (hung up, or never added) stays off. */
void notify_idle_heard(notify_idle_t *idle, notify_idle_node_t *node, int64_t now_ms);

/* Takes NODE off its list (a socket closing); a node on no list is left alone. */
void notify_idle_remove(notify_idle_t *idle, notify_idle_node_t *node);

/* The next socket due at NOW_MS, or NULL when none is. Hang-ups first (PINGED's head,
 * silent HANGUP_MS: taken off the lists, *ACTION = NOTIFY_IDLE_HANGUP), then pings
 * (QUIET's head, silent PING_MS: moved to PINGED's tail, *ACTION = NOTIFY_IDLE_PING). The
 * caller acts on each and may stop at any count: the rest stay due for the next call. */
notify_idle_node_t *notify_idle_next_due(notify_idle_t *idle, int64_t now_ms,
                                         notify_idle_action_t *action);

/* Sockets on both lists. */
size_t notify_idle_count(const notify_idle_t *idle);

#endif
