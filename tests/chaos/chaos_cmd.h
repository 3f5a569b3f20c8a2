/* chaos_cmd.h -- running the operator's commands (kill, start-one, ready) on a name. */
#ifndef CHAOS_CMD_H
#define CHAOS_CMD_H
#include <stdint.h>

/* Runs "/bin/sh -c 'CMD \"$1\"' NAME" (so NAME is one argument, never shell text), its
 * output appended to LOG_FD (or inherited when LOG_FD < 0), for at most TIMEOUT_MS; on
 * timeout the command's process group is killed. Returns its exit status, 128+signal,
 * or -1 when it could not run or timed out. */
int chaos_cmd_run(const char *cmd, const char *name, int64_t timeout_ms, int log_fd);

#endif
