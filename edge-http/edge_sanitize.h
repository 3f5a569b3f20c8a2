/* edge_sanitize.h -- input sanitization of API.md: every string of a request's body and
 * query loses the <script>, <style>, <iframe>, <object> and <embed> tags (their inner
 * text stays: "<script>alert('xss')</script>Hello" -> "alert('xss')Hello"), on*= event
 * handler attributes and the javascript:, vbscript: and data:text/html protocols; then any
 * remaining '<' and '>' becomes "&lt;" "&gt;". A string with nothing dangerous passes
 * unchanged, and cheaply: one scan for the four bytes '<', '>', ':' and '=' that every
 * pattern needs.
 *
 * Removal repeats until nothing more is removed ("<scr<script>ipt>" or
 * "javajavascript:script:" reassemble after one pass), at most EDGE_SANITIZE_MAX_PASSES
 * times; a string still changing after that is refused as hostile (400). Only ASCII bytes
 * are ever touched, so valid UTF-8 stays valid UTF-8 (the JSON and query parsers have
 * already refused invalid UTF-8 with 400). Path parameters are ids (digits only) and
 * need nothing. */
#ifndef EDGE_SANITIZE_H
#define EDGE_SANITIZE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "edge_buf.h"
#include "edge_stage.h"

#define EDGE_SANITIZE_MAX_PASSES   8
#define EDGE_SANITIZE_CACHE_SIZE   1000      /* entries, as the seed's cache */
#define EDGE_SANITIZE_CACHE_MAXLEN 1024      /* longer strings are sanitized, not cached */

typedef enum {
    EDGE_SANITIZE_SAME = 0,      /* nothing dangerous: use the input as is */
    EDGE_SANITIZE_CHANGED = 1,   /* OUT holds the sanitized text (NUL-terminated) */
    EDGE_SANITIZE_HOSTILE = -1,  /* still changing after the passes: refuse (400) */
    EDGE_SANITIZE_NOMEM = -2
} edge_sanitize_rc_t;

/* True when the LEN bytes at S hold one of '<', '>', ':', '=': only then can a pattern
 * be present. */
bool edge_sanitize_suspect(const char *s, size_t len);

/* Sanitizes LEN bytes at IN. On EDGE_SANITIZE_CHANGED the result is in OUT; SCRATCH is a
 * second buffer the passes alternate with. Pure: no cache, no locks. */
edge_sanitize_rc_t edge_sanitize_text(const char *in, size_t len, edge_buf_t *out,
                                      edge_buf_t *scratch);

/* A bounded cache of recent results (LRU, EDGE_SANITIZE_CACHE_SIZE entries), shared by
 * every worker thread behind one mutex. Only strings that miss the fast path reach it. */
typedef struct edge_sanitize_cache_t edge_sanitize_cache_t;

/* CAPACITY entries (0: no caching at all). Never NULL (memory: common/mem.h). */
edge_sanitize_cache_t *edge_sanitize_cache_new(int capacity);
void edge_sanitize_cache_destroy(edge_sanitize_cache_t **self_p);

/* edge_sanitize_text through CACHE (which may be NULL). */
edge_sanitize_rc_t edge_sanitize_cached(edge_sanitize_cache_t *cache, const char *in,
                                        size_t len, edge_buf_t *out, edge_buf_t *scratch);

/* Lookups that found an entry, and lookups that did not. */
void edge_sanitize_cache_stats(edge_sanitize_cache_t *cache, uint64_t *hits, uint64_t *misses);

/* Sanitizes every string value inside OBJ (a parsed JSON body), in place. Member names
 * are left alone: they are field names, which services check against their own lists.
 * Returns EDGE_SANITIZE_SAME / CHANGED, or a negative code (the caller answers 400 or
 * 500). */
edge_sanitize_rc_t edge_sanitize_json(edge_sanitize_cache_t *cache, json_object *obj,
                                      edge_buf_t *out, edge_buf_t *scratch);

/* The stage: every string of the body and the query sanitized (400 on hostile markup). */
int edge_sanitize_stage(edge_thread_t *t, edge_request_t *r);

#endif
