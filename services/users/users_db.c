/* users_db.c -- one retry for the calls where it is safe. */
#include "users_db.h"

PGresult *
users_db_read(db_t *db, const char *name, int nparams, const char *const *params)
{
    PGresult *res = db_exec(db, name, nparams, params);
    if (!res && db_lost(db))
        res = db_exec(db, name, nparams, params);
    return res;
}

int
users_db_begin(db_t *db)
{
    if (db_command(db, "BEGIN") == 0)
        return 0;
    return db_lost(db) ? db_command(db, "BEGIN") : -1;
}
