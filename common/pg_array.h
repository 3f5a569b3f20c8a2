/* pg_array.h -- PostgreSQL array literals for one parameter holding many rows' values
 * (the group-commit statements: message_send_batch, order_insert_batch), so a batch is one
 * statement with a fixed number of parameters, sent as text like every other parameter. */
#ifndef PG_ARRAY_H
#define PG_ARRAY_H

/* "{1,2}" from N ids (decimal text, which the caller produced: no quoting needed), and
 * "{"a","b\"c"}" from N texts (each quoted, '"' and '\' escaped, so NULL, braces, commas
 * and white space stay themselves). Never NULL; the caller frees. */
char *pg_array_ids(const char *const *ids, int n);
char *pg_array_texts(const char *const *texts, int n);

#endif
