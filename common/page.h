/* page.h -- keyset pages of every list: the page a request asks for, and the list answer
 * {"items": [...], "next_cursor": <cursor or nil>, "limit": N} that the edge turns into
 * data + meta. Services fetch LIMIT + 1 rows below AFTER (newest first): the extra row
 * tells whether a next page exists, without a COUNT. */
#ifndef COMMON_PAGE_H
#define COMMON_PAGE_H
#include <stdbool.h>
#include <stdint.h>
#include <msgpack.h>

typedef struct {
    int64_t limit;           /* rows to answer, 1..FORM_LIMIT_MAX */
    int64_t after;           /* ids strictly below this; INT64_MAX for the first page */
} page_t;

/* The page named by the validated "limit" and "cursor" texts (either may be NULL). */
page_t page_from(const char *limit, const char *cursor);

/* Writes the answer's head for FETCHED rows (the map and the items array) and returns how
 * many rows to pack next: FETCHED, or LIMIT when the extra row came back. */
int page_items(msgpack_packer *pk, int fetched, const page_t *page);

/* Writes the answer's tail: next_cursor after LAST_ID when FETCHED exceeded the limit,
 * nil otherwise, and the limit. */
void page_finish(msgpack_packer *pk, int fetched, const page_t *page, int64_t last_id);

#endif
