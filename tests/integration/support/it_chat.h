/* it_chat.h -- what the chat suites (messages, groups, notify) all need: formatted
 * requests, sending messages, making groups, a notify replica of a test's own, and the
 * WebSocket frames a recipient must (or must not) see. */
#ifndef IT_CHAT_H
#define IT_CHAT_H
#include "it_http.h"
#include "it_users.h"
#include "it_ws.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* printf into OUT; returns OUT (paths, SQL parameters). */
const char *it_fmt(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* V in decimal into OUT (at least 24 bytes); returns OUT. */
const char *it_itoa(int64_t v, char *out, size_t size);

/* METHOD PATH as U (NULL: no token) with a JSON body printed from FMT (NULL: no body). */
it_response_t *it_callf(const it_user_t *u, const char *method, const char *path,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* POST /api/messages from FROM to (TYPE, TO) with TEXT; the answer, unchecked. */
it_response_t *it_chat_post(const it_user_t *from, const char *type, int64_t to,
                            const char *text);

/* The same, asserting 201; returns the message id. */
int64_t it_chat_send(const it_user_t *from, const char *type, int64_t to, const char *text);

/* POST /api/groups named NAME by OWNER with MEMBERS, asserting 201; returns the group id. */
int64_t it_chat_group(const it_user_t *owner, const it_user_t *const *members, int count,
                      const char *name);

/* A notify replica of the test's own: TEST_BUILD_DIR's notify on PORT with ADMIN_PORT
 * ("0": none) and the extra NAME=VALUE settings in ENV (NULL-terminated, may be NULL),
 * everything else inherited from the stack. Returns its pid once it answers a handshake
 * (401 without a token), or -1. */
pid_t it_notify_start(const char *port, const char *admin_port, const char *const *env);

/* SIGTERM and wait; a non-zero exit (a sanitizer's leak report) is printed. Sets *PID 0. */
void it_notify_stop(pid_t *pid);

/* Opens a socket for U (bearer token) on URL (NULL: the stack's notify) with QUERY (may be
 * NULL) and asserts the "ready" frame naming U within MS. */
it_ws_t *it_chat_open(const it_user_t *u, const char *url, const char *query, int ms);

/* Asserts the next frames are new_message MSG_ID (with TEXT unless NULL) and then its
 * notification for UID, each within MS; returns the notification id. */
int64_t it_chat_expect_pair(it_ws_t *ws, int64_t msg_id, int64_t uid, const char *text, int ms);

/* Asserts nothing arrives for MS and the socket stays open. */
void it_chat_expect_silence(it_ws_t *ws, int ms);

#endif
