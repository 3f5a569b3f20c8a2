/* messages_sql.h -- every statement of the messages service, prepared on each connection,
 * and the column order of the rows they return. */
#ifndef MESSAGES_SQL_H
#define MESSAGES_SQL_H
#include "db.h"

/* A message, as every statement returning messages gives it (from column 0, or from
 * NOTIF_MESSAGE for notifications). */
enum { MSG_ID, MSG_SENDER, MSG_RECEIVER_TYPE, MSG_RECEIVER_ID, MSG_TEXT, MSG_IS_READ,
       MSG_CREATED, MSG_NCOLS };

/* A notification, followed by its message from column NOTIF_MESSAGE. */
enum { NOTIF_ID, NOTIF_USER, NOTIF_TYPE, NOTIF_MESSAGE_ID, NOTIF_IS_READ, NOTIF_CREATED,
       NOTIF_MESSAGE };

/* A group with the caller's own role in it (and, in lists, its member count). */
enum { GROUP_ID, GROUP_NAME, GROUP_CREATED_BY, GROUP_CREATED, GROUP_UPDATED, GROUP_ROLE,
       GROUP_MEMBER_COUNT };

/* A member: user_id, role, joined_at. */
enum { MEMBER_USER, MEMBER_ROLE, MEMBER_JOINED };

/* A notification written with a message: user_id, id, created_at. */
enum { NEWNOTIF_USER, NEWNOTIF_ID, NEWNOTIF_CREATED };

/* The answer of message_send_user / message_send_group (messages_sql.c, MESSAGE_SEND): the
 * message from column 0, a notification (NEWNOTIF columns, NULL when nobody is notified)
 * from SEND_NOTIF, and whether the sender may write to the receiver at SEND_OK. */
enum { SEND_NOTIF = MSG_NCOLS, SEND_OK = MSG_NCOLS + 3, SEND_NCOLS };

/* message_send_batch adds, after SEND_OK, the row's request: its 1-based place in the
 * batch's arrays. */
enum { SEND_ORD = SEND_NCOLS };

extern const db_statement_t messages_statements[];

#endif
