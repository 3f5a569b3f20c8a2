/* users_methods.c -- the method tables of the two services of the users process. */
#include "users_handlers.h"

/* Slow pool: everything that runs bcrypt on the request path (refresh and logout are
 * cheap, but belong to the same public auth surface and stay with it). */
const service_method_t users_auth_methods[] = {
    { "register", users_register },
    { "login",    users_login },
    { "refresh",  users_refresh },
    { "logout",   users_logout },
    { NULL, NULL }
};

const service_method_t users_users_methods[] = {
    { "me",             users_me },
    { "list",           users_list },
    { "get",            users_get },
    { "update",         users_update },
    { "delete",         users_delete },
    { NULL, NULL }
};
