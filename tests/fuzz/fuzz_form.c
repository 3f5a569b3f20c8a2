/* fuzz_form.c -- a service reading a request body (any msgpack the bus may carry) into
 * its fields, with the checks the users service runs. */
#include <stdint.h>
#include "envelope.h"
#include "form.h"

static const char *
s_check_any(const char *s)
{
    return form_utf8_count(s, __builtin_strlen(s)) < 0 ? "bad" : NULL;
}

static const form_field_t s_fields[] = {
    { "name", 400, true, false, false, false, s_check_any },
    { "email", 1024, false, true, false, false, NULL },
    { "amount", 64, false, false, false, true, NULL },
    { "id", 24, false, false, true, false, form_check_id },
    { "limit", 8, false, false, true, false, form_check_limit },
    { NULL, 0, false, false, false, false, NULL }
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!envelope_msgpack_safe(data, size, 34))
        return 0;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, (const char *) data, size, &off) == MSGPACK_UNPACK_SUCCESS) {
        form_t form;
        form_init(&form);
        form_read(&form, s_fields, &up.data);
        form_release(&form);
    }
    msgpack_unpacked_destroy(&up);
    return 0;
}
