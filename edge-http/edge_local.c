/* edge_local.c -- the routes the edge answers itself, without the bus: health, liveness,
 * readiness, metrics and the API description. */
#include "edge_local.h"
#include <stdlib.h>
#include <string.h>
#include <civetweb.h>
#include "clock.h"
#include "edge_openapi.h"
#include "edge_thread.h"

int
edge_local_stage(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    edge_health_snapshot_t snap;
    switch (r->route->local) {
    case EDGE_LOCAL_NONE:
        return EDGE_STAGE_NEXT;
    case EDGE_LOCAL_HEALTH:
        edge_health_get(app->health, &snap);
        if (edge_health_render(&snap, (clock_mono_ms() - app->started_ms) / 1000, &t->body))
            return edge_stage_fail(r, ERR_INTERNAL, NULL);
        break;
    case EDGE_LOCAL_LIVE:
        edge_buf_append(&t->body, "{\"status\":\"ok\"}", 15);
        break;
    case EDGE_LOCAL_READY:
        if (!edge_health_ready(app->health)) {
            edge_buf_append(&t->body, "{\"status\":\"unavailable\"}", 24);
            r->status = 503;
            r->body_ready = true;
            return EDGE_STAGE_DONE;
        }
        edge_buf_append(&t->body, "{\"status\":\"ok\"}", 15);
        break;
    case EDGE_LOCAL_METRICS: {
        /* METRICS_PUBLIC=false (the production overlay): only the admin port has them. */
        if (!app->cfg.public_metrics)
            return edge_stage_fail(r, ERR_NOT_FOUND, "Not found");
        char *text = metrics_render(app->metrics);
        if (!text)
            return edge_stage_fail(r, ERR_INTERNAL, NULL);
        edge_buf_append(&t->body, text, strlen(text));
        free(text);
        r->content_type = "text/plain; version=0.0.4; charset=utf-8";
        break;
    }
    case EDGE_LOCAL_OPENAPI:
        /* Public and the same for everyone: cacheable, revalidated by its ETag. */
        r->cache_control = EDGE_OPENAPI_CACHE_CONTROL;
        edge_stage_header(r, "ETag: %s\r\n", edge_openapi_etag);
        if (edge_openapi_not_modified(mg_get_header(r->conn, "If-None-Match"))) {
            r->status = 304;
            r->body_ready = true;            /* no body */
            return EDGE_STAGE_DONE;
        }
        if (edge_buf_append(&t->body, (const char *) edge_openapi_doc, edge_openapi_doc_len))
            return edge_stage_fail(r, ERR_INTERNAL, NULL);
        break;
    }
    r->status = 200;
    r->body_ready = true;
    return EDGE_STAGE_DONE;
}
