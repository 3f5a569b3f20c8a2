/* broker_zap.h -- the broker's ZAP handler (ZeroMQ RFC 27): who may connect to which of
 * the broker's sockets. A CURVE client is let in when its public key is one of the
 * certificates in the public folder (czmq's zcertstore, reread when the folder changes,
 * so adding a key needs no restart) and that certificate's role may use the socket's
 * domain (bus_security_may_connect); its role becomes the connection's User-Id, which
 * the broker reads on every message. Not czmq's zauth: zauth knows one list of keys for
 * every socket, where each of ours admits different roles. */
#ifndef BROKER_ZAP_H
#define BROKER_ZAP_H
#include <stdbool.h>
#include <czmq.h>

/* zactor_new(broker_zap_actor, PUBLIC_DIR): binds the process's ZAP endpoint and answers
 * until destroyed. Start it before binding any CURVE server socket. */
void broker_zap_actor(zsock_t *pipe, void *public_dir);

/* True once the actor is answering (zactor_new returned: check it before binding). */
bool broker_zap_serving(void);

#endif
