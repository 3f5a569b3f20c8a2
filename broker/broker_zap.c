/* broker_zap.c -- answering ZAP requests from the certificates' roles. */
#include "broker_zap.h"
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include "bus_security.h"
#include "log.h"

static atomic_bool s_serving;        /* set before the actor signals it started */

bool
broker_zap_serving(void)
{
    return atomic_load(&s_serving);
}

/* Frame I of MSG as text into OUT ("" when absent or too long). */
static void
s_text(zmsg_t *msg, size_t i, char *out, size_t size)
{
    out[0] = '\0';
    zframe_t *f = zmsg_first(msg);
    while (f && i-- > 0)
        f = zmsg_next(msg);
    if (f && zframe_size(f) < size) {
        memcpy(out, zframe_data(f), zframe_size(f));
        out[zframe_size(f)] = '\0';
    }
}

/* One request: [version, request id, domain, address, routing id, mechanism, key...].
 * The answer: [version, request id, status, text, user id, metadata]. */
static void
s_answer(zsock_t *handler, zcertstore_t *store)
{
    zmsg_t *req = zmsg_recv(handler);
    if (!req)
        return;
    char version[8], domain[16], address[64], mechanism[16];
    s_text(req, 0, version, sizeof version);
    s_text(req, 2, domain, sizeof domain);
    s_text(req, 3, address, sizeof address);
    s_text(req, 5, mechanism, sizeof mechanism);
    zframe_t *id = zmsg_first(req);
    id = zmsg_next(req);                     /* the request id, echoed */
    zframe_t *key = NULL;
    for (zframe_t *f = zmsg_first(req); f; f = zmsg_next(req))
        key = f;                             /* CURVE: the client's key is the last frame */

    const char *role = NULL;
    if (strcmp(version, "1.0") == 0 && strcmp(mechanism, "CURVE") == 0 && zmsg_size(req) == 7
        && zframe_size(key) == 32) {
        char txt[41];
        zmq_z85_encode(txt, zframe_data(key), 32);
        zcert_t *cert = zcertstore_lookup(store, txt);
        role = cert ? zcert_meta(cert, "role") : NULL;
    }
    bool ok = role && bus_security_may_connect(domain, role);
    if (!ok) {
        log_warn(NULL, "bus_zap_refused", "%s connection from %s refused (%s)", domain, address,
                 role ? role : "unknown key");
    }
    zmsg_t *rep = zmsg_new();
    zmsg_addstr(rep, "1.0");
    zframe_t *echo = zframe_dup(id);
    zmsg_append(rep, &echo);
    zmsg_addstr(rep, ok ? "200" : "400");
    zmsg_addstr(rep, ok ? "OK" : "No access");
    zmsg_addstr(rep, ok ? role : "");
    zmsg_addmem(rep, "", 0);                 /* no metadata */
    zmsg_send(&rep, handler);
    zmsg_destroy(&req);
}

void
broker_zap_actor(zsock_t *pipe, void *public_dir)
{
    zcertstore_t *store = zcertstore_new((const char *) public_dir);
    zsock_t *handler = zsock_new(ZMQ_REP);
    if (!store || !handler || zsock_bind(handler, "inproc://zeromq.zap.01") != 0) {
        log_error(NULL, "bus_zap", "cannot start the ZAP handler");
        zsock_destroy(&handler);
        zcertstore_destroy(&store);
        zsock_signal(pipe, 1);
        char *command = zstr_recv(pipe);      /* wait for $TERM, as actors must */
        zstr_free(&command);
        return;
    }
    atomic_store(&s_serving, true);
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(pipe, handler, NULL);
    for (;;) {
        void *which = zpoller_wait(poller, -1);
        if (which == handler) {
            s_answer(handler, store);
            continue;
        }
        if (which == pipe) {
            char *command = zstr_recv(pipe);
            bool term = !command || strcmp(command, "$TERM") == 0;
            zstr_free(&command);
            if (term)
                break;
            continue;
        }
        break;                               /* interrupted */
    }
    atomic_store(&s_serving, false);
    zpoller_destroy(&poller);
    zsock_destroy(&handler);
    zcertstore_destroy(&store);
}
