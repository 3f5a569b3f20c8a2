/* orders_create_batch.h -- the group commit of POST /api/orders: orders of unrelated users
 * share one statement, so one transaction and one disk flush (services/orders/README.md,
 * "Group commit"). */
#ifndef ORDERS_CREATE_BATCH_H
#define ORDERS_CREATE_BATCH_H
#include "envelope.h"
#include "orders_app.h"

/* The parameters of order_insert: user id, product, amount ("N.DD"). */
enum { CREATE_USER, CREATE_PRODUCT, CREATE_AMOUNT, CREATE_NPARAMS };

/* Today's create, a transaction of its own (orders_handlers.c): PARAMS as order_insert's;
 * with an Idempotency-Key the stored answer is looked up and the new one stored with the
 * row. Answers REPLY. */
void orders_create_single(orders_thread_t *self, const envelope_t *req, envelope_t *reply,
                          const char *const params[CREATE_NPARAMS]);

/* An order without an Idempotency-Key, PARAMS as orders_create_single's: queued behind
 * the batch running now, or leading the next one on SELF's connection. Returns once
 * REPLY is answered, as orders_create_single would have answered it, and never before the
 * COMMIT that stored it. */
void orders_create_batch(orders_thread_t *self, const envelope_t *req, envelope_t *reply,
                         const char *const params[CREATE_NPARAMS]);

#endif
