/* chaos_ws.h -- the test users' WebSockets: each holds one, records every notification
 * id it receives, and reconnects with ?since=<highest id received> whenever it closes. */
#ifndef CHAOS_WS_H
#define CHAOS_WS_H
#include "chaos.h"

/* Starts one thread per WebSocket user (app->ws, users 0..ws_users-1) and waits up to
 * TIMEOUT_MS until every first socket is "ready". 0, or -1 (threads then stopped). */
int chaos_ws_start(chaos_app_t *app, int64_t timeout_ms);

/* Waits until user I's socket has received at least EXPECTED[I] notifications for every
 * WebSocket user, or until TIMEOUT_MS passed. 1 when all caught up, 0 otherwise. */
int chaos_ws_wait_for(chaos_app_t *app, const size_t *expected, int64_t timeout_ms);

/* Stops and joins the WebSocket threads (their sockets closed). */
void chaos_ws_stop(chaos_app_t *app);

#endif
