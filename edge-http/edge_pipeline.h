/* edge_pipeline.h -- one request through the stages (edge_pipeline.c), then its answer. */
#ifndef EDGE_PIPELINE_H
#define EDGE_PIPELINE_H
#include "edge_thread.h"

struct mg_connection;

/* Serves one request on CONN with the thread's state. Returns the HTTP status. */
int edge_pipeline_handle(edge_thread_t *thread, struct mg_connection *conn);

#endif
