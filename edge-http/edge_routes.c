/* edge_routes.c -- the system's REST routes and the bus service and method behind each.
 * To add a route, add a line; the README's table mirrors this one. Order matters only when
 * two templates fit the same path with the same method: the first wins. schemas/openapi.json
 * describes every line (tests/unit/test_edge_openapi.c holds the two to each other). */
#include "edge_route.h"

#define PUB  true
#define AUTH false
#define CREATES true   /* takes an Idempotency-Key (edge_idem.h) */

static const edge_route_t s_routes[] = {
    /* method    path                                      service        bus method              public  roles  local  creates */
    { "GET",    "/health",                                NULL,          NULL,                   PUB,  NULL, EDGE_LOCAL_HEALTH, false },
    { "GET",    "/api/health",                            NULL,          NULL,                   PUB,  NULL, EDGE_LOCAL_HEALTH, false },
    { "GET",    "/health/live",                           NULL,          NULL,                   PUB,  NULL, EDGE_LOCAL_LIVE, false },
    { "GET",    "/health/ready",                          NULL,          NULL,                   PUB,  NULL, EDGE_LOCAL_READY, false },
    { "GET",    "/metrics",                               NULL,          NULL,                   PUB,  NULL, EDGE_LOCAL_METRICS, false },
    { "GET",    "/api/openapi.json",                      NULL,          NULL,                   PUB,  NULL, EDGE_LOCAL_OPENAPI, false },

    { "POST",   "/api/auth/register",                     "auth",        "register",             PUB,  NULL, 0, CREATES },
    { "POST",   "/api/auth/login",                        "auth",        "login",                PUB,  NULL, 0, false },
    { "POST",   "/api/auth/refresh",                      "auth",        "refresh",              PUB,  NULL, 0, false },
    { "POST",   "/api/auth/logout",                       "auth",        "logout",               AUTH, NULL, 0, false },
    { "GET",    "/api/auth/me",                           "users",       "me",                   AUTH, NULL, 0, false },

    { "GET",    "/api/users",                             "users",       "list",                 AUTH, NULL, 0, false },
    { "GET",    "/api/users/:id",                         "users",       "get",                  AUTH, NULL, 0, false },
    { "PATCH",  "/api/users/:id",                         "users",       "update",               AUTH, NULL, 0, false },
    { "DELETE", "/api/users/:id",                         "users",       "delete",               AUTH, NULL, 0, false },

    { "POST",   "/api/orders",                            "orders",      "create",               AUTH, NULL, 0, CREATES },
    { "GET",    "/api/orders",                            "orders",      "list",                 AUTH, NULL, 0, false },
    { "GET",    "/api/orders/:id",                        "orders",      "get",                  AUTH, NULL, 0, false },
    { "PATCH",  "/api/orders/:id",                        "orders",      "update",               AUTH, NULL, 0, false },
    { "DELETE", "/api/orders/:id",                        "orders",      "delete",               AUTH, NULL, 0, false },

    { "POST",   "/api/groups",                            "messages",    "group_create",         AUTH, NULL, 0, CREATES },
    { "GET",    "/api/groups",                            "messages",    "group_list",           AUTH, NULL, 0, false },
    { "GET",    "/api/groups/:id",                        "messages",    "group_get",            AUTH, NULL, 0, false },
    { "PATCH",  "/api/groups/:id",                        "messages",    "group_update",         AUTH, NULL, 0, false },
    { "DELETE", "/api/groups/:id",                        "messages",    "group_delete",         AUTH, NULL, 0, false },
    { "POST",   "/api/groups/:id/members",                "messages",    "member_add",           AUTH, NULL, 0, CREATES },
    { "DELETE", "/api/groups/:id/members/:user_id",       "messages",    "member_remove",        AUTH, NULL, 0, false },
    { "PATCH",  "/api/groups/:id/members/:user_id",       "messages",    "member_update",        AUTH, NULL, 0, false },

    { "POST",   "/api/messages",                          "messages",    "message_send",         AUTH, NULL, 0, CREATES },
    { "GET",    "/api/messages",                          "messages",    "message_list",         AUTH, NULL, 0, false },
    { "PATCH",  "/api/messages/:id/read",                 "messages",    "message_read",         AUTH, NULL, 0, false },
    { "DELETE", "/api/messages/:id",                      "messages",    "message_delete",       AUTH, NULL, 0, false },

    /* Notifications are rows of the messages service's database: it serves them. */
    { "GET",    "/api/notifications",                     "messages",    "notifications_list",   AUTH, NULL, 0, false },
    { "PATCH",  "/api/notifications/:id/read",            "messages",    "notification_read",    AUTH, NULL, 0, false },
    { "POST",   "/api/notifications/read-all",            "messages",    "notifications_read_all", AUTH, NULL, 0, false },

    { NULL, NULL, NULL, NULL, false, NULL, 0, false }
};

const edge_route_t *
edge_routes(void)
{
    return s_routes;
}
