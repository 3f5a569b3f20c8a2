/* it_users.c -- registering and logging in test users. */
#include "it_users.h"
#include "it_assert.h"
#include "it_env.h"
#include "it_http.h"

#include <check.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t
s_random64(void)
{
    uint64_t v = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, &v, sizeof v) != (ssize_t) sizeof v)
            v = 0;
        close(fd);
    }
    /* Never zero entropy from nothing: mix in time and pid as a fallback. */
    return v ^ ((uint64_t) it_now_ms() << 20) ^ (uint64_t) getpid();
}

static void
s_base36(uint64_t v, char *out, int digits)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int i = digits - 1; i >= 0; i--) {
        out[i] = alphabet[v % 36];
        v /= 36;
    }
    out[digits] = '\0';
}

void
it_unique(const char *prefix, char *out, size_t size)
{
    /* The counter tells apart calls within one process; random bits tell apart processes
     * and runs against a database that keeps its rows. */
    static unsigned counter;
    char rnd[11];
    s_base36(s_random64(), rnd, 10);
    snprintf(out, size, "%s%u%s", prefix, counter++ % 1000, rnd);
}

void
it_unique_phone(char *out, size_t size)
{
    /* 10 random digits: a collision needs ~10^5 numbers in one database. The first digit
     * is 2..9, as real national numbers go, in case a validator checks it. */
    uint64_t v = s_random64();
    snprintf(out, size, "+1%u%09llu", (unsigned) (2 + v % 8),
             (unsigned long long) ((v / 8) % 1000000000ULL));
}

json_object *
it_register_body(const char *name, const char *email, const char *password,
                 const char *username)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "name", json_object_new_string(name));
    json_object_object_add(body, "email", json_object_new_string(email));
    json_object_object_add(body, "password", json_object_new_string(password));
    if (username)
        json_object_object_add(body, "username", json_object_new_string(username));
    return body;
}

static void
s_replace(char **slot, const char *value)
{
    free(*slot);
    *slot = value ? strdup(value) : NULL;
}

void
it_user_take_tokens(it_user_t *u, json_object *data)
{
    s_replace(&u->access, it_json_str(data, "access_token"));
    s_replace(&u->refresh, it_json_str(data, "refresh_token"));
    json_object *user;
    if (json_object_object_get_ex(data, "user", &user))
        u->id = it_json_int(user, "id");
}

void
it_user_register_at(const char *file, int line, it_user_t *u, const char *tag)
{
    memset(u, 0, sizeof *u);
    char unique[24];
    it_unique("", unique, sizeof unique);
    snprintf(u->name, sizeof u->name, "IT %s", tag);
    snprintf(u->email, sizeof u->email, "it.%.20s.%s@example.com", tag, unique);
    snprintf(u->username, sizeof u->username, "u_%s", unique);
    snprintf(u->password, sizeof u->password, "Pw0rd-%s", unique);

    it_response_t *r = it_request_json("POST", "/api/auth/register", NULL,
        it_register_body(u->name, u->email, u->password, u->username));
    json_object *data = it_assert_success_at(file, line, r, 201);
    it_user_take_tokens(u, data);
    ck_assert_msg(u->access && u->refresh && u->id > 0,
                  "%s:%d: register gave no tokens or id: %s", file, line, it_describe(r));
    it_response_destroy(&r);
}

static void
s_login(const char *file, int line, it_user_t *u)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "email", json_object_new_string(u->email));
    json_object_object_add(body, "password", json_object_new_string(u->password));
    it_response_t *r = it_request_json("POST", "/api/auth/login", NULL, body);
    json_object *data = it_assert_success_at(file, line, r, 200);
    it_user_take_tokens(u, data);
    ck_assert_msg(u->access && u->refresh && u->id > 0,
                  "%s:%d: login gave no tokens or id: %s", file, line, it_describe(r));
    it_response_destroy(&r);
}

void
it_user_login_at(const char *file, int line, it_user_t *u)
{
    s_login(file, line, u);
}

void
it_admin_login_at(const char *file, int line, it_user_t *u)
{
    memset(u, 0, sizeof *u);
    snprintf(u->email, sizeof u->email, "%s", it_env_require("TEST_ADMIN_EMAIL"));
    snprintf(u->password, sizeof u->password, "%s", it_env_require("TEST_ADMIN_PASSWORD"));
    snprintf(u->name, sizeof u->name, "admin");
    s_login(file, line, u);
}

void
it_user_clear(it_user_t *u)
{
    free(u->access);
    free(u->refresh);
    u->access = u->refresh = NULL;
}

const char *
it_user_path(int64_t id, char *out, size_t size)
{
    snprintf(out, size, "/api/users/%" PRId64, id);
    return out;
}
