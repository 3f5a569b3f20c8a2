/* chaos_setup.c -- registering and logging in the chaos test's users before the load. */
#include "chaos_setup.h"
#include "chaos_http.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define SETUP_BUDGET_MS 30000

/* POST PATH BODY until it is not a 503/504/transport error or the budget is spent. */
static void
s_post(chaos_http_t *http, const char *path, const char *body, chaos_resp_t *resp)
{
    int64_t give_up = chaos_now_ms() + SETUP_BUDGET_MS;
    for (;;) {
        chaos_http_request(http, "POST", path, NULL, NULL, body, resp);
        bool transient = resp->status == 0 || resp->status == 503 || resp->status == 504;
        if (!transient || chaos_now_ms() >= give_up)
            return;
        chaos_resp_clear(resp);
        chaos_sleep_ms(500);
    }
}

static int
s_take_token(chaos_user_t *u, const chaos_resp_t *resp)
{
    json_object *tok = NULL, *user = NULL, *id = NULL;
    if (!resp->data || !json_object_object_get_ex(resp->data, "access_token", &tok) ||
        !json_object_object_get_ex(resp->data, "user", &user) ||
        !json_object_object_get_ex(user, "id", &id))
        return -1;
    snprintf(u->token, sizeof u->token, "%s", json_object_get_string(tok));
    u->id = json_object_get_int64(id);
    return u->id > 0 && u->token[0] ? 0 : -1;
}

int
chaos_setup_users(chaos_app_t *app)
{
    chaos_http_t *http = chaos_http_new(app->cfg.url, app->cfg.request_timeout_ms);
    if (!http)
        return -1;
    int rc = -1;
    chaos_resp_t resp = { 0 };
    for (int i = 0; i < app->cfg.users; i++) {
        chaos_user_t *u = &app->users[i];
        snprintf(u->email, sizeof u->email, "chaos-%s-%d@chaos.test", app->run_id, i);
        snprintf(u->password, sizeof u->password, "Chaos-%s-%d", app->run_id, i);
        json_object *body = json_object_new_object();
        char name[64];
        snprintf(name, sizeof name, "chaos %s %d", app->run_id, i);
        json_object_object_add(body, "name", json_object_new_string(name));
        json_object_object_add(body, "email", json_object_new_string(u->email));
        json_object_object_add(body, "password", json_object_new_string(u->password));
        s_post(http, "/api/auth/register", json_object_to_json_string(body), &resp);
        if (resp.status != 201 || s_take_token(u, &resp) != 0) {
            fprintf(stderr, "chaos: registering %s failed: status %ld %s\n", u->email,
                    resp.status, resp.error);
            json_object_put(body);
            goto cleanup;
        }
        chaos_resp_clear(&resp);
        json_object_object_del(body, "name");
        s_post(http, "/api/auth/login", json_object_to_json_string(body), &resp);
        json_object_put(body);
        if (resp.status != 200 || s_take_token(u, &resp) != 0) {
            fprintf(stderr, "chaos: logging in %s failed: status %ld %s\n", u->email,
                    resp.status, resp.error);
            goto cleanup;
        }
        chaos_resp_clear(&resp);
    }
    rc = 0;
cleanup:
    chaos_resp_clear(&resp);
    chaos_http_destroy(&http);
    return rc;
}
