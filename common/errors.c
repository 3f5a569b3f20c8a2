/* errors.c -- the contract's error codes: one table of status, name and default message. */
#include "errors.h"
#include <string.h>

static const struct {
    int status;
    const char *name;
    const char *message;
} s_errors[ERR_COUNT] = {
    [ERR_NONE]                   = { 200, "", "" },
    [ERR_BAD_REQUEST]            = { 400, "BAD_REQUEST", "Bad request" },
    [ERR_VALIDATION]             = { 400, "VALIDATION_ERROR", "Validation failed" },
    [ERR_UNAUTHORIZED]           = { 401, "UNAUTHORIZED", "Unauthorized" },
    [ERR_FORBIDDEN]              = { 403, "FORBIDDEN", "Insufficient permissions" },
    [ERR_NOT_FOUND]              = { 404, "NOT_FOUND", "Not found" },
    [ERR_METHOD_NOT_ALLOWED]     = { 405, "METHOD_NOT_ALLOWED", "Method not allowed" },
    [ERR_DUPLICATE_ENTRY]        = { 409, "DUPLICATE_ENTRY", "Duplicate entry found" },
    [ERR_CONFLICT]               = { 409, "CONFLICT", "Conflict" },
    [ERR_PAYLOAD_TOO_LARGE]      = { 413, "PAYLOAD_TOO_LARGE", "Payload too large" },
    [ERR_UNSUPPORTED_MEDIA_TYPE] = { 415, "UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json" },
    [ERR_RATE_LIMIT_EXCEEDED]    = { 429, "RATE_LIMIT_EXCEEDED", "Too many requests" },
    [ERR_INTERNAL]               = { 500, "INTERNAL_ERROR", "Internal server error" },
    [ERR_SERVICE_UNAVAILABLE]    = { 503, "SERVICE_UNAVAILABLE", "Service unavailable" },
    [ERR_GATEWAY_TIMEOUT]        = { 504, "GATEWAY_TIMEOUT", "Gateway timeout" },
    [ERR_IDEMPOTENCY_KEY_REUSED] = { 422, "IDEMPOTENCY_KEY_REUSED",
                                     "Idempotency-Key was already used with a different request" },
    [ERR_IDEMPOTENCY_KEY_IN_USE] = { 409, "IDEMPOTENCY_KEY_IN_USE",
                                     "A request with this Idempotency-Key is still in progress" },
};

static err_code_t
s_checked(err_code_t code)
{
    return (code > ERR_NONE && code < ERR_COUNT) ? code : ERR_INTERNAL;
}

int
err_status(err_code_t code)
{
    return code == ERR_NONE ? 200 : s_errors[s_checked(code)].status;
}

const char *
err_name(err_code_t code)
{
    return code == ERR_NONE ? "" : s_errors[s_checked(code)].name;
}

const char *
err_default_message(err_code_t code)
{
    return code == ERR_NONE ? "" : s_errors[s_checked(code)].message;
}

err_code_t
err_from_name(const char *name)
{
    for (int i = ERR_NONE + 1; i < ERR_COUNT; i++)
        if (name && strcmp(name, s_errors[i].name) == 0)
            return (err_code_t) i;
    return ERR_INTERNAL;
}
