/* fuzz_envelope.c -- the bus envelope decoder, on frames from any peer of the bus. */
#include <stdint.h>
#include "envelope.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    envelope_t *env = envelope_decode(data, size, &why);
    if (env) {
        /* what decodes must encode again */
        msgpack_sbuffer buf;
        msgpack_sbuffer_init(&buf);
        envelope_encode(env, &buf);
        msgpack_sbuffer_destroy(&buf);
    }
    envelope_destroy(&env);
    return 0;
}
