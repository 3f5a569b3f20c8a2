/* users_roles.c -- the role-to-permission table. */
#include "users_roles.h"
#include <string.h>

static const struct {
    const char *role;
    const char *json;
} s_table[] = {
    { "admin", "{\"permissions\":[\"users:read\",\"users:write\",\"users:admin\","
               "\"orders:admin\",\"messages:moderate\"]}" },
    { "moderator", "{\"permissions\":[\"users:read\",\"messages:moderate\"]}" },
    { "user", "{\"permissions\":[\"users:read\"]}" },
};

const char *
users_roles_permissions_json(const char *role)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++)
        if (role && strcmp(role, s_table[i].role) == 0)
            return s_table[i].json;
    return s_table[2].json;
}
