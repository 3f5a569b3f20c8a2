/* it_env.h -- where the system under test lives, and the runner every suite's main uses.
 *
 * scripts/test.sh boots the stack and exports TEST_* variables. A suite started without
 * them must fail loudly, never skip: a green run that tested nothing is worse than red. */
#ifndef IT_ENV_H
#define IT_ENV_H
#include <check.h>
#include <stdint.h>

/* The value of the environment variable NAME. A missing or empty one fails the current
 * test (or, outside a test, exits with status 2) naming the variable. Never NULL. */
const char *it_env_require(const char *name);

/* TEST_EDGE_URL without a trailing slash. Same failure rule as it_env_require. */
const char *it_edge_url(void);

/* Milliseconds on a monotonic clock, for generous duration bounds. */
int64_t it_now_ms(void);

/* Sleeps MS milliseconds. */
void it_sleep_ms(int64_t ms);

/* Waits up to TIMEOUT_MS until GET /health says "ok" (the broker has live workers for
 * every service). 1 when it did, 0 otherwise. */
int it_wait_healthy(int64_t timeout_ms);

/* Runs SUITE (taking ownership) after checking the environment and that the edge answers
 * at all; returns the process exit status for main(). */
int it_suite_run(Suite *suite);

/* Stops or starts one component of the stack (broker, users, edge, redis, postgres) with
 * $TEST_STACK_SCRIPT. Returns the script's exit status. it_stack_stop leaves a marker so
 * that it_stack_restore (an unchecked teardown, which runs in the runner process even
 * when the test's child died on a failed assertion) restarts whatever a test stopped. */
int it_stack_stop(const char *component);
int it_stack_start(const char *component);
void it_stack_restore(void);

/* Kills COMPONENT (a process of the stack, not postgres or redis) with SIGKILL: a crash,
 * with no drain and no goodbye to the broker, unlike it_stack_stop's SIGTERM. The process
 * is found by its PID file ($STACK_DIR/run/NAME.pid, "PID EXE"), and signalled only when
 * /proc says that PID still runs EXE, so a stale file never kills a stranger. Waits up to
 * 10 s until it is gone. Leaves the same marker as it_stack_stop, so it_stack_start or
 * it_stack_restore brings it back. Returns 0, or -1 when it was not running or did not
 * die. */
int it_stack_kill(const char *component);

#endif
