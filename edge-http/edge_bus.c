/* edge_bus.c -- the last stage: the request as one envelope to its service over the bus
 * (per-route timeout, retried on another broker only when safe), and the reply turned
 * into the answer. */
#include "edge_bus.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "edge_reply.h"
#include "edge_thread.h"
#include "log.h"

static void
s_fill_caller(const edge_request_t *r, envelope_caller_t *caller)
{
    if (!r->authed)
        return;
    caller->user_id = r->claims.sub;
    snprintf(caller->role, sizeof caller->role, "%s", r->claims.role);
    snprintf(caller->jti, sizeof caller->jti, "%s", r->claims.jti);
    snprintf(caller->family, sizeof caller->family, "%s", r->claims.fam);
    caller->exp = r->claims.exp;
}

/* The service's reply into the answer: its error as is, or its body in the success
 * envelope. A status outside 200..599 is the service's bug: 500. */
static int
s_take_reply(edge_thread_t *t, edge_request_t *r)
{
    envelope_t *rep = r->reply;
    int status = rep->status;
    if (status < 200 || status > 599)
        return edge_stage_fail(r, ERR_INTERNAL, NULL);
    if (status >= 400 || rep->code[0]) {
        r->status = status >= 400 ? status : 500;
        r->code = rep->code[0] ? rep->code : err_name(ERR_INTERNAL);
        r->message = rep->message[0] ? rep->message : err_default_message(err_from_name(r->code));
        r->details = rep->details;
        r->detail_count = rep->detail_count;
        /* A service's own limit (users' per-account login failures) says when to retry
         * in its body: {"retry_after": seconds} (schemas/envelope.md). */
        const msgpack_object *ra = status == 429 && rep->body_obj
                                 ? envelope_map_get(rep->body_obj, "retry_after") : NULL;
        if (ra && ra->type == MSGPACK_OBJECT_POSITIVE_INTEGER && ra->via.u64 <= 86400) {
            r->retry_after = (int64_t) ra->via.u64;
            edge_stage_header(r, "Retry-After: %" PRId64 "\r\n", r->retry_after);
        }
        return EDGE_STAGE_DONE;
    }
    char ts[32];
    clock_iso8601(clock_wall_ms(), ts, sizeof ts);
    if (edge_reply_success_json(&t->body, rep->body_obj, ts) != 0) {
        edge_buf_reset(&t->body);
        log_error(r->rid, "reply_not_json", "reply body of %s.%s cannot be shown as JSON",
                  rep->service, rep->method);
        return edge_stage_fail(r, ERR_INTERNAL, NULL);
    }
    r->status = status == 204 ? 200 : status;    /* the envelope always has a body */
    r->body_ready = true;
    return EDGE_STAGE_DONE;
}

int
edge_bus_stage(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    const edge_route_t *route = r->route;
    if (!t->bus && !(t->bus = bus_client_new(app->cfg.bus_endpoint)))
        return edge_stage_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);

    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "%s", r->rid);
    snprintf(req->service, sizeof req->service, "%s", route->service);
    snprintf(req->method, sizeof req->method, "%s", route->bus_method);
    s_fill_caller(r, &req->caller);
    /* A valid Idempotency-Key: the service stores the answer with the write and answers a
     * repeat from that store, so this call, like a GET, is safe to retry elsewhere. */
    if (r->has_idem_key)
        req->idem = r->idem;
    edge_body_pack(envelope_body_packer(req), &r->match, &r->query, r->body);

    /* The deadline travels in the envelope (deadline_ms): a worker that takes the request
     * after it answers 504 without running it (bus_worker.c). */
    long index = route - app->routes;
    int timeout_ms = index >= 0 && index < EDGE_RL_MAX_ROUTES && app->route_timeout_ms[index]
                   ? app->route_timeout_ms[index] : app->cfg.bus_timeout_ms;
    /* A broker lost with the call in flight: a read may be sent again through another;
     * a write only when it carries an Idempotency-Key (bus_client.h) */
    int flags = strcmp(r->method, "GET") == 0 || r->has_idem_key ? BUS_CALL_RETRYABLE : 0;
    int64_t t0 = clock_mono_us();
    edge_stage_wait_begin(t, r);
    err_code_t rc = bus_client_call(t->bus, req, timeout_ms, flags, &r->reply);
    edge_stage_wait_end(t, r);
    edge_metrics_bus(&t->mcache, route->service, (double) (clock_mono_us() - t0) / 1e6);
    envelope_destroy(&req);
    if (rc == ERR_GATEWAY_TIMEOUT)
        return edge_stage_fail(r, ERR_GATEWAY_TIMEOUT, NULL);
    if (rc == ERR_SERVICE_UNAVAILABLE)
        edge_health_mark_down(app->health);     /* before the 503 leaves: see edge_health.h */
    if (rc != ERR_NONE || !r->reply)
        return edge_stage_fail(r, ERR_SERVICE_UNAVAILABLE, NULL);
    int done = s_take_reply(t, r);
    edge_cache_fill(t, r);
    return done;
}
