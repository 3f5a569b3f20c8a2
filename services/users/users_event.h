/* users_event.h -- the users service's one event (schemas/events.md): session_revoked, on
 * the user's topic, so that every notify replica holding a socket of that user closes the
 * sockets whose token just died (code 4401). Published after the change is committed;
 * events are best effort (a broker may be away), the tokens' death in Redis is not. */
#ifndef USERS_EVENT_H
#define USERS_EVENT_H
#include <stdint.h>
#include "events.h"

/* The tokens of USER_ID that died: the one with JTI, those of session FAMILY, and/or
 * every one issued at or before BEFORE_MS (unix ms); NULL / 0 for what does not apply. */
void users_event_revoked(events_t *events, int64_t user_id, const char *jti,
                         const char *family, int64_t before_ms);

#endif
