/* orders_sql.c -- the orders service's SQL. Parameters only; amounts cast from text to
 * numeric inside PostgreSQL and back to text with exactly two decimals. */
#include "orders_sql.h"
#include "idempotency.h"

#define COLS \
    "id::text, product, amount::text, user_id::text, status, " \
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), " \
    "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* $2 user id, $3 'true' when the caller is an admin: owners and admins see an order,
 * anyone else gets no row, which becomes 404 (existence is not leaked). */
#define VISIBLE "id = $1 AND (user_id = $2 OR $3::boolean)"

const db_statement_t orders_statements[] = {
    { "order_insert",
      "INSERT INTO orders (user_id, product, amount) VALUES ($1, $2, $3::numeric) "
      "RETURNING " COLS, 3 },
    /* Orders of many (unrelated) users, one statement and so one transaction (the group
     * commit of create, orders_create_batch.c): $1 the users (bigint[]), $2 the products
     * (text[]), $3 the amounts ("N.DD", text[]), in queue order. As order_insert for
     * each; the ids are drawn in i with each request's ordinal and inserted as such, so
     * every returned row is matched to its request by ordinal (ORDER_ORD, 1-based), never
     * by guessing from id order. A user deleted meanwhile fails the whole statement
     * (23503): the caller then writes the batch one by one. */
    { "order_insert_batch",
      "WITH b AS (SELECT s.uid, s.prod, s.amt, s.ord FROM unnest($1::bigint[], $2::text[], "
      "$3::text[]) WITH ORDINALITY AS s(uid, prod, amt, ord)), "
      "i AS (SELECT b.ord, b.uid, b.prod, b.amt, nextval('orders_id_seq') AS new_id "
      "FROM b ORDER BY b.ord), "
      "o AS (INSERT INTO orders (id, user_id, product, amount) SELECT i.new_id, i.uid, "
      "i.prod, i.amt::numeric FROM i ORDER BY i.ord RETURNING *) "
      "SELECT " COLS ", i.ord::text FROM o JOIN i ON i.new_id = o.id ORDER BY i.ord", 3 },
    { "order_get", "SELECT " COLS " FROM orders WHERE " VISIBLE, 3 },
    /* The row lock serializes concurrent updates of one order: the second waits, then
     * sees the first one's status, so no transition is lost or applied twice. */
    { "order_lock", "SELECT " COLS " FROM orders WHERE " VISIBLE " FOR UPDATE", 3 },
    { "order_update",
      "UPDATE orders SET product = COALESCE($2, product), "
      "amount = COALESCE($3::numeric, amount), status = COALESCE($4, status), "
      "updated_at = now() WHERE id = $1 RETURNING " COLS, 4 },
    { "order_delete", "DELETE FROM orders WHERE " VISIBLE, 3 },
    /* Keyset pages, newest first: $2 is the last id of the previous page. */
    { "order_list_own",
      "SELECT " COLS " FROM orders WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3", 3 },
    { "order_list_all",
      "SELECT " COLS " FROM orders WHERE ($1::bigint IS NULL OR user_id = $1) AND id < $2 "
      "ORDER BY id DESC LIMIT $3", 3 },
    /* Idempotency-Key on the creating methods (common/idempotency.h) */
    IDEMPOTENCY_STATEMENTS,
    { NULL, NULL, 0 }
};
