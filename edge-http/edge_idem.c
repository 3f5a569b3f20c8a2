/* edge_idem.c -- Idempotency-Key at the edge: header check, scope, fingerprint (its stage). */
#include "edge_idem.h"
#include "idempotency.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <civetweb.h>
#include "edge_thread.h"

edge_idem_status_t
edge_idem_check(const char *header)
{
    if (!header)
        return EDGE_IDEM_NONE;
    return idempotency_key_valid(header, strnlen(header, IDEMPOTENCY_KEY_MAX + 1))
           ? EDGE_IDEM_OK : EDGE_IDEM_INVALID;
}

int
edge_idem_scope(int64_t user_id, const char *ip, char *out, size_t size)
{
    int n = user_id > 0 ? snprintf(out, size, "user:%" PRId64, user_id)
                        : snprintf(out, size, "ip:%s", ip ? ip : "");
    if (n < 0 || (size_t) n >= size) {
        if (size)
            out[0] = '\0';
        return -1;
    }
    return 0;
}

int
edge_idem_fingerprint(const char *method, const char *path, const void *body, size_t len,
                      char *out)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    out[0] = '\0';
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    /* The separators keep ("POST", "/a\nb") and ("POST\n/a", "b") apart. */
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)
             && EVP_DigestUpdate(ctx, method, strlen(method))
             && EVP_DigestUpdate(ctx, "\n", 1)
             && EVP_DigestUpdate(ctx, path, strlen(path))
             && EVP_DigestUpdate(ctx, "\n", 1)
             && (len == 0 || EVP_DigestUpdate(ctx, body, len))
             && EVP_DigestFinal_ex(ctx, digest, &digest_len)
             && digest_len == 32;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return -1;
    static const char digits[] = "0123456789abcdef";
    for (unsigned int i = 0; i < digest_len; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 0x0f];
    }
    out[2 * digest_len] = '\0';
    return 0;
}

int
edge_idem_fill(envelope_idem_t *idem, const char *header, int64_t user_id, const char *ip,
               const char *method, const char *path, const void *body, size_t len)
{
    memset(idem, 0, sizeof *idem);
    if (edge_idem_check(header) != EDGE_IDEM_OK
        || edge_idem_scope(user_id, ip, idem->scope, sizeof idem->scope) != 0
        || edge_idem_fingerprint(method, path, body, len, idem->fingerprint) != 0) {
        memset(idem, 0, sizeof *idem);
        return -1;
    }
    snprintf(idem->key, sizeof idem->key, "%s", header);
    return 0;
}

/* Idempotency-Key on a creating route: checked (400 when malformed), then the caller's
 * scope and the fingerprint of the exact body bytes, for the service (edge_idem.h). Runs
 * after the body is read and before it is sanitized, so the fingerprint is of what the
 * client sent. Other routes ignore the header. */
int
edge_idem_stage(edge_thread_t *t, edge_request_t *r)
{
    if (!r->route->creates)
        return EDGE_STAGE_NEXT;
    const char *header = mg_get_header(r->conn, "Idempotency-Key");
    switch (edge_idem_check(header)) {
    case EDGE_IDEM_NONE:
        return EDGE_STAGE_NEXT;
    case EDGE_IDEM_INVALID:
        return edge_stage_fail(r, ERR_BAD_REQUEST,
                               "Idempotency-Key must be 1 to 128 visible ASCII characters");
    case EDGE_IDEM_OK:
        break;
    }
    if (edge_idem_fill(&r->idem, header, r->authed ? r->claims.sub : 0, edge_stage_client_ip(t, r),
                       r->ri->request_method, r->path, t->req_body, r->body_len) != 0)
        return edge_stage_fail(r, ERR_INTERNAL, NULL);
    r->has_idem_key = true;
    return EDGE_STAGE_NEXT;
}
