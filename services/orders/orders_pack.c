/* orders_pack.c -- order rows to msgpack objects (orders_pack.h). */
#include "orders_pack.h"
#include "orders_sql.h"
#include "envelope.h"
#include <stdlib.h>

void
orders_pack_order(msgpack_packer *pk, const PGresult *res, int row)
{
    msgpack_pack_map(pk, 7);
    envelope_pack_key(pk, "id");
    msgpack_pack_int64(pk, strtoll(PQgetvalue(res, row, ORDER_ID), NULL, 10));
    envelope_pack_key(pk, "product");
    envelope_pack_str(pk, PQgetvalue(res, row, ORDER_PRODUCT));
    envelope_pack_key(pk, "amount");     /* a string, "10.50": no client parses a float */
    envelope_pack_str(pk, PQgetvalue(res, row, ORDER_AMOUNT));
    envelope_pack_key(pk, "user_id");
    msgpack_pack_int64(pk, strtoll(PQgetvalue(res, row, ORDER_USER_ID), NULL, 10));
    envelope_pack_key(pk, "status");
    envelope_pack_str(pk, PQgetvalue(res, row, ORDER_STATUS));
    envelope_pack_key(pk, "created_at");
    envelope_pack_str(pk, PQgetvalue(res, row, ORDER_CREATED));
    envelope_pack_key(pk, "updated_at");
    envelope_pack_str(pk, PQgetvalue(res, row, ORDER_UPDATED));
}
