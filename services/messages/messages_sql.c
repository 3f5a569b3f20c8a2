/* messages_sql.c -- the messages service's SQL: groups, members, messages, notifications.
 * Parameters only. Array parameters ("{1,2,3}") are cast to bigint[] inside PostgreSQL. */
#include "messages_sql.h"
#include "idempotency.h"

#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define MSG_COLS \
    "m.id::text, m.sender_id::text, m.receiver_type, m.receiver_id::text, m.text, " \
    "m.is_read::text, " TS("m.created_at")

#define NOTIF_COLS \
    "n.id::text, n.user_id::text, n.type, n.message_id::text, n.is_read::text, " \
    TS("n.created_at") ", " MSG_COLS

#define GROUP_COLS \
    "g.id::text, g.name, g.created_by::text, " TS("g.created_at") ", " TS("g.updated_at") \
    ", me.role"

#define MEMBER_COLS "user_id::text, role, " TS("joined_at")

/* Sending a message, as one statement of data-modifying CTEs (all of them see one
 * snapshot and run to completion; an error anywhere fails the whole statement):
 *
 *   c  CHECK: the receiver row, locked FOR KEY SHARE until COMMIT (so it cannot be deleted
 *      between this check and the notification rows), with "may the sender write to it"
 *      as column ok. No row: the receiver does not exist.
 *   m  the message, inserted only when c's ok is true (VALUES: its columns).
 *   n  one notification per recipient from RECIPIENTS (a query yielding column u), with
 *      the message's id. Before a row takes its id, its recipient's advisory lock is
 *      taken, in the order of the lock keys (the one global order of message_send_batch
 *      too, so no deadlock between two fan-outs or a fan-out and a batch): two transactions
 *      writing for one user then commit in id order, so a WebSocket replay "after id N"
 *      never skips a row that commits later with a smaller id. Volatile functions in the
 *      target list run after the ORDER BY (PostgreSQL >= 9.6), hence the locks are taken
 *      in order.
 *
 * The answer (columns: messages_sql.h, SEND_*): no row when the receiver is unknown; one
 * row with ok false and the rest NULL when the sender may not write to it; otherwise one
 * row per notification (a single row with the notification columns NULL when nobody is
 * notified), each carrying the message. The sender's own existence is the foreign key
 * messages.sender_id's to check: 23503. */
#define MESSAGE_SEND(check, values, recipients) \
    "WITH c AS (" check "), " \
    "m AS (INSERT INTO messages (sender_id, receiver_type, receiver_id, pair_lo, pair_hi, " \
    "text) SELECT " values " FROM c WHERE c.ok RETURNING *), " \
    "n AS (INSERT INTO notifications (user_id, message_id) SELECT r.u, m.id FROM m, " \
    "(SELECT s.u, pg_advisory_xact_lock(2020, (s.u % 2147483647)::int) FROM (" recipients \
    ") s ORDER BY (s.u % 2147483647), s.u) r RETURNING user_id, id, created_at) " \
    "SELECT " MSG_COLS ", n.user_id::text, n.id::text, " TS("n.created_at") ", c.ok::text " \
    "FROM c LEFT JOIN m ON true LEFT JOIN n ON true ORDER BY n.user_id"

const db_statement_t messages_statements[] = {
    /* --- groups ---------------------------------------------------------------------- */
    { "group_insert",
      "INSERT INTO groups (name, created_by) VALUES ($1, $2) RETURNING id::text", 2 },
    /* The creator ($2) as admin, the others as members; duplicates folded. */
    { "group_add_members",
      "INSERT INTO group_members (group_id, user_id, role) "
      "SELECT $1::bigint, s.u, CASE WHEN s.u = $2::bigint THEN 'admin' ELSE 'member' END "
      "FROM (SELECT DISTINCT unnest(array_append($3::bigint[], $2::bigint)) AS u) s "
      "ORDER BY s.u", 3 },
    /* Non-members get no row: 404, existence not leaked. */
    { "group_get",
      "SELECT " GROUP_COLS " FROM groups g JOIN group_members me "
      "ON me.group_id = g.id AND me.user_id = $2 WHERE g.id = $1", 2 },
    /* The group row lock serializes every change of one group's membership and roles, so
     * "is there another admin?" cannot be answered from a stale picture. */
    { "group_lock",
      "SELECT " GROUP_COLS " FROM groups g JOIN group_members me "
      "ON me.group_id = g.id AND me.user_id = $2 WHERE g.id = $1 FOR UPDATE OF g", 2 },
    { "group_members",
      "SELECT " MEMBER_COLS " FROM group_members WHERE group_id = $1 "
      "ORDER BY joined_at, user_id", 1 },
    /* Keyset pages of my groups, newest group first. */
    { "group_list",
      "SELECT " GROUP_COLS ", (SELECT count(*) FROM group_members c WHERE c.group_id = g.id)"
      "::text FROM group_members me JOIN groups g ON g.id = me.group_id "
      "WHERE me.user_id = $1 AND me.group_id < $2 ORDER BY me.group_id DESC LIMIT $3", 3 },
    { "group_rename", "UPDATE groups SET name = $2, updated_at = now() WHERE id = $1", 2 },
    { "group_delete", "DELETE FROM groups WHERE id = $1", 1 },
    { "group_exists", "SELECT 1 FROM groups WHERE id = $1", 1 },
    { "member_get", "SELECT " MEMBER_COLS " FROM group_members WHERE group_id = $1 "
      "AND user_id = $2", 2 },
    { "member_add",
      "INSERT INTO group_members (group_id, user_id, role) VALUES ($1, $2, 'member') "
      "RETURNING " MEMBER_COLS, 2 },
    /* The trigger group_members_keep_admin (020_messages.sql) promotes or deletes. */
    { "member_remove", "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2", 2 },
    { "member_set_role",
      "UPDATE group_members SET role = $3 WHERE group_id = $1 AND user_id = $2 "
      "RETURNING " MEMBER_COLS, 3 },
    { "member_admins",
      "SELECT count(*)::text FROM group_members WHERE group_id = $1 AND role = 'admin'", 1 },

    /* --- messages -------------------------------------------------------------------- */
    /* Sending: the receiver check, the message and its notifications in one statement,
     * so one round trip (and, without an Idempotency-Key, the whole transaction).
     * $1 sender, $2 receiver id, $3 text; for a direct message $4, $5 the pair (lo, hi). */
    { "message_send_user",
      MESSAGE_SEND("SELECT true AS ok FROM users WHERE id = $2::bigint FOR KEY SHARE",
                   "$1::bigint, 'user', $2::bigint, $4::bigint, $5::bigint, $3::text",
                   "SELECT $2::bigint AS u WHERE $2::bigint <> $1::bigint"), 5 },
    { "message_send_group",
      MESSAGE_SEND("SELECT EXISTS (SELECT 1 FROM group_members gm WHERE gm.group_id = g.id "
                   "AND gm.user_id = $1::bigint) AS ok FROM groups g WHERE g.id = $2::bigint "
                   "FOR KEY SHARE OF g",
                   "$1::bigint, 'group', $2::bigint, NULL::bigint, NULL::bigint, $3::text",
                   "SELECT user_id AS u FROM group_members WHERE group_id = $2::bigint "
                   "AND user_id <> $1::bigint"), 3 },
    /* Direct messages from many senders to many receivers, one transaction (the hot
     * inbox, messages_send_batch.c): $1 the receivers, $2 the senders (bigint[]), $3 their
     * texts (text[]), one element per request, in queue order; no sender is its own
     * receiver. As message_send_user for each, in one statement:
     *   c  every receiver that exists, its row locked FOR KEY SHARE (as one send's c);
     *   k  their advisory locks, in the order of the lock's key (the value locked, not
     *      the receiver id: two receivers may share one), so two batches, or a batch and
     *      a single send, never wait for each other crosswise. The lock runs in the outer
     *      target list over the sorted subquery, so in sort order (checked with EXPLAIN
     *      VERBOSE: Subquery Scan -> Unique -> Sort; README.md);
     *   i  per request with an existing receiver, in ordinal order, a message id and a
     *      notification id; "count(*) FROM k" is an InitPlan whose one-time filter runs
     *      before i's first row, so every id is drawn after every lock of the batch, and
     *      within one inbox commit order stays id order;
     *   m, n  both rows, inserted with those ids.
     * Answer: SEND_* columns then SEND_ORD (1-based), exactly one row per request, in
     * ordinal order: with SEND_OK 'true' and its rows, or SEND_OK 'false' and the rest
     * NULL when its receiver does not exist (nothing stored for it). A deleted sender
     * fails the whole statement (23503): the caller then writes the batch one by one. */
    { "message_send_batch",
      "WITH b AS (SELECT s.receiver, s.sender, s.text, s.ord FROM unnest($1::bigint[], "
      "$2::bigint[], $3::text[]) WITH ORDINALITY AS s(receiver, sender, text, ord)), "
      "c AS (SELECT u.id FROM users u WHERE u.id = ANY ($1::bigint[]) FOR KEY SHARE), "
      "k AS (SELECT s.key, pg_advisory_xact_lock(2020, s.key) FROM (SELECT DISTINCT "
      "(c.id % 2147483647)::int AS key FROM c) s ORDER BY s.key), "
      "i AS (SELECT b.ord, b.receiver, b.sender, b.text, nextval('messages_id_seq') AS mid, "
      "nextval('notifications_id_seq') AS nid FROM b JOIN c ON c.id = b.receiver "
      "WHERE (SELECT count(*) FROM k) >= 0 ORDER BY b.ord), "
      "m AS (INSERT INTO messages (id, sender_id, receiver_type, receiver_id, pair_lo, "
      "pair_hi, text) SELECT i.mid, i.sender, 'user', i.receiver, least(i.sender, i.receiver), "
      "greatest(i.sender, i.receiver), i.text FROM i ORDER BY i.ord RETURNING *), "
      "n AS (INSERT INTO notifications (id, user_id, message_id) SELECT i.nid, i.receiver, "
      "m.id FROM m JOIN i ON i.mid = m.id ORDER BY i.ord RETURNING id, user_id, created_at) "
      "SELECT " MSG_COLS ", n.user_id::text, n.id::text, " TS("n.created_at") ", "
      "(m.id IS NOT NULL)::text, b.ord::text FROM b LEFT JOIN i ON i.ord = b.ord "
      "LEFT JOIN m ON m.id = i.mid LEFT JOIN n ON n.id = i.nid ORDER BY b.ord", 3 },
    /* History of one conversation, both directions, newest first ($1 <= $2). */
    { "message_list_pair",
      "SELECT " MSG_COLS " FROM messages m WHERE m.receiver_type = 'user' AND m.pair_lo = $1 "
      "AND m.pair_hi = $2 AND m.id < $3 ORDER BY m.id DESC LIMIT $4", 4 },
    { "message_list_group",
      "SELECT " MSG_COLS " FROM messages m WHERE m.receiver_type = 'group' "
      "AND m.receiver_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3", 3 },
    /* A message, locked, and whether $2 may see it (a party of a direct message, a member
     * of the group). */
    { "message_lock",
      "SELECT " MSG_COLS ", ((m.receiver_type = 'user' AND $2 IN (m.pair_lo, m.pair_hi)) "
      "OR (m.receiver_type = 'group' AND EXISTS (SELECT 1 FROM group_members gm "
      "WHERE gm.group_id = m.receiver_id AND gm.user_id = $2)))::text "
      "FROM messages m WHERE m.id = $1 FOR UPDATE OF m", 2 },
    { "message_mark_read",
      "UPDATE messages m SET is_read = true WHERE m.id = $1 RETURNING " MSG_COLS, 1 },
    { "message_recipients",
      "SELECT user_id::text FROM notifications WHERE message_id = $1 ORDER BY user_id", 1 },
    { "message_delete", "DELETE FROM messages WHERE id = $1", 1 },

    /* --- notifications --------------------------------------------------------------- */
    { "notif_list",
      "SELECT " NOTIF_COLS " FROM notifications n JOIN messages m ON m.id = n.message_id "
      "WHERE n.user_id = $1 AND n.id < $2 ORDER BY n.id DESC LIMIT $3", 3 },
    /* A statement of its own so that it uses the partial index of unread rows. */
    { "notif_list_unread",
      "SELECT " NOTIF_COLS " FROM notifications n JOIN messages m ON m.id = n.message_id "
      "WHERE n.user_id = $1 AND NOT n.is_read AND n.id < $2 ORDER BY n.id DESC LIMIT $3", 3 },
    { "notif_read",
      "UPDATE notifications n SET is_read = true FROM messages m "
      "WHERE n.id = $1 AND n.user_id = $2 AND m.id = n.message_id RETURNING " NOTIF_COLS, 2 },
    { "notif_read_message",
      "UPDATE notifications SET is_read = true WHERE message_id = $1 AND user_id = $2", 2 },
    { "notif_read_all",
      "UPDATE notifications SET is_read = true WHERE user_id = $1 AND NOT is_read", 1 },
    /* Idempotency-Key on the creating methods (common/idempotency.h) */
    IDEMPOTENCY_STATEMENTS,
    { NULL, NULL, 0 }
};
