/* test_shutdown.c -- graceful shutdown (issue 11). An edge on SIGTERM turns not-ready at
 * once, answers new requests 503 with Connection: close, lets the request in flight finish
 * with its normal answer and exits 0 within EDGE_SHUTDOWN_GRACE_MS; a request still running
 * when the grace runs out, or a second signal, does not keep it alive (exit status 1: work
 * was cut). A notify replica on SIGTERM turns not-ready, refuses new sockets 503, closes
 * its open sockets with 1001 (after NOTIFY_SHUTDOWN_DELAY_MS) and exits 0.
 *
 * The request in flight is made slow by the test itself: it sends the head and half the
 * body, waits until the edge counts the request in flight (its admin /metrics), signals,
 * then sends the rest. Its own processes, on fixed ports: an edge on 18097 (admin 18098)
 * and a notify replica on 18099 (admin 18100), on the test stack's broker, Redis and
 * database. Run it under `flock /tmp/busd-it.lock` beside other engineers. */
#define _GNU_SOURCE                          /* strcasestr */
#include "it_chat.h"
#include "it_db.h"
#include "it_edge.h"
#include "it_env.h"
#include "it_metrics.h"
#include "it_users.h"
#include "it_ws.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define EDGE_PORT 18097
#define EDGE_ADMIN "http://127.0.0.1:18098"
#define NOTIFY_PORT "18099"
#define NOTIFY_ADMIN_PORT "18100"
#define NOTIFY_ADMIN "http://127.0.0.1:18100"
#define WAIT_MS 15000

/* A blocking connection to 127.0.0.1:PORT whose reads give up after 10 s; -1 when refused. */
static int
s_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = { 10, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *) &a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void
s_send(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        ck_assert_msg(n > 0, "send: %s", strerror(errno));
        data += n;
        len -= (size_t) n;
    }
}

/* Reads one HTTP answer (head, then Content-Length bytes of body) into OUT; returns its
 * status, 0 when the connection ended or timed out first. */
static int
s_read_answer(int fd, char *out, size_t size)
{
    size_t got = 0;
    out[0] = '\0';
    for (;;) {
        const char *end = strstr(out, "\r\n\r\n");
        if (end) {
            const char *cl = strcasestr(out, "\r\ncontent-length:");
            size_t need = (size_t) (end + 4 - out)
                          + (cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0);
            if (got >= need)
                break;
        }
        if (got + 1 >= size)
            break;
        ssize_t n = recv(fd, out + got, size - 1 - got, 0);
        if (n <= 0)
            return 0;
        got += (size_t) n;
        out[got] = '\0';
    }
    int status = 0;
    return sscanf(out, "HTTP/1.%*d %d", &status) == 1 ? status : 0;
}

/* The value of header NAME in the answer ANSWER (case-insensitive), copied into OUT. */
static const char *
s_header(const char *answer, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    const char *body = strstr(answer, "\r\n\r\n");
    for (const char *line = strstr(answer, "\r\n"); line && line < body;
         line = strstr(line + 2, "\r\n")) {
        const char *p = line + 2;
        size_t n = strlen(name);
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ')
                p++;
            snprintf(out, size, "%.*s", (int) strcspn(p, "\r"), p);
            break;
        }
    }
    return out;
}

/* One request on a new connection: its status, the answer in OUT. 0 when refused. */
static int
s_exchange(int port, const char *request, char *out, size_t size)
{
    out[0] = '\0';
    int fd = s_connect(port);
    if (fd < 0)
        return 0;
    s_send(fd, request, strlen(request));
    int status = s_read_answer(fd, out, size);
    close(fd);
    return status;
}

/* Waits until ADMIN's /health/ready answers WANT; false after WAIT_MS. */
static bool
s_wait_ready(const char *admin, long want)
{
    for (int64_t until = it_now_ms() + WAIT_MS; it_now_ms() < until; it_sleep_ms(20))
        if (it_admin_status(admin, "/health/ready") == want)
            return true;
    return false;
}

/* Waits for child PID to exit within MS: its wait status, or -1 (then kills it). */
static int
s_wait_exit(pid_t pid, int64_t ms)
{
    for (int64_t until = it_now_ms() + ms; it_now_ms() < until; it_sleep_ms(20)) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return status;
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

/* An edge of the test's own, ready (its broker answers), with GRACE_MS of drain. */
static pid_t
s_edge_start(const char *grace_ms)
{
    char grace[64];
    snprintf(grace, sizeof grace, "EDGE_SHUTDOWN_GRACE_MS=%s", grace_ms);
    const char *settings[] = { "ADMIN_PORT=18098", grace, "RATE_LIMIT_ENABLED=false",
                               /* the test's own pauses must not trip the body deadline */
                               "EDGE_REQUEST_TIMEOUT_MS=60000", NULL };
    pid_t pid = it_edge_start(EDGE_PORT, settings);
    ck_assert_msg(s_wait_ready(EDGE_ADMIN, 200), "the test's edge never became ready");
    return pid;
}

typedef struct {
    int fd;
    char email[128];
    char body[512];
    size_t half;
} s_slow_t;

/* Starts POST /api/auth/register with half its body sent; returns once the edge counts it
 * in flight (reading the body). */
static void
s_slow_register_begin(s_slow_t *slow)
{
    char unique[24], head[256];
    it_unique("", unique, sizeof unique);
    snprintf(slow->email, sizeof slow->email, "it.shutdown.%s@example.com", unique);
    snprintf(slow->body, sizeof slow->body,
             "{\"name\":\"IT shutdown\",\"email\":\"%s\",\"password\":\"Pw0rd-%s\","
             "\"username\":\"u_%s\"}", slow->email, unique, unique);
    size_t len = strlen(slow->body);
    slow->half = len / 2;
    snprintf(head, sizeof head, "POST /api/auth/register HTTP/1.1\r\nHost: test\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", len);
    slow->fd = s_connect(EDGE_PORT);
    ck_assert_int_ge(slow->fd, 0);
    s_send(slow->fd, head, strlen(head));
    s_send(slow->fd, slow->body, slow->half);
    bool in_flight = false;
    for (int64_t until = it_now_ms() + WAIT_MS; !in_flight && it_now_ms() < until;
         it_sleep_ms(20))
        in_flight = it_metric(EDGE_ADMIN, "http_requests_in_flight") >= 1;
    ck_assert_msg(in_flight, "the edge never counted the slow request in flight");
}

START_TEST(test_edge_finishes_request_in_flight)
{
    pid_t pid = s_edge_start("10000");
    s_slow_t slow;
    s_slow_register_begin(&slow);

    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    /* Not ready at once, on the admin port and on the public one, while still running. */
    ck_assert_msg(s_wait_ready(EDGE_ADMIN, 503), "admin /health/ready never turned 503");
    static char answer[8192];
    char value[128];
    ck_assert_int_eq(s_exchange(EDGE_PORT, "GET /health/ready HTTP/1.1\r\nHost: test\r\n\r\n",
                                answer, sizeof answer), 503);
    ck_assert_str_eq(s_header(answer, "Connection", value, sizeof value), "close");
    /* New work is turned away with the contract's envelope. */
    ck_assert_int_eq(s_exchange(EDGE_PORT, "GET /api/users HTTP/1.1\r\nHost: test\r\n\r\n",
                                answer, sizeof answer), 503);
    ck_assert_msg(strstr(answer, "\"SERVICE_UNAVAILABLE\"")
                  && strstr(answer, "Server is shutting down"), "%s", answer);
    ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);   /* still draining */

    /* The request that was in flight completes normally, and tells the client to go. */
    s_send(slow.fd, slow.body + slow.half, strlen(slow.body) - slow.half);
    int status = s_read_answer(slow.fd, answer, sizeof answer);
    ck_assert_msg(status == 201, "in-flight register answered %d: %s", status, answer);
    ck_assert_str_eq(s_header(answer, "Connection", value, sizeof value), "close");
    ck_assert_ptr_nonnull(strstr(answer, "\"success\":true"));
    close(slow.fd);
    ck_assert_int_eq(it_db_count_users_by_email(slow.email), 1);

    /* Then it exits 0 by itself, well within its grace, and nothing listens any more. */
    int ws = s_wait_exit(pid, WAIT_MS);
    ck_assert_msg(ws != -1, "the edge did not exit");
    ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the edge ended with status 0x%x", ws);
    int fd = s_connect(EDGE_PORT);
    ck_assert_msg(fd < 0, "something still accepts on the edge's port");
}
END_TEST

/* A client that never sends the rest of its body holds a CivetWeb thread: neither the
 * drain nor mg_stop may wait for it past the grace. */
START_TEST(test_edge_grace_cuts_a_stuck_request)
{
    pid_t pid = s_edge_start("1000");
    s_slow_t slow;
    s_slow_register_begin(&slow);
    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    int ws = s_wait_exit(pid, WAIT_MS);
    ck_assert_msg(ws != -1, "the edge did not exit past its grace");
    ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 1,
                  "an edge that cut a request must exit 1, not status 0x%x", ws);
    char answer[4096];
    ck_assert_int_ne(s_read_answer(slow.fd, answer, sizeof answer), 201);
    close(slow.fd);
    ck_assert_int_eq(it_db_count_users_by_email(slow.email), 0);
}
END_TEST

START_TEST(test_edge_second_signal_ends_the_drain)
{
    pid_t pid = s_edge_start("600000");
    s_slow_t slow;
    s_slow_register_begin(&slow);
    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    ck_assert(s_wait_ready(EDGE_ADMIN, 503));
    ck_assert_int_eq(waitpid(pid, NULL, WNOHANG), 0);   /* waiting for the request */
    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    int ws = s_wait_exit(pid, WAIT_MS);
    ck_assert_msg(ws != -1, "a second SIGTERM did not end the drain");
    ck_assert_msg(WIFEXITED(ws) && WEXITSTATUS(ws) == 1, "status 0x%x", ws);
    close(slow.fd);
}
END_TEST

START_TEST(test_notify_closes_sockets_1001)
{
    /* A long grace: the replica must end because the socket closed, not by its bound. The
     * delay (not ready, sockets still served) is the window to see the refusals in. */
    static const char *const env[] = { "NOTIFY_SHUTDOWN_GRACE_MS=60000",
                                       "NOTIFY_SHUTDOWN_DELAY_MS=3000", NULL };
    pid_t pid = it_notify_start(NOTIFY_PORT, NOTIFY_ADMIN_PORT, env);
    ck_assert_int_gt(pid, 0);
    ck_assert(s_wait_ready(NOTIFY_ADMIN, 200));
    it_user_t u;
    IT_USER_REGISTER(&u, "shutdown");
    char url[64];
    snprintf(url, sizeof url, "ws://127.0.0.1:%s/ws", NOTIFY_PORT);
    it_ws_t *ws = it_chat_open(&u, url, NULL, WAIT_MS);

    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    /* Not ready at once, and new sockets refused, while the open one is still served. */
    ck_assert_msg(s_wait_ready(NOTIFY_ADMIN, 503), "notify readiness never turned 503");
    int status = 0;
    it_ws_t *late = it_ws_connect(&(it_ws_opts_t) { .url = url, .token = u.access }, &status);
    ck_assert_ptr_null(late);
    ck_assert_int_eq(status, 503);

    /* The socket gets 1001 (going away): reconnect elsewhere with ?since=. */
    char *text = it_ws_recv_text(ws, WAIT_MS);
    ck_assert_msg(!text, "a frame instead of the close: %s", text);
    ck_assert_int_eq(it_ws_close_code(ws), 1001);
    it_ws_close(&ws);
    int ws_status = s_wait_exit(pid, WAIT_MS);
    ck_assert_msg(ws_status != -1, "notify did not exit");
    ck_assert_msg(WIFEXITED(ws_status) && WEXITSTATUS(ws_status) == 0, "notify ended 0x%x",
                  ws_status);
    it_user_clear(&u);
}
END_TEST

static Suite *
s_suite(void)
{
    Suite *s = suite_create("shutdown");
    TCase *tc = tcase_create("graceful");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, test_edge_finishes_request_in_flight);
    tcase_add_test(tc, test_edge_grace_cuts_a_stuck_request);
    tcase_add_test(tc, test_edge_second_signal_ends_the_drain);
    tcase_add_test(tc, test_notify_closes_sockets_1001);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return it_suite_run(s_suite());
}
