/* wsl_users.h -- the load client's users: ids read from a file (rows the bench script
 * inserted), access tokens minted here with the stack's JWT key instead of 5,000 logins
 * (each one a bcrypt hash on the same 2 cores as the run). */
#ifndef BENCH_WSL_USERS_H
#define BENCH_WSL_USERS_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    int64_t id;
    char *token;             /* access token, owned */
} wsl_user_t;

/* Reads one decimal id per line from PATH. Returns a new array (caller frees with
 * wsl_users_destroy) with *N set, or NULL with a reason in ERR. */
wsl_user_t *wsl_users_load(const char *path, size_t *n, char *err, size_t err_size);

/* Mints an access token for each user with the key of the environment (JWT_ALG,
 * JWT_SECRET, as the users service does). Returns 0, or -1 with a reason in ERR. */
int wsl_users_mint(wsl_user_t *users, size_t n, char *err, size_t err_size);

void wsl_users_destroy(wsl_user_t **users_p, size_t n);

#endif
