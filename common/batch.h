/* batch.h -- what every group-commit executor does around its own statement (orders'
 * create, messages' direct sends): a batch's members, their parameters as array literals,
 * the row that answers each (by its ordinal), and the answers when the statement fails.
 * The queueing is combine.h's; the statement and the answer of a row are the caller's. */
#ifndef COMMON_BATCH_H
#define COMMON_BATCH_H
#include <libpq-fe.h>
#include <stdbool.h>
#include "combine.h"
#include "db.h"
#include "envelope.h"

/* One request in a batch (combine_item_t's arg), on its thread's stack. */
typedef struct {
    const envelope_t *req;
    envelope_t *reply;
    const char *const *params;     /* the caller's single statement's parameters */
    bool answered;
} batch_member_t;

/* Parameter P of every member as one PostgreSQL array literal: ids unquoted (IDS), texts
 * quoted (pg_array.h). The caller frees. */
char *batch_param_array(combine_item_t **items, int n, int p, bool ids);

/* The member that row ROW of RES answers: its 1-based ordinal in column ORD_COL. NULL
 * (logged) when the ordinal names no member or one already answered, which the batch
 * statements' construction rules out. Marks the member answered. */
batch_member_t *batch_member_of_row(combine_item_t **items, int n, const PGresult *res,
                                    int row, int ord_col);

/* After the batch statement failed on DB: true for class 23 (integrity: one member's own
 * row was refused, nothing stored), when the caller writes the members one by one so each
 * gets its own answer; otherwise (the connection, the server) every member gets the same
 * answer (handler_db_error) and it returns false. */
bool batch_failed_per_member(db_t *db, combine_item_t **items, int n);

/* Answers 500 (logged) to every member no row answered: never, by construction. */
void batch_answer_unanswered(combine_item_t **items, int n);

#endif
