/* messages_config.h -- the messages process's settings, read once from the environment at
 * start (messages_config.c is the table: name, default, bounds). */
#ifndef MESSAGES_CONFIG_H
#define MESSAGES_CONFIG_H
#include "service.h"

typedef struct {
    service_config_t service;      /* ADMIN_PORT (9103), BUS_WORKER_ENDPOINT, DATABASE_URL */
    const char *pub_endpoint;      /* BUS_PUB_ENDPOINT, tcp://127.0.0.1:5557: the brokers'
                                      XSUB */
    int threads;                   /* MESSAGES_THREADS, 32 */
    int send_batch;                /* MESSAGES_SEND_BATCH, 64: direct messages per
                                      transaction; 1 turns batching off */
} messages_config_t;

/* Fills *CFG from the environment (bounded; bad values fall back to the defaults). */
void messages_config_load(messages_config_t *cfg);

#endif
