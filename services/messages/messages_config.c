/* messages_config.c -- the environment table of the messages process. */
#include "messages_config.h"
#include "admin.h"
#include "config.h"

void
messages_config_load(messages_config_t *cfg)
{
    service_config_load(&cfg->service, ADMIN_DEFAULT_PORT_MESSAGES);
    cfg->pub_endpoint = config_str("BUS_PUB_ENDPOINT", "tcp://127.0.0.1:5557");
    /* As orders (orders_config.c): enough commits in flight to share each disk flush; twice
     * orders' because the hot inbox's batches are made of the threads waiting behind one
     * (16 -> 32: messages_send 1,450 -> 2,192/s at 3 ms per flush, docs/BENCHMARKS.md). */
    cfg->threads = (int) config_int("MESSAGES_THREADS", 32, 1, 64);
    /* The hot inbox (README.md): how many direct messages, to one receiver or many, may
     * share a transaction. Waiting threads are at most MESSAGES_THREADS anyway. */
    cfg->send_batch = (int) config_int("MESSAGES_SEND_BATCH", 64, 1, 256);
}
