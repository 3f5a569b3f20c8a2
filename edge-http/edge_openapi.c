/* edge_openapi.c -- If-None-Match against the embedded document's ETag. */
#include "edge_openapi.h"
#include <string.h>

bool
edge_openapi_not_modified(const char *header)
{
    if (!header)
        return false;
    size_t etag_len = strlen(edge_openapi_etag);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t end = n;
        while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\t'))
            end--;
        const char *tag = p;
        if (end == 1 && tag[0] == '*')
            return true;
        if (end > 2 && tag[0] == 'W' && tag[1] == '/') {
            tag += 2;
            end -= 2;
        }
        if (end == etag_len && memcmp(tag, edge_openapi_etag, etag_len) == 0)
            return true;
        p += n;
    }
    return false;
}
