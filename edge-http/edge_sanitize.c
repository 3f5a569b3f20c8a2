/* edge_sanitize.c -- tag, handler and protocol removal as a small state machine over the
 * bytes, then escaping; the shared cache of recent results; the sanitize stage. */
#include "edge_sanitize.h"
#include "mem.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "edge_thread.h"

static const char *const s_tags[] = { "script", "style", "iframe", "object", "embed", NULL };

static inline char
s_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char) (c + 32) : c;
}

static inline bool
s_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
s_alnum(char c)
{
    return s_alpha(c) || (c >= '0' && c <= '9');
}

static inline bool
s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Case-insensitive: do the N bytes at P (of which AVAIL are there) spell WORD? */
static bool
s_word_at(const char *p, size_t avail, const char *word)
{
    size_t n = strlen(word);
    if (avail < n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s_lower(p[i]) != word[i])
            return false;
    return true;
}

bool
edge_sanitize_suspect(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '<' || c == '>' || c == ':' || c == '=')
            return true;
    }
    return false;
}

/* A dangerous opening or closing tag at IN[I] ('<' there): its length through '>', or 0.
 * An unterminated one ("<script src=x" to the end) is left for the escaping. *GT is the
 * pass's memo of where the next '>' is (LEN: none left): tags are met left to right, so
 * each byte is searched once per pass, and a string of a million "<embed " with no '>'
 * costs one scan, not a million. */
static size_t
s_tag_len(const char *in, size_t len, size_t i, size_t *gt)
{
    size_t j = i + 1;
    if (j < len && in[j] == '/')
        j++;
    for (int t = 0; s_tags[t]; t++) {
        size_t n = strlen(s_tags[t]);
        if (!s_word_at(in + j, len - j, s_tags[t]))
            continue;
        size_t k = j + n;
        /* "<scripts>" is another element; "<script>", "<script src>", "<script/>" are it */
        if (k < len && !(in[k] == '>' || in[k] == '/' || s_space(in[k])))
            return 0;
        if (*gt < k) {
            const char *end = memchr(in + k, '>', len - k);
            *gt = end ? (size_t) (end - in) : len;
        }
        return *gt < len ? *gt - i + 1 : 0;
    }
    return 0;
}

/* An event handler attribute name and its '=' at IN[I]: "on" + letters + spaces + '=',
 * at the start of a word (so "lemonade=1" is left alone). Its length, or 0. */
static size_t
s_handler_len(const char *in, size_t len, size_t i)
{
    if (i > 0 && s_alnum(in[i - 1]))
        return 0;
    if (i + 2 >= len || s_lower(in[i]) != 'o' || s_lower(in[i + 1]) != 'n' || !s_alpha(in[i + 2]))
        return 0;
    size_t k = i + 2;
    while (k < len && s_alpha(in[k]))
        k++;
    while (k < len && s_space(in[k]))
        k++;
    return (k < len && in[k] == '=') ? k - i + 1 : 0;
}

/* javascript:, vbscript: (spaces allowed before the ':', as browsers allow) or
 * data:text/html at IN[I]. Its length, or 0. */
static size_t
s_protocol_len(const char *in, size_t len, size_t i)
{
    static const char *const words[] = { "javascript", "vbscript", "data", NULL };
    for (int w = 0; words[w]; w++) {
        if (!s_word_at(in + i, len - i, words[w]))
            continue;
        size_t k = i + strlen(words[w]);
        while (k < len && s_space(in[k]))
            k++;
        if (k >= len || in[k] != ':')
            return 0;
        k++;
        if (w == 2) {                        /* data: only with text/html */
            while (k < len && s_space(in[k]))
                k++;
            if (!s_word_at(in + k, len - k, "text/html"))
                return 0;
            k += 9;
        }
        return k - i;
    }
    return 0;
}

/* One removal pass of IN into OUT. Returns how many bytes were removed, -1 on no memory. */
static long
s_pass(const char *in, size_t len, edge_buf_t *out)
{
    edge_buf_reset(out);
    long removed = 0;
    size_t i = 0, copied = 0;          /* IN[copied..i) is still to be copied */
    size_t gt = 0;                     /* s_tag_len's memo; 0: nothing searched yet */
    while (i < len) {
        char c = in[i];
        size_t skip = 0;
        if (c == '<')
            skip = s_tag_len(in, len, i, &gt);
        else if (c == 'o' || c == 'O')
            skip = s_handler_len(in, len, i);
        else if (c == 'j' || c == 'J' || c == 'v' || c == 'V' || c == 'd' || c == 'D')
            skip = s_protocol_len(in, len, i);
        if (!skip) {
            i++;
            continue;
        }
        if (edge_buf_append(out, in + copied, i - copied) != 0)
            return -1;
        i += skip;
        copied = i;
        removed += (long) skip;
    }
    if (edge_buf_append(out, in + copied, len - copied) != 0)
        return -1;
    return removed;
}

/* '<' and '>' as entities, IN into OUT. */
static int
s_escape(const char *in, size_t len, edge_buf_t *out)
{
    edge_buf_reset(out);
    size_t copied = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] != '<' && in[i] != '>')
            continue;
        if (edge_buf_append(out, in + copied, i - copied) != 0
            || edge_buf_append(out, in[i] == '<' ? "&lt;" : "&gt;", 4) != 0)
            return -1;
        copied = i + 1;
    }
    return edge_buf_append(out, in + copied, len - copied);
}

edge_sanitize_rc_t
edge_sanitize_text(const char *in, size_t len, edge_buf_t *out, edge_buf_t *scratch)
{
    if (!edge_sanitize_suspect(in, len))
        return EDGE_SANITIZE_SAME;
    /* Passes alternate between the two buffers; CUR is the text so far. */
    const char *cur = in;
    size_t cur_len = len;
    edge_buf_t *bufs[2] = { scratch, out };
    bool changed = false;
    int b = 0;
    for (int pass = 0; ; pass++) {
        long removed = s_pass(cur, cur_len, bufs[b]);
        if (removed < 0)
            return EDGE_SANITIZE_NOMEM;
        if (removed == 0)
            break;
        if (pass == EDGE_SANITIZE_MAX_PASSES)
            return EDGE_SANITIZE_HOSTILE;
        changed = true;
        cur = bufs[b]->data;
        cur_len = bufs[b]->len;
        b ^= 1;
    }
    bool angles = memchr(cur, '<', cur_len) || memchr(cur, '>', cur_len);
    if (!changed && !angles)
        return EDGE_SANITIZE_SAME;
    if (angles) {
        /* escape from CUR into the buffer CUR is not in */
        edge_buf_t *dst = (cur == out->data) ? scratch : out;
        if (s_escape(cur, cur_len, dst) != 0)
            return EDGE_SANITIZE_NOMEM;
        cur = dst->data;
        cur_len = dst->len;
    }
    if (cur != out->data) {
        /* the result sits in SCRATCH: copy, since the caller reads OUT */
        edge_buf_reset(out);
        if (edge_buf_append(out, cur, cur_len) != 0)
            return EDGE_SANITIZE_NOMEM;
    }
    return EDGE_SANITIZE_CHANGED;
}

/* --- the cache ------------------------------------------------------------------ */

/* One entry: the input and its result in one allocation. rc SAME keeps no result. */
typedef struct {
    uint64_t hash;
    char *key;                   /* klen bytes, then vlen bytes of result */
    size_t klen, vlen;
    int rc;
    int prev, next;              /* LRU list, most recent at head; -1 ends */
    int chain;                   /* next entry in the same bucket; -1 ends */
} s_entry_t;

struct edge_sanitize_cache_t {
    pthread_mutex_t lock;
    int capacity, count;
    s_entry_t *entries;
    int *buckets;                /* nbuckets heads, -1 empty */
    int nbuckets;
    int head, tail;
    atomic_uint_fast64_t hits, misses;
};

static uint64_t
s_hash(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL;            /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

edge_sanitize_cache_t *
edge_sanitize_cache_new(int capacity)
{
    edge_sanitize_cache_t *self = mem_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    self->capacity = capacity > 0 ? capacity : 0;
    self->head = self->tail = -1;
    if (self->capacity) {
        self->nbuckets = 1;
        while (self->nbuckets < 2 * self->capacity)
            self->nbuckets *= 2;
        self->entries = mem_calloc((size_t) self->capacity, sizeof *self->entries);
        self->buckets = mem_malloc((size_t) self->nbuckets * sizeof *self->buckets);
        for (int i = 0; i < self->nbuckets; i++)
            self->buckets[i] = -1;
    }
    return self;
}

void
edge_sanitize_cache_destroy(edge_sanitize_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    edge_sanitize_cache_t *self = *self_p;
    for (int i = 0; i < self->count; i++)
        free(self->entries[i].key);
    free(self->entries);
    free(self->buckets);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

static void
s_lru_unlink(edge_sanitize_cache_t *self, int i)
{
    s_entry_t *e = &self->entries[i];
    if (e->prev >= 0)
        self->entries[e->prev].next = e->next;
    else
        self->head = e->next;
    if (e->next >= 0)
        self->entries[e->next].prev = e->prev;
    else
        self->tail = e->prev;
}

static void
s_lru_push(edge_sanitize_cache_t *self, int i)
{
    s_entry_t *e = &self->entries[i];
    e->prev = -1;
    e->next = self->head;
    if (self->head >= 0)
        self->entries[self->head].prev = i;
    self->head = i;
    if (self->tail < 0)
        self->tail = i;
}

static int
s_find(edge_sanitize_cache_t *self, uint64_t hash, const char *in, size_t len)
{
    for (int i = self->buckets[hash & (uint64_t) (self->nbuckets - 1)]; i >= 0;
         i = self->entries[i].chain) {
        const s_entry_t *e = &self->entries[i];
        if (e->hash == hash && e->klen == len && memcmp(e->key, in, len) == 0)
            return i;
    }
    return -1;
}

/* Takes entry I out of its bucket's chain. */
static void
s_chain_unlink(edge_sanitize_cache_t *self, int i)
{
    int *link = &self->buckets[self->entries[i].hash & (uint64_t) (self->nbuckets - 1)];
    while (*link >= 0 && *link != i)
        link = &self->entries[*link].chain;
    if (*link == i)
        *link = self->entries[i].chain;
}

static void
s_insert(edge_sanitize_cache_t *self, uint64_t hash, const char *in, size_t len, int rc,
         const edge_buf_t *out)
{
    size_t vlen = rc == EDGE_SANITIZE_CHANGED ? out->len : 0;
    char *key = mem_malloc(len + vlen + 1);
    memcpy(key, in, len);
    if (vlen)
        memcpy(key + len, out->data, vlen);
    key[len + vlen] = '\0';
    int i;
    if (self->count < self->capacity)
        i = self->count++;
    else {
        i = self->tail;                               /* least recently used goes */
        s_lru_unlink(self, i);
        s_chain_unlink(self, i);
        free(self->entries[i].key);
    }
    s_entry_t *e = &self->entries[i];
    *e = (s_entry_t) { hash, key, len, vlen, rc, -1, -1, -1 };
    int *bucket = &self->buckets[hash & (uint64_t) (self->nbuckets - 1)];
    e->chain = *bucket;
    *bucket = i;
    s_lru_push(self, i);
}

edge_sanitize_rc_t
edge_sanitize_cached(edge_sanitize_cache_t *cache, const char *in, size_t len,
                     edge_buf_t *out, edge_buf_t *scratch)
{
    if (!edge_sanitize_suspect(in, len))
        return EDGE_SANITIZE_SAME;                    /* cheaper than any lookup */
    if (!cache || !cache->capacity || len > EDGE_SANITIZE_CACHE_MAXLEN)
        return edge_sanitize_text(in, len, out, scratch);

    uint64_t hash = s_hash(in, len);
    pthread_mutex_lock(&cache->lock);
    int i = s_find(cache, hash, in, len);
    if (i >= 0) {
        s_entry_t *e = &cache->entries[i];
        int rc = e->rc;
        edge_buf_reset(out);
        if (rc == EDGE_SANITIZE_CHANGED && edge_buf_append(out, e->key + e->klen, e->vlen) != 0)
            rc = EDGE_SANITIZE_NOMEM;
        s_lru_unlink(cache, i);
        s_lru_push(cache, i);
        pthread_mutex_unlock(&cache->lock);
        atomic_fetch_add(&cache->hits, 1);
        return (edge_sanitize_rc_t) rc;
    }
    pthread_mutex_unlock(&cache->lock);
    atomic_fetch_add(&cache->misses, 1);

    /* Sanitized outside the lock: other threads are not held up by a long string. */
    edge_sanitize_rc_t rc = edge_sanitize_text(in, len, out, scratch);
    if (rc == EDGE_SANITIZE_SAME || rc == EDGE_SANITIZE_CHANGED) {
        pthread_mutex_lock(&cache->lock);
        if (s_find(cache, hash, in, len) < 0)
            s_insert(cache, hash, in, len, rc, out);
        pthread_mutex_unlock(&cache->lock);
    }
    return rc;
}

void
edge_sanitize_cache_stats(edge_sanitize_cache_t *cache, uint64_t *hits, uint64_t *misses)
{
    *hits = cache ? atomic_load(&cache->hits) : 0;
    *misses = cache ? atomic_load(&cache->misses) : 0;
}

edge_sanitize_rc_t
edge_sanitize_json(edge_sanitize_cache_t *cache, json_object *obj, edge_buf_t *out,
                   edge_buf_t *scratch)
{
    edge_sanitize_rc_t result = EDGE_SANITIZE_SAME, rc;
    switch (json_object_get_type(obj)) {
    case json_type_string:
        rc = edge_sanitize_cached(cache, json_object_get_string(obj),
                                  (size_t) json_object_get_string_len(obj), out, scratch);
        if (rc == EDGE_SANITIZE_CHANGED
            && json_object_set_string_len(obj, out->data, (int) out->len) != 1)
            return EDGE_SANITIZE_NOMEM;
        return rc;
    case json_type_array: {
        size_t n = json_object_array_length(obj);
        for (size_t i = 0; i < n; i++) {
            rc = edge_sanitize_json(cache, json_object_array_get_idx(obj, i), out, scratch);
            if (rc < 0)
                return rc;
            if (rc == EDGE_SANITIZE_CHANGED)
                result = rc;
        }
        return result;
    }
    case json_type_object: {
        json_object_object_foreach(obj, key, val) {
            (void) key;
            rc = edge_sanitize_json(cache, val, out, scratch);
            if (rc < 0)
                return rc;
            if (rc == EDGE_SANITIZE_CHANGED)
                result = rc;
        }
        return result;
    }
    default:
        return EDGE_SANITIZE_SAME;
    }
}

/* Every string of the body and the query, as API.md says (edge_sanitize.h). */
int
edge_sanitize_stage(edge_thread_t *t, edge_request_t *r)
{
    const edge_app_t *app = t->app;
    if (!app->cfg.sanitize)
        return EDGE_STAGE_NEXT;
    edge_sanitize_rc_t rc = EDGE_SANITIZE_SAME;
    if (r->body)
        rc = edge_sanitize_json(app->sanitize_cache, r->body, &t->san_out, &t->san_scratch);
    size_t used = 0;
    for (int i = 0; rc >= 0 && i < r->query.count; i++) {
        edge_query_param_t *q = &r->query.params[i];
        rc = edge_sanitize_cached(app->sanitize_cache, q->value, q->value_len, &t->san_out,
                                  &t->san_scratch);
        if (rc != EDGE_SANITIZE_CHANGED)
            continue;
        if (t->san_out.len + 1 > sizeof t->qsan - used)
            return edge_stage_fail(r, ERR_BAD_REQUEST, "Invalid query string");
        memcpy(t->qsan + used, t->san_out.data, t->san_out.len + 1);
        q->value = t->qsan + used;
        q->value_len = t->san_out.len;
        used += t->san_out.len + 1;
    }
    if (rc == EDGE_SANITIZE_HOSTILE)
        return edge_stage_fail(r, ERR_BAD_REQUEST, "Request contains disallowed markup");
    if (rc == EDGE_SANITIZE_NOMEM)
        return edge_stage_fail(r, ERR_INTERNAL, NULL);
    return EDGE_STAGE_NEXT;
}
