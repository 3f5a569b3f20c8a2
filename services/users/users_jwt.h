/* users_jwt.h -- minting the system's JWTs: only the users service signs (the edge and
 * notify verify with common/token.h), and the permissions a token carries follow from
 * its role by users' table (users_roles.h). The bench's ws_load links this module
 * (users_token) to mint tokens for its sockets the way users does. */
#ifndef USERS_JWT_H
#define USERS_JWT_H
#include "token.h"

/* Signs CLAIMS with KEYS' signing key into a new string (the caller frees it), or NULL
 * when KEYS verify only or libjwt failed. Access tokens carry the profile claims and
 * "permissions" of CLAIMS->role. */
char *users_jwt_sign(const token_keys_t *keys, const token_claims_t *claims);

#endif
