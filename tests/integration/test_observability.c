/* test_observability.c -- deploy/observability checked against the running system: promtool
 * accepts and unit-tests the alerting rules, and every metric the rules and the Grafana
 * dashboard name is one the processes really export on their /metrics. */
#include "it_assert.h"
#include "it_env.h"
#include "it_http.h"
#include "it_metrics.h"
#include "it_users.h"

#include <check.h>
#include <ctype.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#ifndef BUSD_SOURCE_DIR
#error "BUSD_SOURCE_DIR must name the repository (tests/CMakeLists.txt sets it)"
#endif
#define OBS_DIR BUSD_SOURCE_DIR "/deploy/observability"

/* --- a set of names ----------------------------------------------------------------- */

typedef struct {
    char **names;
    char **where;            /* for names taken from expressions: the file that uses it */
    int count, cap;
} s_names_t;

static bool
s_names_has(const s_names_t *set, const char *name)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->names[i], name) == 0)
            return true;
    return false;
}

static void
s_names_add(s_names_t *set, const char *name, size_t len, const char *where)
{
    char *copy = strndup(name, len);
    ck_assert_ptr_nonnull(copy);
    if (s_names_has(set, copy)) {
        free(copy);
        return;
    }
    if (set->count == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 64;
        set->names = realloc(set->names, (size_t) set->cap * sizeof *set->names);
        set->where = realloc(set->where, (size_t) set->cap * sizeof *set->where);
        ck_assert(set->names && set->where);
    }
    set->names[set->count] = copy;
    set->where[set->count++] = strdup(where ? where : "");
}

static void
s_names_free(s_names_t *set)
{
    for (int i = 0; i < set->count; i++) {
        free(set->names[i]);
        free(set->where[i]);
    }
    free(set->names);
    free(set->where);
    memset(set, 0, sizeof *set);
}

/* --- metric names in a PromQL expression --------------------------------------------- */

/* Words that are PromQL, not metrics: aggregations (which may come before their "by"),
 * binary operators and modifiers, special numbers. A word followed by '(' is a function. */
static const char *const s_keywords[] = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
    "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "and", "or", "unless", "atan2", "inf", "nan", NULL
};

/* Keywords followed by a parenthesised list of label names. */
static const char *const s_label_lists[] = {
    "by", "without", "on", "ignoring", "group_left", "group_right", NULL
};

static bool
s_in(const char *const *list, const char *word, size_t len)
{
    for (; *list; list++)
        if (strlen(*list) == len && strncasecmp(*list, word, len) == 0)
            return true;
    return false;
}

static bool
s_ident_start(char c)
{
    return isalpha((unsigned char) c) || c == '_' || c == ':';
}

static bool
s_ident_char(char c)
{
    return isalnum((unsigned char) c) || c == '_' || c == ':';
}

/* Index just past the string literal starting at E[I] (quote, then \-escapes). */
static size_t
s_skip_string(const char *e, size_t i)
{
    char quote = e[i++];
    while (e[i] && e[i] != quote) {
        if (e[i] == '\\' && quote != '`' && e[i + 1])
            i++;
        i++;
    }
    return e[i] ? i + 1 : i;
}

/* Index just past the group opened at E[I] ('{', '[' or '('), strings inside skipped. */
static size_t
s_skip_group(const char *e, size_t i)
{
    char open = e[i], close = open == '{' ? '}' : open == '[' ? ']' : ')';
    int depth = 0;
    while (e[i]) {
        if (e[i] == '"' || e[i] == '\'' || e[i] == '`') {
            i = s_skip_string(e, i);
            continue;
        }
        if (e[i] == open)
            depth++;
        else if (e[i] == close && --depth == 0)
            return i + 1;
        i++;
    }
    return i;
}

/* Adds to OUT every metric name EXPR selects: identifiers that are not keywords, not
 * functions, not label names (inside {} or a by/on list), not inside strings, ranges
 * ([5m], [$__rate_interval]) or numbers, and not Grafana variables ($job). */
static void
s_promql_names(const char *e, s_names_t *out, const char *where)
{
    size_t i = 0;
    while (e[i]) {
        char c = e[i];
        if (c == '"' || c == '\'' || c == '`') {
            i = s_skip_string(e, i);
        } else if (c == '{' || c == '[') {
            i = s_skip_group(e, i);
        } else if (c == '#') {
            while (e[i] && e[i] != '\n')
                i++;
        } else if (c == '$') {
            i++;
            if (e[i] == '{')
                i = s_skip_group(e, i);
            while (s_ident_char(e[i]))
                i++;
        } else if (isdigit((unsigned char) c) || (c == '.' && isdigit((unsigned char) e[i + 1]))) {
            /* 0.99, 1e3, 0x1f, and durations such as 5m or 1h30m */
            while (isalnum((unsigned char) e[i]) || e[i] == '.' || e[i] == '_')
                i++;
        } else if (s_ident_start(c)) {
            size_t start = i;
            while (s_ident_char(e[i]))
                i++;
            size_t len = i - start;
            size_t j = i;
            while (isspace((unsigned char) e[j]))
                j++;
            if (s_in(s_label_lists, e + start, len)) {
                if (e[j] == '(')
                    i = s_skip_group(e, j);
            } else if (s_in(s_keywords, e + start, len) || e[j] == '(') {
                /* an operator, or a function: its arguments are read on */
            } else {
                s_names_add(out, e + start, len, where);
            }
        } else {
            i++;
        }
    }
}

/* --- the expressions of the rules and of the dashboard ------------------------------- */

static char *
s_read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    ck_assert(n >= 0 && n < 4 * 1024 * 1024);
    char *text = malloc((size_t) n + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(fread(text, 1, (size_t) n, f), (size_t) n);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* Every `expr:` of a rules file: inline (plain or quoted) or a block scalar (| or >, the
 * more-indented lines below it). Returns how many; calls FN with each. The test of the
 * count against the number of `alert:` and `record:` keys catches a form this misses. */
static int
s_rules_exprs(const char *text, void (*fn)(const char *expr, void *arg), void *arg)
{
    int found = 0;
    const char *line = text;
    while (line && *line) {
        const char *eol = strchr(line, '\n');
        const char *next = eol ? eol + 1 : NULL;
        size_t len = eol ? (size_t) (eol - line) : strlen(line);
        size_t indent = 0;
        while (indent < len && line[indent] == ' ')
            indent++;
        const char *key = line + indent;
        if (len - indent >= 2 && key[0] == '-' && key[1] == ' ') {
            key += 2;
            indent += 2;
        }
        if ((size_t) (key - line) + 5 <= len && strncmp(key, "expr:", 5) == 0) {
            const char *v = key + 5;
            while (v < line + len && *v == ' ')
                v++;
            size_t vlen = (size_t) (line + len - v);
            char *expr = NULL;
            if (vlen > 0 && (*v == '|' || *v == '>')) {
                /* Block scalar: every following line indented deeper than the key. */
                size_t cap = 1024, used = 0;
                expr = calloc(1, cap);
                ck_assert_ptr_nonnull(expr);
                while (next && *next) {
                    const char *beol = strchr(next, '\n');
                    size_t blen = beol ? (size_t) (beol - next) : strlen(next);
                    size_t bind = 0;
                    while (bind < blen && next[bind] == ' ')
                        bind++;
                    if (bind < blen && bind <= indent)
                        break;                           /* back at the key's level */
                    while (used + blen + 2 > cap) {
                        cap *= 2;
                        expr = realloc(expr, cap);
                        ck_assert_ptr_nonnull(expr);
                    }
                    memcpy(expr + used, next, blen);
                    used += blen;
                    expr[used++] = '\n';
                    expr[used] = '\0';
                    next = beol ? beol + 1 : NULL;
                }
            } else if (vlen >= 2 && (*v == '"' || *v == '\'') && v[vlen - 1] == *v) {
                expr = strndup(v + 1, vlen - 2);
            } else {
                expr = strndup(v, vlen);
            }
            ck_assert_ptr_nonnull(expr);
            fn(expr, arg);
            free(expr);
            found++;
        }
        line = next;
    }
    return found;
}

/* Lines of TEXT whose key (after indentation and "- ") is KEY. */
static int
s_count_keys(const char *text, const char *key)
{
    int n = 0;
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *p = line;
        while (*p == ' ')
            p++;
        if (p[0] == '-' && p[1] == ' ')
            p += 2;
        if (strncmp(p, key, klen) == 0)
            n++;
        const char *eol = strchr(line, '\n');
        line = eol ? eol + 1 : NULL;
    }
    return n;
}

/* Every "expr" string anywhere in the dashboard (panels, rows, nested panels). */
static int
s_dashboard_exprs(json_object *node, void (*fn)(const char *expr, void *arg), void *arg)
{
    int found = 0;
    if (json_object_is_type(node, json_type_object)) {
        json_object_object_foreach(node, key, value) {
            if (strcmp(key, "expr") == 0 && json_object_is_type(value, json_type_string)) {
                fn(json_object_get_string(value), arg);
                found++;
            } else {
                found += s_dashboard_exprs(value, fn, arg);
            }
        }
    } else if (json_object_is_type(node, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(node); i++)
            found += s_dashboard_exprs(json_object_array_get_idx(node, i), fn, arg);
    }
    return found;
}

typedef struct {
    s_names_t *names;
    const char *where;
} s_collect_t;

static void
s_collect(const char *expr, void *arg)
{
    s_collect_t *c = arg;
    int before = c->names->count;
    s_promql_names(expr, c->names, c->where);
    /* Every expression of the files names a metric; one where none is found is a form
     * this parser gets wrong. (A metric seen before does not grow the set: look again.) */
    s_names_t own = { 0 };
    s_promql_names(expr, &own, c->where);
    ck_assert_msg(own.count > 0 || c->names->count > before, "no metric found in %s expression: %s",
                  c->where, expr);
    s_names_free(&own);
}

/* --- what the processes export -------------------------------------------------------- */

/* Sample names of a Prometheus text page (histograms give their _bucket, _sum, _count). */
static int
s_page_names(const char *page, s_names_t *out)
{
    int samples = 0;
    for (const char *line = page; line && *line;) {
        if (*line != '#' && s_ident_start(*line)) {
            size_t n = 0;
            while (s_ident_char(line[n]))
                n++;
            s_names_add(out, line, n, NULL);
            samples++;
        }
        const char *eol = strchr(line, '\n');
        line = eol ? eol + 1 : NULL;
    }
    return samples;
}

static const char *const s_process_names[] = {
    "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
    "process_open_fds", "process_max_fds", "process_start_time_seconds", NULL
};

/* Traffic that makes every lazily created series appear: the edge's request and round
 * trip series, each service's request series, the edge's use of Redis. */
static void
s_exercise_every_service(void)
{
    it_user_t u;
    IT_USER_REGISTER(&u, "obs");                          /* users (auth) */
    static const char *const paths[] = { "/api/auth/me", "/api/orders", "/api/groups", NULL };
    for (int i = 0; paths[i]; i++) {
        it_response_t *r = it_request("GET", paths[i], u.access, NULL, NULL);
        IT_ASSERT_STATUS(r, 200);
        it_response_destroy(&r);
    }
    it_user_clear(&u);
}

/* Scrapes every process of TEST_ADMIN_PORTS ("edge=19099,broker=19100,...") into OUT;
 * each page must carry the process_* metrics. Returns the number of processes. */
static int
s_scrape_all(s_names_t *out)
{
    char *list = strdup(it_env_require("TEST_ADMIN_PORTS"));
    ck_assert_ptr_nonnull(list);
    int processes = 0;
    char *save = NULL;
    for (char *item = strtok_r(list, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        ck_assert_msg(eq != NULL, "TEST_ADMIN_PORTS item without '=': %s", item);
        *eq = '\0';
        char url[256];
        snprintf(url, sizeof url, "http://127.0.0.1:%s/metrics", eq + 1);
        char *page = it_metrics_page(url);
        ck_assert_msg(page != NULL, "%s: GET %s did not answer 200", item, url);
        s_names_t own = { 0 };
        ck_assert_msg(s_page_names(page, &own) > 0, "%s: empty /metrics", item);
        for (int i = 0; s_process_names[i]; i++)
            ck_assert_msg(s_names_has(&own, s_process_names[i]), "%s: /metrics lacks %s", item,
                          s_process_names[i]);
        for (int i = 0; i < own.count; i++)
            s_names_add(out, own.names[i], strlen(own.names[i]), NULL);
        s_names_free(&own);
        free(page);
        processes++;
    }
    free(list);
    return processes;
}

/* Series Prometheus makes itself for every target (not on any /metrics page). */
static const char *const s_synthetic[] = { "up", NULL };

/* --- tests ---------------------------------------------------------------------------- */

START_TEST(test_promql_names)
{
    s_names_t n = { 0 };
    s_promql_names("histogram_quantile(0.99, sum by (le, route) (rate("
                   "http_request_duration_seconds_bucket{job=~\"$job\",route!~\"/health.*\"}"
                   "[$__rate_interval])))", &n, "t");
    s_promql_names("dependency_up{dependency=\"redis\"} == 0 and on (job, instance) "
                   "increase(dependency_errors_total[5m] offset 1m) > 0", &n, "t");
    s_promql_names("absent(up{job=\"edge\"}) or time() - process_start_time_seconds > 1e3",
                   &n, "t");
    s_promql_names("sum without (instance) (a:recorded:rate5m) / ignoring (x) group_left (y) "
                   "max(b_total{l=\"sum(c_total)\"})", &n, "t");
    static const char *const want[] = {
        "http_request_duration_seconds_bucket", "dependency_up", "dependency_errors_total",
        "up", "process_start_time_seconds", "a:recorded:rate5m", "b_total", NULL
    };
    for (int i = 0; want[i]; i++)
        ck_assert_msg(s_names_has(&n, want[i]), "missed %s", want[i]);
    for (int i = 0; i < n.count; i++) {
        bool wanted = false;
        for (int k = 0; want[k]; k++)
            wanted = wanted || strcmp(want[k], n.names[i]) == 0;
        ck_assert_msg(wanted, "took %s for a metric", n.names[i]);
    }
    s_names_free(&n);
}
END_TEST

START_TEST(test_rules_promtool)
{
    /* promtool (Debian's prometheus package, scripts/install-deps.sh) */
    int rc = system("promtool check rules " OBS_DIR "/alerts.yml >&2");
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "promtool check rules failed (%d)", rc);
    /* The rule tests name their rule files relative to the working directory. */
    rc = system("cd " OBS_DIR " && promtool test rules alerts_test.yml >&2");
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "promtool test rules failed (%d)", rc);
}
END_TEST

START_TEST(test_dashboard_and_rules_name_exported_metrics)
{
    s_exercise_every_service();
    s_names_t exported = { 0 };
    ck_assert_int_ge(s_scrape_all(&exported), 6);

    s_names_t used = { 0 };
    char *rules = s_read_file(OBS_DIR "/alerts.yml");
    s_collect_t c = { &used, "alerts.yml" };
    int exprs = s_rules_exprs(rules, s_collect, &c);
    int alerts = s_count_keys(rules, "alert:") + s_count_keys(rules, "record:");
    ck_assert_msg(exprs == alerts && alerts >= 10, "alerts.yml: %d expr for %d rules", exprs,
                  alerts);
    free(rules);

    json_object *dash = json_object_from_file(OBS_DIR "/grafana-dashboard.json");
    ck_assert_msg(dash != NULL, "grafana-dashboard.json is not JSON");
    c.where = "grafana-dashboard.json";
    ck_assert_int_ge(s_dashboard_exprs(dash, s_collect, &c), 30);
    json_object_put(dash);

    int missing = 0;
    for (int i = 0; i < used.count; i++) {
        bool synthetic = false;
        for (int k = 0; s_synthetic[k]; k++)
            synthetic = synthetic || strcmp(used.names[i], s_synthetic[k]) == 0;
        if (!synthetic && !s_names_has(&exported, used.names[i])) {
            fprintf(stderr, "%s names %s, which no process exports\n", used.where[i],
                    used.names[i]);
            missing++;
        }
    }
    ck_assert_msg(missing == 0, "%d metric name(s) in deploy/observability are not exported "
                  "(listed above)", missing);
    ck_assert_int_ge(used.count, 30);
    s_names_free(&used);
    s_names_free(&exported);
}
END_TEST

START_TEST(test_public_metrics_has_process_metrics)
{
    /* The edge's public /metrics (METRICS_PUBLIC, true on the test stack) renders the same
     * registry as its admin port, the collectors included. */
    char url[512];
    snprintf(url, sizeof url, "%s/metrics", it_edge_url());
    char *page = it_metrics_page(url);
    ck_assert_msg(page != NULL, "GET %s did not answer 200", url);
    s_names_t names = { 0 };
    s_page_names(page, &names);
    for (int i = 0; s_process_names[i]; i++)
        ck_assert_msg(s_names_has(&names, s_process_names[i]), "public /metrics lacks %s",
                      s_process_names[i]);
    s_names_free(&names);
    free(page);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("observability");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_promql_names);
    tcase_add_test(tc, test_rules_promtool);
    tcase_add_test(tc, test_dashboard_and_rules_name_exported_metrics);
    tcase_add_test(tc, test_public_metrics_has_process_metrics);
    suite_add_tcase(s, tc);
    return it_suite_run(s);
}
