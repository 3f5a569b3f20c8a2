/* wsl_users.c -- user ids from a file, tokens minted by the users service's signer. */
#include "wsl_users.h"
#include "users_jwt.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

wsl_user_t *
wsl_users_load(const char *path, size_t *n, char *err, size_t err_size)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, err_size, "cannot open %s", path);
        return NULL;
    }
    wsl_user_t *users = NULL;
    size_t count = 0, cap = 0;
    char line[64];
    while (fgets(line, sizeof line, f)) {
        char *end;
        long long id = strtoll(line, &end, 10);
        if (end == line)
            continue;                    /* blank line or psql's trailer */
        if (id <= 0) {
            snprintf(err, err_size, "%s: bad id '%s'", path, line);
            goto fail;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 1024;
            wsl_user_t *grown = realloc(users, cap * sizeof *grown);
            if (!grown) {
                snprintf(err, err_size, "out of memory");
                goto fail;
            }
            users = grown;
        }
        users[count++] = (wsl_user_t) { .id = id, .token = NULL };
    }
    fclose(f);
    if (count == 0) {
        snprintf(err, err_size, "%s holds no user id", path);
        free(users);
        return NULL;
    }
    *n = count;
    return users;
fail:
    fclose(f);
    free(users);
    return NULL;
}

int
wsl_users_mint(wsl_user_t *users, size_t n, char *err, size_t err_size)
{
    const char *why = NULL;
    token_keys_t *keys = token_keys_from_env(true, &why);
    if (!keys) {
        snprintf(err, err_size, "JWT keys: %s", why ? why : "unknown");
        return -1;
    }
    int rc = -1;
    int64_t now = (int64_t) time(NULL);
    for (size_t i = 0; i < n; i++) {
        /* The claims of a users-service access token; the family is random and so never
         * revoked, which is all the edge's and notify's Redis checks look at. */
        token_claims_t c;
        memset(&c, 0, sizeof c);
        c.sub = users[i].id;
        snprintf(c.typ, sizeof c.typ, "access");
        snprintf(c.role, sizeof c.role, "user");
        token_random_id(c.jti);
        token_random_id(c.fam);
        snprintf(c.name, sizeof c.name, "WS %" PRId64, users[i].id);
        c.iat = now;
        c.exp = now + 86400;
        users[i].token = users_jwt_sign(keys, &c);
        if (!users[i].token) {
            snprintf(err, err_size, "cannot sign a token for user %" PRId64, users[i].id);
            goto cleanup;
        }
    }
    rc = 0;
cleanup:
    token_keys_destroy(&keys);
    return rc;
}

void
wsl_users_destroy(wsl_user_t **users_p, size_t n)
{
    if (!users_p || !*users_p)
        return;
    for (size_t i = 0; i < n; i++)
        free((*users_p)[i].token);
    free(*users_p);
    *users_p = NULL;
}
