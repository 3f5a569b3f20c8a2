/* errors.h -- the contract's error codes, their HTTP statuses and default messages.
 * One table, used by services (to fill reply envelopes) and the edge (to answer). */
#ifndef COMMON_ERRORS_H
#define COMMON_ERRORS_H

typedef enum {
    ERR_NONE = 0,
    ERR_BAD_REQUEST,            /* 400 */
    ERR_VALIDATION,             /* 400 VALIDATION_ERROR, message "Validation failed" */
    ERR_UNAUTHORIZED,           /* 401 */
    ERR_FORBIDDEN,              /* 403 "Insufficient permissions" */
    ERR_NOT_FOUND,              /* 404 */
    ERR_METHOD_NOT_ALLOWED,     /* 405 */
    ERR_DUPLICATE_ENTRY,        /* 409 "Duplicate entry found" */
    ERR_CONFLICT,               /* 409 */
    ERR_PAYLOAD_TOO_LARGE,      /* 413 */
    ERR_UNSUPPORTED_MEDIA_TYPE, /* 415 */
    ERR_RATE_LIMIT_EXCEEDED,    /* 429 */
    ERR_INTERNAL,               /* 500 INTERNAL_ERROR */
    ERR_SERVICE_UNAVAILABLE,    /* 503 */
    ERR_GATEWAY_TIMEOUT,        /* 504 */
    ERR_IDEMPOTENCY_KEY_REUSED, /* 422: the key came before with another request */
    ERR_IDEMPOTENCY_KEY_IN_USE, /* 409: the first request with the key is in flight */
    ERR_COUNT
} err_code_t;

int err_status(err_code_t code);              /* HTTP status */
const char *err_name(err_code_t code);        /* "VALIDATION_ERROR" */
const char *err_default_message(err_code_t code);
err_code_t err_from_name(const char *name);   /* ERR_INTERNAL when unknown */

#endif
