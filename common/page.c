/* page.c -- keyset pages and the list answer. */
#include "page.h"
#include "cursor.h"
#include "envelope.h"
#include "form.h"

page_t
page_from(const char *limit, const char *cursor)
{
    page_t page = { FORM_LIMIT_DEFAULT, INT64_MAX };
    if (limit)
        form_parse_int(limit, 1, FORM_LIMIT_MAX, &page.limit);
    if (cursor)
        cursor_decode(cursor, &page.after);
    return page;
}

int
page_items(msgpack_packer *pk, int fetched, const page_t *page)
{
    int shown = fetched > page->limit ? (int) page->limit : fetched;
    msgpack_pack_map(pk, 3);
    envelope_pack_key(pk, "items");
    msgpack_pack_array(pk, (size_t) shown);
    return shown;
}

void
page_finish(msgpack_packer *pk, int fetched, const page_t *page, int64_t last_id)
{
    envelope_pack_key(pk, "next_cursor");
    if (fetched > page->limit) {
        char next[CURSOR_SIZE];
        cursor_encode(last_id, next, sizeof next);
        envelope_pack_str(pk, next);
    }
    else
        msgpack_pack_nil(pk);
    envelope_pack_key(pk, "limit");
    msgpack_pack_int64(pk, page->limit);
}
