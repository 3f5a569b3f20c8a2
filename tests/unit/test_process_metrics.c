/* test_process_metrics.c -- the process_* series a scrape gets, and collectors in general. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "metrics.h"
#include "process_metrics.h"

/* The value of the sample line "NAME VALUE" of TEXT after checking its HELP and TYPE lines
 * (TYPE must be TYPE_NAME), or fails the test. */
static double
s_sample(const char *text, const char *name, const char *type_name)
{
    char want[256];
    snprintf(want, sizeof want, "# HELP %s ", name);
    const char *help = strstr(text, want);
    ck_assert_msg(help != NULL, "no HELP line for %s in:\n%s", name, text);
    ck_assert_msg(help == text || help[-1] == '\n', "HELP of %s not at a line start", name);
    ck_assert_msg(strchr(help, '\n') - help > (long) strlen(want), "empty HELP for %s", name);
    ck_assert_msg(strstr(help + 1, want) == NULL, "two HELP lines for %s", name);
    snprintf(want, sizeof want, "\n# TYPE %s %s\n", name, type_name);
    const char *type = strstr(text, want);
    ck_assert_msg(type != NULL, "no '# TYPE %s %s' line", name, type_name);
    /* The sample follows its TYPE line: "NAME VALUE\n", a plain number. */
    const char *line = type + strlen(want);
    size_t n = strlen(name);
    ck_assert_msg(strncmp(line, name, n) == 0 && line[n] == ' ', "no sample after TYPE of %s",
                  name);
    char *end = NULL;
    double v = strtod(line + n + 1, &end);
    ck_assert_msg(end != line + n + 1 && *end == '\n', "malformed value for %s: %.40s", name,
                  line + n + 1);
    return v;
}

static char *
s_render_process(void)
{
    metrics_t *m = metrics_new();
    metrics_add_collector(m, process_metrics_collect, NULL);
    char *text = metrics_render(m);
    metrics_destroy(&m);
    return text;
}

START_TEST(test_process_metrics_present_and_plausible)
{
    char *text = s_render_process();
    double cpu = s_sample(text, "process_cpu_seconds_total", "counter");
    double rss = s_sample(text, "process_resident_memory_bytes", "gauge");
    double vms = s_sample(text, "process_virtual_memory_bytes", "gauge");
    double fds = s_sample(text, "process_open_fds", "gauge");
    double max = s_sample(text, "process_max_fds", "gauge");
    double start = s_sample(text, "process_start_time_seconds", "gauge");
    ck_assert(cpu >= 0);
    ck_assert(rss > 4096);                   /* at least one page */
    ck_assert(vms >= rss);
    ck_assert(fds >= 3);                     /* stdin, stdout, stderr at the least */
    ck_assert(max >= fds);
    double now = (double) time(NULL);
    ck_assert_msg(start <= now + 1 && start > now - 3600,
                  "start time %.2f is not in the last hour before %.0f", start, now);
    free(text);
}
END_TEST

START_TEST(test_process_metrics_follow_the_process)
{
    process_metrics_t before, after;
    process_metrics_read(&before);
    int fd[4];
    for (int i = 0; i < 4; i++)
        ck_assert_int_ge(fd[i] = open("/dev/null", O_RDONLY), 0);
    /* Touch 8 MiB so the resident size has to grow; volatile, or the optimizer drops
     * a block that is written and freed unread. */
    size_t size = 8u << 20;
    volatile char *block = malloc(size);
    ck_assert_ptr_nonnull((void *) block);
    for (size_t i = 0; i < size; i += 1024)
        block[i] = 1;
    process_metrics_read(&after);
    ck_assert(after.open_fds == before.open_fds + 4);
    ck_assert_msg(after.resident_bytes >= before.resident_bytes + (double) size / 2,
                  "RSS %.0f -> %.0f", before.resident_bytes, after.resident_bytes);
    ck_assert(after.start_time_seconds == before.start_time_seconds);
    ck_assert(after.cpu_seconds >= before.cpu_seconds);
    free((void *) block);
    for (int i = 0; i < 4; i++)
        close(fd[i]);
}
END_TEST

START_TEST(test_collectors_once_each_after_series)
{
    metrics_t *m = metrics_new();
    metric_add(metrics_get(m, METRIC_COUNTER, "a_total", "A", ""), 3);
    metrics_add_collector(m, process_metrics_collect, NULL);
    metrics_add_collector(m, process_metrics_collect, NULL);     /* ignored */
    char *text = metrics_render(m);
    const char *series = strstr(text, "a_total 3\n");
    const char *first = strstr(text, "# HELP process_open_fds ");
    ck_assert_ptr_nonnull(series);
    ck_assert_ptr_nonnull(first);
    ck_assert_ptr_null(strstr(first + 1, "# HELP process_open_fds "));
    ck_assert(series < first);
    free(text);
    metrics_destroy(&m);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("process_metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_process_metrics_present_and_plausible);
    tcase_add_test(tc, test_process_metrics_follow_the_process);
    tcase_add_test(tc, test_collectors_once_each_after_series);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
