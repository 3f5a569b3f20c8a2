/* chaos_schedule.h -- the kills: in turn, spread over the load period, each followed by
 * a restart and readiness polling, every moment recorded in app->kills. */
#ifndef CHAOS_SCHEDULE_H
#define CHAOS_SCHEDULE_H
#include "chaos.h"

/* Plans kill K of N over a load of DURATION_MS: after a warm-up, evenly up to a tail
 * left for the last one to recover. Milliseconds since the run's start. */
int64_t chaos_schedule_plan(int k, int n, int64_t duration_ms);

/* Starts the schedule thread (it sets app->schedule_done at the end); the commands'
 * output goes to app->cmd_log_fd. 0, or -1. */
int chaos_schedule_start(chaos_app_t *app, pthread_t *thread);

#endif
