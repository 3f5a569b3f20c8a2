/* orders_sql.h -- every statement of the orders service, prepared on each connection. */
#ifndef ORDERS_SQL_H
#define ORDERS_SQL_H
#include "db.h"

/* Columns of every statement that returns orders, in this order. */
enum { ORDER_ID, ORDER_PRODUCT, ORDER_AMOUNT, ORDER_USER_ID, ORDER_STATUS, ORDER_CREATED,
       ORDER_UPDATED, ORDER_NCOLS };

/* order_insert_batch adds, after the order, the row's request: its 1-based place in the
 * statement's arrays. */
enum { ORDER_ORD = ORDER_NCOLS };

extern const db_statement_t orders_statements[];

#endif
