/* log.c -- structured JSON log lines on stderr, one write per line so threads never
 * interleave inside a line. */
#include "log.h"
#include "clock.h"
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Set once in log_init before any thread starts, read-only afterwards. */
static char s_process[32] = "busd";
static log_level_t s_min_level = LOG_INFO;

static const char *s_level_names[] = { "debug", "info", "warn", "error" };

void
log_init(const char *process_name)
{
    snprintf(s_process, sizeof s_process, "%s", process_name);
    const char *lvl = config_str("LOG_LEVEL", "info");
    for (int i = 0; i < 4; i++)
        if (strcasecmp(lvl, s_level_names[i]) == 0)
            s_min_level = (log_level_t) i;
}

size_t
log_escape(const char *s, char *out, size_t size)
{
    size_t n = 0;
    if (size == 0)
        return 0;
    for (; s && *s && n + 7 < size; s++) {
        unsigned char c = (unsigned char) *s;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char) c;
        }
        else if (c < 0x20) {
            n += (size_t) snprintf(out + n, size - n, "\\u%04x", c);
        }
        else
            out[n++] = (char) c;
    }
    out[n] = '\0';
    return n;
}

bool
log_enabled(log_level_t level)
{
    return level >= s_min_level;
}

void
log_line(log_level_t level, const char *rid, const char *event, const char *extra_json,
         const char *fmt, ...)
{
    if (level < s_min_level)
        return;
    char msg[1024], msg_esc[2048], rid_esc[300], ev_esc[128], ts[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_escape(msg, msg_esc, sizeof msg_esc);
    log_escape(event ? event : "", ev_esc, sizeof ev_esc);
    clock_iso8601(clock_wall_ms(), ts, sizeof ts);

    char line[4096];
    int n;
    if (rid) {
        log_escape(rid, rid_esc, sizeof rid_esc);
        n = snprintf(line, sizeof line,
                     "{\"ts\":\"%s\",\"level\":\"%s\",\"proc\":\"%s\",\"rid\":\"%s\",\"event\":\"%s\"%s%s,\"msg\":\"%s\"}\n",
                     ts, s_level_names[level], s_process, rid_esc, ev_esc,
                     extra_json ? "," : "", extra_json ? extra_json : "", msg_esc);
    }
    else
        n = snprintf(line, sizeof line,
                     "{\"ts\":\"%s\",\"level\":\"%s\",\"proc\":\"%s\",\"event\":\"%s\"%s%s,\"msg\":\"%s\"}\n",
                     ts, s_level_names[level], s_process, ev_esc,
                     extra_json ? "," : "", extra_json ? extra_json : "", msg_esc);
    if (n < 0)
        return;
    if ((size_t) n >= sizeof line) {       /* keep the line valid JSON even when cut */
        n = sizeof line - 1;
        line[n - 3] = '"';
        line[n - 2] = '}';
        line[n - 1] = '\n';
    }
    ssize_t w = write(STDERR_FILENO, line, (size_t) n);
    (void) w;
}
