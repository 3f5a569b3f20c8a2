/* users_db.h -- one retry for the calls where it is safe. After a database restart every
 * thread's connection is dead, and db_t notices only when it is used: without a retry the
 * first request on each thread would answer 503 although the database is back. Only
 * BEGIN and read-only statements outside a transaction are retried; a write whose
 * connection died may or may not have committed, so it is never replayed. */
#ifndef USERS_DB_H
#define USERS_DB_H
#include "db.h"

/* db_exec for a read-only statement outside a transaction, retried once when the
 * connection was found lost. Same contract as db_exec. */
PGresult *users_db_read(db_t *db, const char *name, int nparams, const char *const *params);

/* BEGIN, retried once when the connection was found lost. 0 or -1 (see db_lost). */
int users_db_begin(db_t *db);

#endif
