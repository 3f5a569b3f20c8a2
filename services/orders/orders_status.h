/* orders_status.h -- the order life cycle: pending -> paid -> shipped; cancelled from
 * pending or paid. */
#ifndef ORDERS_STATUS_H
#define ORDERS_STATUS_H
#include <stdbool.h>

/* True when STATUS is one of pending, paid, shipped, cancelled. */
bool orders_status_valid(const char *status);

/* True when an order in FROM may move to TO. Staying in the same status is not a
 * transition and is refused too, so a repeated "pay" is a visible conflict. */
bool orders_status_can_move(const char *from, const char *to);

#endif
