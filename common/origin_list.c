/* origin_list.c -- one reading of a comma list of allowed origins (origin_list.h). */
#include "origin_list.h"
#include <string.h>

static bool
s_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The next non-empty item at *CURSOR, trimmed: its start and length, the cursor moved
 * past it. False at the end of the list. */
static bool
s_next(const char **cursor, const char **item, size_t *len)
{
    const char *p = *cursor;
    while (*p == ',' || s_blank(*p))
        p++;
    *cursor = p;
    if (!*p)
        return false;
    size_t n = strcspn(p, ",");
    size_t trimmed = n;          /* at least 1: p is on neither a comma nor a blank */
    while (s_blank(p[trimmed - 1]))
        trimmed--;
    *cursor = p + n;
    *item = p;
    *len = trimmed;
    return true;
}

static bool
s_is_any(const char *item, size_t len)
{
    return len == 1 && item[0] == '*';
}

int
origin_list_parse(origin_list_t *self, const char *csv)
{
    memset(self, 0, sizeof *self);
    int skipped = 0;
    const char *p = csv ? csv : "", *item;
    size_t len;
    while (s_next(&p, &item, &len)) {
        if (s_is_any(item, len))
            self->any = true;
        else if (len >= ORIGIN_LIST_ITEM_MAX || self->count >= ORIGIN_LIST_MAX)
            skipped++;
        else {
            memcpy(self->items[self->count], item, len);
            self->items[self->count][len] = '\0';
            self->count++;
        }
    }
    return skipped;
}

bool
origin_list_has(const origin_list_t *self, const char *origin)
{
    if (!origin || !*origin)
        return false;
    for (int i = 0; i < self->count; i++)
        if (strcmp(self->items[i], origin) == 0)
            return true;
    return false;
}

bool
origin_list_contains(const char *csv, const char *origin)
{
    size_t olen = origin ? strlen(origin) : 0;
    if (!csv || olen == 0)
        return false;
    const char *p = csv, *item;
    size_t len;
    int kept = 0;
    while (kept < ORIGIN_LIST_MAX && s_next(&p, &item, &len)) {
        if (s_is_any(item, len) || len >= ORIGIN_LIST_ITEM_MAX)
            continue;
        if (len == olen && memcmp(item, origin, olen) == 0)
            return true;
        kept++;
    }
    return false;
}
