/* users_handlers.h -- the bus methods of the users process. Each is a bus_handler_fn:
 * STATE is the thread's users_thread_t; errors are written into REPLY.
 *
 * Service `auth` (slow pool, bcrypt): register, login, refresh, logout.
 * Service `users` (fast pool): me, list, get, update, delete. */
#ifndef USERS_HANDLERS_H
#define USERS_HANDLERS_H
#include "envelope.h"
#include "service.h"

void users_register(void *state, const envelope_t *req, envelope_t *reply);
void users_login(void *state, const envelope_t *req, envelope_t *reply);
void users_refresh(void *state, const envelope_t *req, envelope_t *reply);
void users_logout(void *state, const envelope_t *req, envelope_t *reply);

void users_me(void *state, const envelope_t *req, envelope_t *reply);
void users_list(void *state, const envelope_t *req, envelope_t *reply);
void users_get(void *state, const envelope_t *req, envelope_t *reply);
void users_update(void *state, const envelope_t *req, envelope_t *reply);
void users_delete(void *state, const envelope_t *req, envelope_t *reply);

/* The NULL-terminated method tables of the two services. */
extern const service_method_t users_auth_methods[];
extern const service_method_t users_users_methods[];

#endif
