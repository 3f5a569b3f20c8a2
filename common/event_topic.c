/* event_topic.c -- the text of the event bus's topics. */
#include "event_topic.h"
#include <inttypes.h>
#include <stdio.h>

int
event_topic_format(event_topic_kind_t kind, int64_t id, char *out, size_t size)
{
    if (size == 0)
        return -1;
    int n = id > 0 ? snprintf(out, size, "%c:%" PRId64 "|",
                              kind == EVENT_TOPIC_GROUP ? 'g' : 'u', id) : -1;
    if (n < 0 || (size_t) n >= size) {
        out[0] = '\0';
        return -1;
    }
    return n;
}
