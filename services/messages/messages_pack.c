/* messages_pack.c -- rows of messages_sql.c as msgpack objects. */
#include "messages_pack.h"
#include "messages_sql.h"
#include "envelope.h"
#include <stdlib.h>
#include <string.h>

void
messages_pack_id(msgpack_packer *pk, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        msgpack_pack_nil(pk);
    else
        msgpack_pack_int64(pk, strtoll(PQgetvalue(res, row, col), NULL, 10));
}

/* A boolean column as ::text: "true" or "false". */
static void
s_pack_bool(msgpack_packer *pk, const PGresult *res, int row, int col)
{
    if (strcmp(PQgetvalue(res, row, col), "true") == 0)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
}

static void
s_pack_text(msgpack_packer *pk, const PGresult *res, int row, int col)
{
    envelope_pack_str(pk, PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col));
}

void
messages_pack_message(msgpack_packer *pk, const PGresult *res, int row, int col0)
{
    msgpack_pack_map(pk, 7);
    envelope_pack_key(pk, "id");
    messages_pack_id(pk, res, row, col0 + MSG_ID);
    envelope_pack_key(pk, "sender_id");
    messages_pack_id(pk, res, row, col0 + MSG_SENDER);
    envelope_pack_key(pk, "receiver_type");
    s_pack_text(pk, res, row, col0 + MSG_RECEIVER_TYPE);
    envelope_pack_key(pk, "receiver_id");
    messages_pack_id(pk, res, row, col0 + MSG_RECEIVER_ID);
    envelope_pack_key(pk, "text");
    s_pack_text(pk, res, row, col0 + MSG_TEXT);
    envelope_pack_key(pk, "is_read");
    s_pack_bool(pk, res, row, col0 + MSG_IS_READ);
    envelope_pack_key(pk, "created_at");
    s_pack_text(pk, res, row, col0 + MSG_CREATED);
}

void
messages_pack_message_row(msgpack_packer *pk, const PGresult *res, int row)
{
    messages_pack_message(pk, res, row, 0);
}

void
messages_pack_notification(msgpack_packer *pk, const PGresult *res, int row)
{
    msgpack_pack_map(pk, 7);
    envelope_pack_key(pk, "id");
    messages_pack_id(pk, res, row, NOTIF_ID);
    envelope_pack_key(pk, "user_id");
    messages_pack_id(pk, res, row, NOTIF_USER);
    envelope_pack_key(pk, "type");
    s_pack_text(pk, res, row, NOTIF_TYPE);
    envelope_pack_key(pk, "message_id");
    messages_pack_id(pk, res, row, NOTIF_MESSAGE_ID);
    envelope_pack_key(pk, "message");
    messages_pack_message(pk, res, row, NOTIF_MESSAGE);
    envelope_pack_key(pk, "is_read");
    s_pack_bool(pk, res, row, NOTIF_IS_READ);
    envelope_pack_key(pk, "created_at");
    s_pack_text(pk, res, row, NOTIF_CREATED);
}

void
messages_pack_member(msgpack_packer *pk, const PGresult *res, int row)
{
    msgpack_pack_map(pk, 3);
    envelope_pack_key(pk, "user_id");
    messages_pack_id(pk, res, row, MEMBER_USER);
    envelope_pack_key(pk, "role");
    s_pack_text(pk, res, row, MEMBER_ROLE);
    envelope_pack_key(pk, "joined_at");
    s_pack_text(pk, res, row, MEMBER_JOINED);
}

/* The five keys every group object starts with; the caller declared the map's size. */
static void
s_pack_group_head(msgpack_packer *pk, const PGresult *res, int row)
{
    envelope_pack_key(pk, "id");
    messages_pack_id(pk, res, row, GROUP_ID);
    envelope_pack_key(pk, "name");
    s_pack_text(pk, res, row, GROUP_NAME);
    envelope_pack_key(pk, "created_by");
    messages_pack_id(pk, res, row, GROUP_CREATED_BY);
    envelope_pack_key(pk, "created_at");
    s_pack_text(pk, res, row, GROUP_CREATED);
    envelope_pack_key(pk, "updated_at");
    s_pack_text(pk, res, row, GROUP_UPDATED);
}

void
messages_pack_group(msgpack_packer *pk, const PGresult *group, int row, const PGresult *members)
{
    msgpack_pack_map(pk, 6);
    s_pack_group_head(pk, group, row);
    envelope_pack_key(pk, "members");
    int n = members ? PQntuples(members) : 0;
    msgpack_pack_array(pk, (size_t) n);
    for (int r = 0; r < n; r++)
        messages_pack_member(pk, members, r);
}

void
messages_pack_group_summary(msgpack_packer *pk, const PGresult *res, int row)
{
    msgpack_pack_map(pk, 7);
    s_pack_group_head(pk, res, row);
    envelope_pack_key(pk, "role");
    s_pack_text(pk, res, row, GROUP_ROLE);
    envelope_pack_key(pk, "member_count");
    messages_pack_id(pk, res, row, GROUP_MEMBER_COUNT);
}
