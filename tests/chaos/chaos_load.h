/* chaos_load.h -- the wrk-like load: threads that create orders and messages and read
 * profiles, retrying each request safely (same Idempotency-Key, same body). */
#ifndef CHAOS_LOAD_H
#define CHAOS_LOAD_H
#include "chaos.h"

/* Starts app->cfg.threads loaders (app->loaders); they run until app->stop_load, then
 * finish the logical request in hand (bounded by the retry budget). 0, or -1. */
int chaos_load_start(chaos_app_t *app);

/* Joins the loaders started by chaos_load_start. */
void chaos_load_join(chaos_app_t *app);

/* Whether an attempt with STATUS (0: transport error) and KEY_IN_USE is worth retrying
 * with the same key: the request may not have been processed, or is being processed. */
bool chaos_load_retryable(int status, bool key_in_use);

#endif
