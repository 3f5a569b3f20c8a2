/* handler.c -- the handler kit: forms, database errors, transactions, the caller. */
#include "handler.h"
#include "log.h"
#include "mem.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
s_skipped(const msgpack_object *key, const char *const *skip)
{
    for (; skip && *skip; skip++)
        if (envelope_str_eq(key, *skip))
            return true;
    return false;
}

bool
handler_form_read(form_t *form, const form_field_t *fields, const char *const *skip,
                  const envelope_t *req, envelope_t *reply)
{
    const msgpack_object *body = req->body_obj;
    int rc;
    if (!skip || !body || body->type != MSGPACK_OBJECT_MAP || body->via.map.size == 0)
        rc = form_read(form, fields, body);
    else {
        /* A view of the map without the skipped pairs: the pairs stay in the request's
         * zone, only the array of pointers is new. */
        msgpack_object_kv *kv = mem_calloc(body->via.map.size, sizeof *kv);
        uint32_t n = 0;
        for (uint32_t i = 0; i < body->via.map.size; i++)
            if (!s_skipped(&body->via.map.ptr[i].key, skip))
                kv[n++] = body->via.map.ptr[i];
        msgpack_object view = *body;
        view.via.map.ptr = kv;
        view.via.map.size = n;
        rc = form_read(form, fields, &view);
        free(kv);
    }
    if (rc < 0) {
        envelope_set_error(reply, ERR_BAD_REQUEST, HANDLER_NOT_OBJECT);
        return false;
    }
    return true;
}

bool
handler_form_invalid(const form_t *form, envelope_t *reply)
{
    if (form->problem_count == 0)
        return false;
    form_reply(form, reply);
    return true;
}

bool
handler_path_id(const envelope_t *req, envelope_t *reply, const char *key, int64_t *id)
{
    const msgpack_object *v = envelope_map_get(req->body_obj, key);
    if (v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 > 0
        && v->via.u64 <= INT64_MAX) {
        *id = (int64_t) v->via.u64;
        return true;
    }
    *id = 0;
    char msg[64];
    snprintf(msg, sizeof msg, "%.40s must be a valid id", key);
    envelope_set_error(reply, ERR_BAD_REQUEST, msg);
    return false;
}

err_code_t
handler_db_code(const char *sqlstate, bool lost)
{
    if (lost || !sqlstate || strlen(sqlstate) != 5)
        return lost ? ERR_SERVICE_UNAVAILABLE : ERR_INTERNAL;
    if (strcmp(sqlstate, "23505") == 0)
        return ERR_DUPLICATE_ENTRY;
    if (strcmp(sqlstate, "23P01") == 0 || strcmp(sqlstate, "40001") == 0
        || strcmp(sqlstate, "40P01") == 0)
        return ERR_CONFLICT;
    if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "53", 2) == 0
        || strncmp(sqlstate, "57", 2) == 0)
        return ERR_SERVICE_UNAVAILABLE;
    return ERR_INTERNAL;
}

void
handler_db_error(const db_t *db, const envelope_t *req, envelope_t *reply)
{
    const char *state = db_sqlstate(db);
    err_code_t code = handler_db_code(state, db_lost(db));
    switch (code) {
    case ERR_SERVICE_UNAVAILABLE:
        envelope_set_error(reply, code, "Database unavailable");
        break;
    case ERR_CONFLICT:
        envelope_set_error(reply, code, "The request conflicts with a concurrent one; retry");
        break;
    case ERR_DUPLICATE_ENTRY:
        envelope_set_error(reply, code, NULL);
        break;
    default:
        log_error(req->request_id, "db_failed", "%s.%s failed with sqlstate %s", req->service,
                  req->method, *state ? state : "(none)");
        envelope_set_error(reply, ERR_INTERNAL, NULL);
    }
}

bool
handler_begin(db_t *db, const envelope_t *req, envelope_t *reply)
{
    if (db_begin(db) == 0)
        return true;
    handler_db_error(db, req, reply);
    return false;
}

bool
handler_commit(db_t *db, const envelope_t *req, envelope_t *reply)
{
    if (db_commit(db) == 0)
        return true;
    handler_db_error(db, req, reply);
    return false;
}

void
handler_rollback(db_t *db, const envelope_t *req)
{
    /* A lone statement outside a transaction (idempotency_begin_single without a key)
     * has nothing to end. */
    if (!db_in_transaction(db))
        return;
    if (db_rollback(db) != 0 && !db_lost(db))
        log_warn(req->request_id, "db_rollback", "rollback failed, sqlstate %s",
                 db_sqlstate(db));
}

bool
handler_require_caller(const envelope_t *req, envelope_t *reply)
{
    if (req->caller.user_id > 0)
        return true;
    envelope_set_error(reply, ERR_UNAUTHORIZED, "Missing token");
    return false;
}

bool
handler_caller_is(const envelope_t *req, const char *role)
{
    return req->caller.user_id > 0 && strcmp(req->caller.role, role) == 0;
}

bool
handler_caller_is_admin(const envelope_t *req)
{
    return handler_caller_is(req, "admin");
}
