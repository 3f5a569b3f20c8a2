/* log.h -- structured JSON log lines on stderr, one per event, carrying the request id.
 *
 * A line: {"ts":"...","level":"info","proc":"users","rid":"req_...","event":"...","msg":"..."}
 * Callers never pass tokens, passwords or bodies: log what happened, not what was sent. */
#ifndef COMMON_LOG_H
#define COMMON_LOG_H
#include <stddef.h>
/* syslog.h (pulled in by czmq.h) defines LOG_DEBUG and LOG_INFO as numbers. Include it
 * here first and drop those two, so its include guard keeps it from coming back and our
 * level names mean our levels, whatever order a file includes headers in. */
#include <stdbool.h>
#include <syslog.h>
#undef LOG_DEBUG
#undef LOG_INFO

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Names the process in every line and sets the lowest level written (LOG_LEVEL env:
 * debug, info, warn, error). Call once from main before threads start. */
void log_init(const char *process_name);

/* One line. RID may be NULL (no request). EVENT is a short machine-readable name.
 * EXTRA_JSON, when not NULL, is a pre-built fragment of extra members without braces,
 * e.g. "\"status\":200,\"duration_ms\":3.1", appended as is. */
void log_line(log_level_t level, const char *rid, const char *event, const char *extra_json,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Whether a line of LEVEL would be written: callers that build a line's fields first
 * (escaping, formatting) ask before doing that work. */
bool log_enabled(log_level_t level);

#define log_info(rid, event, ...)  log_line(LOG_INFO, rid, event, NULL, __VA_ARGS__)
#define log_warn(rid, event, ...)  log_line(LOG_WARN, rid, event, NULL, __VA_ARGS__)
#define log_error(rid, event, ...) log_line(LOG_ERROR, rid, event, NULL, __VA_ARGS__)
#define log_debug(rid, event, ...) log_line(LOG_DEBUG, rid, event, NULL, __VA_ARGS__)

/* Appends S to OUT as the inside of a JSON string (escaped), truncating to fit SIZE.
 * Returns the length written. Used for log fields built by callers. */
size_t log_escape(const char *s, char *out, size_t size);

#endif
