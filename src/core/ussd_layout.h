/* ussd_layout.h -- fitting one USSD screen to the channel's limit: a text
 * whose data fields may be shortened, an error line on top, the options of
 * the page, "more" and the navigation line. Pure; used by core/ussd_menu. */
#ifndef TAAWUN_CORE_USSD_LAYOUT_H
#define TAAWUN_CORE_USSD_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/catalog.h"
#include "core/gsm.h"
#include "core/screen.h"

/* One screen to fit. Everything is borrowed; vars are rewritten while the
 * fields are shortened (their values then point into the layout's own
 * scratch, valid until ussd_layout_fit returns). */
struct ussd_layout {
    const char *tmpl;         /* the screen's text, {placeholders} and all */
    struct text_var *vars;    /* its fields */
    size_t nvars;             /* at most USSD_LAYOUT_VARS_MAX */
    const size_t *shrinkable; /* indexes of the fields that may be shortened */
    size_t nshrink;
    const char *error_line; /* shown first, or NULL */
    size_t first;           /* first option of the page */
    bool strict;            /* never cut the text (`taawund -n`) */
    /* The page as the member saw it without the error line (0: not
     * known): with an error line, exactly page_count options from first,
     * then "more" when page_more, and the text gives way to the error. */
    size_t page_count;
    bool page_more;
    /* A detail screen: its text is never cut. When it does not fit one
     * screen with every option, it spans pages (split at line, else word
     * boundaries), each with "more"; the options follow the last part of
     * the text. page is the page shown; reserve_line, the error line a
     * wrong key would show, keeps its room on each page (the error line may
     * take the navigation's place, so only what it needs beyond that). */
    bool text_pages;
    size_t page;
    const char *reserve_line;
};

/* What the page shown offers: its first option, how many, and whether
 * "more" leads on (next_first: the first option of the next page). */
struct ussd_layout_page {
    size_t first;
    size_t shown;
    bool more;
    size_t next_first;
};

#define USSD_LAYOUT_VARS_MAX 8

/* The encoding a text needs on its own (UCS-2 when it is not valid UTF-8). */
enum text_encoding ussd_layout_encoding(const char *text);

/* Render ly with the options of sl (items, more, nav, limit; its header and
 * first are set here) into out (outsz bytes); pg (may be NULL) says what the
 * page offers. A detail screen (text_pages) keeps its text whole, on pages
 * of their own when it must (see above). With an error line and
 * page_count set, the page keeps its options and "more" as they were
 * (fields shortened, else the text cut, else left out, else the navigation
 * line left out) when they fit with the error line; otherwise, and without an error line, in order
 * of preference: data fields shortened down to 10 characters with every option on the screen; the
 * longest fields that fit with the options paginated; unless strict, the text cut above whole
 * options; fields of a few characters. Returns the options shown, or -1 when nothing fits. */
long ussd_layout_fit(const struct ussd_layout *ly, struct screen_list *sl, char *out, size_t outsz,
                     struct ussd_layout_page *pg);

#endif
