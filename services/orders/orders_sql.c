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
