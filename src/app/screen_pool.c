/* screen_pool.c -- distinct screen texts kept once, counted by their
 * holders: a hash table of counted texts under striped locks. */
#include "app/screen_pool.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

struct kept_screen {
    struct kept_screen *next;
    uint64_t hash;
    uint32_t holds; /* under the bucket's stripe lock */
    uint32_t len;
    char text[];
};

#define POOL_STRIPES 16

struct screen_pool {
    pthread_mutex_t locks[POOL_STRIPES];
    struct kept_screen **buckets;
    size_t nbuckets; /* power of two, a multiple of POOL_STRIPES */
    _Atomic size_t count;
};

struct screen_pool *screen_pool_new(size_t expected)
{
    struct screen_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    size_t n = 256;
    while (n < expected && n < (1u << 20))
        n <<= 1;
    p->buckets = calloc(n, sizeof *p->buckets);
    if (!p->buckets) {
        free(p);
        return NULL;
    }
    p->nbuckets = n;
    for (size_t i = 0; i < POOL_STRIPES; i++)
        pthread_mutex_init(&p->locks[i], NULL);
    return p;
}

void screen_pool_free(struct screen_pool *p)
{
    if (!p)
        return;
    assert(atomic_load(&p->count) == 0); /* a hold never given back */
    for (size_t i = 0; i < p->nbuckets; i++) {
        struct kept_screen *s = p->buckets[i];
        while (s) {
            struct kept_screen *next = s->next;
            free(s);
            s = next;
        }
    }
    for (size_t i = 0; i < POOL_STRIPES; i++)
        pthread_mutex_destroy(&p->locks[i]);
    free(p->buckets);
    free(p);
}

/* The screen of bucket b with these bytes, or NULL (its stripe locked). */
static struct kept_screen *find(struct screen_pool *p, size_t b, uint64_t h, const char *text,
                                size_t len)
{
    struct kept_screen *s = p->buckets[b];
    while (s && !(s->hash == h && s->len == len && memcmp(s->text, text, len) == 0))
        s = s->next;
    return s;
}

const struct kept_screen *screen_pool_hold(struct screen_pool *p, const char *text, size_t len)
{
    if (len > UINT32_MAX)
        return NULL;
    uint64_t h = hash_bytes(text, len);
    size_t b = h & (p->nbuckets - 1);
    pthread_mutex_t *lock = &p->locks[b % POOL_STRIPES];
    pthread_mutex_lock(lock);
    struct kept_screen *s = find(p, b, h, text, len);
    if (s)
        s->holds++;
    pthread_mutex_unlock(lock);
    if (s)
        return s;
    /* A new screen, copied outside the lock. */
    struct kept_screen *made = malloc(sizeof *made + len);
    if (!made)
        return NULL;
    *made = (struct kept_screen){.hash = h, .holds = 1, .len = (uint32_t)len};
    if (len)
        memcpy(made->text, text, len);
    pthread_mutex_lock(lock);
    s = find(p, b, h, text, len); /* another thread may have kept it meanwhile */
    if (s) {
        s->holds++;
    } else {
        made->next = p->buckets[b];
        p->buckets[b] = s = made;
        made = NULL;
        atomic_fetch_add(&p->count, 1);
    }
    pthread_mutex_unlock(lock);
    free(made);
    return s;
}

void screen_pool_drop(struct screen_pool *p, const struct kept_screen *held)
{
    if (!held)
        return;
    size_t b = held->hash & (p->nbuckets - 1);
    pthread_mutex_t *lock = &p->locks[b % POOL_STRIPES];
    struct kept_screen *gone = NULL;
    pthread_mutex_lock(lock);
    for (struct kept_screen **pp = &p->buckets[b]; *pp; pp = &(*pp)->next) {
        struct kept_screen *s = *pp;
        if (s != held)
            continue;
        if (--s->holds == 0) {
            *pp = s->next;
            gone = s;
            atomic_fetch_sub(&p->count, 1);
        }
        break;
    }
    pthread_mutex_unlock(lock);
    free(gone);
}

const char *kept_screen_text(const struct kept_screen *s, size_t *len)
{
    *len = s->len;
    return s->text;
}

size_t screen_pool_count(struct screen_pool *p)
{
    return atomic_load(&p->count);
}
