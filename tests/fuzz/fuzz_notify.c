/* fuzz_notify.c -- notify's readers of untrusted input: bus events (any publisher), and
 * the WebSocket handshake's query arguments and Origin list (its token is read by the
 * edge's code too: fuzz_access_token). The first byte picks which. */
#include <stdint.h>
#include <stdlib.h>
#include "fuzz_split.h"
#include "notify_event.h"
#include "notify_frame.h"
#include "notify_token.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] & 1) {
        notify_event_t ev;
        if (notify_event_decode(data + 1, size - 1, &ev) == 0) {
            /* an event that decodes must become frames */
            if (ev.kind == NOTIFY_EV_NEW_MESSAGE) {
                free(notify_frame_new_message(&ev.message));
                for (size_t i = 0; i < ev.notif_count; i++)
                    free(notify_frame_notification(&ev.message, &ev.notifs[i]));
            } else if (ev.kind == NOTIFY_EV_MESSAGE_DELETED) {
                free(notify_frame_message_deleted(&ev.message));
            }
            notify_event_release(&ev);
        }
        return 0;
    }
    char *buf;
    const char *p[FUZZ_MAX_PARTS];
    int n = fuzz_split(data + 1, size - 1, &buf, p, FUZZ_MAX_PARTS);
    static notify_query_t q;
    notify_query_init(&q);
    for (int i = 0; i < n && i < 4; i++)
        notify_query_take(&q, p[i]);
    notify_origin_allowed(p[4], p[5]);
    int64_t since;
    notify_since_parse(p[5], &since);
    free(buf);
    return 0;
}
