/* local_year.c -- the programme's year (see local_year.h). */
#include "sys/local_year.h"

#include <time.h>

int local_year(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return 1970;
    return tm.tm_year + 1900;
}

int local_year_now(void)
{
    static _Thread_local time_t from = 1, until; /* [from, until): year */
    static _Thread_local int year;
    time_t now = time(NULL);
    if (now >= from && now < until)
        return year;
    struct tm tm;
    if (!localtime_r(&now, &tm))
        return 1970;
    struct tm start = {.tm_year = tm.tm_year, .tm_mday = 1, .tm_isdst = -1};
    struct tm next = {.tm_year = tm.tm_year + 1, .tm_mday = 1, .tm_isdst = -1};
    time_t a = mktime(&start), b = mktime(&next);
    year = tm.tm_year + 1900;
    from = a;
    until = a != (time_t)-1 && b != (time_t)-1 && a <= now ? b : now; /* else: ask each time */
    return year;
}
