/* test_bus_auth.c -- the authenticated bus (common/bus_security.h, issue 10): against the
 * stack's broker, with the stack's certificates (BUS_CURVE_DIR), this suite plays the
 * attacker inside the cluster and proves each refusal next to a control that goes through:
 *
 *   - a process without a key, or with a key the broker does not know, gets no answer;
 *   - only an edge's key sends requests: orders' key (which calls no other service) gets
 *     no answer on the clients' socket, with or without a caller block; the edge's key
 *     may speak for a user;
 *   - a key cannot register as a worker of another role's service;
 *   - a key cannot publish another role's events (users' key forging a new_message);
 *   - only notify's key may subscribe to events.
 *
 * Raw CZMQ sockets, one certificate each, speaking the bus protocol (bus_proto.h). */
#include "it_assert.h"
#include "it_chat.h"
#include "it_env.h"
#include "it_http.h"
#include "it_users.h"
#include "it_ws.h"

#include <check.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bus_proto.h"
#include "envelope.h"

#define RECV_MS 10000

/* ROLE's certificate from the stack's folder; NULL ROLE: a fresh key nobody knows. */
static zcert_t *
s_cert(const char *role)
{
    if (!role)
        return zcert_new();
    char path[1024];
    snprintf(path, sizeof path, "%s/secret/%s.cert", it_env_require("BUS_CURVE_DIR"), role);
    zcert_t *cert = zcert_load(path);
    ck_assert_msg(cert, "no certificate %s", path);
    return cert;
}

/* A socket of TYPE connected to ENDPOINT as ROLE (NULL: an unknown key; "plain": no CURVE
 * at all). */
static zsock_t *
s_socket(int type, const char *endpoint, const char *role)
{
    zsock_t *sock = zsock_new(type);
    ck_assert_ptr_nonnull(sock);
    zsock_set_linger(sock, 0);
    if (!role || strcmp(role, "plain") != 0) {
        zcert_t *cert = s_cert(role);
        zcert_t *broker = s_cert("broker");
        zcert_apply(cert, sock);
        zsock_set_curve_serverkey(sock, zcert_public_txt(broker));
        zcert_destroy(&broker);
        zcert_destroy(&cert);
    }
    ck_assert_int_eq(zsock_connect(sock, "%s", endpoint), 0);
    return sock;
}

/* Sends users.<METHOD> {id: 1} for CALLER_UID (0: no caller block) from SOCK; the reply's
 * status, or 0 when none came within MS. A users method that answers every caller
 * ("get": 401 without one) shows the broker delivered it; no answer, that it did not. */
static int s_call_ex(zsock_t *sock, const char *method, int64_t caller_uid, bool idem, int ms);

static int
s_call(zsock_t *sock, const char *method, int64_t caller_uid, int ms)
{
    return s_call_ex(sock, method, caller_uid, false, ms);
}

/* s_call, with an Idempotency-Key block when IDEM (its scope speaks for user 1). */
static int
s_call_ex(zsock_t *sock, const char *method, int64_t caller_uid, bool idem, int ms)
{
    envelope_t *req = envelope_new(ENVELOPE_REQUEST);
    snprintf(req->request_id, sizeof req->request_id, "req_busauth_%d", rand());
    snprintf(req->service, sizeof req->service, "users");
    snprintf(req->method, sizeof req->method, "%s", method);
    req->deadline_ms = 0;
    if (caller_uid) {
        req->caller.user_id = caller_uid;
        snprintf(req->caller.role, sizeof req->caller.role, "admin");
        snprintf(req->caller.jti, sizeof req->caller.jti, "forged");
    }
    if (idem) {
        snprintf(req->idem.key, sizeof req->idem.key, "forged-key");
        snprintf(req->idem.scope, sizeof req->idem.scope, "user:1");
        memset(req->idem.fingerprint, 'a', 64);
    }
    msgpack_packer *pk = envelope_body_packer(req);
    msgpack_pack_map(pk, 1);
    envelope_pack_key(pk, "id");
    msgpack_pack_int64(pk, 1);
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    envelope_encode(req, &buf);
    zmsg_t *msg = zmsg_new();
    zmsg_addmem(msg, BUS_CLIENT, BUS_HEADER_SIZE);
    zmsg_addstr(msg, "users");
    zmsg_addmem(msg, "12345678", BUS_NONCE_SIZE);
    zmsg_addmem(msg, buf.data, buf.size);
    msgpack_sbuffer_destroy(&buf);
    envelope_destroy(&req);
    zsock_set_sndtimeo(sock, ms);
    if (zmsg_send(&msg, sock) != 0) {
        zmsg_destroy(&msg);
        return 0;
    }
    zsock_set_rcvtimeo(sock, ms);
    zmsg_t *rep = zmsg_recv(sock);
    if (!rep)
        return 0;
    int status = 0;
    if (zmsg_size(rep) == 4) {
        zframe_t *body = zmsg_last(rep);
        envelope_t *env = envelope_decode(zframe_data(body), zframe_size(body), NULL);
        status = env ? env->status : 0;
        envelope_destroy(&env);
    }
    zmsg_destroy(&rep);
    return status;
}

START_TEST(test_unkeyed_and_unknown_keys_get_nothing)
{
    const char *front = it_env_require("TEST_BUS_CLIENT_ENDPOINT");
    zsock_t *edge = s_socket(ZMQ_DEALER, front, "edge");
    /* control: answered (by users, which wants a caller: the broker let it through) */
    ck_assert_int_eq(s_call(edge, "get", 0, RECV_MS), 401);
    zsock_destroy(&edge);
    zsock_t *plain = s_socket(ZMQ_DEALER, front, "plain");
    ck_assert_int_eq(s_call(plain, "get", 0, 1500), 0);
    zsock_destroy(&plain);
    zsock_t *stranger = s_socket(ZMQ_DEALER, front, NULL);
    ck_assert_int_eq(s_call(stranger, "get", 0, 1500), 0);
    zsock_destroy(&stranger);
    /* a known key on a socket its role does not use: notify sends no requests */
    zsock_t *notify = s_socket(ZMQ_DEALER, front, "notify");
    ck_assert_int_eq(s_call(notify, "get", 0, 1500), 0);
    zsock_destroy(&notify);
}
END_TEST

START_TEST(test_only_an_edge_speaks_for_a_user)
{
    it_user_t admin;
    IT_ADMIN_LOGIN(&admin);
    const char *front = it_env_require("TEST_BUS_CLIENT_ENDPOINT");
    /* orders calls no other service: its key gets nothing on the clients' socket, neither
     * as itself, nor as the admin, nor with an Idempotency-Key block (its scope speaks for
     * a user too) */
    zsock_t *orders = s_socket(ZMQ_DEALER, front, "orders");
    ck_assert_int_eq(s_call(orders, "get", 0, 1500), 0);
    ck_assert_int_eq(s_call(orders, "me", admin.id, 1500), 0);
    ck_assert_int_eq(s_call_ex(orders, "get", 0, true, 1500), 0);
    zsock_destroy(&orders);
    /* the edge may: the forged caller is then the users service's to judge (its jti is
     * not checked there; the edge checks tokens before it ever builds a caller block) */
    zsock_t *edge = s_socket(ZMQ_DEALER, front, "edge");
    ck_assert_int_eq(s_call(edge, "me", admin.id, RECV_MS), 200);
    /* the very message refused from orders' key: delivered, and users asks for a caller */
    ck_assert_int_eq(s_call_ex(edge, "get", 0, true, RECV_MS), 401);
    ck_assert_int_eq(s_call_ex(edge, "me", admin.id, true, RECV_MS), 200);
    zsock_destroy(&edge);
    it_user_clear(&admin);
}
END_TEST

START_TEST(test_workers_only_for_their_own_service)
{
    const char *back = it_env_require("BUS_WORKER_ENDPOINT");
    /* messages' key asks to serve users: the broker answers DISCONNECT */
    zsock_t *fake = s_socket(ZMQ_DEALER, back, "messages");
    zsock_set_rcvtimeo(fake, RECV_MS);
    zmsg_t *ready = zmsg_new();
    zmsg_addmem(ready, BUS_WORKER, BUS_HEADER_SIZE);
    zmsg_addmem(ready, BUS_READY, 1);
    zmsg_addstr(ready, "users");
    ck_assert_int_eq(zmsg_send(&ready, fake), 0);
    zmsg_t *answer = zmsg_recv(fake);
    ck_assert_ptr_nonnull(answer);
    ck_assert_uint_eq(zmsg_size(answer), 2);
    zframe_t *cmd = zmsg_last(answer);
    ck_assert(zframe_size(cmd) == 1 && memcmp(zframe_data(cmd), BUS_DISCONNECT, 1) == 0);
    zmsg_destroy(&answer);
    /* and every users request still goes to the real users service */
    zsock_t *edge = s_socket(ZMQ_DEALER, it_env_require("TEST_BUS_CLIENT_ENDPOINT"), "edge");
    for (int i = 0; i < 10; i++)
        ck_assert_int_gt(s_call(edge, "get", 0, RECV_MS), 0);
    zsock_set_rcvtimeo(fake, 200);
    while ((answer = zmsg_recv(fake))) {
        ck_assert_msg(zmsg_size(answer) == 2, "the fake worker was given a request");
        zmsg_destroy(&answer);
    }
    zsock_destroy(&edge);
    zsock_destroy(&fake);
    /* the edge's key cannot even connect to the workers' socket */
    zsock_t *edge_worker = s_socket(ZMQ_DEALER, back, "edge");
    zsock_set_rcvtimeo(edge_worker, 1500);
    ready = zmsg_new();
    zmsg_addmem(ready, BUS_WORKER, BUS_HEADER_SIZE);
    zmsg_addmem(ready, BUS_READY, 1);
    zmsg_addstr(ready, "orders");
    zmsg_send(&ready, edge_worker);
    zmsg_destroy(&ready);
    answer = zmsg_recv(edge_worker);
    ck_assert_ptr_null(answer);              /* not even a heartbeat: never connected */
    zsock_destroy(&edge_worker);
}
END_TEST

/* A new_message event for RECEIVER, packed as messages would. */
static zmsg_t *
s_forged_event(int64_t receiver, int64_t message_id, const char *text)
{
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 5);
    envelope_pack_key(&pk, "v");
    msgpack_pack_int(&pk, 1);
    envelope_pack_key(&pk, "event");
    envelope_pack_str(&pk, "new_message");
    envelope_pack_key(&pk, "ts");
    msgpack_pack_int64(&pk, 1);
    envelope_pack_key(&pk, "message");
    msgpack_pack_map(&pk, 7);
    envelope_pack_key(&pk, "id");             msgpack_pack_int64(&pk, message_id);
    envelope_pack_key(&pk, "sender_id");      msgpack_pack_int64(&pk, 1);
    envelope_pack_key(&pk, "receiver_type");  envelope_pack_str(&pk, "user");
    envelope_pack_key(&pk, "receiver_id");    msgpack_pack_int64(&pk, receiver);
    envelope_pack_key(&pk, "text");           envelope_pack_str(&pk, text);
    envelope_pack_key(&pk, "is_read");        msgpack_pack_false(&pk);
    envelope_pack_key(&pk, "created_at");     envelope_pack_str(&pk, "2026-01-01T00:00:00.000Z");
    envelope_pack_key(&pk, "notifications");    /* notify delivers per recipient */
    msgpack_pack_array(&pk, 1);
    msgpack_pack_map(&pk, 3);
    envelope_pack_key(&pk, "user_id");        msgpack_pack_int64(&pk, receiver);
    envelope_pack_key(&pk, "id");             msgpack_pack_int64(&pk, message_id);
    envelope_pack_key(&pk, "created_at");     envelope_pack_str(&pk, "2026-01-01T00:00:00.000Z");
    char topic[32];
    snprintf(topic, sizeof topic, "u:%lld|", (long long) receiver);
    zmsg_t *msg = zmsg_new();
    zmsg_addstr(msg, topic);
    zmsg_addmem(msg, buf.data, buf.size);
    msgpack_sbuffer_destroy(&buf);
    return msg;
}

/* Publishes the forged event from ROLE's PUB socket every 200 ms for up to MS, until WS
 * shows it. True when it arrived. */
static bool
s_publish_until_seen(const char *role, it_ws_t *ws, int64_t receiver, int64_t message_id,
                     int ms)
{
    zsock_t *pub = s_socket(ZMQ_PUB, it_env_require("BUS_PUB_ENDPOINT"), role);
    bool seen = false;
    int64_t until = it_now_ms() + ms;
    while (!seen && it_now_ms() < until) {
        zmsg_t *ev = s_forged_event(receiver, message_id, "forged");
        zmsg_send(&ev, pub);
        zmsg_destroy(&ev);
        json_object *frame = it_ws_recv_json(ws, 200);
        if (frame) {
            json_object *data = json_object_object_get(frame, "data");
            seen = data && it_json_int(data, "id") == message_id;
            json_object_put(frame);
        }
    }
    zsock_destroy(&pub);
    return seen;
}

START_TEST(test_events_only_from_their_publisher)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "busauthev");
    it_ws_t *ws = it_chat_open(&u, NULL, NULL, RECV_MS);
    /* users may publish session_revoked only: its forged new_message never arrives */
    ck_assert(!s_publish_until_seen("users", ws, u.id, 900000001, 2000));
    /* an unknown key cannot publish at all */
    ck_assert(!s_publish_until_seen(NULL, ws, u.id, 900000002, 1500));
    /* control: the same event from messages' key is delivered */
    ck_assert(s_publish_until_seen("messages", ws, u.id, 900000003, RECV_MS));
    it_ws_close(&ws);
    it_user_clear(&u);
}
END_TEST

START_TEST(test_only_notify_reads_events)
{
    const char *xpub = it_env_require("BUS_SUB_ENDPOINT");
    zsock_t *edge_sub = s_socket(ZMQ_SUB, xpub, "edge");
    zsock_t *plain_sub = s_socket(ZMQ_SUB, xpub, "plain");
    zsock_t *notify_sub = s_socket(ZMQ_SUB, xpub, "notify");
    zsock_set_subscribe(edge_sub, "u:");
    zsock_set_subscribe(plain_sub, "u:");
    zsock_set_subscribe(notify_sub, "u:");
    zsock_t *pub = s_socket(ZMQ_PUB, it_env_require("BUS_PUB_ENDPOINT"), "messages");
    /* until notify's key sees one (subscriptions travel up first), then a few more */
    zsock_set_rcvtimeo(notify_sub, 200);
    int notify_got = 0;
    int64_t until = it_now_ms() + RECV_MS;
    while (notify_got < 5 && it_now_ms() < until) {
        zmsg_t *ev = s_forged_event(1, 900000010, "to notify only");
        zmsg_send(&ev, pub);
        zmsg_destroy(&ev);
        zmsg_t *got = zmsg_recv(notify_sub);
        if (got)
            notify_got++;
        zmsg_destroy(&got);
    }
    ck_assert_int_ge(notify_got, 5);
    zsock_set_rcvtimeo(edge_sub, 300);
    zsock_set_rcvtimeo(plain_sub, 300);
    zmsg_t *leak = zmsg_recv(edge_sub);
    ck_assert_msg(!leak, "the edge's key read an event");
    leak = zmsg_recv(plain_sub);
    ck_assert_msg(!leak, "an unkeyed socket read an event");
    zsock_destroy(&pub);
    zsock_destroy(&notify_sub);
    zsock_destroy(&plain_sub);
    zsock_destroy(&edge_sub);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("bus_auth");
    TCase *tc = tcase_create("curve");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_unkeyed_and_unknown_keys_get_nothing);
    tcase_add_test(tc, test_only_an_edge_speaks_for_a_user);
    tcase_add_test(tc, test_workers_only_for_their_own_service);
    tcase_add_test(tc, test_events_only_from_their_publisher);
    tcase_add_test(tc, test_only_notify_reads_events);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    /* No CZMQ context here: each test runs in a forked child that makes its own and ends
     * it at exit (one made before the fork would be reported leaked in every child). */
    return it_suite_run(s_suite());
}
