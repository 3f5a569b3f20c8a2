/* cursor.h -- the opaque keyset cursor of every list.
 *
 * Lists are ordered by id, newest first; the cursor names the last id a page returned, so
 * the next page starts strictly below it (no OFFSET scans, no duplicates when rows are
 * added meanwhile). It is base64url of "c1:<id>": opaque to clients, versioned for us. */
#ifndef COMMON_CURSOR_H
#define COMMON_CURSOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CURSOR_SIZE 48     /* enough for any encoded id, with its NUL */

/* Writes the cursor after ID into OUT (at least CURSOR_SIZE bytes). */
void cursor_encode(int64_t id, char *out, size_t size);

/* Decodes cursor S. Returns true and sets *ID (positive) when S is one of ours. */
bool cursor_decode(const char *s, int64_t *id);

/* form_check_fn: NULL or "cursor must be a valid cursor". */
const char *cursor_check(const char *s);

#endif
