/* messages_rules.c -- the input rules of groups and messages (no I/O). */
#include "messages_rules.h"
#include "event_topic.h"
#include "form.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* True when S holds nothing but ASCII white space: such a text or name says nothing, and
 * a client would read it as empty. */
static bool
s_blank(const char *s)
{
    for (; *s; s++)
        if (!strchr(" \t\r\n\f\v", *s))
            return false;
    return true;
}

const char *
messages_check_text(const char *s)
{
    long n = form_utf8_count(s, strlen(s));
    if (n < 1 || s_blank(s))
        return "text should not be empty";
    if (n > MESSAGES_TEXT_MAX)
        return "text must be at most 5000 characters";
    return NULL;
}

const char *
messages_check_group_name(const char *s)
{
    long n = form_utf8_count(s, strlen(s));
    if (n < 1 || s_blank(s))
        return "name should not be empty";
    if (n > MESSAGES_NAME_MAX)
        return "name must be at most 100 characters";
    return NULL;
}

const char *
messages_check_receiver_type(const char *s)
{
    return strcmp(s, "user") == 0 || strcmp(s, "group") == 0 ? NULL
           : "receiver_type must be one of: user, group";
}

const char *
messages_check_role(const char *s)
{
    return strcmp(s, "admin") == 0 || strcmp(s, "member") == 0 ? NULL
           : "role must be one of: admin, member";
}

const char *
messages_check_bool(const char *s)
{
    return strcmp(s, "true") == 0 || strcmp(s, "false") == 0 ? NULL
           : "unread must be true or false";
}

int64_t
messages_id_of(const msgpack_object *obj)
{
    if (!obj || obj->type != MSGPACK_OBJECT_POSITIVE_INTEGER || obj->via.u64 == 0
        || obj->via.u64 > INT64_MAX)
        return 0;
    return (int64_t) obj->via.u64;
}

int
messages_ids_of(const msgpack_object *obj, int64_t *out, int max)
{
    if (!obj || obj->type != MSGPACK_OBJECT_ARRAY)
        return -1;
    if (obj->via.array.size > (uint32_t) max)
        return -2;
    for (uint32_t i = 0; i < obj->via.array.size; i++) {
        out[i] = messages_id_of(&obj->via.array.ptr[i]);
        if (out[i] == 0)
            return -1;
    }
    return (int) obj->via.array.size;
}

bool
messages_ids_literal(const int64_t *ids, int count, char *out, size_t size)
{
    size_t used = 0;
    int n = snprintf(out, size, "{");
    if (n < 0 || (size_t) n >= size)
        return false;
    used = (size_t) n;
    for (int i = 0; i < count; i++) {
        n = snprintf(out + used, size - used, "%s%" PRId64, i ? "," : "", ids[i]);
        if (n < 0 || (size_t) n >= size - used)
            return false;
        used += (size_t) n;
    }
    n = snprintf(out + used, size - used, "}");
    return n >= 0 && (size_t) n < size - used;
}

void
messages_pair(int64_t a, int64_t b, int64_t *lo, int64_t *hi)
{
    *lo = a < b ? a : b;
    *hi = a < b ? b : a;
}

void
messages_topic(const char *receiver_type, int64_t receiver_id, char *out, size_t size)
{
    event_topic_format(strcmp(receiver_type, "group") == 0 ? EVENT_TOPIC_GROUP : EVENT_TOPIC_USER,
                       receiver_id, out, size);
}
