/* edge_stage.c -- the answer helpers every stage shares: fail, header line, client. */
#include "edge_stage.h"
#include <stdarg.h>
#include <stdio.h>
#include <civetweb.h>
#include "edge_thread.h"

int
edge_stage_fail(edge_request_t *r, err_code_t err, const char *message)
{
    r->status = err_status(err);
    r->code = err_name(err);
    r->message = message ? message : err_default_message(err);
    r->details = NULL;
    r->detail_count = 0;
    return EDGE_STAGE_DONE;
}

void
edge_stage_header(edge_request_t *r, const char *fmt, ...)
{
    size_t room = sizeof r->extra - r->extra_len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->extra + r->extra_len, room, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t) n < room)
        r->extra_len += (size_t) n;
    else
        r->extra[r->extra_len] = '\0';
}

const char *
edge_stage_client_ip(edge_thread_t *t, edge_request_t *r)
{
    if (!r->ip[0])
        edge_clientip_pick(&t->app->clientip, r->ri->remote_addr,
                           t->app->clientip.count ? mg_get_header(r->conn, "X-Forwarded-For")
                                                  : NULL,
                           r->ip, sizeof r->ip);
    return r->ip;
}
