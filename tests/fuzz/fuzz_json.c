/* fuzz_json.c -- request bodies: the structure count, json-c, the checks, the msgpack
 * packing, and the way back from msgpack to JSON as replies take it. */
#include <stdint.h>
#include "edge_json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *obj = NULL;
    if (edge_json_parse_object((const char *) data, size, EDGE_JSON_MAX_TOKENS, &obj)
        != EDGE_JSON_OK)
        return 0;
    msgpack_sbuffer buf;
    msgpack_sbuffer_init(&buf);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &buf, msgpack_sbuffer_write);
    edge_json_pack(&pk, obj);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    if (msgpack_unpack_next(&up, buf.data, buf.size, &off) == MSGPACK_UNPACK_SUCCESS) {
        /* the reply direction on the same data (it refuses some of what requests allow,
         * keys over 255 bytes for one: no invariant between the two, only no crash) */
        json_object *back = NULL;
        edge_json_from_msgpack(&up.data, 32, &back);
        json_object_put(back);
    }
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&buf);
    json_object_put(obj);
    return 0;
}
