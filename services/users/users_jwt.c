/* users_jwt.c -- signing access and refresh tokens (the system's only signer). */
#include "users_jwt.h"
#include "users_roles.h"
#include <jwt.h>
#include <string.h>

static void
s_add_str(jwt_t *jwt, const char *name, const char *value)
{
    if (value && *value)
        jwt_add_grant(jwt, name, value);
}

char *
users_jwt_sign(const token_keys_t *keys, const token_claims_t *c)
{
    const char *alg;
    const unsigned char *key;
    int key_len;
    if (!token_keys_signer(keys, &alg, &key, &key_len))
        return NULL;
    jwt_t *jwt = NULL;
    char *out = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    jwt_add_grant_int(jwt, "sub", (long) c->sub);
    s_add_str(jwt, "typ", c->typ);
    s_add_str(jwt, "jti", c->jti);
    s_add_str(jwt, "fam", c->fam);
    s_add_str(jwt, "role", c->role);
    if (strcmp(c->typ, "access") == 0) {
        s_add_str(jwt, "name", c->name);
        s_add_str(jwt, "email", c->email);
        s_add_str(jwt, "phone", c->phone);
        s_add_str(jwt, "username", c->username);
        jwt_add_grants_json(jwt, users_roles_permissions_json(c->role));
    }
    jwt_add_grant_int(jwt, "iat", (long) c->iat);
    if (c->iat_ms > 0)
        jwt_add_grant_int(jwt, "iat_ms", (long) c->iat_ms);
    jwt_add_grant_int(jwt, "exp", (long) c->exp);
    if (jwt_set_alg(jwt, jwt_str_alg(alg), key, key_len) == 0)
        out = jwt_encode_str(jwt);   /* malloc'ed by libjwt 1.10: the caller frees */
    jwt_free(jwt);
    return out;
}
