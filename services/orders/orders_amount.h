/* orders_amount.h -- order amounts as exact decimals: the JSON number's own text in, a
 * normalized "123.45" out for PostgreSQL numeric. Never a binary float on the way. */
#ifndef ORDERS_AMOUNT_H
#define ORDERS_AMOUNT_H
#include <stddef.h>

typedef enum {
    AMOUNT_OK = 0,
    AMOUNT_NOT_A_NUMBER,     /* not JSON number text */
    AMOUNT_NOT_POSITIVE,     /* zero or negative */
    AMOUNT_TOO_LARGE,        /* over 1e9 */
    AMOUNT_TOO_PRECISE,      /* a non-zero digit past the second decimal */
} orders_amount_status_t;

#define ORDERS_AMOUNT_MAX_TEXT 64   /* longer input is refused as not a number */

/* Parses TEXT (JSON number grammar, exponent allowed: 1.5e2 is 150.00) into OUT as
 * "<integer>.<two digits>" (at least 16 bytes for any accepted value). */
orders_amount_status_t orders_amount_parse(const char *text, char *out, size_t size);

/* The validation message for STATUS ("amount must be a positive number" ...). */
const char *orders_amount_message(orders_amount_status_t status);

#endif
