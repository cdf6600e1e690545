/* ussd_layout.c -- fitting one USSD screen to the channel's limit: data
 * fields shortened step by step, pages of options, and as a last resort the
 * text cut above whole options. */
#include "core/ussd_layout.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/ussd_state.h"

#define LINE_MAX 640
#define TEXT_BYTES_MAX USSD_IDEA_TEXT_MAX /* one field, shortened */

enum text_encoding ussd_layout_encoding(const char *text)
{
    struct text_measure tm;
    if (text_measure(text, strlen(text), &tm) != 0)
        return TEXT_UCS2;
    return tm.encoding;
}

/* Copy src shortened to at most max_units in the screen's encoding. */
static void shorten(const char *src, size_t max_units, enum text_encoding enc, char *out,
                    size_t outsz)
{
    if (screen_ellipsize(src, strlen(src), enc, max_units, out, outsz) < 0)
        snprintf(out, outsz, "%s", "");
}

/* The encoding the whole screen will travel in: UCS-2 when any part of it
 * (template, data, items, navigation, error line) needs it. */
static enum text_encoding screen_encoding(const struct ussd_layout *ly,
                                          const struct screen_list *sl)
{
    if (ussd_layout_encoding(ly->tmpl) == TEXT_UCS2 ||
        (sl->more && ussd_layout_encoding(sl->more) == TEXT_UCS2) ||
        (sl->nav && ussd_layout_encoding(sl->nav) == TEXT_UCS2) ||
        (ly->error_line && ussd_layout_encoding(ly->error_line) == TEXT_UCS2))
        return TEXT_UCS2;
    for (size_t i = 0; i < ly->nvars; i++)
        if (ly->vars[i].value && ussd_layout_encoding(ly->vars[i].value) == TEXT_UCS2)
            return TEXT_UCS2;
    for (size_t i = 0; i < sl->count; i++)
        if (sl->items[i] && ussd_layout_encoding(sl->items[i]) == TEXT_UCS2)
            return TEXT_UCS2;
    return TEXT_GSM7;
}

/* Remove the empty lines an empty field leaves ("note" of a grant without
 * one), and trailing separators. */
static void drop_empty_lines(char *t)
{
    size_t j = 0;
    for (size_t i = 0; t[i]; i++) {
        if (t[i] == '\n' && (j == 0 || t[j - 1] == '\n'))
            continue;
        t[j++] = t[i];
    }
    while (j > 0 && (t[j - 1] == '\n' || t[j - 1] == ' '))
        j--;
    t[j] = '\0';
}

/* Whether every option shown kept its whole label. */
static bool items_intact(const struct screen_list *sl, long shown, const char *out)
{
    for (size_t i = sl->first; i < sl->first + (size_t)shown && i < sl->count; i++)
        if (sl->items[i] && !strstr(out, sl->items[i]))
            return false;
    return true;
}

/* The fields as they stand (orig), or each shortened to cap units. */
static void set_fields(const struct ussd_layout *ly, const char *const *orig, size_t cap,
                       enum text_encoding enc, char shortened[][TEXT_BYTES_MAX])
{
    for (size_t j = 0; j < ly->nshrink; j++) {
        size_t v = ly->shrinkable[j];
        if (cap == 0) {
            ly->vars[v].value = orig[v];
        } else {
            shorten(orig[v], cap, enc, shortened[j], TEXT_BYTES_MAX);
            ly->vars[v].value = shortened[j];
        }
    }
}

/* Render the text with the fields as set, the error line on top, and the
 * options of the page. Returns the options shown, or -1 (also when the
 * text cannot be formatted: *formatted says which). */
static long render_whole(const struct ussd_layout *ly, struct screen_list *sl, char *out,
                         size_t outsz, bool *formatted)
{
    char title[LINE_MAX], header[LINE_MAX + 128];
    *formatted = text_format(ly->tmpl, ly->vars, ly->nvars, title, sizeof title) >= 0;
    if (!*formatted)
        return -1;
    drop_empty_lines(title);
    if (ly->error_line)
        snprintf(header, sizeof header, "%s\n%s", ly->error_line, title);
    else
        snprintf(header, sizeof header, "%s", title);
    sl->header = header;
    sl->first = ly->first;
    long r = screen_list_render(sl, out, outsz);
    sl->header = NULL; /* header is local */
    return r;
}

/* Room the options take on a cut screen: all of them (attempt 0, and
 * always on a page that keeps its options), or the first and "more"; with
 * the error line. Returns -1 when they do not fit. */
static long options_units(const struct ussd_layout *ly, const struct screen_list *sl, size_t lim,
                          enum text_encoding enc, int attempt, bool keep_page)
{
    struct screen_list options = *sl;
    options.header = NULL;
    options.first = ly->first;
    options.limit = (struct screen_limit){lim, lim};
    if (keep_page)
        attempt = 0;
    if (attempt >= 1 && sl->count > ly->first)
        options.count = ly->first + 1;
    char probe[SCREEN_BYTES_MAX];
    long shown = screen_list_render(&options, probe, sizeof probe);
    if (shown < 0 || (attempt == 0 && ly->first + (size_t)shown < sl->count))
        return -1; /* all the options do not fit even alone */
    size_t used = text_units(probe, strlen(probe), enc);
    if (attempt >= 1 && sl->count > ly->first + 1 && sl->more)
        used += 1 + text_units(sl->more, strlen(sl->more), enc);
    if (ly->error_line)
        used += text_units(ly->error_line, strlen(ly->error_line), enc) + 1;
    return (long)used;
}

/* The last resort for long data on a crowded screen: the error line, the
 * options of the page (all of them if they leave room, else the first and
 * "more"; always all of them when keep_page) and the navigation stay
 * whole; the text in between is cut to the room left. Returns the items
 * shown, or -1. */
static long render_cut(const struct ussd_layout *ly, const char *const *orig,
                       enum text_encoding enc, struct screen_list *sl, char *out, size_t outsz,
                       bool keep_page)
{
    enum { MIN_TEXT_UNITS = 16 }; /* below this the cut text says nothing */
    char title[LINE_MAX], header[LINE_MAX + 128], cut[LINE_MAX];
    set_fields(ly, orig, 0, enc, NULL);
    if (text_format(ly->tmpl, ly->vars, ly->nvars, title, sizeof title) < 0)
        return -1;
    drop_empty_lines(title);
    size_t lim = enc == TEXT_UCS2 ? sl->limit.ucs2 : sl->limit.gsm7;
    const char *err = ly->error_line;
    /* Attempts: all the options; the first option and "more"; the same
     * without any text but the error line. */
    for (int attempt = 0; attempt < 3; attempt++) {
        if (keep_page && attempt == 1)
            continue; /* the page keeps every option */
        long used = options_units(ly, sl, lim, enc, attempt, keep_page);
        if (used < 0)
            continue;
        if (attempt < 2) {
            size_t want = text_units(title, strlen(title), enc);
            if (want > MIN_TEXT_UNITS)
                want = MIN_TEXT_UNITS;
            if ((size_t)used + 1 + want > lim ||
                screen_ellipsize(title, strlen(title), enc, lim - (size_t)used - 1, cut,
                                 sizeof cut) < 0)
                continue;
            snprintf(header, sizeof header, "%s%s%s", err ? err : "", err ? "\n" : "", cut);
        } else {
            if ((size_t)used > lim)
                continue;
            snprintf(header, sizeof header, "%s", err ? err : "");
        }
        sl->header = header;
        sl->first = ly->first;
        long r = screen_list_render(sl, out, outsz);
        sl->header = NULL; /* header is local */
        if (r >= 0)
            return r;
    }
    return -1;
}

static const size_t caps[] = {0, 60, 40, 30, 20, 14, 10, 6, 3};
enum { READABLE_CAP_INDEX = 6 }; /* caps[6] == 10 */

/* Readable fields: the first cap with every option on the screen, else the
 * first that fit with the options paginated. Returns the options shown, or
 * -1 when no readable cap fits. */
static long fit_readable(const struct ussd_layout *ly, const char *const *orig,
                         enum text_encoding enc, char shortened[][TEXT_BYTES_MAX],
                         struct screen_list *sl, char *out, size_t outsz)
{
    long paged = -1; /* the first cap index that fit with paging */
    bool formatted;
    for (size_t c = 0; c <= READABLE_CAP_INDEX; c++) {
        set_fields(ly, orig, caps[c], enc, shortened);
        long r = render_whole(ly, sl, out, outsz, &formatted);
        if (!formatted)
            continue;
        if (r > 0 && !items_intact(sl, r, out))
            r = -1; /* an option had to be cut: try shorter fields */
        bool whole = r >= 0 && sl->first + (size_t)r >= sl->count;
        if (r >= 0 && (ly->nshrink == 0 || whole))
            return r;
        if (r >= 0 && paged < 0)
            paged = (long)c;
    }
    if (paged < 0)
        return -1;
    set_fields(ly, orig, caps[paged], enc, shortened);
    return render_whole(ly, sl, out, outsz, &formatted);
}

/* A wrong key on a list: the page the member saw, its options and "more"
 * as they were, with the error line on top; the fields are shortened, else
 * the text is cut or left out. Returns the options shown (page_count), or
 * -1 when even the options and the error line do not fit together. */
static long fit_same_page(const struct ussd_layout *ly, const char *const *orig,
                          enum text_encoding enc, char shortened[][TEXT_BYTES_MAX],
                          const struct screen_list *sl, char *out, size_t outsz)
{
    char nav[LINE_MAX];
    struct screen_list page = *sl;
    page.count = ly->first + ly->page_count;
    page.more = NULL; /* "more" is shown as the line before the navigation */
    if (ly->page_more && sl->more)
        snprintf(nav, sizeof nav, "%s%s%s", sl->more, sl->nav ? "\n" : "", sl->nav ? sl->nav : "");
    else
        snprintf(nav, sizeof nav, "%s", sl->nav ? sl->nav : "");
    page.nav = nav;
    long want = (long)ly->page_count;
    bool formatted;
    for (size_t c = 0; c <= READABLE_CAP_INDEX; c++) {
        set_fields(ly, orig, caps[c], enc, shortened);
        long r = render_whole(ly, &page, out, outsz, &formatted);
        if (formatted && r == want && items_intact(&page, r, out))
            return r;
    }
    long r = render_cut(ly, orig, enc, &page, out, outsz, true);
    return r == want ? r : -1;
}

long ussd_layout_fit(const struct ussd_layout *ly, struct screen_list *sl, char *out, size_t outsz)
{
    assert(ly->nvars <= USSD_LAYOUT_VARS_MAX && ly->nshrink <= ly->nvars);
    const char *orig[USSD_LAYOUT_VARS_MAX];
    char shortened[USSD_LAYOUT_VARS_MAX][TEXT_BYTES_MAX];
    for (size_t i = 0; i < ly->nvars; i++)
        orig[i] = ly->vars[i].value;
    enum text_encoding enc = screen_encoding(ly, sl);
    long r;
    if (ly->error_line && ly->page_count > 0 && ly->first + ly->page_count <= sl->count) {
        r = fit_same_page(ly, orig, enc, shortened, sl, out, outsz);
        if (r >= 0) {
            sl->first = ly->first;
            return r;
        }
    }
    r = fit_readable(ly, orig, enc, shortened, sl, out, outsz);
    if (r >= 0)
        return r;
    if (!ly->strict) {
        r = render_cut(ly, orig, enc, sl, out, outsz, false);
        if (r >= 0)
            return r;
    }
    /* Nothing readable fits: shrink the fields to a few characters. */
    for (size_t c = READABLE_CAP_INDEX + 1; c < sizeof caps / sizeof caps[0]; c++) {
        bool formatted;
        set_fields(ly, orig, caps[c], enc, shortened);
        r = render_whole(ly, sl, out, outsz, &formatted);
        if (r >= 0 && (r == 0 || items_intact(sl, r, out)))
            return r;
    }
    return -1;
}
