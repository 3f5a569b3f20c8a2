/* users_event.c -- packing and publishing session_revoked. */
#include "users_event.h"
#include <msgpack.h>
#include <stdbool.h>
#include "clock.h"
#include "envelope.h"
#include "event_topic.h"

void
users_event_revoked(events_t *events, int64_t user_id, const char *jti, const char *family,
                    int64_t before_ms)
{
    if (!events || user_id <= 0)
        return;
    bool has_jti = jti && *jti, has_family = family && *family;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4 + has_jti + has_family + (before_ms > 0));
    envelope_pack_key(&pk, "v");
    msgpack_pack_int(&pk, 1);
    envelope_pack_key(&pk, "event");
    envelope_pack_str(&pk, EVENT_SESSION_REVOKED);
    envelope_pack_key(&pk, "ts");
    msgpack_pack_int64(&pk, clock_wall_ms());
    envelope_pack_key(&pk, "user_id");
    msgpack_pack_int64(&pk, user_id);
    if (has_jti) {
        envelope_pack_key(&pk, "jti");
        envelope_pack_str(&pk, jti);
    }
    if (has_family) {
        envelope_pack_key(&pk, "family");
        envelope_pack_str(&pk, family);
    }
    if (before_ms > 0) {
        envelope_pack_key(&pk, "before_ms");
        msgpack_pack_int64(&pk, before_ms);
    }
    char topic[EVENT_TOPIC_MAX];
    if (event_topic_format(EVENT_TOPIC_USER, user_id, topic, sizeof topic) > 0)
        events_publish(events, topic, buf.data, buf.size);
    msgpack_sbuffer_destroy(&buf);
}
