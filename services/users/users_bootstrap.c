/* users_bootstrap.c -- the first admin from configuration, created once at start. */
#include "users_bootstrap.h"
#include "users_password.h"
#include "users_sql.h"
#include "users_validate.h"
#include "mem.h"
#include "log.h"
#include "service.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RETRY_S 2

struct users_bootstrap_t {
    users_app_t *app;
    pthread_t thread;
    bool running;
};

int
users_bootstrap_once(db_t *db, struct crypt_data *cd, int cost, const char *name,
                     const char *email, const char *password)
{
    const char *why = users_check_email(email);
    if (!why) why = users_check_password(password);
    if (!why) why = users_check_name(name);
    if (why) {
        /* The rule that failed, never the value: it may be the password. */
        log_error(NULL, "admin_bootstrap", "admin not created: %s", why);
        return -2;
    }
    char lower[USERS_EMAIL_MAX + 1];
    snprintf(lower, sizeof(lower), "%s", email);
    users_lowercase(lower);
    char hash[USERS_HASH_SIZE];
    if (users_password_hash(cd, cost, password, hash, sizeof(hash)) != 0) {
        log_error(NULL, "admin_bootstrap", "admin not created: bcrypt failed");
        return -2;
    }
    const char *params[] = { name, lower, hash };
    PGresult *res = db_exec(db, SQL_ADMIN_BOOTSTRAP, 3, params);
    if (!res) {
        if (db_lost(db))
            return -1;
        /* 23505 here is the phone or username index, impossible for this insert; any other
         * error will not heal by retrying either. */
        log_error(NULL, "admin_bootstrap", "admin not created: sqlstate %s", db_sqlstate(db));
        return -2;
    }
    if (PQntuples(res) == 1)
        log_info(NULL, "admin_bootstrap", "admin account ensured for the configured email");
    else
        log_info(NULL, "admin_bootstrap", "admin account already present");
    PQclear(res);
    return 0;
}

static void *
s_run(void *arg)
{
    users_bootstrap_t *self = arg;
    users_app_t *app = self->app;
    struct crypt_data *cd = users_password_scratch_new();
    db_t *db = db_new(app->cfg.service.database_url, users_statements);
    const char *name = app->cfg.admin_name;
    const char *email = app->cfg.admin_email;
    const char *password = app->cfg.admin_password;
    bool warned = false;
    while (!service_stop) {
        int rc = users_bootstrap_once(db, cd, app->cfg.bcrypt_cost, name, email, password);
        if (rc != -1)
            break;
        if (!warned)
            log_warn(NULL, "admin_bootstrap", "database unavailable; retrying every %d s",
                     RETRY_S);
        warned = true;
        for (int i = 0; i < RETRY_S * 10 && !service_stop; i++)
            usleep(100 * 1000);
    }
    db_destroy(&db);
    free(cd);
    return NULL;
}

users_bootstrap_t *
users_bootstrap_start(users_app_t *app)
{
    users_bootstrap_t *self = mem_calloc(1, sizeof(*self));
    self->app = app;
    if (!app->cfg.admin_email || !app->cfg.admin_password) {
        log_info(NULL, "admin_bootstrap", "ADMIN_EMAIL or ADMIN_PASSWORD unset: skipped");
        return self;
    }
    self->running = pthread_create(&self->thread, NULL, s_run, self) == 0;
    if (!self->running)
        log_error(NULL, "admin_bootstrap", "cannot start the bootstrap thread");
    return self;
}

void
users_bootstrap_destroy(users_bootstrap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    users_bootstrap_t *self = *self_p;
    if (self->running)
        pthread_join(self->thread, NULL);
    free(self);
    *self_p = NULL;
}
