/* messages_pack.h -- the service's objects as msgpack, from the rows of messages_sql.c:
 * a message, a notification (with its message), a group (with its members), a group in a
 * list, a member. Ids become integers, a NULL id (a deleted sender) nil, booleans true or
 * false, timestamps stay the ISO 8601 text PostgreSQL wrote. */
#ifndef MESSAGES_PACK_H
#define MESSAGES_PACK_H
#include <libpq-fe.h>
#include <msgpack.h>

/* {id, sender_id, receiver_type, receiver_id, text, is_read, created_at} from the row's
 * columns COL0 .. COL0 + MSG_NCOLS - 1. */
void messages_pack_message(msgpack_packer *pk, const PGresult *res, int row, int col0);

/* The same, from column 0 (the shape of a list's pack function). */
void messages_pack_message_row(msgpack_packer *pk, const PGresult *res, int row);

/* {id, user_id, type, message_id, message, is_read, created_at}. */
void messages_pack_notification(msgpack_packer *pk, const PGresult *res, int row);

/* {id, name, created_by, created_at, updated_at, members: [{user_id, role, joined_at}]}
 * from row ROW of GROUP and every row of MEMBERS. */
void messages_pack_group(msgpack_packer *pk, const PGresult *group, int row,
                         const PGresult *members);

/* A list item: {id, name, created_by, created_at, updated_at, role, member_count}, ROLE
 * being the caller's own. */
void messages_pack_group_summary(msgpack_packer *pk, const PGresult *res, int row);

/* {user_id, role, joined_at}. */
void messages_pack_member(msgpack_packer *pk, const PGresult *res, int row);

/* Packs the id text in column COL as an integer, or nil when it is NULL. */
void messages_pack_id(msgpack_packer *pk, const PGresult *res, int row, int col);

#endif
