/* edge_reply.c -- HTTP heads and the JSON envelopes of API.md. */
#include "edge_reply.h"
#include <stdio.h>
#include <string.h>
#include "edge_json.h"

const char *
edge_reply_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default:  return "Unknown";
    }
}

int
edge_reply_http(edge_buf_t *out, int status, const edge_reply_head_t *head, const char *body,
                size_t body_len)
{
    const char *rid = head->request_id ? head->request_id : "";
    /* A 304 describes the representation the client has: no length or type of its own
     * (RFC 9110 15.4.5). */
    char length[192] = "";
    if (status != 304) {
        int n = snprintf(length, sizeof length, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                         head->content_type ? head->content_type
                                            : "application/json; charset=utf-8",
                         body_len);
        if (n < 0 || (size_t) n >= sizeof length)
            return -1;                       /* our own content types are short */
    }
    int rc = edge_buf_printf(out,
        "HTTP/1.1 %d %s\r\n"
        "%s"
        "X-Request-ID: %s\r\n"
        "X-Correlation-ID: %s\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "X-Frame-Options: DENY\r\n"
        "Referrer-Policy: no-referrer\r\n"
        "Content-Security-Policy: default-src 'none'\r\n"
        "%s%s%s%s%s%s%s%s%s%s%s",
        status, edge_reply_reason(status), length, rid, rid,
        head->no_store ? "Cache-Control: no-store\r\n" : "",
        head->cache_control && !head->no_store ? "Cache-Control: " : "",
        head->cache_control && !head->no_store ? head->cache_control : "",
        head->cache_control && !head->no_store ? "\r\n" : "",
        head->hsts ? "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n" : "",
        head->allow ? "Allow: " : "", head->allow ? head->allow : "", head->allow ? "\r\n" : "",
        head->connection ? "Connection: " : "",
        head->connection ? head->connection : "", head->connection ? "\r\n" : "");
    if (rc == 0 && head->extra)
        rc = edge_buf_append(out, head->extra, strlen(head->extra));
    if (rc == 0)
        rc = edge_buf_append(out, "\r\n", 2);
    if (rc == 0 && body_len)
        rc = edge_buf_append(out, body, body_len);
    return rc;
}

static json_object *
s_str(const char *s)
{
    return json_object_new_string(s ? s : "");
}

static int
s_append_json(edge_buf_t *out, json_object *obj)
{
    size_t len = 0;
    const char *text = edge_json_text(obj, &len);
    return text ? edge_buf_append(out, text, len) : -1;
}

int
edge_reply_error_json(edge_buf_t *out, int status, const char *code, const char *message,
                      const envelope_detail_t *details, int detail_count,
                      const char *timestamp, const char *path, const char *method,
                      const char *request_id)
{
    return edge_reply_error_json_retry(out, status, code, message, details, detail_count,
                                       timestamp, path, method, request_id, -1);
}

int
edge_reply_error_json_retry(edge_buf_t *out, int status, const char *code, const char *message,
                            const envelope_detail_t *details, int detail_count,
                            const char *timestamp, const char *path, const char *method,
                            const char *request_id, int64_t retry_after)
{
    json_object *root = json_object_new_object();
    if (!root)
        return -1;
    json_object_object_add(root, "success", json_object_new_boolean(0));
    json_object_object_add(root, "statusCode", json_object_new_int(status));
    json_object_object_add(root, "error", s_str(code));
    json_object_object_add(root, "message", s_str(message));
    if (detail_count > 0) {
        json_object *arr = json_object_new_array();
        for (int i = 0; i < detail_count; i++) {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "field", s_str(details[i].field));
            json_object_object_add(d, "message", s_str(details[i].message));
            json_object_array_add(arr, d);
        }
        json_object_object_add(root, "details", arr);
    }
    if (retry_after >= 0)
        json_object_object_add(root, "retryAfter", json_object_new_int64(retry_after));
    json_object_object_add(root, "timestamp", s_str(timestamp));
    bool path_ok = path && edge_utf8_valid(path, strlen(path));
    json_object_object_add(root, "path", s_str(path_ok ? path : ""));
    json_object_object_add(root, "method", s_str(method));
    json_object_object_add(root, "requestId", s_str(request_id));
    int rc = s_append_json(out, root);
    json_object_put(root);
    return rc;
}

/* A list reply: a map holding items (an array), next_cursor and limit. */
static bool
s_is_list(const msgpack_object *body)
{
    if (!body || body->type != MSGPACK_OBJECT_MAP)
        return false;
    const msgpack_object *items = envelope_map_get(body, "items");
    return items && items->type == MSGPACK_OBJECT_ARRAY
        && envelope_map_get(body, "next_cursor") && envelope_map_get(body, "limit");
}

int
edge_reply_success_json(edge_buf_t *out, const msgpack_object *body, const char *timestamp)
{
    int rc = -1;
    json_object *root = json_object_new_object();
    json_object *data = NULL, *meta = NULL;
    if (!root)
        return -1;
    if (s_is_list(body)) {
        meta = json_object_new_object();
        for (uint32_t k = 0; k < body->via.map.size; k++) {
            const msgpack_object_kv *kv = &body->via.map.ptr[k];
            json_object *val = NULL;
            if (kv->key.type != MSGPACK_OBJECT_STR
                || edge_json_from_msgpack(&kv->val, ENVELOPE_MAX_DEPTH, &val) != 0)
                goto cleanup;
            if (envelope_str_eq(&kv->key, "items")) {
                json_object_put(data);
                data = val;
                continue;
            }
            char key[64];
            if (envelope_str_copy(&kv->key, key, sizeof key) < 0
                || !edge_utf8_valid(key, strlen(key))) {
                json_object_put(val);
                goto cleanup;
            }
            json_object_object_add(meta, key, val);
        }
    }
    else if (body && edge_json_from_msgpack(body, ENVELOPE_MAX_DEPTH, &data) != 0)
        goto cleanup;

    json_object_object_add(root, "success", json_object_new_boolean(1));
    json_object_object_add(root, "data", data);
    data = NULL;
    if (meta) {
        json_object_object_add(root, "meta", meta);
        meta = NULL;
    }
    json_object_object_add(root, "timestamp", s_str(timestamp));
    rc = s_append_json(out, root);
cleanup:
    json_object_put(data);
    json_object_put(meta);
    json_object_put(root);
    return rc;
}
