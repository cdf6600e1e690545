/* retry_after.c -- a Retry-After header value into seconds: delta-seconds
 * read here, HTTP-dates by curl_getdate, the result bounded. */
#include "sender/retry_after.h"

#include <curl/curl.h>
#include <string.h>
#include <time.h>

#define RETRY_AFTER_DELTA_MAX 2147483648LL /* RFC 9111 §1.2.2: 2^31 */
#define RETRY_AFTER_VALUE_MAX 64           /* longer than any HTTP-date */

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

int64_t retry_after_parse(const char *value, int64_t now)
{
    if (!value)
        return -1;
    while (is_ows(*value))
        value++;
    size_t len = strlen(value);
    while (len > 0 && is_ows(value[len - 1]))
        len--;
    if (len == 0 || len > RETRY_AFTER_VALUE_MAX)
        return -1;
    if (value[0] >= '0' && value[0] <= '9') {
        int64_t d = 0;
        size_t i = 0;
        for (; i < len && value[i] >= '0' && value[i] <= '9'; i++)
            if (d < RETRY_AFTER_DELTA_MAX)
                d = d * 10 + (value[i] - '0');
        if (i == len)
            return d < RETRY_AFTER_DELTA_MAX ? d : RETRY_AFTER_DELTA_MAX;
        /* Not only digits: an HTTP-date never starts with one either. */
        return -1;
    }
    char copy[RETRY_AFTER_VALUE_MAX + 1];
    memcpy(copy, value, len);
    copy[len] = '\0';
    time_t t = curl_getdate(copy, NULL);
    if (t == (time_t)-1)
        return -1;
    return (int64_t)t > now ? (int64_t)t - now : 0;
}

int retry_after_seconds(const char *value, int64_t now, int max_s)
{
    int64_t d = retry_after_parse(value, now);
    if (d < 0)
        return 0;
    if (max_s < 1)
        max_s = 1;
    if (d < 1)
        return 1;
    return d > max_s ? max_s : (int)d;
}
