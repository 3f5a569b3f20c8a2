/* chaos_cmd.c -- fork/exec of the operator's commands with a deadline. */
#include "chaos_cmd.h"
#include "chaos.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int
chaos_cmd_run(const char *cmd, const char *name, int64_t timeout_ms, int log_fd)
{
    char script[1024];
    if (snprintf(script, sizeof script, "%s \"$1\"", cmd) >= (int) sizeof script)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* Only async-signal-safe calls between fork and exec: we are multi-threaded. */
        setpgid(0, 0);
        if (log_fd >= 0) {
            dup2(log_fd, 1);
            dup2(log_fd, 2);
        }
        execl("/bin/sh", "sh", "-c", script, "chaos-cmd", name, (char *) NULL);
        _exit(127);
    }
    setpgid(pid, pid);        /* also from here, so a timeout finds the group either way */
    int64_t deadline = chaos_now_ms() + timeout_ms;
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0)
            return -1;
        if (chaos_now_ms() >= deadline) {
            fprintf(stderr, "chaos: '%s %s' took over %lld ms, killed\n", cmd, name,
                    (long long) timeout_ms);
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        chaos_sleep_ms(20);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}
