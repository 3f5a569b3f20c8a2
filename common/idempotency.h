/* idempotency.h -- Idempotency-Key on the creating methods (API.md "Idempotency-Key"),
 * one implementation for every service.
 *
 * The answer is stored in PostgreSQL, table idempotency_keys (schemas/migrations/
 * 030_idempotency.sql), in the SAME transaction as the write it answers: both commit or
 * neither does, so no crash can leave a write without its stored answer (a retry would
 * write twice) or an answer without its write. A handler replaces its BEGIN and COMMIT:
 *
 *     if (!idempotency_begin(db, req, reply))      // BEGIN; with a key: lock, look up
 *         return;                                   // answered: replay, 409, 422, 400, 5xx
 *     ... the write, the reply packed (status and body) ...
 *     if (idempotency_commit(db, req, reply) != 0)  // store the answer (2xx only), COMMIT
 *         ... answer the database error, roll back ...
 *     ... events, after the COMMIT only ...
 *
 * With a key, idempotency_begin takes, inside the transaction,
 *
 *     pg_try_advisory_xact_lock(hashtextextended(scope || chr(10) || key, 0))
 *
 * (IDEMPOTENCY_LOCK_SQL; tests hold the same lock from their own connection to make the
 * in-flight case deterministic). Not acquired: another request with this key is in
 * flight, 409 IDEMPOTENCY_KEY_IN_USE, without waiting. Acquired: the row of (scope, key)
 * found with the same fingerprint is replayed (its status and its msgpack body, byte for
 * byte; nothing written, no event); with another fingerprint, 422 IDEMPOTENCY_KEY_REUSED;
 * no row: the handler goes on. Only a 2xx answer is stored; a failure rolls back with the
 * key, so a repeat runs again. The lock is released by the COMMIT or ROLLBACK.
 *
 * Expiry: the store statement also deletes up to IDEMPOTENCY_EXPIRE_BATCH rows older than
 * 24 h (SKIP LOCKED, so concurrent stores never wait on each other's cleanup): every
 * keyed create cleans a bounded batch, so the table holds about a day of keys. */
#ifndef COMMON_IDEMPOTENCY_H
#define COMMON_IDEMPOTENCY_H
#include <stdbool.h>
#include <stddef.h>
#include "db.h"
#include "envelope.h"

#define IDEMPOTENCY_KEY_MAX       128
#define IDEMPOTENCY_TTL_SQL       "24 hours"
#define IDEMPOTENCY_EXPIRE_BATCH  "100"

/* The advisory lock key of (scope $1, key $2), as documented above. */
#define IDEMPOTENCY_LOCK_SQL \
    "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || chr(10) || $2, 0))"

/* The module's prepared statements: every service that serves a creating method puts
 * this line in its statement table (before the NULL entry). */
#define IDEMPOTENCY_STATEMENTS \
    { "idem_lock", IDEMPOTENCY_LOCK_SQL, 2 }, \
    { "idem_find", \
      "SELECT fingerprint, status, encode(reply, 'hex') FROM idempotency_keys " \
      "WHERE scope = $1 AND key = $2", 2 }, \
    { "idem_store", \
      "WITH expired AS (DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY (" \
      "SELECT ctid FROM idempotency_keys " \
      "WHERE created_at < now() - interval '" IDEMPOTENCY_TTL_SQL "' " \
      "ORDER BY created_at LIMIT " IDEMPOTENCY_EXPIRE_BATCH " FOR UPDATE SKIP LOCKED))) " \
      "INSERT INTO idempotency_keys (scope, key, fingerprint, status, reply) " \
      "VALUES ($1, $2, $3, $4::smallint, decode($5, 'hex'))", 5 }

/* True when S (LEN bytes) is a valid Idempotency-Key: 1..128 visible ASCII characters
 * (0x21..0x7e), so no space, control character or byte above 0x7e. */
bool idempotency_key_valid(const char *s, size_t len);

/* True when REQ carries an Idempotency-Key block. */
bool idempotency_requested(const envelope_t *req);

/* Opens the handler's transaction (BEGIN) and, when REQ carries a key, applies the rules
 * above. Returns true when the handler goes on inside the open transaction; false when
 * REPLY already holds the answer (the stored one, 409, 422, 400 for a malformed block, or
 * the database error) and no transaction is left open. */
bool idempotency_begin(db_t *db, const envelope_t *req, envelope_t *reply);

/* As idempotency_begin, for a handler whose write is ONE statement: without a key no
 * BEGIN is sent and the statement runs on its own. PostgreSQL then runs it in a
 * transaction of its own and commits it when the statement's Sync arrives, before the
 * ReadyForQuery that db_exec waits for (a failed commit is the statement's error): the
 * answer still follows the COMMIT, for one round trip instead of three (BEGIN, the write,
 * COMMIT). With a key, exactly idempotency_begin. */
bool idempotency_begin_single(db_t *db, const envelope_t *req, envelope_t *reply);

/* Stores REPLY's status and body under REQ's key when there is one and the status is
 * 2xx, then COMMITs (nothing to commit after idempotency_begin_single without a key). Returns 0 when committed; -1 on a failure, after which the caller
 * answers the database error (db_lost() tells 503 from 500) and rolls back. */
int idempotency_commit(db_t *db, const envelope_t *req, const envelope_t *reply);

#endif
