/* messages_send_batch.h -- the hot inbox: direct messages, to one receiver or to many,
 * share one transaction, and so one disk flush (services/messages/README.md, "The hot
 * inbox"). */
#ifndef MESSAGES_SEND_BATCH_H
#define MESSAGES_SEND_BATCH_H
#include <stdbool.h>
#include <stdint.h>
#include "envelope.h"
#include "messages_app.h"

/* Today's send, a transaction of its own (messages_messages.c): the five parameters of
 * message_send_user (sender, receiver, text, pair lo, pair hi; the first three for
 * message_send_group). Answers REPLY. */
void messages_send_single(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
                          bool group, const char *const params[5]);

/* A direct message (to someone other than the sender; no Idempotency-Key) with the PARAMS
 * of messages_send_single: queued behind the running batch of direct messages, whatever
 * their receivers, or leading the next one on SELF's connection. Returns once REPLY is
 * answered, as messages_send_single would have answered it, and never before the COMMIT
 * that stored it. */
void messages_send_batch(messages_thread_t *self, const envelope_t *req, envelope_t *reply,
                         const char *const params[5]);

#endif
