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

/* Sends [TOPIC, PAYLOAD] without blocking, PAYLOAD (a msgpack map) stamped with this
 * publisher's next event id (`eid`, see events_stamp). Returns 0, or -1 when ZeroMQ
 * refused it (the event is dropped and counted; subscribers catch up from PostgreSQL). */
int events_publish(events_t *self, const char *topic, const void *payload, size_t size);

/* Event ids (schemas/events.md, `eid`): every copy of one publish carries the same id, so
 * a subscriber that gets the event through several brokers delivers it once. Each
 * publisher starts at a random 64-bit point and counts up (never 0): unique within the
 * publisher, and two publishers collide only if their random starts land within the
 * number of events they publish, which 2^64 makes negligible. The id is stamped here,
 * not by each event's builder, so no event (or future builder) can go without one. */

/* Writes PAYLOAD (SIZE bytes, a msgpack map) into OUT (appended) with one more pair,
 * "eid": EID, at its end. -1 (OUT untouched) when PAYLOAD does not start with a map. */
int events_stamp(const void *payload, size_t size, uint64_t eid, msgpack_sbuffer *out);

/* The id the last successful events_publish stamped (0 before the first). */
uint64_t events_last_id(const events_t *self);

/* Events dropped so far. */
unsigned long events_dropped(const events_t *self);

#endif
