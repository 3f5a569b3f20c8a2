/* bus_keygen.c -- `bus-keygen DIR ROLE...`: the bus's CURVE certificates (czmq zcert),
 * one per role, each with its role in the metadata: DIR/public/<role>.cert (every pod may
 * have these; the broker's allow-list) and DIR/secret/<role>.cert (only that role's
 * pods). A role whose secret certificate exists keeps it, so running it again only adds
 * what is missing. Used by scripts/stack.sh; on Kubernetes, run it once and load the
 * folder into Secrets (deploy/README.md). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <czmq.h>

int
main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bus-keygen DIR ROLE...\n");
        return 2;
    }
    zsys_handler_set(NULL);
    char pub_dir[512], sec_dir[512];
    snprintf(pub_dir, sizeof pub_dir, "%s/public", argv[1]);
    snprintf(sec_dir, sizeof sec_dir, "%s/secret", argv[1]);
    mkdir(argv[1], 0755);
    mkdir(pub_dir, 0755);
    mkdir(sec_dir, 0700);
    for (int i = 2; i < argc; i++) {
        const char *role = argv[i];
        if (!*role || strchr(role, '/') || strchr(role, '.')) {
            fprintf(stderr, "bus-keygen: bad role '%s'\n", role);
            return 2;
        }
        char pub[600], sec[600];
        snprintf(pub, sizeof pub, "%s/%s.cert", pub_dir, role);
        snprintf(sec, sizeof sec, "%s/%s.cert", sec_dir, role);
        struct stat st;
        if (stat(sec, &st) == 0 && stat(pub, &st) == 0)
            continue;
        zcert_t *cert = zcert_new();
        zcert_set_meta(cert, "role", "%s", role);
        mode_t old = umask(077);
        int rc = zcert_save_secret(cert, sec);
        umask(old);
        if (rc == 0)
            rc = zcert_save_public(cert, pub);
        zcert_destroy(&cert);
        if (rc != 0) {
            fprintf(stderr, "bus-keygen: cannot write the certificates of %s\n", role);
            return 1;
        }
        printf("bus-keygen: %s\n", role);
    }
    return 0;
}
