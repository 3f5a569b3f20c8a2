/* clock.h -- wall and monotonic time, ISO 8601 timestamps. */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H
#include <stdint.h>
#include <stddef.h>

int64_t clock_wall_ms(void);       /* unix time in milliseconds */
int64_t clock_mono_ms(void);       /* monotonic milliseconds, for intervals */
int64_t clock_mono_us(void);       /* monotonic microseconds, for durations */

/* Writes "2026-11-22T10:30:45.123Z" for unix ms MS into OUT (at least 25 bytes). */
void clock_iso8601(int64_t ms, char *out, size_t size);

#endif
