/* fuzz_sanitize.c -- the input sanitizer on any string: no crash, and what it returns is
 * stable (sanitizing it again changes nothing) and holds no raw '<' or '>'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "edge_sanitize.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static edge_buf_t out, scratch, again, scratch2;
    edge_sanitize_rc_t rc = edge_sanitize_text((const char *) data, size, &out, &scratch);
    if (rc != EDGE_SANITIZE_CHANGED)
        return 0;
    if (memchr(out.data, '<', out.len) || memchr(out.data, '>', out.len))
        abort();
    /* removal runs until stable and escaping leaves nothing to remove: a second pass
     * must find nothing to change */
    if (edge_sanitize_text(out.data, out.len, &again, &scratch2) == EDGE_SANITIZE_CHANGED)
        abort();
    return 0;
}
