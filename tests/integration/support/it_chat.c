/* it_chat.c -- helpers of the chat suites (messages, groups, notify). */
#define _GNU_SOURCE   /* vasprintf */
#include "it_chat.h"
#include "it_assert.h"
#include "it_env.h"
#include <check.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *
it_fmt(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
    return out;
}

const char *
it_itoa(int64_t v, char *out, size_t size)
{
    snprintf(out, size, "%" PRId64, v);
    return out;
}

it_response_t *
it_callf(const it_user_t *u, const char *method, const char *path, const char *fmt, ...)
{
    char *body = NULL;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&body, fmt, ap);
        va_end(ap);
        ck_assert_int_ge(n, 0);
    }
    it_response_t *r = it_request(method, path, u ? u->access : NULL, NULL, body);
    free(body);
    return r;
}

it_response_t *
it_chat_post(const it_user_t *from, const char *type, int64_t to, const char *text)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "text", json_object_new_string(text));
    json_object_object_add(body, "receiver_type", json_object_new_string(type));
    json_object_object_add(body, "receiver_id", json_object_new_int64(to));
    return it_request_json("POST", "/api/messages", from->access, body);
}

int64_t
it_chat_send(const it_user_t *from, const char *type, int64_t to, const char *text)
{
    it_response_t *r = it_chat_post(from, type, to, text);
    int64_t id = it_json_int(IT_ASSERT_SUCCESS(r, 201), "id");
    it_response_destroy(&r);
    return id;
}

int64_t
it_chat_group(const it_user_t *owner, const it_user_t *const *members, int count,
              const char *name)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string(name));
    json_object *ids = json_object_new_array();
    for (int i = 0; i < count; i++)
        json_object_array_add(ids, json_object_new_int64(members[i]->id));
    json_object_object_add(body, "member_ids", ids);
    it_response_t *r = it_request_json("POST", "/api/groups", owner->access, body);
    int64_t id = it_json_int(IT_ASSERT_SUCCESS(r, 201), "id");
    it_response_destroy(&r);
    return id;
}

pid_t
it_notify_start(const char *port, const char *admin_port, const char *const *env)
{
    char bin[1024], url[128];
    snprintf(bin, sizeof bin, "%s/services/notify/notify", it_env_require("TEST_BUILD_DIR"));
    snprintf(url, sizeof url, "ws://127.0.0.1:%s/ws", port);
    pid_t pid = fork();
    if (pid == 0) {
        /* DATABASE_URL, BUS_*_ENDPOINT, REDIS_*, JWT_* come from the stack's environment. */
        setenv("NOTIFY_PORT", port, 1);
        setenv("ADMIN_PORT", admin_port, 1);
        unsetenv("NOTIFY_REPLICA_ID");      /* its own sync topics */
        for (int i = 0; env && env[i]; i++)
            putenv((char *) env[i]);
        execl(bin, bin, (char *) NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    int64_t until = it_now_ms() + 15000;
    while (it_now_ms() < until) {
        int status = 0;
        it_ws_t *ws = it_ws_connect(&(it_ws_opts_t) { .url = url }, &status);
        it_ws_close(&ws);
        if (status == 401)
            return pid;
        it_sleep_ms(100);
    }
    fprintf(stderr, "it_notify_start: %s did not come up on port %s\n", bin, port);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

void
it_notify_stop(pid_t *pid)
{
    if (!pid || *pid <= 0)
        return;
    kill(*pid, SIGTERM);
    int status = 0;
    waitpid(*pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "it_notify_stop: the replica ended with status 0x%x\n", status);
    *pid = 0;
}

it_ws_t *
it_chat_open(const it_user_t *u, const char *url, const char *query, int ms)
{
    int status = 0;
    it_ws_t *ws = it_ws_connect(&(it_ws_opts_t) { .url = url, .token = u->access,
                                                  .query = query }, &status);
    ck_assert_msg(ws, "upgrade for user %lld answered %d", (long long) u->id, status);
    ck_assert_int_eq(status, 101);
    json_object *ready = it_ws_recv_json(ws, ms);
    ck_assert_msg(ready, "no ready frame for user %lld", (long long) u->id);
    ck_assert_str_eq(it_json_str(ready, "event"), "ready");
    ck_assert_int_eq(it_json_int(json_object_object_get(ready, "data"), "user_id"), u->id);
    json_object_put(ready);
    return ws;
}

int64_t
it_chat_expect_pair(it_ws_t *ws, int64_t msg_id, int64_t uid, const char *text, int ms)
{
    json_object *a = it_ws_recv_json(ws, ms);
    ck_assert_msg(a, "no new_message frame for message %lld (user %lld, close %d)",
                  (long long) msg_id, (long long) uid, it_ws_close_code(ws));
    ck_assert_str_eq(it_json_str(a, "event"), "new_message");
    json_object *m = json_object_object_get(a, "data");
    ck_assert_int_eq(it_json_int(m, "id"), msg_id);
    if (text)
        ck_assert_str_eq(it_json_str(m, "text"), text);
    ck_assert(it_json_has(m, "created_at") && it_json_has(m, "receiver_type"));
    json_object_put(a);

    json_object *b = it_ws_recv_json(ws, ms);
    ck_assert_msg(b, "no notification frame for message %lld", (long long) msg_id);
    ck_assert_str_eq(it_json_str(b, "event"), "notification");
    json_object *n = json_object_object_get(b, "data");
    ck_assert_int_eq(it_json_int(n, "message_id"), msg_id);
    ck_assert_int_eq(it_json_int(n, "user_id"), uid);
    ck_assert_str_eq(it_json_str(n, "type"), "new_message");
    ck_assert_int_eq(it_json_int(json_object_object_get(n, "message"), "id"), msg_id);
    int64_t nid = it_json_int(n, "id");
    ck_assert_int_gt(nid, 0);
    json_object_put(b);
    return nid;
}

void
it_chat_expect_silence(it_ws_t *ws, int ms)
{
    char *text = it_ws_recv_text(ws, ms);
    ck_assert_msg(!text, "unexpected frame: %s", text ? text : "");
    ck_assert_msg(!it_ws_closed(ws), "socket closed (code %d)", it_ws_close_code(ws));
}
