/* origin_list.h -- a configured list of allowed web origins ("https://app.example.com,
 * https://admin.example.com"): the edge's CORS_ORIGINS and notify's NOTIFY_ALLOWED_ORIGINS
 * read the same way, so one setting means the same pages to both.
 *
 * Items are separated by commas; spaces and tabs around an item are dropped, empty items
 * ignored. "*" is not an item: it sets ANY, which only the edge honours (notify never
 * lets any page use the cookie's token). An item of ORIGIN_LIST_ITEM_MAX characters or
 * more, and every item after the first ORIGIN_LIST_MAX, is skipped and counted, so that a
 * process can warn at start instead of silently growing without bound. Matching is exact
 * (byte for byte): "https://app.test" does not allow "https://app.test.evil". */
#ifndef ORIGIN_LIST_H
#define ORIGIN_LIST_H
#include <stdbool.h>

#define ORIGIN_LIST_MAX       16
#define ORIGIN_LIST_ITEM_MAX  256    /* with the terminating NUL */

typedef struct {
    char items[ORIGIN_LIST_MAX][ORIGIN_LIST_ITEM_MAX];
    int count;
    bool any;                        /* "*" listed */
} origin_list_t;

/* Fills *SELF from CSV (NULL or "" = an empty list). Returns how many items were skipped
 * (too long, or beyond ORIGIN_LIST_MAX). */
int origin_list_parse(origin_list_t *self, const char *csv);

/* True when ORIGIN is one of the items (ANY is the caller's to honour). NULL and "" are
 * never in the list. */
bool origin_list_has(const origin_list_t *self, const char *origin);

/* The same answer as origin_list_parse then origin_list_has, read straight from CSV
 * without a copy: for a check made once per connection on a list kept as text. */
bool origin_list_contains(const char *csv, const char *origin);

#endif
