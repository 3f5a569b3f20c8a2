/* orders_status.c -- the order life cycle as one table. */
#include "orders_status.h"
#include <string.h>

static const struct {
    const char *from, *to;
} s_moves[] = {
    { "pending", "paid" },
    { "paid", "shipped" },
    { "pending", "cancelled" },
    { "paid", "cancelled" },
};

bool
orders_status_valid(const char *status)
{
    return status && (!strcmp(status, "pending") || !strcmp(status, "paid")
                      || !strcmp(status, "shipped") || !strcmp(status, "cancelled"));
}

bool
orders_status_can_move(const char *from, const char *to)
{
    for (size_t i = 0; i < sizeof s_moves / sizeof s_moves[0]; i++)
        if (!strcmp(s_moves[i].from, from) && !strcmp(s_moves[i].to, to))
            return true;
    return false;
}
