/* config.h -- settings from environment variables, with defaults and bounds (12-factor). */
#ifndef COMMON_CONFIG_H
#define COMMON_CONFIG_H
#include <stdint.h>
#include <stdbool.h>

/* The value of NAME, or DEF when unset or empty. Never NULL unless DEF is NULL. */
const char *config_str(const char *name, const char *def);

/* NAME as an integer in [MIN, MAX]; DEF when unset; DEF too (with a warning on stderr)
 * when the value is not a number or out of bounds, so a typo never yields a wild value. */
int64_t config_int(const char *name, int64_t def, int64_t min, int64_t max);

/* "1", "true", "yes", "on" (any case) are true; "0", "false", "no", "off" false; else DEF. */
bool config_bool(const char *name, bool def);

#endif
