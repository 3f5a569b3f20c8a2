/* notify_resync.h -- catching every open socket up from the database after the SUB lost
 * or gained a broker (services/notify/README.md, "Several brokers"). lws thread only. */
#ifndef NOTIFY_RESYNC_H
#define NOTIFY_RESYNC_H
#include "notify_app.h"

/* Resyncs SS, live: a new marker, then the read after its floor (no second "ready"). */
void notify_resync_begin(notify_app_t *app, notify_session_t *ss);

/* Resyncs every open socket (those still starting or reading, when that is done); WHY is
 * logged. */
void notify_resync_all(notify_app_t *app, const char *why);

#endif
