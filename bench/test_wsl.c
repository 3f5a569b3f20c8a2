/* test_wsl.c -- the load client's parsers: upgrade answers, server frames, HTTP answers
 * and the delivery-latency join. */
#include "wsl_http.h"
#include "wsl_lat.h"
#include "wsl_net.h"
#include "wsl_ws.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

START_TEST(test_ws_answer)
{
    const char *ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi";
    size_t used;
    int status;
    ck_assert_int_eq(wsl_ws_answer(ok, 20, &used, &status), 0);          /* incomplete */
    ck_assert_int_eq(wsl_ws_answer(ok, strlen(ok), &used, &status), 1);
    ck_assert_int_eq(status, 101);
    ck_assert_str_eq(ok + used, "\x81\x02hi");
    ck_assert_int_eq(wsl_ws_answer("SSH-2.0-x\r\n\r\n", 13, &used, &status), -1);
}
END_TEST

START_TEST(test_ws_frames)
{
    wsl_frame_t f;
    ck_assert_int_eq(wsl_ws_frame("\x81\x05hel", 5, &f), 0);
    ck_assert_int_eq(wsl_ws_frame("\x81\x05hello", 7, &f), 7);
    ck_assert_int_eq(f.opcode, WSL_OP_TEXT);
    ck_assert(f.fin);
    ck_assert_int_eq((int) f.len, 5);
    /* 16-bit length */
    char big[4 + 300];
    big[0] = (char) 0x81, big[1] = 126, big[2] = 1, big[3] = 44;
    memset(big + 4, 'x', 300);
    ck_assert_int_eq(wsl_ws_frame(big, 100, &f), 0);
    ck_assert_int_eq(wsl_ws_frame(big, sizeof big, &f), (long) sizeof big);
    ck_assert_int_eq((int) f.len, 300);
    /* a masked server frame is a protocol error */
    ck_assert_int_eq(wsl_ws_frame("\x81\x85\x01\x02\x03\x04hello", 11, &f), -1);
    /* a pong echoes the ping, masked */
    char out[131];
    ck_assert_int_eq(wsl_ws_control(out, WSL_OP_PONG, "ab", 2), 8);
    ck_assert_int_eq((unsigned char) out[0], 0x8a);
    ck_assert_int_eq((unsigned char) out[1], 0x82);
    ck_assert_int_eq(out[6] ^ out[2], 'a');
    char long_payload[126] = { 0 };
    ck_assert_int_eq(wsl_ws_control(out, WSL_OP_PONG, long_payload, 126), -1);
}
END_TEST

START_TEST(test_http_answer)
{
    const char *a = "HTTP/1.1 201 Created\r\ncontent-length: 9\r\nX-Request-ID: r\r\n\r\n"
                    "{\"id\":42}HTTP/1.1";
    wsl_http_answer_t ans;
    long n = wsl_http_answer(a, strlen(a), &ans);
    ck_assert_int_eq(n, (long) strlen(a) - 8);
    ck_assert_int_eq(ans.status, 201);
    ck_assert_int_eq((int) ans.body_len, 9);
    ck_assert(!ans.close);
    ck_assert_int_eq(wsl_http_answer(a, strlen(a) - 12, &ans), 0);       /* body cut */
    ck_assert_int_eq(wsl_http_answer("HTTP/1.1 200 OK\r\n\r\n", 19, &ans), -1);
    const char *c = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                    "Content-Length: 0\r\n\r\n";
    ck_assert_int_eq(wsl_http_answer(c, strlen(c), &ans), (long) strlen(c));
    ck_assert(ans.close);
}
END_TEST

/* The CPU figure of ws_held reads /proc/<pid>/stat: this process's own, which grows as it
 * burns CPU; a pid file naming no process reads -1, never 0. */
START_TEST(test_cpu_ticks)
{
    char path[] = "/tmp/test_wsl_pidXXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "%ld /some/binary\n", (long) getpid());
    fclose(f);
    long long a = wsl_cpu_ticks(path);
    ck_assert_int_ge(a, 0);
    volatile unsigned long x = 0;
    long long b = a;
    for (int round = 0; round < 200 && b == a; round++) {
        for (unsigned long i = 0; i < 10000000UL; i++)
            x += i;
        b = wsl_cpu_ticks(path);
    }
    ck_assert_int_gt(b, a);
    f = fopen(path, "w");
    fprintf(f, "999999999\n");
    fclose(f);
    ck_assert_int_eq(wsl_cpu_ticks(path), -1);
    unlink(path);
    ck_assert_int_eq(wsl_cpu_ticks(path), -1);
}
END_TEST

START_TEST(test_delivery_join)
{
    wsl_marks_t acks = { 0 }, frames = { 0 };
    wsl_marks_add(&acks, 7, 1000000);
    wsl_marks_add(&acks, 3, 2000000);
    wsl_marks_add(&frames, 3, 5000000);      /* 3 ms after its 201 */
    wsl_marks_add(&frames, 7, 500000);       /* before its 201: counted as 0 */
    wsl_marks_add(&frames, 9, 9000000);      /* never acknowledged */
    wsl_lat_t lat;
    ck_assert_int_eq(wsl_lat_delivery(&acks, &frames, &lat), 0);
    ck_assert_int_eq((int) lat.samples, 2);
    ck_assert_int_eq((int) lat.early, 1);
    ck_assert_int_eq((int) lat.orphans, 1);
    ck_assert(lat.p50_ms == 0.0);
    ck_assert(lat.max_ms == 3.0 && lat.p99_ms == 3.0);
    wsl_marks_release(&acks);
    wsl_marks_release(&frames);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("wsl");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ws_answer);
    tcase_add_test(tc, test_ws_frames);
    tcase_add_test(tc, test_http_answer);
    tcase_add_test(tc, test_delivery_join);
    tcase_add_test(tc, test_cpu_ticks);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
