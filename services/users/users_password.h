/* users_password.h -- bcrypt ($2b$) through libxcrypt, with a per-thread struct crypt_data.
 *
 * A bcrypt hash at cost 12 takes a few hundred milliseconds of one core, which is why only
 * the `auth` pool (and password changes) call these. bcrypt reads at most 72 bytes of a
 * password; our 128-character bound lets longer ones through, and their tail is ignored. */
#ifndef USERS_PASSWORD_H
#define USERS_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>
#include <crypt.h>

#define USERS_BCRYPT_MIN_COST   10      /* never weaker than this, whatever is configured */
#define USERS_HASH_SIZE         128     /* room for any "$2b$" hash (60 characters) */

/* A new zeroed struct crypt_data on the heap (it is about 32 KiB: too big for a worker's
 * stack). Never NULL (common/mem.h). Free with free(). */
struct crypt_data *users_password_scratch_new(void);

/* Hashes PASSWORD with a fresh random salt at COST (raised to USERS_BCRYPT_MIN_COST) into
 * OUT (at least USERS_HASH_SIZE bytes). Returns 0, or -1 when libcrypt fails. */
int users_password_hash(struct crypt_data *cd, int cost, const char *password, char *out,
                        size_t size);

/* True when PASSWORD matches HASH. The comparison of the two hashes takes the same time
 * wherever they differ; a malformed HASH never matches. */
bool users_password_verify(struct crypt_data *cd, const char *password, const char *hash);

#endif
