/* orders_pack.h -- an order row (the columns of orders_sql.h) as the API's order object,
 * for every method that answers orders, batched creates included. */
#ifndef ORDERS_PACK_H
#define ORDERS_PACK_H
#include <libpq-fe.h>
#include <msgpack.h>

/* Row ROW of RES (ORDER_* columns) as {id, product, amount, user_id, status, created_at,
 * updated_at}; amount stays the text PostgreSQL gave ("10.50"). */
void orders_pack_order(msgpack_packer *pk, const PGresult *res, int row);

#endif
