/* notify_idle.c -- the two "least recently heard" lists behind notify's pings and hang-ups
 * (notify_idle.h). */
#include "notify_idle.h"
#include <stddef.h>

static void
s_unlink(notify_idle_list_t *list, notify_idle_node_t *node)
{
    if (node->prev)
        node->prev->next = node->next;
    else
        list->head = node->next;
    if (node->next)
        node->next->prev = node->prev;
    else
        list->tail = node->prev;
    node->prev = node->next = NULL;
    list->count--;
}

static void
s_append(notify_idle_list_t *list, notify_idle_node_t *node)
{
    node->next = NULL;
    node->prev = list->tail;
    if (list->tail)
        list->tail->next = node;
    else
        list->head = node;
    list->tail = node;
    list->count++;
}

static notify_idle_list_t *
s_list(notify_idle_t *idle, const notify_idle_node_t *node)
{
    switch (node->where) {
    case NOTIFY_IDLE_QUIET:  return &idle->quiet;
    case NOTIFY_IDLE_PINGED: return &idle->pinged;
    default:                 return NULL;
    }
}

void
notify_idle_init(notify_idle_t *idle, int64_t ping_ms, int64_t hangup_ms)
{
    idle->quiet = (notify_idle_list_t) { 0 };
    idle->pinged = (notify_idle_list_t) { 0 };
    idle->ping_ms = ping_ms;
    idle->hangup_ms = hangup_ms > ping_ms ? hangup_ms : ping_ms + 1;
}

void
notify_idle_add(notify_idle_t *idle, notify_idle_node_t *node, int64_t now_ms)
{
    node->heard_ms = now_ms;
    node->where = NOTIFY_IDLE_QUIET;
    s_append(&idle->quiet, node);
}

void
notify_idle_heard(notify_idle_t *idle, notify_idle_node_t *node, int64_t now_ms)
{
    notify_idle_list_t *list = s_list(idle, node);
    if (!list)
        return;
    /* The clock is monotonic, so the tail keeps the latest time and both lists stay in
     * order; a stale NOW_MS (never expected) would only make it due a little early. */
    node->heard_ms = now_ms;
    if (list == &idle->quiet && list->tail == node)
        return;                          /* already last: the common case under traffic */
    s_unlink(list, node);
    node->where = NOTIFY_IDLE_QUIET;
    s_append(&idle->quiet, node);
}

void
notify_idle_remove(notify_idle_t *idle, notify_idle_node_t *node)
{
    notify_idle_list_t *list = s_list(idle, node);
    if (!list)
        return;
    s_unlink(list, node);
    node->where = NOTIFY_IDLE_NOWHERE;
}

notify_idle_node_t *
notify_idle_next_due(notify_idle_t *idle, int64_t now_ms, notify_idle_action_t *action)
{
    /* PINGED is in heard order too: sockets enter it from QUIET's head, oldest first. */
    notify_idle_node_t *node = idle->pinged.head;
    if (node && now_ms - node->heard_ms >= idle->hangup_ms) {
        s_unlink(&idle->pinged, node);
        node->where = NOTIFY_IDLE_NOWHERE;
        *action = NOTIFY_IDLE_HANGUP;
        return node;
    }
    node = idle->quiet.head;
    if (node && now_ms - node->heard_ms >= idle->ping_ms) {
        s_unlink(&idle->quiet, node);
        node->where = NOTIFY_IDLE_PINGED;
        s_append(&idle->pinged, node);
        *action = NOTIFY_IDLE_PING;
        return node;
    }
    *action = NOTIFY_IDLE_NONE;
    return NULL;
}

size_t
notify_idle_count(const notify_idle_t *idle)
{
    return idle->quiet.count + idle->pinged.count;
}
