/* process_metrics.c -- process_* metrics from /proc/self/stat, /proc/self/fd, /proc/stat. */
#include "process_metrics.h"
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The boot time in seconds since the epoch ("btime" of /proc/stat), read once: it does
 * not change, and /proc/stat grows with the number of CPUs and interrupts. */
static long long s_btime = -1;
static pthread_once_t s_btime_once = PTHREAD_ONCE_INIT;

static void
s_read_btime(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return;
    char line[256];
    bool at_start = true;        /* a long line (intr) arrives in pieces: only line starts */
    while (fgets(line, sizeof line, f)) {
        if (at_start && strncmp(line, "btime ", 6) == 0) {
            s_btime = strtoll(line + 6, NULL, 10);
            break;
        }
        at_start = strchr(line, '\n') != NULL;
    }
    fclose(f);
}

/* Fields 14 (utime), 15 (stime), 22 (starttime), 23 (vsize), 24 (rss) of
 * /proc/self/stat; the command name (field 2) may hold spaces and parentheses, so the
 * count starts after its last ')'. */
static void
s_read_stat(process_metrics_t *out)
{
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return;
    char text[1024];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    char *p = strrchr(text, ')');
    if (!p)
        return;
    unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
    long long rss = 0;
    int field = 2, seen = 0;
    char *save = NULL;
    for (char *tok = strtok_r(p + 1, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        field++;
        switch (field) {
        case 14: utime = strtoull(tok, NULL, 10); seen++; break;
        case 15: stime = strtoull(tok, NULL, 10); seen++; break;
        case 22: start = strtoull(tok, NULL, 10); seen++; break;
        case 23: vsize = strtoull(tok, NULL, 10); seen++; break;
        case 24: rss = strtoll(tok, NULL, 10); seen++; break;
        default: break;
        }
        if (field == 24)
            break;
    }
    long ticks = sysconf(_SC_CLK_TCK);
    long page = sysconf(_SC_PAGESIZE);
    if (seen != 5 || ticks <= 0 || page <= 0)
        return;
    out->cpu_seconds = (double) (utime + stime) / (double) ticks;
    out->virtual_bytes = (double) vsize;
    out->resident_bytes = (double) rss * (double) page;
    pthread_once(&s_btime_once, s_read_btime);
    if (s_btime >= 0)
        out->start_time_seconds = (double) s_btime + (double) start / (double) ticks;
}

/* Entries of /proc/self/fd, less the one opendir holds while counting. */
static double
s_open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    if (!dir)
        return -1;
    long n = 0;
    for (struct dirent *e; (e = readdir(dir));)
        if (e->d_name[0] != '.')
            n++;
    closedir(dir);
    return (double) (n > 0 ? n - 1 : 0);
}

void
process_metrics_read(process_metrics_t *out)
{
    *out = (process_metrics_t) { -1, -1, -1, -1, -1, -1 };
    s_read_stat(out);
    out->open_fds = s_open_fds();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        out->max_fds = rl.rlim_cur == RLIM_INFINITY ? -1 : (double) rl.rlim_cur;
}

static void
s_emit(metrics_out_t *out, metric_type_t type, const char *name, const char *help, double v)
{
    if (v >= 0)
        metrics_out_sample(out, type, name, help, "", v);
}

void
process_metrics_collect(void *arg, metrics_out_t *out)
{
    (void) arg;
    process_metrics_t m;
    process_metrics_read(&m);
    s_emit(out, METRIC_COUNTER, "process_cpu_seconds_total",
           "Total user and system CPU time spent in seconds.", m.cpu_seconds);
    s_emit(out, METRIC_GAUGE, "process_resident_memory_bytes",
           "Resident memory size in bytes.", m.resident_bytes);
    s_emit(out, METRIC_GAUGE, "process_virtual_memory_bytes",
           "Virtual memory size in bytes.", m.virtual_bytes);
    s_emit(out, METRIC_GAUGE, "process_open_fds", "Number of open file descriptors.",
           m.open_fds);
    s_emit(out, METRIC_GAUGE, "process_max_fds", "Maximum number of open file descriptors.",
           m.max_fds);
    s_emit(out, METRIC_GAUGE, "process_start_time_seconds",
           "Start time of the process since unix epoch in seconds.", m.start_time_seconds);
}
