/* chaos_setup.h -- the test users: registered and logged in over HTTP like any client. */
#ifndef CHAOS_SETUP_H
#define CHAOS_SETUP_H
#include "chaos.h"

/* Registers app->cfg.users fresh users (unique to app->run_id) and logs each in, keeping
 * id and access token in app->users. A 503/504 or a broken connection is retried for a
 * while (the system may still be warming up). 0, or -1 with the reason on stderr. */
int chaos_setup_users(chaos_app_t *app);

#endif
