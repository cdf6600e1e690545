/* screen_pool.h -- the screens the live USSD sessions keep for their
 * answers (app/ussd_session), each distinct text kept once however many
 * sessions gave it: the same menus in the same language are most of what a
 * session table holds. A kept screen is counted and freed when the last
 * record holding it lets go.
 *
 * Thread-safe: striped locks over the buckets. A kept screen's text never
 * changes, so a holder reads it without a lock. */
#ifndef TAAWUN_APP_SCREEN_POOL_H
#define TAAWUN_APP_SCREEN_POOL_H

#include <stddef.h>
#include <stdint.h>

struct screen_pool;

/* One kept text; its holders read it through kept_screen_text(). */
struct kept_screen;

/* A pool for about expected distinct screens (its bucket count; more only
 * make chains longer). NULL on OOM. */
struct screen_pool *screen_pool_new(size_t expected);

/* Frees the pool; every screen must have been dropped. NULL: no-op. */
void screen_pool_free(struct screen_pool *p);

/* A hold on text[0..len) (borrowed, copied if new): the screen already
 * kept with these bytes, or a new one. NULL on OOM. Each hold is given
 * back once with screen_pool_drop(). */
const struct kept_screen *screen_pool_hold(struct screen_pool *p, const char *text, size_t len);

/* Give back a hold; the screen is freed with its last one. NULL: no-op. */
void screen_pool_drop(struct screen_pool *p, const struct kept_screen *s);

/* The bytes of a held screen (not NUL-terminated) and their count. */
const char *kept_screen_text(const struct kept_screen *s, size_t *len);

/* Distinct screens kept now. */
size_t screen_pool_count(struct screen_pool *p);

#endif
