/* idempotency.c -- begin / replay-or-proceed / store-and-commit for Idempotency-Key
 * (idempotency.h). */
#include "idempotency.h"
#include "handler.h"
#include "mem.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
idempotency_key_valid(const char *s, size_t len)
{
    if (!s || len < 1 || len > IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) s[i] < 0x21 || (unsigned char) s[i] > 0x7e)
            return false;
    return true;
}

bool
idempotency_requested(const envelope_t *req)
{
    return req->idem.key[0] != '\0';
}

/* The block as the edge must have sent it: a valid key, a scope, a 64-hex fingerprint. */
static bool
s_block_valid(const envelope_idem_t *idem)
{
    if (!idempotency_key_valid(idem->key, strlen(idem->key)) || !idem->scope[0]
        || strlen(idem->fingerprint) != 64)
        return false;
    return strspn(idem->fingerprint, "0123456789abcdef") == 64;
}

static int
s_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Puts the stored status and body (HEX, PostgreSQL's encode(reply, 'hex')) into REPLY.
 * -1 when the row does not hold a well-formed answer. */
static int
s_replay(envelope_t *reply, const char *status_text, const char *hex)
{
    size_t hex_len = strlen(hex);
    long status = strtol(status_text, NULL, 10);
    if (hex_len == 0 || hex_len % 2 || status < 200 || status > 299)
        return -1;
    size_t size = hex_len / 2;
    unsigned char *bytes = mem_malloc(size);
    for (size_t i = 0; i < size; i++) {
        int hi = s_hex_value(hex[2 * i]), lo = s_hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(bytes);
            return -1;
        }
        bytes[i] = (unsigned char) (hi << 4 | lo);
    }
    int rc = envelope_body_raw(reply, bytes, size);
    free(bytes);
    if (rc == 0)
        reply->status = (int) status;
    return rc;
}

typedef enum { S_PROCEED, S_ANSWERED, S_FAILED } s_verdict_t;

/* Inside the open transaction: the lock, then the stored row. */
static s_verdict_t
s_check(db_t *db, const envelope_t *req, envelope_t *reply)
{
    const char *params[] = { req->idem.scope, req->idem.key };
    PGresult *res = db_exec(db, "idem_lock", 2, params);
    if (!res)
        return S_FAILED;
    bool locked = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!locked) {
        envelope_set_error(reply, ERR_IDEMPOTENCY_KEY_IN_USE, NULL);
        return S_ANSWERED;
    }
    if (!(res = db_exec(db, "idem_find", 2, params)))
        return S_FAILED;
    s_verdict_t verdict = S_PROCEED;
    if (PQntuples(res) == 1) {
        verdict = S_ANSWERED;
        if (strcmp(PQgetvalue(res, 0, 0), req->idem.fingerprint) != 0)
            envelope_set_error(reply, ERR_IDEMPOTENCY_KEY_REUSED, NULL);
        else if (s_replay(reply, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2)) == 0)
            log_info(req->request_id, "idempotent_replay", "%s.%s answered from key of %s",
                     req->service, req->method, req->idem.scope);
        else {
            log_error(req->request_id, "idempotent_replay", "stored answer unreadable");
            envelope_set_error(reply, ERR_INTERNAL, NULL);
        }
    }
    PQclear(res);
    return verdict;
}

bool
idempotency_begin(db_t *db, const envelope_t *req, envelope_t *reply)
{
    if (idempotency_requested(req) && !s_block_valid(&req->idem)) {
        envelope_set_error(reply, ERR_BAD_REQUEST, "Invalid Idempotency-Key");
        return false;
    }
    if (db_begin(db) != 0) {
        handler_db_error(db, req, reply);
        return false;
    }
    if (!idempotency_requested(req))
        return true;
    s_verdict_t verdict = s_check(db, req, reply);
    if (verdict == S_PROCEED)
        return true;
    if (verdict == S_FAILED)
        handler_db_error(db, req, reply);
    /* A replay or a refusal wrote nothing: ROLLBACK ends the transaction and the lock. */
    db_rollback(db);
    return false;
}

bool
idempotency_begin_single(db_t *db, const envelope_t *req, envelope_t *reply)
{
    if (!idempotency_requested(req))
        return true;
    return idempotency_begin(db, req, reply);
}

int
idempotency_commit(db_t *db, const envelope_t *req, const envelope_t *reply)
{
    if (idempotency_requested(req) && reply->status >= 200 && reply->status <= 299) {
        size_t size = 0;
        const char *body = envelope_body_bytes(reply, &size);
        static const char nil[] = "\xc0";          /* an answer without a body is nil */
        if (size == 0) {
            body = nil;
            size = 1;
        }
        char *hex = mem_malloc(2 * size + 1);
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < size; i++) {
            hex[2 * i] = digits[(unsigned char) body[i] >> 4];
            hex[2 * i + 1] = digits[(unsigned char) body[i] & 0x0f];
        }
        hex[2 * size] = '\0';
        char status[8];
        snprintf(status, sizeof status, "%d", reply->status);
        const char *params[] = { req->idem.scope, req->idem.key, req->idem.fingerprint, status,
                                 hex };
        PGresult *res = db_exec(db, "idem_store", 5, params);
        free(hex);
        if (!res)
            return -1;
        PQclear(res);
    }
    if (!db_in_transaction(db))              /* idempotency_begin_single, no key */
        return 0;
    return db_commit(db) == 0 ? 0 : -1;
}
