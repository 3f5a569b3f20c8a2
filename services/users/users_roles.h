/* users_roles.h -- what each role may do: the permissions an access token carries
 * (API.md, the token payload). The users service's table: the edge checks a route's
 * roles (edge_route.h), never this table, and services decide by the caller's role. */
#ifndef USERS_ROLES_H
#define USERS_ROLES_H

/* {"permissions":[...]} for ROLE as JSON text; an unknown role gets a user's. */
const char *users_roles_permissions_json(const char *role);

#endif
