/* screen.c -- fitting text to a USSD screen: measuring a screen in the
 * encoding it travels in, shortening a text with an ellipsis, and laying out
 * numbered lists page by page. */
#include "core/screen.h"

#include <string.h>

#include "core/limits.h"
#include "core/utf8.h"

#define ELLIPSIS_GSM7 "..."
#define ELLIPSIS_UCS2 "\xE2\x80\xA6" /* U+2026 */

static size_t limit_for(struct screen_limit lim, enum text_encoding enc)
{
    return enc == TEXT_GSM7 ? lim.gsm7 : lim.ucs2;
}

bool screen_fits(const char *s, size_t len, struct screen_limit lim, size_t *units_out,
                 enum text_encoding *enc_out)
{
    struct text_measure m;

    if (s == NULL && len > 0)
        len = 0;
    if (text_measure(s, len, &m) != 0) {
        if (units_out != NULL)
            *units_out = 0;
        if (enc_out != NULL)
            *enc_out = TEXT_UCS2;
        return false;
    }
    if (units_out != NULL)
        *units_out = m.units;
    if (enc_out != NULL)
        *enc_out = m.encoding;
    return m.units <= limit_for(lim, m.encoding);
}

/* Where to cut s[0..len) to make it fit max_units in enc: keep s[0..*keep)
 * and append the ellipsis when *dots. When max_units cannot hold even the
 * ellipsis, the text is cut hard with no ellipsis. -1 for invalid UTF-8. */
static int ellipsis_plan(const char *s, size_t len, enum text_encoding enc, size_t max_units,
                         size_t *keep, bool *dots)
{
    size_t ellipsis = enc == TEXT_GSM7 ? 3 : 1;
    size_t budget, units = 0, i = 0, space = 0, space_units = 0;
    bool have_space = false;
    uint32_t cp;

    if (!utf8_valid(s, len))
        return -1;
    if (text_units(s, len, enc) <= max_units) {
        *keep = len;
        *dots = false;
        return 0;
    }
    *dots = max_units >= ellipsis;
    budget = *dots ? max_units - ellipsis : max_units;
    while (i < len) {
        size_t k = utf8_decode(s + i, len - i, &cp);
        size_t cost = text_units(s + i, k, enc);
        if (units + cost > budget)
            break;
        if (cp == ' ') {
            have_space = true;
            space = i;
            space_units = units;
        }
        units += cost;
        i += k;
    }
    /* i < len here: the whole text did not fit. A space right after the
     * kept text ends a word as well as one inside it. */
    if (*dots) {
        if (s[i] == ' ')
            ; /* already at a word boundary */
        else if (have_space && space_units * 2 >= units)
            i = space;
        while (i > 0 && s[i - 1] == ' ')
            i--;
    }
    *keep = i;
    return 0;
}

long screen_ellipsize(const char *s, size_t len, enum text_encoding enc, size_t max_units,
                      char *out, size_t outsz)
{
    size_t keep, need;
    bool dots;
    const char *ellipsis = enc == TEXT_GSM7 ? ELLIPSIS_GSM7 : ELLIPSIS_UCS2;
    size_t ellipsis_len = strlen(ellipsis);

    if (out == NULL)
        outsz = 0;
    if (outsz > 0)
        out[0] = '\0';
    if ((s == NULL && len > 0) || ellipsis_plan(s, len, enc, max_units, &keep, &dots) != 0)
        return -1;
    need = keep + (dots ? ellipsis_len : 0);
    if (need >= outsz)
        return -1;
    if (keep > 0)
        memcpy(out, s, keep);
    if (dots)
        memcpy(out + keep, ellipsis, ellipsis_len);
    out[need] = '\0';
    return (long)need;
}

/* Length of the leading whole words a and b share (up to and including
 * the space after the last shared word), 0 when none. */
static size_t shared_words(const char *a, const char *b)
{
    size_t i = 0, words = 0;
    while (a[i] && a[i] == b[i]) {
        if (a[i] == ' ')
            words = i + 1;
        i++;
    }
    return words;
}

int screen_shorten_distinct(const char *const *texts, size_t n, enum text_encoding enc,
                            const size_t *max_units, char (*out)[SCREEN_LABEL_BYTES])
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = texts[i] ? texts[i] : "";
        size_t len = strlen(t), skip = 0;
        if (!utf8_valid(t, len)) {
            out[i][0] = '\0';
            rc = -1;
            continue;
        }
        if (text_units(t, len, enc) > max_units[i]) {
            for (size_t j = 0; j < n; j++) {
                size_t w = j == i || !texts[j] ? 0 : shared_words(t, texts[j]);
                if (w > skip && w < len)
                    skip = w;
            }
            /* A kind before a colon ("Atelier: ", "تكوين: ") says least. */
            const char *colon = strstr(t + skip, ": ");
            if (!colon || strchr(t + skip, ' ') < colon)
                colon = NULL;
            if (colon && (size_t)(colon + 2 - t) < len)
                skip = (size_t)(colon + 2 - t);
        }
        if (screen_ellipsize(t + skip, len - skip, enc, max_units[i], out[i], SCREEN_LABEL_BYTES) <
            0)
            rc = -1;
    }
    return rc;
}

/* What one piece of a screen costs, in both encodings. */
struct cost {
    bool valid;
    bool ucs2; /* holds a character GSM-7 cannot carry */
    size_t septets;
    size_t units;
    size_t lines;
};

static struct cost cost_of(const char *s)
{
    struct cost c = {true, false, 0, 0, 0};
    size_t len = s ? strlen(s) : 0;

    if (text_costs(s, len, &c.ucs2, &c.septets, &c.units) != 0)
        c.valid = false;
    return c;
}

static size_t digits(size_t n)
{
    size_t d = 1;

    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* The cost of "N. " in front of an item label. */
static struct cost number_cost(size_t n)
{
    struct cost c = {true, false, 0, 0, 0};

    c.septets = c.units = digits(n) + 2;
    return c;
}

/* a then b on the same line. */
static struct cost cost_join(struct cost a, struct cost b)
{
    struct cost c;

    c.valid = a.valid && b.valid;
    c.ucs2 = a.ucs2 || b.ucs2;
    c.septets = a.septets + b.septets;
    c.units = a.units + b.units;
    c.lines = a.lines + b.lines;
    return c;
}

/* Append b to a as a line of its own: a newline between lines. */
static struct cost cost_line(struct cost a, struct cost b)
{
    struct cost c = cost_join(a, b);

    if (a.lines > 0) {
        c.septets++;
        c.units++;
    }
    c.lines = a.lines + 1;
    return c;
}

static enum text_encoding cost_encoding(struct cost c)
{
    return c.ucs2 ? TEXT_UCS2 : TEXT_GSM7;
}

static size_t cost_units(struct cost c, enum text_encoding enc)
{
    return enc == TEXT_GSM7 ? c.septets : c.units;
}

static bool cost_fits(struct cost c, struct screen_limit lim)
{
    enum text_encoding enc = cost_encoding(c);

    return c.valid && cost_units(c, enc) <= limit_for(lim, enc);
}

static bool has_text(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* One page decided: items[first .. first+shown), the more line or not, and
 * for a lone item too long for the screen, how it is cut. */
struct plan {
    size_t shown;
    bool more;
    bool cut;
    size_t keep;
    bool dots;
    enum text_encoding enc;
};

/* The costs of a list's fixed lines (header, more, nav), weighed once per
 * layout rather than once per candidate page. */
struct frame {
    bool header_on, more_on, nav_on; /* the line has text */
    struct cost header, more, nav;
};

static struct frame frame_of(const struct screen_list *l)
{
    struct frame f = {has_text(l->header), has_text(l->more), has_text(l->nav), {0}, {0}, {0}};

    if (f.header_on)
        f.header = cost_of(l->header);
    if (f.more_on)
        f.more = cost_of(l->more);
    if (f.nav_on)
        f.nav = cost_of(l->nav);
    return f;
}

/* The screen made of the header, the item lines costed in `items`, the
 * more line when asked, and nav. */
static struct cost screen_cost(const struct frame *f, struct cost items, bool more)
{
    struct cost c = {true, false, 0, 0, 0};

    if (f->header_on)
        c = cost_line(c, f->header);
    if (items.lines > 0) {
        bool after_header = c.lines > 0;
        c = cost_join(c, items);
        if (after_header) { /* the newline between header and items */
            c.septets++;
            c.units++;
        }
    }
    if (more && f->more_on)
        c = cost_line(c, f->more);
    if (f->nav_on)
        c = cost_line(c, f->nav);
    return c;
}

static struct cost item_cost(const struct screen_list *l, size_t index)
{
    return cost_join(number_cost(index + 1), cost_of(l->items[index]));
}

static int layout(const struct screen_list *l, size_t first, struct plan *p)
{
    struct cost none = {true, false, 0, 0, 0};
    struct cost items = none, rest, label;
    size_t remaining, budget;
    const char *text;

    struct frame f = frame_of(l);

    memset(p, 0, sizeof *p);
    if (first >= l->count || l->items == NULL)
        return cost_fits(screen_cost(&f, none, false), l->limit) ? 0 : -1;
    remaining = l->count - first;
    for (size_t n = 1; n <= remaining; n++) {
        items = cost_line(items, item_cost(l, first + n - 1));
        if (!cost_fits(screen_cost(&f, items, n < remaining), l->limit))
            break;
        p->shown = n;
    }
    if (p->shown < remaining) {
        /* Every remaining item without the more line may still fit. */
        items = none;
        for (size_t n = 0; n < remaining; n++)
            items = cost_line(items, item_cost(l, first + n));
        if (cost_fits(screen_cost(&f, items, false), l->limit))
            p->shown = remaining;
    }
    p->more = p->shown < remaining;
    if (p->shown > 0)
        return 0;

    /* Not even one item fits: cut the first one to what is left. */
    text = l->items[first] ? l->items[first] : "";
    label = cost_of(text);
    p->more = remaining > 1;
    rest = screen_cost(&f, cost_line(none, number_cost(first + 1)), p->more);
    if (!rest.valid || !label.valid)
        return -1;
    p->enc = cost_encoding(cost_join(rest, label));
    if (cost_units(rest, p->enc) >= limit_for(l->limit, p->enc))
        return -1;
    budget = limit_for(l->limit, p->enc) - cost_units(rest, p->enc);
    if (ellipsis_plan(text, strlen(text), p->enc, budget, &p->keep, &p->dots) != 0)
        return -1;
    if (p->keep == 0 && !p->dots)
        return -1;
    p->cut = true;
    p->shown = 1;
    return 0;
}

/* A bounded writer that remembers running out of room. */
struct writer {
    char *p;
    size_t size;
    size_t len;
    bool overflow;
};

static void put(struct writer *w, const char *s, size_t n)
{
    if (w->overflow || w->size == 0 || n >= w->size - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void put_str(struct writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void put_line(struct writer *w, const char *s)
{
    if (w->len > 0)
        put(w, "\n", 1);
    put_str(w, s);
}

static void put_number(struct writer *w, size_t n)
{
    char digit[24];
    size_t i = sizeof digit;

    do {
        digit[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0 && i > 0);
    put(w, digit + i, sizeof digit - i);
}

long screen_list_render(const struct screen_list *l, char *out, size_t outsz)
{
    struct plan p;
    struct writer w = {out, out ? outsz : 0, 0, false};

    if (w.size > 0)
        out[0] = '\0';
    if (l == NULL || layout(l, l->first, &p) != 0)
        return -1;
    if (has_text(l->header))
        put_line(&w, l->header);
    for (size_t i = 0; i < p.shown; i++) {
        size_t index = l->first + i;
        const char *text = l->items[index] ? l->items[index] : "";
        if (w.len > 0)
            put(&w, "\n", 1);
        put_number(&w, index + 1);
        put(&w, ". ", 2);
        if (p.cut) {
            put(&w, text, p.keep);
            if (p.dots)
                put_str(&w, p.enc == TEXT_GSM7 ? ELLIPSIS_GSM7 : ELLIPSIS_UCS2);
        } else {
            put_str(&w, text);
        }
    }
    if (p.more && has_text(l->more))
        put_line(&w, l->more);
    if (has_text(l->nav))
        put_line(&w, l->nav);
    if (w.overflow) {
        if (w.size > 0)
            out[0] = '\0';
        return -1;
    }
    out[w.len] = '\0';
    return (long)p.shown;
}

size_t screen_list_page_start(const struct screen_list *l, size_t page)
{
    size_t first = 0;
    struct plan p;

    if (l == NULL)
        return 0;
    for (size_t i = 0; i < page && first < l->count; i++) {
        if (layout(l, first, &p) != 0 || p.shown == 0)
            return l->count;
        first += p.shown;
    }
    return first < l->count ? first : l->count;
}
