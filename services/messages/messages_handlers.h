/* messages_handlers.h -- the bus methods of the messages service (services/messages/
 * README.md lists them with their rules). Each is a bus_handler_fn on a
 * messages_thread_t. */
#ifndef MESSAGES_HANDLERS_H
#define MESSAGES_HANDLERS_H
#include "envelope.h"

/* messages_groups.c */
void messages_group_create(void *state, const envelope_t *req, envelope_t *reply);
void messages_group_list(void *state, const envelope_t *req, envelope_t *reply);
void messages_group_get(void *state, const envelope_t *req, envelope_t *reply);
void messages_group_update(void *state, const envelope_t *req, envelope_t *reply);
void messages_group_delete(void *state, const envelope_t *req, envelope_t *reply);
void messages_member_add(void *state, const envelope_t *req, envelope_t *reply);
void messages_member_remove(void *state, const envelope_t *req, envelope_t *reply);
void messages_member_update(void *state, const envelope_t *req, envelope_t *reply);

/* messages_messages.c */
void messages_message_send(void *state, const envelope_t *req, envelope_t *reply);
void messages_message_list(void *state, const envelope_t *req, envelope_t *reply);
void messages_message_read(void *state, const envelope_t *req, envelope_t *reply);
void messages_message_delete(void *state, const envelope_t *req, envelope_t *reply);

/* messages_notifications.c */
void messages_notifications_list(void *state, const envelope_t *req, envelope_t *reply);
void messages_notification_read(void *state, const envelope_t *req, envelope_t *reply);
void messages_notifications_read_all(void *state, const envelope_t *req, envelope_t *reply);

#endif
