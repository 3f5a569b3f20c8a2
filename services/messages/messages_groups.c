/* messages_groups.c -- groups and their members: create, list, get, rename, delete, add,
 * remove (or leave), change a member's role.
 *
 * Permissions: only members see a group (404 for everyone else, existence not leaked);
 * only group admins change it (403 for plain members). Every change runs in a transaction
 * that first locks the group row, so changes of one group's membership run one after the
 * other. Events (group_joined, group_left, group_deleted) go out after COMMIT. */
#include "messages_handlers.h"
#include "event_topic.h"
#include "messages_event.h"
#include "idempotency.h"
#include "messages_pack.h"
#include "messages_reply.h"
#include "handler.h"
#include "messages_rules.h"
#include "messages_sql.h"
#include "cursor.h"
#include "log.h"
#include <stdlib.h>
#include <string.h>

static const char *const s_skip_id[] = { "id", NULL };
static const char *const s_skip_ids[] = { "id", "user_id", NULL };
static const char *const s_skip_member_ids[] = { "member_ids", NULL };

/* Inside a transaction: locks group GID for the caller UID and checks the caller may act.
 * A caller who is not a member gets 404 (so does an unknown group); a member who is not a
 * group admin gets 403 when NEED_ADMIN. On success returns the group row (caller's
 * PQclear); else NULL with the error in REPLY. */
static PGresult *
s_lock_group(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
             const char *gid, const char *uid, bool need_admin)
{
    const char *params[] = { gid, uid };
    PGresult *res = db_exec(self->db, "group_lock", 2, params);
    if (!res) {
        handler_db_error(self->db, req, reply);
        return NULL;
    }
    if (PQntuples(res) == 0) {
        envelope_set_error(reply, ERR_NOT_FOUND, "Group not found");
        PQclear(res);
        return NULL;
    }
    if (need_admin && strcmp(PQgetvalue(res, 0, GROUP_ROLE), "admin") != 0) {
        envelope_set_error(reply, ERR_FORBIDDEN, NULL);
        PQclear(res);
        return NULL;
    }
    return res;
}

/* Packs the group GID as the caller UID sees it, members included, with STATUS. Returns
 * false (error answered) when a statement fails or the group is not visible. IN_TX: inside
 * a transaction, where a lost connection must never be retried on a fresh one. */
static bool
s_reply_group(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
              const char *gid, const char *uid, int status, bool in_tx)
{
    const char *params[] = { gid, uid };
    PGresult *group = in_tx ? db_exec(self->db, "group_get", 2, params)
                            : db_exec(self->db, "group_get", 2, params);
    PGresult *members = group ? db_exec(self->db, "group_members", 1, params) : NULL;
    bool ok = false;
    if (!group || !members)
        handler_db_error(self->db, req, reply);
    else if (PQntuples(group) == 0)
        envelope_set_error(reply, ERR_NOT_FOUND, "Group not found");
    else {
        reply->status = status;
        messages_pack_group(envelope_body_packer(reply), group, 0, members);
        ok = true;
    }
    PQclear(group);
    PQclear(members);
    return ok;
}

/* Stores the answer under REQ's Idempotency-Key when it has one (common/idempotency.h)
 * and COMMITs; on failure answers the error (dropping any body packed) and returns
 * false. */
static bool
s_commit(messages_thread_t *self, const envelope_t *req, envelope_t *reply)
{
    if (idempotency_commit(self->db, req, reply) == 0)
        return true;
    handler_db_error(self->db, req, reply);
    handler_rollback(self->db, req);
    return false;
}

void
messages_group_create(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "name", .max_bytes = MESSAGES_NAME_MAX_BYTES, .required = true,
          .check = messages_check_group_name },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    PGresult *res = NULL, *members = NULL;
    bool in_tx = false;
    int64_t ids[MESSAGES_MEMBER_IDS_MAX];
    int count = 0;
    char gid[24], uid[24], literal[MESSAGES_MEMBER_IDS_MAX * 21 + 3];
    if (!handler_form_read(&form, fields, s_skip_member_ids, req, reply))
        goto cleanup;
    const msgpack_object *list = envelope_map_get(req->body_obj, "member_ids");
    if (list && list->type != MSGPACK_OBJECT_NIL) {
        count = messages_ids_of(list, ids, MESSAGES_MEMBER_IDS_MAX);
        if (count == -1)
            form_problem(&form, "member_ids", "member_ids must be an array of valid ids");
        else if (count == -2)
            form_problem(&form, "member_ids", "member_ids must contain at most 100 ids");
    }
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    messages_ids_literal(ids, count > 0 ? count : 0, literal, sizeof literal);
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    if (!idempotency_begin(self->db, req, reply))   /* a stored answer, 409, 422, or BEGIN */
        goto cleanup;
    in_tx = true;
    const char *insert[] = { form.values[0].value, uid };
    res = db_exec(self->db, "group_insert", 2, insert);
    if (res) {
        snprintf(gid, sizeof gid, "%s", PQgetvalue(res, 0, 0));
        const char *add[] = { gid, uid, literal };
        PQclear(res);
        res = db_exec(self->db, "group_add_members", 3, add);
    }
    if (!res) {
        /* A foreign key: the creator (deleted meanwhile) or a member_ids entry is unknown.
         * Nothing stays: the group goes with the rollback. */
        if (strcmp(db_sqlstate(self->db), "23503") == 0)
            envelope_set_error(reply, ERR_NOT_FOUND, "User not found");
        else
            handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    const char *gparams[] = { gid };
    members = db_exec(self->db, "group_members", 1, gparams);
    if (!members) {
        handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    if (!s_reply_group(self, req, reply, gid, uid, 201, true))
        goto cleanup;
    in_tx = false;
    if (!s_commit(self, req, reply))
        goto cleanup;
    int64_t group_id = strtoll(gid, NULL, 10);
    for (int r = 0; r < PQntuples(members); r++)
        messages_event_membership(self->events, EVENT_GROUP_JOINED, group_id,
                                  strtoll(PQgetvalue(members, r, MEMBER_USER), NULL, 10));
cleanup:
    if (in_tx)
        handler_rollback(self->db, req);
    PQclear(res);
    PQclear(members);
    form_release(&form);
}

void
messages_group_list(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "limit", .max_bytes = 8, .integer_ok = true, .check = form_check_limit },
        { .key = "cursor", .max_bytes = 64, .check = cursor_check },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    if (!handler_form_read(&form, fields, NULL, req, reply))
        goto cleanup;
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    page_t page = page_from(form.values[0].value, form.values[1].value);
    char uid[24], after[24], limit[24];
    const char *params[] = { messages_itoa(req->caller.user_id, uid, sizeof uid),
                             messages_itoa(page.after, after, sizeof after),
                             messages_itoa(page.limit + 1, limit, sizeof limit) };
    messages_list_page(self, req, reply, "group_list", 3, params, &page, GROUP_ID,
                       messages_pack_group_summary);
cleanup:
    form_release(&form);
}

void
messages_group_get(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    int64_t id;
    char gid[24], uid[24];
    if (!handler_path_id(req, reply, "id", &id))
        return;
    s_reply_group(self, req, reply, messages_itoa(id, gid, sizeof gid),
                  messages_itoa(req->caller.user_id, uid, sizeof uid), 200, false);
}

void
messages_group_update(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "name", .max_bytes = MESSAGES_NAME_MAX_BYTES, .required = true,
          .check = messages_check_group_name },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    PGresult *res = NULL;
    bool in_tx = false;
    int64_t id;
    char gid[24], uid[24];
    if (!handler_path_id(req, reply, "id", &id))
        goto cleanup;
    if (!handler_form_read(&form, fields, s_skip_id, req, reply))
        goto cleanup;
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    messages_itoa(id, gid, sizeof gid);
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    if (!handler_begin(self->db, req, reply))
        goto cleanup;
    in_tx = true;
    if (!(res = s_lock_group(self, req, reply, gid, uid, true)))
        goto cleanup;
    PQclear(res);
    const char *params[] = { gid, form.values[0].value };
    if (!(res = db_exec(self->db, "group_rename", 2, params))) {
        handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    if (!s_reply_group(self, req, reply, gid, uid, 200, true))
        goto cleanup;
    in_tx = false;
    s_commit(self, req, reply);
cleanup:
    if (in_tx)
        handler_rollback(self->db, req);
    PQclear(res);
    form_release(&form);
}

void
messages_group_delete(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    PGresult *res = NULL;
    int64_t id;
    char gid[24], uid[24];
    if (!handler_path_id(req, reply, "id", &id))
        return;
    messages_itoa(id, gid, sizeof gid);
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    if (!handler_begin(self->db, req, reply))
        return;
    if (!(res = s_lock_group(self, req, reply, gid, uid, true)))
        goto rollback;
    PQclear(res);
    const char *params[] = { gid };
    /* Members cascade; the group's messages (and their notifications) go by trigger. */
    if (!(res = db_exec(self->db, "group_delete", 1, params))) {
        handler_db_error(self->db, req, reply);
        goto rollback;
    }
    PQclear(res);
    if (s_commit(self, req, reply))
        messages_event_group_deleted(self->events, id);
    return;
rollback:
    handler_rollback(self->db, req);
}

void
messages_member_add(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    static const form_field_t fields[] = { { .key = NULL } };
    form_t form;
    form_init(&form);
    PGresult *res = NULL;
    bool in_tx = false;
    int64_t id;
    char gid[24], uid[24], member[24];
    if (!handler_path_id(req, reply, "id", &id))
        goto cleanup;
    if (!handler_form_read(&form, fields, s_skip_ids, req, reply))
        goto cleanup;
    int64_t user_id = messages_id_of(envelope_map_get(req->body_obj, "user_id"));
    if (user_id == 0)
        form_problem(&form, "user_id", "user_id must be a valid id");
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    messages_itoa(id, gid, sizeof gid);
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    messages_itoa(user_id, member, sizeof member);
    if (!idempotency_begin(self->db, req, reply))   /* a stored answer, 409, 422, or BEGIN */
        goto cleanup;
    in_tx = true;
    if (!(res = s_lock_group(self, req, reply, gid, uid, true)))
        goto cleanup;
    PQclear(res);
    const char *params[] = { gid, member };
    if (!(res = db_exec(self->db, "member_add", 2, params))) {
        const char *state_code = db_sqlstate(self->db);
        if (strcmp(state_code, "23505") == 0)
            envelope_set_error(reply, ERR_CONFLICT, "User is already a member of the group");
        else if (strcmp(state_code, "23503") == 0)
            envelope_set_error(reply, ERR_NOT_FOUND, "User not found");
        else
            handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    if (!s_reply_group(self, req, reply, gid, uid, 201, true))
        goto cleanup;
    in_tx = false;
    if (s_commit(self, req, reply))
        messages_event_membership(self->events, EVENT_GROUP_JOINED, id, user_id);
cleanup:
    if (in_tx)
        handler_rollback(self->db, req);
    PQclear(res);
    form_release(&form);
}

/* Removing the last admin promotes the oldest member, removing the last member deletes
 * the group: the trigger group_members_keep_admin does both, whoever deletes the row
 * (this method, or the cascade of a user's deletion). */
void
messages_member_remove(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    PGresult *res = NULL;
    int64_t id, user_id;
    char gid[24], uid[24], member[24];
    if (!handler_path_id(req, reply, "id", &id)
        || !handler_path_id(req, reply, "user_id", &user_id))
        return;
    messages_itoa(id, gid, sizeof gid);
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    messages_itoa(user_id, member, sizeof member);
    bool leaving = user_id == req->caller.user_id;
    if (!handler_begin(self->db, req, reply))
        return;
    if (!(res = s_lock_group(self, req, reply, gid, uid, !leaving)))
        goto rollback;
    PQclear(res);
    const char *params[] = { gid, member };
    if (!(res = db_exec(self->db, "member_remove", 2, params))) {
        handler_db_error(self->db, req, reply);
        goto rollback;
    }
    bool removed = strcmp(PQcmdTuples(res), "0") != 0;
    PQclear(res);
    if (!removed) {
        envelope_set_error(reply, ERR_NOT_FOUND, "Member not found");
        goto rollback;
    }
    if (!(res = db_exec(self->db, "group_exists", 1, params))) {
        handler_db_error(self->db, req, reply);
        goto rollback;
    }
    bool group_gone = PQntuples(res) == 0;
    PQclear(res);
    if (!s_commit(self, req, reply))
        return;
    messages_event_membership(self->events, EVENT_GROUP_LEFT, id, user_id);
    if (group_gone) {
        log_info(req->request_id, "group_emptied", "group %s deleted: its last member left", gid);
        messages_event_group_deleted(self->events, id);
    }
    return;
rollback:
    handler_rollback(self->db, req);
}

void
messages_member_update(void *state, const envelope_t *req, envelope_t *reply)
{
    messages_thread_t *self = state;
    static const form_field_t fields[] = {
        { .key = "role", .max_bytes = 16, .required = true, .check = messages_check_role },
        { .key = NULL }
    };
    form_t form;
    form_init(&form);
    PGresult *res = NULL;
    bool in_tx = false;
    int64_t id, user_id;
    char gid[24], uid[24], member[24];
    if (!handler_path_id(req, reply, "id", &id)
        || !handler_path_id(req, reply, "user_id", &user_id))
        goto cleanup;
    if (!handler_form_read(&form, fields, s_skip_ids, req, reply))
        goto cleanup;
    if (handler_form_invalid(&form, reply))
        goto cleanup;
    const char *role = form.values[0].value;
    messages_itoa(id, gid, sizeof gid);
    messages_itoa(req->caller.user_id, uid, sizeof uid);
    messages_itoa(user_id, member, sizeof member);
    if (!idempotency_begin(self->db, req, reply))   /* a stored answer, 409, 422, or BEGIN */
        goto cleanup;
    in_tx = true;
    if (!(res = s_lock_group(self, req, reply, gid, uid, true)))
        goto cleanup;
    PQclear(res);
    const char *params[] = { gid, member, role };
    if (!(res = db_exec(self->db, "member_get", 2, params))) {
        handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    if (PQntuples(res) == 0) {
        envelope_set_error(reply, ERR_NOT_FOUND, "Member not found");
        goto cleanup;
    }
    bool demoting = strcmp(PQgetvalue(res, 0, MEMBER_ROLE), "admin") == 0
                    && strcmp(role, "member") == 0;
    PQclear(res);
    if (demoting) {
        /* A group with members always keeps an admin: the last one cannot step down (they
         * may leave; then the oldest member takes over). */
        if (!(res = db_exec(self->db, "member_admins", 1, params))) {
            handler_db_error(self->db, req, reply);
            goto cleanup;
        }
        if (strtoll(PQgetvalue(res, 0, 0), NULL, 10) <= 1) {
            envelope_set_error(reply, ERR_CONFLICT, "A group must keep at least one admin");
            goto cleanup;
        }
        PQclear(res);
    }
    if (!(res = db_exec(self->db, "member_set_role", 3, params))) {
        handler_db_error(self->db, req, reply);
        goto cleanup;
    }
    if (!s_reply_group(self, req, reply, gid, uid, 200, true))
        goto cleanup;
    in_tx = false;
    s_commit(self, req, reply);
cleanup:
    if (in_tx)
        handler_rollback(self->db, req);
    PQclear(res);
    form_release(&form);
}
