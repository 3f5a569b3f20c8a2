/* notify_event.h -- one bus event (schemas/events.md), decoded from its msgpack payload
 * into plain C values, and the message and notification objects notify pushes. The same
 * structs carry rows read back from PostgreSQL for ?since= replay. */
#ifndef NOTIFY_EVENT_H
#define NOTIFY_EVENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bounds on untrusted payloads: larger ones are dropped as malformed. */
#define NOTIFY_EVENT_MAX_BYTES      (1024 * 1024)
#define NOTIFY_EVENT_MAX_RECIPIENTS 100000
#define NOTIFY_TEXT_MAX             (64 * 1024)     /* bytes; API.md allows 5000 chars */
#define NOTIFY_TS_SIZE              40

typedef struct {
    int64_t id;
    bool has_sender;             /* false: sender_id is null (the sender was deleted) */
    int64_t sender_id;
    char receiver_type[8];       /* "user" or "group" */
    int64_t receiver_id;
    char *text;                  /* owned; NULL in message_deleted */
    bool is_read;
    char created_at[NOTIFY_TS_SIZE];   /* ISO 8601; "" in message_deleted */
} notify_message_t;

typedef struct {
    int64_t id;                  /* increases with time: the ?since= cursor */
    int64_t user_id;
    bool is_read;
    char created_at[NOTIFY_TS_SIZE];
} notify_notif_t;

typedef enum {
    NOTIFY_EV_UNKNOWN = 0,       /* a newer event this replica does not know: ignored */
    NOTIFY_EV_NEW_MESSAGE,
    NOTIFY_EV_MESSAGE_DELETED,
    NOTIFY_EV_GROUP_JOINED,
    NOTIFY_EV_GROUP_LEFT,
    NOTIFY_EV_GROUP_DELETED,
    NOTIFY_EV_SYNC,
    NOTIFY_EV_SESSION_REVOKED    /* users: tokens of user_id died (jti, family, before_ms) */
} notify_event_kind_t;

typedef struct {
    notify_event_kind_t kind;
    uint64_t eid;                /* the event's id (0: none, an older publisher) */
    notify_message_t message;    /* new_message, message_deleted */
    notify_notif_t *notifs;      /* new_message: one per recipient (owned) */
    size_t notif_count;
    int64_t *recipients;         /* message_deleted (owned) */
    size_t recipient_count;
    int64_t group_id;            /* group_* */
    int64_t user_id;             /* group_joined, group_left, session_revoked */
    int64_t n;                   /* sync */
    char jti[64];                /* session_revoked: "" when absent */
    char family[64];
    int64_t before_ms;           /* session_revoked: 0 when absent */
} notify_event_t;

/* Decodes PAYLOAD (SIZE bytes, untrusted). Returns 0 and fills *EV (release it with
 * notify_event_release), or -1 when malformed (then *EV needs no release). An event of an
 * unknown name decodes as NOTIFY_EV_UNKNOWN. */
int notify_event_decode(const void *payload, size_t size, notify_event_t *ev);

/* Frees what *EV owns. Safe to call twice. */
void notify_event_release(notify_event_t *ev);

/* Frees what *MSG owns (its text). */
void notify_message_release(notify_message_t *msg);

#endif
