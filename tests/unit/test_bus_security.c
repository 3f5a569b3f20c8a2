/* test_bus_security.c -- the bus's role policy (bus_security.h), and that a process
 * refuses to start without keys unless told to run plain. */
#include <check.h>
#include <stdlib.h>
#include "bus_security.h"

START_TEST(test_connect)
{
    ck_assert(bus_security_may_connect("front", "edge"));
    ck_assert(!bus_security_may_connect("front", "orders"));   /* calls no other service */
    ck_assert(!bus_security_may_connect("front", "notify"));
    ck_assert(!bus_security_may_connect("front", "users"));
    ck_assert(bus_security_may_connect("back", "users"));
    ck_assert(!bus_security_may_connect("back", "edge"));
    ck_assert(bus_security_may_connect("xsub", "messages"));
    ck_assert(bus_security_may_connect("xsub", "notify"));
    ck_assert(!bus_security_may_connect("xsub", "edge"));
    ck_assert(bus_security_may_connect("xpub", "notify"));
    ck_assert(!bus_security_may_connect("xpub", "messages"));
    ck_assert(!bus_security_may_connect("other", "edge"));
    ck_assert(!bus_security_may_connect("front", NULL));
}
END_TEST

START_TEST(test_serve_publish_speak)
{
    ck_assert(bus_security_may_serve("users", "users"));
    ck_assert(bus_security_may_serve("users", "auth"));
    ck_assert(!bus_security_may_serve("users", "orders"));
    ck_assert(!bus_security_may_serve("messages", "users"));
    ck_assert(!bus_security_may_serve("edge", "users"));
    ck_assert(!bus_security_may_serve(NULL, "users"));
    ck_assert(bus_security_may_publish("messages", "new_message"));
    ck_assert(bus_security_may_publish("messages", "group_deleted"));
    ck_assert(!bus_security_may_publish("messages", "session_revoked"));
    ck_assert(bus_security_may_publish("users", "session_revoked"));
    ck_assert(!bus_security_may_publish("users", "new_message"));
    ck_assert(bus_security_may_publish("notify", "sync"));
    ck_assert(!bus_security_may_publish("notify", "new_message"));
    ck_assert(!bus_security_may_publish("messages", ""));
    ck_assert(bus_security_may_speak_for_users("edge"));
    ck_assert(!bus_security_may_speak_for_users("orders"));
    ck_assert(!bus_security_may_speak_for_users(NULL));
}
END_TEST

START_TEST(test_init_refuses_without_keys)
{
    const char *err = NULL;
    unsetenv("BUS_CURVE_DIR");
    unsetenv("BUS_INSECURE");
    ck_assert_int_eq(bus_security_init("edge", &err), -1);
    ck_assert_ptr_nonnull(err);
    setenv("BUS_CURVE_DIR", "/nonexistent-busd-keys", 1);
    ck_assert_int_eq(bus_security_init("edge", &err), -1);
    ck_assert(!bus_security_on());
    unsetenv("BUS_CURVE_DIR");
    setenv("BUS_INSECURE", "true", 1);
    ck_assert_int_eq(bus_security_init("edge", &err), 0);
    ck_assert(!bus_security_on());
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("bus_security");
    TCase *tc = tcase_create("policy");
    tcase_add_test(tc, test_connect);
    tcase_add_test(tc, test_serve_publish_speak);
    tcase_add_test(tc, test_init_refuses_without_keys);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
