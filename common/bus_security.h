/* bus_security.h -- CURVE on every bus socket: ZeroMQ's encryption and authentication,
 * with the keys as czmq certificates (zcert).
 *
 * Each process has one certificate, whose metadata names its role. The broker lets a
 * connection in only with a known key (its ZAP handler, broker/broker_zap.c), and on each
 * of its sockets only the roles that socket serves:
 *
 *   socket (ZAP domain)   roles                  and on each message
 *   clients  "front"      edge                   a request speaking for a user (a caller
 *                                                block) only from an edge (kept for any
 *                                                future client role: today only the edge
 *                                                may send requests at all)
 *   workers  "back"       users, orders, messages  READY only for the role's own services
 *   XSUB     "xsub"       users, messages, notify  only the role's own events
 *   XPUB     "xpub"       notify                 (only notify reads events)
 *
 * Files, under BUS_CURVE_DIR (scripts/stack.sh makes them with bus-keygen; on Kubernetes a
 * Secret, each pod mounting its own secret certificate and every public one):
 *   public/<role>.cert   every role's public certificate (the broker's allow-list)
 *   secret/<role>.cert   a role's secret certificate (only that role's pods)
 *
 * Without BUS_CURVE_DIR the bus is plain TCP, which a process accepts only when told so
 * (BUS_INSECURE=true): the unit tests' in-process brokers and workers, which never call
 * bus_security_init, are plain. */
#ifndef COMMON_BUS_SECURITY_H
#define COMMON_BUS_SECURITY_H
#include <stdbool.h>
#include <czmq.h>

/* Reads the settings and this process's certificate (ROLE: "edge", "users", ...,
 * "broker"), once, before any bus socket exists. Returns 0, or -1 with a reason in *ERR
 * (no BUS_CURVE_DIR without BUS_INSECURE=true, a missing or unreadable certificate, a
 * certificate of another role). */
int bus_security_init(const char *role, const char **err);

/* Frees what bus_security_init loaded (at exit, for the leak checkers). */
void bus_security_fini(void);

/* True when CURVE is on. */
bool bus_security_on(void);

/* Makes SOCK, before it connects, a CURVE client of the broker. Nothing when off. */
void bus_security_client(zsock_t *sock);

/* Makes SOCK, before it binds, a CURVE server in ZAP domain DOMAIN (broker). */
void bus_security_server(zsock_t *sock, const char *domain);

/* The folder of every allowed public certificate (broker), or NULL when off. */
const char *bus_security_public_dir(void);

/* --- the policy (pure: unit-tested) ------------------------------------------------ */

/* May a peer of ROLE connect to the broker's socket of ZAP domain DOMAIN? */
bool bus_security_may_connect(const char *domain, const char *role);

/* May a worker of ROLE register for SERVICE? */
bool bus_security_may_serve(const char *role, const char *service);

/* May a publisher of ROLE publish event EVENT (its "event" name)? */
bool bus_security_may_publish(const char *role, const char *event);

/* May a client of ROLE send a request that speaks for a user (a caller block with a user
 * id)? Only an edge, which verified the user's token. */
bool bus_security_may_speak_for_users(const char *role);

#endif
