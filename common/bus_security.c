/* bus_security.c -- this process's certificate, CURVE on its sockets, and the policy. */
#include "bus_security.h"
#include "event_topic.h"
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "log.h"

/* Read once at start, before any thread makes a socket; read-only afterwards. */
static struct {
    bool on;
    zcert_t *own;
    char broker_key[41];             /* Z85 public key of the broker */
    char public_dir[512];
} s_sec;

static bool
s_in(const char *word, const char *const *list)
{
    for (; word && *list; list++)
        if (strcmp(word, *list) == 0)
            return true;
    return false;
}

bool
bus_security_may_connect(const char *domain, const char *role)
{
    static const char *const front[] = { "edge", NULL };
    static const char *const back[] = { "users", "orders", "messages", NULL };
    static const char *const xsub[] = { "users", "messages", "notify", NULL };
    static const char *const xpub[] = { "notify", NULL };
    if (!domain || !role)
        return false;
    if (strcmp(domain, "front") == 0)
        return s_in(role, front);
    if (strcmp(domain, "back") == 0)
        return s_in(role, back);
    if (strcmp(domain, "xsub") == 0)
        return s_in(role, xsub);
    if (strcmp(domain, "xpub") == 0)
        return s_in(role, xpub);
    return false;
}

bool
bus_security_may_serve(const char *role, const char *service)
{
    static const char *const users[] = { "users", "auth", NULL };
    static const char *const orders[] = { "orders", NULL };
    static const char *const messages[] = { "messages", NULL };
    if (!role || !service)
        return false;
    if (strcmp(role, "users") == 0)
        return s_in(service, users);
    if (strcmp(role, "orders") == 0)
        return s_in(service, orders);
    if (strcmp(role, "messages") == 0)
        return s_in(service, messages);
    return false;
}

bool
bus_security_may_publish(const char *role, const char *event)
{
    static const char *const users[] = { EVENT_SESSION_REVOKED, NULL };
    static const char *const messages[] = { EVENT_NEW_MESSAGE, EVENT_MESSAGE_DELETED,
                                            EVENT_GROUP_JOINED, EVENT_GROUP_LEFT,
                                            EVENT_GROUP_DELETED, NULL };
    static const char *const notify[] = { EVENT_SYNC, NULL };
    if (!role || !event)
        return false;
    if (strcmp(role, "users") == 0)
        return s_in(event, users);
    if (strcmp(role, "messages") == 0)
        return s_in(event, messages);
    if (strcmp(role, "notify") == 0)
        return s_in(event, notify);
    return false;
}

bool
bus_security_may_speak_for_users(const char *role)
{
    return role && strcmp(role, "edge") == 0;
}

int
bus_security_init(const char *role, const char **err)
{
    const char *dir = config_str("BUS_CURVE_DIR", NULL);
    if (!dir || !*dir) {
        if (config_bool("BUS_INSECURE", false)) {
            log_warn(NULL, "bus_insecure", "BUS_CURVE_DIR is not set: the bus is plain TCP, "
                     "and anyone who reaches it can act as any user");
            return 0;
        }
        *err = "BUS_CURVE_DIR is not set (the bus would accept anyone; BUS_INSECURE=true "
               "runs without it)";
        return -1;
    }
    if (!zsys_has_curve()) {
        *err = "this libzmq has no CURVE";
        return -1;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/secret/%s.cert", dir, role);
    s_sec.own = zcert_load(path);
    if (!s_sec.own) {
        *err = "cannot read this process's secret certificate (BUS_CURVE_DIR/secret/<role>.cert)";
        return -1;
    }
    const char *meta = zcert_meta(s_sec.own, "role");
    if (!meta || strcmp(meta, role) != 0) {
        *err = "the secret certificate is another role's";
        bus_security_fini();
        return -1;
    }
    snprintf(path, sizeof path, "%s/public/broker.cert", dir);
    zcert_t *broker = zcert_load(path);
    if (!broker) {
        *err = "cannot read the broker's public certificate (BUS_CURVE_DIR/public/broker.cert)";
        bus_security_fini();
        return -1;
    }
    snprintf(s_sec.broker_key, sizeof s_sec.broker_key, "%s", zcert_public_txt(broker));
    zcert_destroy(&broker);
    snprintf(s_sec.public_dir, sizeof s_sec.public_dir, "%s/public", dir);
    s_sec.on = true;
    log_info(NULL, "bus_curve", "bus sockets use CURVE as %s", role);
    return 0;
}

void
bus_security_fini(void)
{
    zcert_destroy(&s_sec.own);
    s_sec.on = false;
}

bool
bus_security_on(void)
{
    return s_sec.on;
}

void
bus_security_client(zsock_t *sock)
{
    if (!s_sec.on)
        return;
    zcert_apply(s_sec.own, sock);
    zsock_set_curve_serverkey(sock, s_sec.broker_key);
}

void
bus_security_server(zsock_t *sock, const char *domain)
{
    if (!s_sec.on)
        return;
    zcert_apply(s_sec.own, sock);
    zsock_set_curve_server(sock, 1);
    zsock_set_zap_domain(sock, domain);
}

const char *
bus_security_public_dir(void)
{
    return s_sec.on ? s_sec.public_dir : NULL;
}
