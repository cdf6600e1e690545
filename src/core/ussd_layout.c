/* ussd_layout.c -- fitting one USSD screen to the channel's limit: data
 * fields shortened step by step, pages of options, and as a last resort the
 * text cut above whole options. */
#include "core/ussd_layout.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/ussd_state.h"
#include "core/utf8.h"

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
    if (r == want)
        return r;
    /* A full page: the error line takes the navigation's place ("0" and
     * "00" work all the same), the options and "more" stay. */
    page.nav = ly->page_more && sl->more ? sl->more : NULL;
    r = render_cut(ly, orig, enc, &page, out, outsz, true);
    return r == want ? r : -1;
}

/* ---- detail screens: text pages ---- */

enum { PARTS_MAX = 16 };     /* pages one text may span */
enum { HEAD_MIN_UNITS = 6 }; /* below this a shortened title says nothing */

/* The text of a detail screen cut into parts of at most budget units,
 * each [start, end) of text. */
struct parts {
    size_t start[PARTS_MAX], end[PARTS_MAX];
    size_t n;
};

/* The longest prefix of s[0..len) within budget units, cut after a whole
 * word when one fits, else at a character boundary. */
static size_t fill_words(const char *s, size_t len, size_t budget, enum text_encoding enc)
{
    size_t best = 0, i = 0;
    while (i < len) {
        size_t sp = i;
        while (sp < len && s[sp] != ' ')
            sp++;
        if (text_units(s, sp, enc) > budget)
            break;
        best = sp;
        i = sp + 1;
    }
    if (best > 0)
        return best;
    /* One word longer than a page: cut it between characters. */
    size_t cut = 0;
    while (cut < len) {
        uint32_t cp;
        size_t k = utf8_decode(s + cut, len - cut, &cp);
        if (k == 0 || text_units(s, cut + k, enc) > budget)
            break;
        cut += k;
    }
    return cut;
}

/* Split text into parts of at most budget units: whole lines while they
 * fit; a line that fits a page alone starts the next part; a longer one
 * fills the room left word by word. */
static void split_parts(const char *text, size_t budget, enum text_encoding enc, struct parts *p)
{
    size_t len = strlen(text), pos = 0;
    p->n = 0;
    while (pos < len && p->n < PARTS_MAX) {
        while (pos < len && (text[pos] == '\n' || text[pos] == ' '))
            pos++;
        if (pos >= len)
            break;
        size_t end = pos;
        for (;;) {
            const char *nl = memchr(text + end + (end > pos), '\n', len - end - (end > pos));
            size_t le = nl ? (size_t)(nl - text) : len;
            if (text_units(text + pos, le - pos, enc) <= budget) {
                end = le;
                if (le == len)
                    break;
                continue;
            }
            /* This line does not fit the room left. */
            size_t ls = end > pos ? end + 1 : pos;
            bool fits_alone = text_units(text + ls, le - ls, enc) <= budget;
            if (end > pos && fits_alone)
                break; /* it starts the next part */
            size_t room_used = end > pos ? text_units(text + pos, end - pos, enc) + 1 : 0;
            if (room_used < budget) {
                size_t w = fill_words(text + ls, le - ls, budget - room_used, enc);
                if (w > 0)
                    end = ls + w;
            }
            break;
        }
        if (end == pos)
            end = pos + fill_words(text + pos, len - pos, budget, enc);
        if (end == pos)
            break; /* not even a character fits */
        p->start[p->n] = pos;
        p->end[p->n] = end;
        p->n++;
        pos = end;
    }
}

/* lim less reserve units (the room an error line needs), in each encoding. */
static struct screen_limit limit_less(struct screen_limit lim, size_t reserve)
{
    lim.gsm7 = lim.gsm7 > reserve ? lim.gsm7 - reserve : 0;
    lim.ucs2 = lim.ucs2 > reserve ? lim.ucs2 - reserve : 0;
    return lim;
}

/* Units of line s and its newline, 0 for none. */
static size_t line_units(const char *s, enum text_encoding enc)
{
    return s && s[0] ? text_units(s, strlen(s), enc) + 1 : 0;
}

/* Room the error line needs beyond the navigation line it may replace. */
static size_t error_reserve(const struct ussd_layout *ly, const struct screen_list *sl,
                            enum text_encoding enc)
{
    size_t err = line_units(ly->reserve_line, enc), nav = line_units(sl->nav, enc);
    return err > nav ? err - nav : 0;
}

/* Join the lines given (NULL or "" skipped) into out; false when the result
 * does not fit lim units. */
static bool join_lines(const char *const *lines, size_t n, enum text_encoding enc, size_t lim,
                       char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!lines[i] || !lines[i][0])
            continue;
        int w = snprintf(out + len, outsz - len, "%s%s", len ? "\n" : "", lines[i]);
        if (w < 0 || (size_t)w >= outsz - len)
            return false;
        len += (size_t)w;
    }
    return text_units(out, len, enc) <= lim;
}

/* A page of the detail's options after (or under) its text: part is the
 * header ("" for none). Without an error line the options are those that
 * fit the limit less the reserve; with it, the same ones, the navigation
 * left out when the page needs its room. */
static long options_page(const struct ussd_layout *ly, struct screen_list *sl, const char *part,
                         size_t first, size_t reserve, char *out, size_t outsz,
                         struct ussd_layout_page *pg)
{
    struct screen_list plain = *sl;
    plain.header = part;
    plain.first = first;
    plain.limit = limit_less(sl->limit, reserve);
    long shown = screen_list_render(&plain, out, outsz);
    if (shown <= 0 || !items_intact(&plain, shown, out))
        return -1;
    pg->first = first;
    pg->shown = (size_t)shown;
    pg->next_first = first + (size_t)shown;
    pg->more = pg->next_first < sl->count;
    if (!ly->error_line)
        return shown;
    char header[LINE_MAX + 128], nav[LINE_MAX];
    snprintf(header, sizeof header, "%s%s%s", ly->error_line, part[0] ? "\n" : "", part);
    struct screen_list page = *sl;
    page.header = header;
    page.first = first;
    page.count = pg->next_first;
    page.more = NULL;
    for (int drop_nav = 0; drop_nav < 2; drop_nav++) {
        const char *navs = drop_nav ? NULL : sl->nav;
        snprintf(nav, sizeof nav, "%s%s%s", pg->more && sl->more ? sl->more : "",
                 pg->more && sl->more && navs ? "\n" : "", navs ? navs : "");
        page.nav = nav;
        long r = screen_list_render(&page, out, outsz);
        if (r == shown)
            return r;
    }
    return -1;
}

/* A page of text alone: [error line,] the part, "more", the navigation. */
static long text_page(const struct ussd_layout *ly, const struct screen_list *sl, const char *part,
                      enum text_encoding enc, char *out, size_t outsz, struct ussd_layout_page *pg)
{
    size_t lim = enc == TEXT_UCS2 ? sl->limit.ucs2 : sl->limit.gsm7;
    const char *lines[] = {ly->error_line, part, sl->more, sl->nav};
    *pg = (struct ussd_layout_page){.first = 0, .shown = 0, .more = true, .next_first = 0};
    if (join_lines(lines, 4, enc, lim, out, outsz))
        return 0;
    if (join_lines(lines, 3, enc, lim, out, outsz))
        return 0; /* the error line in the navigation's place */
    return -1;
}

/* Whether the first line of the template holds a field that gives way
 * (a title): that line may be shortened or moved, the rest never. */
static bool head_gives_way(const struct ussd_layout *ly)
{
    size_t first_line = strcspn(ly->tmpl, "\n");
    for (size_t j = 0; j < ly->nshrink; j++) {
        char ph[64];
        snprintf(ph, sizeof ph, "{%s}", ly->vars[ly->shrinkable[j]].name);
        const char *at = strstr(ly->tmpl, ph);
        if (at && (size_t)(at - ly->tmpl) < first_line)
            return true;
    }
    return false;
}

/* The options of a detail screen after its text, under the head (the
 * title line), whole or shortened to the room the options leave. */
static long options_after(const struct ussd_layout *ly, struct screen_list *sl, const char *head,
                          const char *part, size_t first, size_t reserve, enum text_encoding enc,
                          char *out, size_t outsz, struct ussd_layout_page *pg)
{
    if (head[0]) {
        char with[LINE_MAX * 2], cut[LINE_MAX];
        struct ussd_layout plain = *ly;
        struct ussd_layout_page b;
        plain.error_line = NULL;
        if (options_page(&plain, sl, part, first, reserve, out, outsz, &b) > 0) {
            size_t lim = enc == TEXT_UCS2 ? sl->limit.ucs2 : sl->limit.gsm7;
            size_t used = text_units(out, strlen(out), enc) + 1 + reserve;
            if (used + HEAD_MIN_UNITS <= lim) {
                shorten(head, lim - used, enc, cut, sizeof cut);
                snprintf(with, sizeof with, "%s%s%s", cut, part[0] ? "\n" : "", part);
                struct ussd_layout_page a;
                if (options_page(&plain, sl, with, first, reserve, out, outsz, &a) > 0 &&
                    a.shown == b.shown)
                    return options_page(ly, sl, with, first, reserve, out, outsz, pg);
            }
        }
    }
    return options_page(ly, sl, part, first, reserve, out, outsz, pg);
}

/* A detail screen too long for one screen. Its facts (all but a first line
 * that gives way) in parts of a page each, split at lines, else words; the
 * first line on top of the first part, shortened to the room left, else on
 * top of the options. Page k < parts shows part k (the last with the options
 * when they fit under it); later pages show options alone from ly->first.
 * Returns the options shown, or -1. */
static long fit_text_pages(const struct ussd_layout *ly, const char *const *orig,
                           enum text_encoding enc, char shortened[][TEXT_BYTES_MAX],
                           struct screen_list *sl, char *out, size_t outsz,
                           struct ussd_layout_page *pg)
{
    size_t lim = enc == TEXT_UCS2 ? sl->limit.ucs2 : sl->limit.gsm7;
    char text[LINE_MAX], part[LINE_MAX * 2], head[LINE_MAX], top[LINE_MAX];
    size_t reserve = error_reserve(ly, sl, enc);
    size_t fixed = line_units(sl->more, enc) + line_units(sl->nav, enc) + reserve;
    if (fixed >= lim)
        return -1;
    size_t budget = lim - fixed, best = 0, fewest = PARTS_MAX + 1;
    bool head_apart = head_gives_way(ly);
    /* The fields that give way in the facts (a cooperative's name on the
     * profile) are shortened while that saves a page. */
    for (size_t c = 0; c <= READABLE_CAP_INDEX && ly->nshrink > 0; c++) {
        struct parts q;
        set_fields(ly, orig, caps[c], enc, shortened);
        if (text_format(ly->tmpl, ly->vars, ly->nvars, text, sizeof text) < 0)
            continue;
        drop_empty_lines(text);
        const char *b = head_apart && strchr(text, '\n') ? strchr(text, '\n') + 1 : text;
        split_parts(b, budget, enc, &q);
        if (q.n > 0 && q.n < fewest) {
            fewest = q.n;
            best = c;
        }
    }
    set_fields(ly, orig, caps[best], enc, shortened);
    if (text_format(ly->tmpl, ly->vars, ly->nvars, text, sizeof text) < 0)
        return -1;
    drop_empty_lines(text);
    /* The head (a title) as whole as the cap left it: it is shortened to
     * the room it gets below. */
    char whole[LINE_MAX];
    set_fields(ly, orig, 0, enc, shortened);
    if (text_format(ly->tmpl, ly->vars, ly->nvars, whole, sizeof whole) < 0)
        return -1;
    set_fields(ly, orig, caps[best], enc, shortened);
    const char *body = text;
    head[0] = top[0] = '\0';
    if (head_apart && strchr(text, '\n')) {
        snprintf(head, sizeof head, "%.*s", (int)strcspn(whole, "\n"), whole);
        body = strchr(text, '\n') + 1;
    }
    struct parts p;
    split_parts(body, budget, enc, &p);
    if (p.n == 0)
        return -1;
    /* The head over the first part, in the room it leaves. */
    size_t used0 = text_units(body + p.start[0], p.end[0] - p.start[0], enc);
    if (head[0] && used0 + 1 + HEAD_MIN_UNITS <= budget)
        shorten(head, budget - used0 - 1, enc, top, sizeof top);
    bool head_whole = head[0] && strcmp(top, head) == 0;
    const char *late_head = head_whole ? "" : head; /* shown again over the options */
    size_t last = p.n - 1, k = ly->page;
    bool shared = false;
    if (sl->count > 0) {
        struct ussd_layout_page probe;
        struct ussd_layout plain = *ly;
        plain.error_line = NULL;
        snprintf(part, sizeof part, "%s%s%.*s", last == 0 ? top : "",
                 last == 0 && top[0] ? "\n" : "", (int)(p.end[last] - p.start[last]),
                 body + p.start[last]);
        shared = options_page(&plain, sl, part, 0, reserve, out, outsz, &probe) > 0;
    }
    if (k <= last) {
        snprintf(part, sizeof part, "%s%s%.*s", k == 0 ? top : "", k == 0 && top[0] ? "\n" : "",
                 (int)(p.end[k] - p.start[k]), body + p.start[k]);
        if (k == last && shared)
            return options_after(ly, sl, k == 0 ? "" : late_head, part, 0, reserve, enc, out, outsz,
                                 pg);
        if (k == last && sl->count == 0) {
            /* The last part of a screen without options: no "more". */
            const char *lines[] = {ly->error_line, part, sl->nav};
            *pg = (struct ussd_layout_page){0, 0, false, 0};
            if (join_lines(lines, 3, enc, lim, out, outsz) ||
                join_lines(lines, 2, enc, lim, out, outsz))
                return 0;
            return -1;
        }
        return text_page(ly, sl, part, enc, out, outsz, pg);
    }
    return options_after(ly, sl, late_head, "", ly->first, reserve, enc, out, outsz, pg);
}

/* Whether a detail screen fits one screen: every option whole, the fields
 * that give way at a readable length, with room for the error line. */
static bool fits_one_screen(const struct ussd_layout *ly, const char *const *orig,
                            enum text_encoding enc, char shortened[][TEXT_BYTES_MAX],
                            const struct screen_list *sl)
{
    char out[SCREEN_BYTES_MAX];
    size_t reserve = error_reserve(ly, sl, enc);
    struct screen_list probe = *sl;
    probe.limit = limit_less(sl->limit, reserve);
    struct ussd_layout plain = *ly;
    plain.error_line = NULL;
    plain.first = 0;
    bool formatted;
    set_fields(ly, orig, caps[READABLE_CAP_INDEX], enc, shortened);
    long r = render_whole(&plain, &probe, out, sizeof out, &formatted);
    return formatted && r >= 0 && (size_t)r == sl->count && items_intact(&probe, r, out);
}

static long fit_page(const struct ussd_layout *ly, const char *const *orig, enum text_encoding enc,
                     char shortened[][TEXT_BYTES_MAX], struct screen_list *sl, char *out,
                     size_t outsz);

/* A wrong key on a detail screen that fits one screen: the error line, the
 * text with the fields that give way as long as they fit, every option;
 * the navigation line gives way when the page needs its room (its room was
 * kept: fits_one_screen). Returns the options shown, or -1. */
static long detail_with_error(const struct ussd_layout *ly, const char *const *orig,
                              enum text_encoding enc, char shortened[][TEXT_BYTES_MAX],
                              struct screen_list *sl, char *out, size_t outsz)
{
    const char *nav = sl->nav;
    for (int drop_nav = 0; drop_nav < 2; drop_nav++) {
        sl->nav = drop_nav ? NULL : nav;
        for (size_t c = 0; c <= READABLE_CAP_INDEX; c++) {
            bool formatted;
            set_fields(ly, orig, caps[c], enc, shortened);
            long r = render_whole(ly, sl, out, outsz, &formatted);
            if (formatted && r >= 0 && (size_t)r == sl->count - ly->first &&
                items_intact(sl, r, out)) {
                sl->nav = nav;
                return r;
            }
        }
    }
    sl->nav = nav;
    return -1;
}

long ussd_layout_fit(const struct ussd_layout *ly, struct screen_list *sl, char *out, size_t outsz,
                     struct ussd_layout_page *pg)
{
    assert(ly->nvars <= USSD_LAYOUT_VARS_MAX && ly->nshrink <= ly->nvars);
    const char *orig[USSD_LAYOUT_VARS_MAX];
    char shortened[USSD_LAYOUT_VARS_MAX][TEXT_BYTES_MAX];
    struct ussd_layout_page scratch;
    if (!pg)
        pg = &scratch;
    for (size_t i = 0; i < ly->nvars; i++)
        orig[i] = ly->vars[i].value;
    enum text_encoding enc = screen_encoding(ly, sl);
    if (ly->text_pages) {
        bool one = fits_one_screen(ly, orig, enc, shortened, sl);
        long r = !one             ? fit_text_pages(ly, orig, enc, shortened, sl, out, outsz, pg)
                 : ly->error_line ? detail_with_error(ly, orig, enc, shortened, sl, out, outsz)
                                  : -1;
        if (r >= 0 && one)
            *pg = (struct ussd_layout_page){0, (size_t)r, false, (size_t)r};
        if (r >= 0)
            return r;
    }
    long r = fit_page(ly, orig, enc, shortened, sl, out, outsz);
    *pg =
        (struct ussd_layout_page){.first = sl->first,
                                  .shown = r > 0 ? (size_t)r : 0,
                                  .more = r >= 0 && sl->first + (size_t)(r > 0 ? r : 0) < sl->count,
                                  .next_first = sl->first + (size_t)(r > 0 ? r : 0)};
    return r;
}

/* One screen: the text over the options of the page. */
static long fit_page(const struct ussd_layout *ly, const char *const *orig, enum text_encoding enc,
                     char shortened[][TEXT_BYTES_MAX], struct screen_list *sl, char *out,
                     size_t outsz)
{
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
