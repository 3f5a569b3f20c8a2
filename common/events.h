/* events.h -- publishing events on the bus (schemas/events.md): a PUB socket connected to
 * every broker's XSUB, so each event goes through all of them and survives the death of
 * any one. One events_t per thread (ZeroMQ sockets are not thread-safe). */
#ifndef COMMON_EVENTS_H
#define COMMON_EVENTS_H
#include <stddef.h>
#include <stdint.h>
#include <msgpack.h>

typedef struct events_t events_t;

/* Connects a PUB socket to every broker of ENDPOINTS (BUS_PUB_ENDPOINT, a list as in
 * bus_endpoints.h, e.g. tcp://127.0.0.1:5557). NULL on failure. */
events_t *events_new(const char *endpoints);
void events_destroy(events_t **self_p);

/* Sends [TOPIC, PAYLOAD] without blocking. Returns 0, or -1 when ZeroMQ refused it (the
 * event is dropped and counted; subscribers catch up from PostgreSQL). */
int events_publish(events_t *self, const char *topic, const void *payload, size_t size);

/* The topic of events about user USER_ID ("u:<id>|", schemas/events.md) into OUT. */
void events_topic_user(int64_t user_id, char *out, size_t size);

/* Events dropped so far. */
unsigned long events_dropped(const events_t *self);

#endif
