/* users_read.c -- me, list and get: the read methods of service `users`. */
#include "users_handlers.h"
#include "users_app.h"
#include "cursor.h"
#include "page.h"
#include "form.h"
#include "handler.h"
#include "users_row.h"
#include "users_sql.h"
#include "users_validate.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Path and query values arrive as strings; internal callers may send integers. */
static const form_field_t s_id_fields[] = {
    { "id", 32, true, false, true, false, form_check_id },
    { NULL, 0, false, false, false, false, NULL }
};

static const form_field_t s_list_fields[] = {
    { "limit", 32, false, true, true, false, form_check_limit },
    { "cursor", 128, false, true, false, false, cursor_check },
    { NULL, 0, false, false, false, false, NULL }
};

/* Reads user ID and answers it in VIEW, or 404. */
static void
s_answer_user(users_thread_t *t, const envelope_t *req, envelope_t *reply, const char *id,
              users_view_t view)
{
    PGresult *res = db_exec(t->db, SQL_USER_BY_ID, 1, &id);
    users_row_t row;
    if (!res)
        handler_db_error(t->db, req, reply);
    else if (PQntuples(res) != 1)
        envelope_set_error(reply, ERR_NOT_FOUND, "User not found");
    else if (users_row_read(res, 0, &row) != 0)
        envelope_set_error(reply, ERR_INTERNAL, NULL);
    else
        users_row_pack(envelope_body_packer(reply), &row, view);
    PQclear(res);
}

/* The caller's own record, read from the database: a deleted account is 404 even while
 * its access token is still valid. */
void
users_me(void *state, const envelope_t *req, envelope_t *reply)
{
    if (!handler_require_caller(req, reply))
        return;
    if (req->body_obj && req->body_obj->type != MSGPACK_OBJECT_MAP) {
        envelope_set_error(reply, ERR_BAD_REQUEST, HANDLER_NOT_OBJECT);
        return;
    }
    char id[24];
    snprintf(id, sizeof(id), "%" PRId64, req->caller.user_id);
    s_answer_user(state, req, reply, id, USERS_VIEW_FULL);
}

void
users_get(void *state, const envelope_t *req, envelope_t *reply)
{
    form_t form;
    form_init(&form);
    if (!handler_require_caller(req, reply)
        || !handler_form_read(&form, s_id_fields, NULL, req, reply)
        || handler_form_invalid(&form, reply))
        goto cleanup;
    s_answer_user(state, req, reply, form.values[0].value, users_row_view_of(req->caller.role));
cleanup:
    form_release(&form);
}

void
users_list(void *state, const envelope_t *req, envelope_t *reply)
{
    users_thread_t *t = state;
    PGresult *res = NULL;
    form_t form;
    form_init(&form);
    if (!handler_require_caller(req, reply))
        goto cleanup;
    if (!handler_form_read(&form, s_list_fields, NULL, req, reply)
        || handler_form_invalid(&form, reply))
        goto cleanup;

    page_t page = page_from(form.values[0].value, form.values[1].value);
    char after_s[24], fetch_s[24];
    snprintf(after_s, sizeof(after_s), "%" PRId64, page.after);
    snprintf(fetch_s, sizeof(fetch_s), "%" PRId64, page.limit + 1);
    const char *params[] = { page.after < INT64_MAX ? after_s : NULL, fetch_s };
    if (!(res = db_exec(t->db, SQL_USER_LIST, 2, params))) {
        handler_db_error(t->db, req, reply);
        goto cleanup;
    }
    int fetched = PQntuples(res);
    users_view_t view = users_row_view_of(req->caller.role);
    msgpack_packer *pk = envelope_body_packer(reply);
    users_row_t row;
    int64_t last_id = 0;
    int shown = page_items(pk, fetched, &page);
    for (int i = 0; i < shown; i++) {
        if (users_row_read(res, i, &row) != 0) {
            envelope_set_error(reply, ERR_INTERNAL, NULL);   /* drops the partial body */
            goto cleanup;
        }
        users_row_pack(pk, &row, view);
        last_id = row.id;
    }
    page_finish(pk, fetched, &page, last_id);
cleanup:
    PQclear(res);
    form_release(&form);
}
