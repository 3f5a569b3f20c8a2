/* migrate.c -- applies schemas/migrations/NNN_name.sql to the database, in name order,
 * each file once.
 *
 * Usage: migrate [DIR]
 *   DIR             the migrations folder; else MIGRATIONS_DIR; else "migrations" beside
 *                   the binary; else ../share/busd/migrations from it (cmake --install,
 *                   the image); else the source tree's folder.
 *   DATABASE_URL    libpq conninfo (host=127.0.0.1 port=55432 dbname=busd user=busd).
 *   MIGRATE_WAIT_S  how long to keep retrying the first connection (30): the database
 *                   may still be starting when the stack or a Kubernetes Job runs us.
 *
 * Safety: a session advisory lock serialises runners (two replicas starting at once, a Job
 * beside a developer), and every file is applied in its own transaction together with its
 * schema_migrations row, so a file is either wholly applied and recorded or not at all.
 * A migration file must therefore not contain BEGIN/COMMIT of its own, nor statements that
 * refuse to run in a transaction (CREATE INDEX CONCURRENTLY).
 *
 * Exit status: 0 when everything is applied (including "nothing to do"), 1 on any failure,
 * 2 on a usage error. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

#define DEFAULT_CONNINFO "host=127.0.0.1 port=55432 dbname=busd user=busd"

/* Any fixed number works as long as every runner uses the same one; this is "busd-mig". */
#define MIGRATE_LOCK_KEY "7094703662088153447"

/* A migration larger than this is surely a mistake (a data dump in the wrong folder). */
#define MAX_FILE_BYTES (64L * 1024 * 1024)

typedef struct {
    char **names;            /* file names, sorted by strcmp */
    size_t count;
} file_list_t;

static void
s_file_list_free(file_list_t *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->names[i]);
    free(list->names);
    list->names = NULL;
    list->count = 0;
}

/* NNN_name.sql: at least one digit, an underscore, a non-empty name, ".sql". */
static bool
s_is_migration_name(const char *name)
{
    size_t len = strlen(name);
    const char *p = name;
    while (*p >= '0' && *p <= '9')
        p++;
    if (p == name || *p != '_')
        return false;
    return len > 4 && (size_t) (p - name) + 1 < len - 4 && strcmp(name + len - 4, ".sql") == 0;
}

static int
s_compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Lists DIR's migration files in order. Two files with the same number are refused:
 * their relative order would depend on the rest of the name, which nobody intends.
 * Returns 0, or -1 with a message on stderr. */
static int
s_list_migrations(const char *dir, file_list_t *out)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "migrate: cannot open migrations folder %s: %s\n", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!s_is_migration_name(e->d_name)) {
            size_t len = strlen(e->d_name);
            if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0)
                fprintf(stderr, "migrate: ignoring %s (not named NNN_name.sql)\n", e->d_name);
            continue;
        }
        if (out->count == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(out->names, cap * sizeof *grown);
            if (!grown) {
                rc = -1;
                break;
            }
            out->names = grown;
        }
        if (!(out->names[out->count] = strdup(e->d_name))) {
            rc = -1;
            break;
        }
        out->count++;
    }
    closedir(d);
    if (rc) {
        fprintf(stderr, "migrate: out of memory listing %s\n", dir);
        return -1;
    }
    qsort(out->names, out->count, sizeof *out->names, s_compare_names);
    for (size_t i = 1; i < out->count; i++) {
        size_t a = strspn(out->names[i - 1], "0123456789");
        size_t b = strspn(out->names[i], "0123456789");
        if (a == b && strncmp(out->names[i - 1], out->names[i], a) == 0) {
            fprintf(stderr, "migrate: %s and %s share one number; renumber one of them\n",
                    out->names[i - 1], out->names[i]);
            return -1;
        }
    }
    return 0;
}

/* Reads PATH whole into a NUL-terminated buffer the caller frees, or NULL with a message. */
static char *
s_read_file(const char *path)
{
    char *buf = NULL;
    errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        goto fail;
    if (fseek(f, 0, SEEK_END) != 0)
        goto fail;
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto fail;
    if (size > MAX_FILE_BYTES) {
        fprintf(stderr, "migrate: %s is larger than %ld bytes\n", path, MAX_FILE_BYTES);
        fclose(f);
        return NULL;
    }
    if (!(buf = malloc((size_t) size + 1)))
        goto fail;
    if (fread(buf, 1, (size_t) size, f) != (size_t) size)
        goto fail;
    buf[size] = '\0';
    fclose(f);
    return buf;
fail:
    fprintf(stderr, "migrate: cannot read %s: %s\n", path, strerror(errno ? errno : EIO));
    free(buf);
    if (f)
        fclose(f);
    return NULL;
}

/* True when DIR can be opened as a folder. */
static bool
s_is_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    closedir(d);
    return true;
}

/* The folder of migrations when none is given, found from the binary's own path so an
 * installed tree can move: "migrations" beside it, else the installed layout
 * (cmake --install: bin/migrate and share/busd/migrations, as in the image), else the
 * source tree's folder known at build time. */
static const char *
s_default_dir(char *buf, size_t size)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        const char *bin = dirname(exe);
        snprintf(buf, size, "%s/migrations", bin);
        if (s_is_dir(buf))
            return buf;
#ifdef MIGRATIONS_INSTALL_REL
        snprintf(buf, size, "%s/%s", bin, MIGRATIONS_INSTALL_REL);
        if (s_is_dir(buf))
            return buf;
#endif
    }
#ifdef MIGRATIONS_SOURCE_DIR
    return MIGRATIONS_SOURCE_DIR;
#else
    return "schemas/migrations";
#endif
}

static double
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Connects to CONNINFO, retrying once a second for WAIT_S seconds. Returns the connection
 * or NULL after printing the last error. Our connect_timeout and application_name come
 * first so that the same keywords inside CONNINFO win. */
static PGconn *
s_connect(const char *conninfo, int wait_s)
{
    const char *keys[] = { "connect_timeout", "application_name", "dbname", NULL };
    const char *vals[] = { "5", "migrate", conninfo, NULL };
    double deadline = s_now_ms() + wait_s * 1e3;
    bool told = false;
    for (;;) {
        PGconn *conn = PQconnectdbParams(keys, vals, 1);
        if (conn && PQstatus(conn) == CONNECTION_OK)
            return conn;
        const char *why = conn ? PQerrorMessage(conn) : "out of memory\n";
        if (s_now_ms() >= deadline) {
            fprintf(stderr, "migrate: cannot connect to the database (DATABASE_URL) after %d s: %s",
                    wait_s, why);
            PQfinish(conn);
            return NULL;
        }
        if (!told) {
            fprintf(stderr, "migrate: database not reachable yet, retrying for up to %d s\n", wait_s);
            told = true;
        }
        PQfinish(conn);
        sleep(1);
    }
}

/* Runs SQL (no parameters) and checks that it succeeded. Prints WHAT and the server's
 * message on failure. Returns 0 or -1. */
static int
s_exec(PGconn *conn, const char *sql, const char *what)
{
    PGresult *res = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    int rc = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) ? 0 : -1;
    if (rc) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        fprintf(stderr, "migrate: %s failed (SQLSTATE %s): %s", what, state ? state : "none",
                res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
    }
    PQclear(res);
    return rc;
}

/* Runs SQL with PARAMS as text parameters and returns the result on success (the caller
 * PQclears it), or NULL after printing WHAT and the server's message. */
static PGresult *
s_exec_params(PGconn *conn, const char *sql, int nparams, const char *const *params,
              const char *what)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return res;
    fprintf(stderr, "migrate: %s failed: %s", what,
            res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
    PQclear(res);
    return NULL;
}

/* Takes the runners' advisory lock, saying so when another runner holds it and we wait. */
static int
s_lock(PGconn *conn)
{
    const char *key[] = { MIGRATE_LOCK_KEY };
    PGresult *res = s_exec_params(conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, key,
                                  "taking the migration lock");
    if (!res)
        return -1;
    bool got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (got)
        return 0;
    fprintf(stderr, "migrate: another runner holds the migration lock; waiting for it\n");
    res = s_exec_params(conn, "SELECT pg_advisory_lock($1::bigint)", 1, key,
                        "waiting for the migration lock");
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

/* True when VERSION is in the APPLIED result (one text column). */
static bool
s_is_applied(const PGresult *applied, const char *version)
{
    for (int i = 0; i < PQntuples(applied); i++)
        if (strcmp(PQgetvalue(applied, i, 0), version) == 0)
            return true;
    return false;
}

/* Applies DIR/NAME and records VERSION in one transaction. Returns 0 or -1. */
static int
s_apply(PGconn *conn, const char *dir, const char *name, const char *version)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int) sizeof path) {
        fprintf(stderr, "migrate: path too long: %s/%s\n", dir, name);
        return -1;
    }
    char *sql = s_read_file(path);
    if (!sql)
        return -1;
    double started = s_now_ms();
    int rc = -1;
    if (s_exec(conn, "BEGIN", "BEGIN") != 0)
        goto cleanup;
    char what[PATH_MAX + 32];
    snprintf(what, sizeof what, "migration %s", name);
    if (s_exec(conn, sql, what) != 0)
        goto rollback;
    const char *params[] = { version };
    PGresult *res = s_exec_params(conn, "INSERT INTO schema_migrations (version) VALUES ($1)",
                                  1, params, "recording the migration");
    if (!res)
        goto rollback;
    PQclear(res);
    if (s_exec(conn, "COMMIT", "COMMIT") != 0)
        goto cleanup;
    printf("migrate: applied %s (%.0f ms)\n", name, s_now_ms() - started);
    rc = 0;
    goto cleanup;
rollback:
    /* Best effort: on a lost connection the server rolls back by itself. */
    PQclear(PQexec(conn, "ROLLBACK"));
cleanup:
    free(sql);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))) {
        fprintf(stderr, "usage: migrate [DIR]   (DATABASE_URL, MIGRATIONS_DIR, MIGRATE_WAIT_S)\n");
        return 2;
    }
    /* One line per migration as it lands, even when the output is a log file. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    char dirbuf[PATH_MAX];
    const char *dir = argc == 2 ? argv[1]
                                : config_str("MIGRATIONS_DIR", s_default_dir(dirbuf, sizeof dirbuf));
    const char *conninfo = config_str("DATABASE_URL", DEFAULT_CONNINFO);
    int wait_s = (int) config_int("MIGRATE_WAIT_S", 30, 0, 3600);

    int rc = 1;
    PGconn *conn = NULL;
    PGresult *applied = NULL;
    file_list_t files = { 0 };
    size_t done = 0;

    if (s_list_migrations(dir, &files) != 0)
        goto cleanup;
    if (!(conn = s_connect(conninfo, wait_s)))
        goto cleanup;
    /* IF NOT EXISTS notices are noise here; real warnings still show. */
    if (s_exec(conn, "SET client_min_messages = warning", "setting client_min_messages") != 0)
        goto cleanup;
    if (s_lock(conn) != 0)
        goto cleanup;
    /* Created under the lock: two concurrent CREATE TABLE IF NOT EXISTS can still collide. */
    if (s_exec(conn,
               "CREATE TABLE IF NOT EXISTS schema_migrations ("
               " version text PRIMARY KEY,"
               " applied_at timestamptz NOT NULL DEFAULT now())",
               "creating schema_migrations") != 0)
        goto cleanup;
    if (!(applied = s_exec_params(conn, "SELECT version FROM schema_migrations", 0, NULL,
                                  "reading schema_migrations")))
        goto cleanup;

    for (size_t i = 0; i < files.count; i++) {
        char version[NAME_MAX + 1];
        snprintf(version, sizeof version, "%.*s", (int) (strlen(files.names[i]) - 4),
                 files.names[i]);
        if (s_is_applied(applied, version))
            continue;
        if (s_apply(conn, dir, files.names[i], version) != 0) {
            fprintf(stderr, "migrate: stopped at %s; %zu applied before it in this run\n",
                    files.names[i], done);
            goto cleanup;
        }
        done++;
    }
    printf("migrate: %zu applied, %zu already in place (%s)\n", done, files.count - done, dir);
    rc = 0;

cleanup:
    PQclear(applied);
    PQfinish(conn);         /* also releases the advisory lock */
    s_file_list_free(&files);
    return rc;
}
