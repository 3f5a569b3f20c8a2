/* it_db.h -- PostgreSQL queries for asserting database state, and locks held on purpose.
 *
 * Named it_db (not db) so it never shadows common/db.h on the include path. Each call
 * opens its own connection to TEST_DATABASE_URL and closes it: a few milliseconds, no
 * state shared between tests or across Check's forks. */
#ifndef IT_DB_H
#define IT_DB_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Runs SQL with NPARAMS text parameters (const char *, NULL for SQL NULL) and returns
 * the first column of the first row as a new string (caller frees), or NULL when there
 * is no row or the value is NULL. A connection or query error fails the current test. */
char *it_db_text(const char *sql, int nparams, ...);

/* The same, read as an integer (count(*), ids). DEF when there is no row or NULL. */
int64_t it_db_int(const char *sql, int64_t def, int nparams, ...);

/* The whole row of the users table for USER_ID as JSON text (row_to_json), or NULL when
 * no such row: lets tests find a column (the password hash, say) without guessing its
 * name. Caller frees. */
char *it_db_user_row(int64_t user_id);

/* Number of users rows with this email (case-insensitive). */
int64_t it_db_count_users_by_email(const char *email);

/* A connection of the test's own that ran BEGIN, then SQL (NPARAMS text parameters), and
 * keeps its transaction open: whatever SQL locked stays locked until it_db_release, so
 * a test can make the system wait at a known point. An error fails the current test (the
 * locks go with the test's process). */
PGconn *it_db_hold(const char *sql, int nparams, ...);

/* Commits HOLD's transaction (the locks go) and closes it; *HOLD_P becomes NULL. */
void it_db_release(PGconn **hold_p);

/* Returns once some backend waits for a lock HOLD holds; fails the current test after
 * TIMEOUT_MS. */
void it_db_wait_blocked(PGconn *hold, int timeout_ms);

#endif
