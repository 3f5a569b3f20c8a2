/* users_config.c -- the environment table of the users process. */
#include "users_config.h"
#include "admin.h"
#include "config.h"

void
users_config_load(users_config_t *cfg)
{
    service_config_load(&cfg->service, ADMIN_DEFAULT_PORT_USERS);
    cfg->pub_endpoint = config_str("BUS_PUB_ENDPOINT", "tcp://127.0.0.1:5557");
    cfg->bcrypt_cost = (int) config_int("BCRYPT_COST", 12, USERS_BCRYPT_MIN_COST, 20);
    cfg->access_ttl_s = config_int("JWT_ACCESS_TTL_S", 86400, 60, 365LL * 86400);
    cfg->refresh_ttl_s = config_int("JWT_REFRESH_TTL_S", 2592000, 60, 365LL * 86400);
    cfg->auth_threads = (int) config_int("USERS_AUTH_THREADS", 2, 1, 64);
    cfg->users_threads = (int) config_int("USERS_THREADS", 4, 1, 256);
    /* Per account, whatever the addresses: the edge's limit counts per address, and a
     * botnet guessing one account's password has many. */
    cfg->login_max_failures = (int) config_int("LOGIN_MAX_FAILURES", 10, 1, 1000000);
    cfg->login_failure_window_s = config_int("LOGIN_FAILURE_WINDOW_S", 900, 1, 86400);
    cfg->admin_name = config_str("ADMIN_NAME", "Admin");
    cfg->admin_email = config_str("ADMIN_EMAIL", NULL);
    cfg->admin_password = config_str("ADMIN_PASSWORD", NULL);
}
