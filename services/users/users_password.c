/* users_password.c -- bcrypt ($2b$) through libxcrypt. */
#include "users_password.h"
#include "mem.h"
#include <stdlib.h>
#include <string.h>

struct crypt_data *
users_password_scratch_new(void)
{
    return mem_calloc(1, sizeof(struct crypt_data));
}

int
users_password_hash(struct crypt_data *cd, int cost, const char *password, char *out,
                    size_t size)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (cost < USERS_BCRYPT_MIN_COST)
        cost = USERS_BCRYPT_MIN_COST;
    if (cost > 31)
        cost = 31;
    /* NULL random bytes: libxcrypt draws the salt from the kernel's generator. */
    if (!crypt_gensalt_rn("$2b$", (unsigned long) cost, NULL, 0, salt, (int) sizeof(salt)))
        return -1;
    const char *hash = crypt_r(password, salt, cd);
    /* Failure is NULL or a string starting with '*', never a valid hash. */
    if (!hash || hash[0] != '$' || strlen(hash) >= size)
        return -1;
    memcpy(out, hash, strlen(hash) + 1);
    explicit_bzero(cd, sizeof(*cd));   /* the scratch held the password's key schedule */
    return 0;
}

/* Equal strings of equal length, in time that depends on the length only. */
static bool
s_equal_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char) (a[i] ^ b[i]);
    return diff == 0;
}

bool
users_password_verify(struct crypt_data *cd, const char *password, const char *hash)
{
    if (!password || !hash || strncmp(hash, "$2", 2) != 0)
        return false;
    const char *computed = crypt_r(password, hash, cd);
    bool ok = computed && computed[0] == '$' && s_equal_ct(computed, hash);
    explicit_bzero(cd, sizeof(*cd));
    return ok;
}
