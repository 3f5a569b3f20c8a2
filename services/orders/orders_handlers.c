/* orders_handlers.c -- the orders methods: create (one INSERT, or a share of a batch's;
 * the caller's existence is the foreign key's to check), list, get, update (life cycle
 * under a row lock), delete. */
#include "orders_app.h"
#include "orders_amount.h"
#include "orders_create_batch.h"
#include "orders_pack.h"
#include "orders_sql.h"
#include "orders_status.h"
#include "cursor.h"
#include "form.h"
#include "handler.h"
#include "idempotency.h"
#include "page.h"
#include "log.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORDERS_PRODUCT_MAX_BYTES 800   /* 200 characters of up to 4 bytes */

/* --- replies ------------------------------------------------------------------------ */

static const char *
s_check_product(const char *s)
{
    long n = form_utf8_count(s, strlen(s));
    if (n < 1)
        return "product should not be empty";
    if (n > 200)
        return "product must be at most 200 characters";
    return NULL;
}

static const char *
s_check_status(const char *s)
{
    return orders_status_valid(s) ? NULL
           : "status must be one of: pending, paid, shipped, cancelled";
}

/* Amount text (from the form's number field) to "N.DD", or a detail on FORM. */
static bool
s_amount(form_t *form, const char *text, char *out, size_t size)
{
    orders_amount_status_t st = orders_amount_parse(text, out, size);
    if (st != AMOUNT_OK)
        form_problem(form, "amount", orders_amount_message(st));
    return st == AMOUNT_OK;
}

/* The statements' "is the caller an admin" parameter. */
static const char *
s_is_admin(const envelope_t *req)
{
    return handler_caller_is_admin(req) ? "true" : "false";
}

/* --- methods ------------------------------------------------------------------------ */

static void
s_create(void *state, const envelope_t *req, envelope_t *reply)
{
    orders_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "product", .max_bytes = ORDERS_PRODUCT_MAX_BYTES, .required = true,
          .check = s_check_product },
        { .key = "amount", .required = true, .number = true },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    char amount[32];
    if (!handler_form_read(&form, fields, NULL, req, reply))
        goto cleanup;
    if (form.values[1].value)
        s_amount(&form, form.values[1].value, amount, sizeof amount);
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    char uid[24];
    snprintf(uid, sizeof uid, "%" PRId64, req->caller.user_id);
    const char *params[CREATE_NPARAMS] = { uid, form.values[0].value, amount };
    /* Without an Idempotency-Key an order may share its transaction with others, of any
     * user (orders_create_batch.c); a keyed request keeps one of its own, where its stored
     * answer commits with its row. */
    if (!idempotency_requested(req) && self->app->combine)
        orders_create_batch(self, req, reply, params);
    else
        orders_create_single(self, req, reply, params);
cleanup:
    form_release(&form);
}

void
orders_create_single(orders_thread_t *self, const envelope_t *req, envelope_t *reply,
                     const char *const params[CREATE_NPARAMS])
{
    /* Without an Idempotency-Key the INSERT is the whole transaction: one round trip. With
     * one, the stored answer is looked up first and the new one stored in the INSERT's
     * transaction (common/idempotency.h). */
    if (!idempotency_begin_single(self->db, req, reply))
        return;
    PGresult *res = db_exec(self->db, "order_insert", 3, params);
    if (!res) {
        /* Whether the caller exists is the foreign key's answer, checked inside this
         * INSERT's transaction: a user deleted before it (or while a keyed transaction is
         * open) fails it with 23503, and nothing is written. No question to the users
         * service: no bus round trip, and no window between a check and the write. */
        if (strcmp(db_sqlstate(self->db), "23503") == 0)
            envelope_set_error(reply, ERR_NOT_FOUND, "User not found");
        else
            handler_db_error(self->db, req, reply);
        handler_rollback(self->db, req);
        return;
    }
    reply->status = 201;
    orders_pack_order(envelope_body_packer(reply), res, 0);
    PQclear(res);
    if (idempotency_commit(self->db, req, reply) != 0) {
        handler_db_error(self->db, req, reply);      /* drops the packed body */
        handler_rollback(self->db, req);
    }
}

/* Reads the :id path parameter into ID (text, for the statements); answers the error
 * itself when it is bad. */
static bool
s_order_id(const envelope_t *req, envelope_t *reply, char *id, size_t size)
{
    int64_t v;
    if (!handler_path_id(req, reply, "id", &v))
        return false;
    snprintf(id, size, "%" PRId64, v);
    return true;
}

static void
s_get(void *state, const envelope_t *req, envelope_t *reply)
{
    orders_thread_t *self = state;
    char id[24], uid[24];
    if (!s_order_id(req, reply, id, sizeof id))
        return;
    snprintf(uid, sizeof uid, "%" PRId64, req->caller.user_id);
    const char *params[] = { id, uid, s_is_admin(req) };
    PGresult *res = db_exec(self->db, "order_get", 3, params);
    if (!res)
        handler_db_error(self->db, req, reply);
    else if (PQntuples(res) == 0)
        envelope_set_error(reply, ERR_NOT_FOUND, "Order not found");
    else
        orders_pack_order(envelope_body_packer(reply), res, 0);
    PQclear(res);
}

static void
s_list(void *state, const envelope_t *req, envelope_t *reply)
{
    orders_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "limit", .max_bytes = 8, .integer_ok = true, .check = form_check_limit },
        { .key = "cursor", .max_bytes = 64, .check = cursor_check },
        { .key = "user_id", .max_bytes = 20, .integer_ok = true, .check = form_check_id },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    if (!handler_form_read(&form, fields, NULL, req, reply))
        goto cleanup;
    bool admin = handler_caller_is_admin(req);
    if (form.values[2].value && !admin)
        form_problem(&form, "user_id", "user_id filter is for admins only");
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    page_t page = page_from(form.values[0].value, form.values[1].value);
    char after_s[24], fetch_s[24], uid[24];
    snprintf(after_s, sizeof after_s, "%" PRId64, page.after);
    snprintf(fetch_s, sizeof fetch_s, "%" PRId64, page.limit + 1);
    snprintf(uid, sizeof uid, "%" PRId64, req->caller.user_id);
    PGresult *res;
    if (admin) {
        const char *params[] = { form.values[2].value, after_s, fetch_s };
        res = db_exec(self->db, "order_list_all", 3, params);
    }
    else {
        const char *params[] = { uid, after_s, fetch_s };
        res = db_exec(self->db, "order_list_own", 3, params);
    }
    if (!res) {
        handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    int fetched = PQntuples(res);
    msgpack_packer *pk = envelope_body_packer(reply);
    int rows = page_items(pk, fetched, &page);
    for (int r = 0; r < rows; r++)
        orders_pack_order(pk, res, r);
    page_finish(pk, fetched, &page,
                rows > 0 ? strtoll(PQgetvalue(res, rows - 1, ORDER_ID), NULL, 10) : 0);
    PQclear(res);
cleanup:
    form_release(&form);
}

/* Update inside a transaction, the row locked first: concurrent updates of one order run
 * one after the other, each sees the status the previous one left, so a transition is
 * never lost and never applied from a stale status. */
static void
s_update(void *state, const envelope_t *req, envelope_t *reply)
{
    orders_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "id", .max_bytes = 20, .integer_ok = true, .check = form_check_id },
        { .key = "product", .max_bytes = ORDERS_PRODUCT_MAX_BYTES, .check = s_check_product },
        { .key = "amount", .number = true },
        { .key = "status", .max_bytes = 16, .check = s_check_status },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    PGresult *res = NULL;
    bool in_tx = false;
    char amount[32], uid[24], id[24];
    if (!s_order_id(req, reply, id, sizeof id))
        goto cleanup;
    if (!handler_form_read(&form, fields, NULL, req, reply))
        goto cleanup;
    if (form.values[2].value)
        s_amount(&form, form.values[2].value, amount, sizeof amount);
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    snprintf(uid, sizeof uid, "%" PRId64, req->caller.user_id);
    if (!handler_begin(self->db, req, reply))
        goto cleanup;
    in_tx = true;
    const char *lock_params[] = { id, uid, s_is_admin(req) };
    res = db_exec(self->db, "order_lock", 3, lock_params);
    if (!res) {
        handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    if (PQntuples(res) == 0) {
        envelope_set_error(reply, ERR_NOT_FOUND, "Order not found");
        goto cleanup;
    }
    const char *to = form.values[3].value;
    const char *from = PQgetvalue(res, 0, ORDER_STATUS);
    if (to && !orders_status_can_move(from, to)) {
        char msg[128];
        snprintf(msg, sizeof msg, "Cannot change status from %s to %s", from, to);
        envelope_set_error(reply, ERR_CONFLICT, msg);
        goto cleanup;
    }
    PQclear(res);
    const char *params[] = { id, form.values[1].value, form.values[2].value ? amount : NULL, to };
    res = db_exec(self->db, "order_update", 4, params);
    if (!res) {
        handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    in_tx = false;                                   /* a failed COMMIT ends it too */
    if (!handler_commit(self->db, req, reply))
        goto cleanup;
    orders_pack_order(envelope_body_packer(reply), res, 0);
cleanup:
    if (in_tx)
        handler_rollback(self->db, req);
    PQclear(res);
    form_release(&form);
}

static void
s_delete(void *state, const envelope_t *req, envelope_t *reply)
{
    orders_thread_t *self = state;
    char id[24], uid[24];
    if (!s_order_id(req, reply, id, sizeof id))
        return;
    snprintf(uid, sizeof uid, "%" PRId64, req->caller.user_id);
    const char *params[] = { id, uid, s_is_admin(req) };
    PGresult *res = db_exec(self->db, "order_delete", 3, params);
    if (!res)
        handler_db_error(self->db, req, reply);
    else if (strcmp(PQcmdTuples(res), "0") == 0)
        envelope_set_error(reply, ERR_NOT_FOUND, "Order not found");
    PQclear(res);
}

const service_method_t orders_methods[] = {
    { "create", s_create },
    { "list", s_list },
    { "get", s_get },
    { "update", s_update },
    { "delete", s_delete },
    { NULL, NULL }
};
