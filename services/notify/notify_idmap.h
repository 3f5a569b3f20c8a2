/* notify_idmap.h -- a small hash map from 64-bit ids to pointers, for the lws thread's
 * tables (users by id, sockets by session id, topic refcounts). Not thread-safe: one
 * owner thread. */
#ifndef NOTIFY_IDMAP_H
#define NOTIFY_IDMAP_H
#include <stddef.h>
#include <stdint.h>

typedef struct notify_idmap_t notify_idmap_t;

/* A new, empty map. Never NULL (aborts when out of memory, like the rest of the process). */
notify_idmap_t *notify_idmap_new(void);

/* Frees the map, not the values. Accepts NULL; sets *self_p to NULL. */
void notify_idmap_destroy(notify_idmap_t **self_p);

/* The value of KEY, or NULL when absent. */
void *notify_idmap_get(const notify_idmap_t *self, int64_t key);

/* Sets KEY to VALUE (not NULL), replacing any previous value. */
void notify_idmap_put(notify_idmap_t *self, int64_t key, void *value);

/* Removes KEY; returns its value, or NULL when absent. */
void *notify_idmap_remove(notify_idmap_t *self, int64_t key);

size_t notify_idmap_size(const notify_idmap_t *self);

/* Calls FN(key, value, ARG) for every entry, in no particular order. FN must not change
 * the map: collect what to change and change it after. */
typedef void (notify_idmap_fn)(int64_t key, void *value, void *arg);
void notify_idmap_each(const notify_idmap_t *self, notify_idmap_fn *fn, void *arg);

#endif
