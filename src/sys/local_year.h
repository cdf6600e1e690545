/* local_year.h -- the programme's year as the process sees it: the whole
 * process runs in the programme's time zone (main.c sets TZ), so the local
 * year is its year. Birth years are checked against it (USSD, SMS, CSV
 * imports) and age bands are computed with it (broadcast audiences). */
#ifndef TAAWUN_SYS_LOCAL_YEAR_H
#define TAAWUN_SYS_LOCAL_YEAR_H

#include <stdint.h>

/* The local year at t (unix seconds); 1970 when it cannot be told. */
int local_year(int64_t t);

/* The local year now. Each thread keeps it with the times its year starts
 * and ends and asks again only outside them: localtime_r takes glibc's
 * time zone lock, which every USSD step of every thread met. */
int local_year_now(void);

#endif
