/* test_pg_array.c -- the array literals of the batch statements: ids joined, texts quoted
 * so that quotes, backslashes, braces, commas, blanks and the word NULL survive. */
#include "pg_array.h"
#include <check.h>
#include <stdlib.h>

START_TEST(test_array_literals)
{
    const char *ids[] = { "12", "3", "9000000000" };
    char *s = pg_array_ids(ids, 3);
    ck_assert_str_eq(s, "{12,3,9000000000}");
    free(s);
    const char *texts[] = { "plain", "say \"hi\"", "back\\slash", "NULL", "{a,b} ", "é" };
    s = pg_array_texts(texts, 6);
    ck_assert_str_eq(s, "{\"plain\",\"say \\\"hi\\\"\",\"back\\\\slash\",\"NULL\",\"{a,b} \",\"é\"}");
    free(s);
    s = pg_array_texts(texts, 1);
    ck_assert_str_eq(s, "{\"plain\"}");
    free(s);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("pg_array");
    TCase *tc = tcase_create("literals");
    tcase_add_test(tc, test_array_literals);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
