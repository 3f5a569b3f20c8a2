/* it_edge.h -- an extra edge process of a suite's own, beside the stack's: on the stack's
 * broker, Redis and JWT secret, with the suite's settings (strict rate limits, CORS, a
 * hostile-client setup), its log in LOG_DIR/edge-<port>.log. It dies with the suite
 * (PR_SET_PDEATHSIG). */
#ifndef IT_EDGE_H
#define IT_EDGE_H
#include <sys/types.h>

/* Starts an edge on PORT (admin port off, BUS_TIMEOUT_MS 3000, the stack's generous rate
 * limits removed) with SETTINGS ("NAME=value", NULL ended) on top; waits until its
 * /health/live answers (a failed check aborts the test). Returns its pid. */
pid_t it_edge_start(int port, const char *const *settings);

/* SIGTERM, wait. Sets *PID to 0. Accepts 0. */
void it_edge_stop(pid_t *pid);

/* Resident memory of process PID in KiB (VmRSS), or -1. */
long it_proc_rss_kib(pid_t pid);

#endif
