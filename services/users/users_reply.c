/* users_reply.c -- the error answers every handler of the users service shares. */
#include "users_reply.h"
#include "log.h"
#include <string.h>

void
users_reply_db_error(users_thread_t *t, const envelope_t *req, envelope_t *reply)
{
    if (db_lost(t->db))
        envelope_set_error(reply, ERR_SERVICE_UNAVAILABLE, "Database unavailable");
    else if (strcmp(db_sqlstate(t->db), "23505") == 0)
        envelope_set_error(reply, ERR_DUPLICATE_ENTRY, NULL);
    else {
        log_error(req->request_id, "db_failed", "%s.%s failed with sqlstate %s", req->service,
                  req->method, db_sqlstate(t->db));
        envelope_set_error(reply, ERR_INTERNAL, NULL);
    }
}

bool
users_reply_form(int rc, const form_t *form, envelope_t *reply)
{
    if (rc < 0) {
        envelope_set_error(reply, ERR_BAD_REQUEST, "Request body must be a JSON object");
        return true;
    }
    if (rc > 0) {
        form_reply(form, reply);
        return true;
    }
    return false;
}

void
users_rollback(users_thread_t *t, const envelope_t *req)
{
    if (db_rollback(t->db) != 0 && !db_lost(t->db))
        log_warn(req->request_id, "db_rollback", "rollback failed, sqlstate %s",
                 db_sqlstate(t->db));
}

bool
users_require_caller(const envelope_t *req, envelope_t *reply)
{
    if (req->caller.user_id > 0)
        return true;
    envelope_set_error(reply, ERR_UNAUTHORIZED, "Missing token");
    return false;
}

bool
users_caller_is_admin(const envelope_t *req)
{
    return strcmp(req->caller.role, "admin") == 0;
}
