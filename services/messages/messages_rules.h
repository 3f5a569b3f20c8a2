/* messages_rules.h -- the input rules of groups and messages, free of I/O so that unit
 * tests reach every branch: text and name lengths, receiver types, member roles, ids read
 * strictly from msgpack (a JSON integer, never a string), and the unordered pair of a
 * direct conversation. */
#ifndef MESSAGES_RULES_H
#define MESSAGES_RULES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>

#define MESSAGES_TEXT_MAX        5000     /* characters, after the edge's sanitization */
#define MESSAGES_TEXT_MAX_BYTES  (MESSAGES_TEXT_MAX * 4)
#define MESSAGES_NAME_MAX        100
#define MESSAGES_NAME_MAX_BYTES  (MESSAGES_NAME_MAX * 4)
#define MESSAGES_MEMBER_IDS_MAX  100      /* member_ids of one group_create */

/* form_check_fn for text: NULL, "text should not be empty" (also when only white space) or
 * "text must be at most 5000 characters". */
const char *messages_check_text(const char *s);

/* form_check_fn for a group name: 1..100 characters, not only white space. */
const char *messages_check_group_name(const char *s);

/* form_check_fn: "receiver_type must be one of: user, group". */
const char *messages_check_receiver_type(const char *s);

/* form_check_fn: "role must be one of: admin, member". */
const char *messages_check_role(const char *s);

/* form_check_fn for ?unread=: "unread must be true or false". */
const char *messages_check_bool(const char *s);

/* OBJ as an id: a positive msgpack integer up to INT64_MAX. Returns the id, or 0 when OBJ
 * is NULL, of another type (a string "5" included) or out of range. */
int64_t messages_id_of(const msgpack_object *obj);

/* Reads OBJ, an array of ids, into OUT (room for MAX). Returns the count, -1 when OBJ is
 * not an array of valid ids, -2 when it holds more than MAX. */
int messages_ids_of(const msgpack_object *obj, int64_t *out, int max);

/* Writes IDS as a PostgreSQL array literal "{1,2,3}" into OUT. Returns false when it does
 * not fit. */
bool messages_ids_literal(const int64_t *ids, int count, char *out, size_t size);

/* The unordered pair of a direct conversation between A and B: *LO <= *HI. */
void messages_pair(int64_t a, int64_t b, int64_t *lo, int64_t *hi);

/* Writes the event topic of a receiver (common/event_topic.h): "u:<id>|" for "user",
 * "g:<id>|" for "group". */
void messages_topic(const char *receiver_type, int64_t receiver_id, char *out, size_t size);

#endif
