/* edge_openapi.h -- GET /api/openapi.json: the API description (schemas/openapi.json),
 * embedded in the binary at build time (openapi_embed.cmake), so the edge serves exactly
 * the reviewed file, and the validator that lets a client keep its copy (ETag). */
#ifndef EDGE_OPENAPI_H
#define EDGE_OPENAPI_H
#include <stdbool.h>
#include <stddef.h>

/* The document's bytes, as in the repository (generated edge_openapi_doc.c). */
extern const unsigned char edge_openapi_doc[];
extern const size_t edge_openapi_doc_len;
/* Its strong ETag: the SHA-256 of the file in hex, in double quotes. */
extern const char edge_openapi_etag[];

/* The answer's cache policy: anyone may keep it for five minutes, then revalidate. */
#define EDGE_OPENAPI_CACHE_CONTROL "public, max-age=300"

/* True when an If-None-Match header value HEADER (NULL: absent) names our ETag: "*", or
 * a comma-separated list holding it (a weak W/ prefix matches too, as RFC 9110's weak
 * comparison for If-None-Match says). */
bool edge_openapi_not_modified(const char *header);

#endif
