/* edge_routeopt.h -- per-route settings from one environment variable:
 * "TEMPLATE=VALUE;TEMPLATE=VALUE", e.g. ROUTE_TIMEOUTS="/api/orders=10000;/api/users/:id=2000".
 * A template names every method of that path in the route table. */
#ifndef EDGE_ROUTEOPT_H
#define EDGE_ROUTEOPT_H
#include "edge_route.h"

/* Called for each route INDEX (into the table) a TEMPLATE names, with its VALUE
 * (NUL-terminated). Returns 0, or -1 when the value is bad. */
typedef int (edge_routeopt_fn)(void *arg, int index, const char *value);

/* Parses SPEC against TABLE. Returns 0, or -1 on a malformed entry, an unknown template or
 * a value FN refused (nothing is undone: the caller gives up). */
int edge_routeopt_parse(const edge_route_t *table, const char *spec, edge_routeopt_fn *fn,
                        void *arg);

#endif
