/* edge_routeopt.c -- "TEMPLATE=VALUE;..." against the route table. */
#include "edge_routeopt.h"
#include <string.h>
#include "log.h"

int
edge_routeopt_parse(const edge_route_t *table, const char *spec, edge_routeopt_fn *fn,
                    void *arg)
{
    const char *p = spec ? spec : "";
    while (*p) {
        while (*p == ';' || *p == ' ')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, ";");
        char item[256];
        if (len >= sizeof item)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        p += len;
        char *eq = strchr(item, '=');
        if (!eq || eq == item)
            return -1;
        *eq = '\0';
        char *path = item;
        while (*path == ' ')
            path++;
        for (char *end = eq; end > path && end[-1] == ' ';)
            *--end = '\0';
        bool found = false;
        for (int i = 0; table[i].method; i++) {
            if (strcmp(table[i].path, path) != 0)
                continue;
            found = true;
            if (fn(arg, i, eq + 1) != 0)
                return -1;
        }
        if (!found) {
            log_error(NULL, "edge_config", "no route %s in the table", path);
            return -1;
        }
    }
    return 0;
}
