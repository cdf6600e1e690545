/* export.c -- an export's form (CSV separator or .xlsx) from the request,
 * and a file answered from its descriptor (see export.h). */
#include "api/export.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The primary subtag of the first language of an Accept-Language value
 * ("fr-FR,fr;q=0.9,en" -> "fr"), lower case, into out (3 bytes). */
static void first_language(const char *header, char out[3])
{
    out[0] = '\0';
    if (!header)
        return;
    while (*header == ' ')
        header++;
    if (isalpha((unsigned char)header[0]) && isalpha((unsigned char)header[1]) &&
        !isalpha((unsigned char)header[2])) {
        out[0] = (char)tolower((unsigned char)header[0]);
        out[1] = (char)tolower((unsigned char)header[1]);
        out[2] = '\0';
    }
}

int api_export_parse(const struct api_request *req, struct http_response *resp, const char *name,
                     struct api_export *out)
{
    static const char *const formats[] = {"csv", "xlsx"};
    static const char *const seps[] = {",", ";", "tab", "\t"};
    static const char *const langs[] = {"ar", "fr", "en"};
    const char *format = NULL, *sep = NULL, *lang = NULL;
    if (api_query_choice(req, resp, "format", formats, 2, &format) != 0 ||
        api_query_choice(req, resp, "sep", seps, 4, &sep) != 0 ||
        api_query_choice(req, resp, "lang", langs, 3, &lang) != 0)
        return -1;
    char accepted[3];
    first_language(http_request_header(req->http, "Accept-Language"), accepted);
    if (!lang)
        lang = accepted;
    memset(out, 0, sizeof *out);
    out->xlsx = format && strcmp(format, "xlsx") == 0;
    out->rtl = strcmp(lang, "ar") == 0;
    if (sep)
        out->sep = sep[0] == 't' ? '\t' : sep[0];
    else
        out->sep = strcmp(lang, "fr") == 0 || strcmp(lang, "ar") == 0 ? ';' : ',';
    snprintf(out->disposition, sizeof out->disposition, "attachment; filename=\"%s.%s\"", name,
             out->xlsx ? "xlsx" : "csv");
    return 0;
}

static long fd_read(void *ctx, char *buf, size_t max)
{
    int fd = (int)(intptr_t)ctx;
    ssize_t n;
    do
        n = read(fd, buf, max);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : (long)n;
}

static void fd_close(void *ctx)
{
    close((int)(intptr_t)ctx);
}

void api_export_reply_stream(struct http_response *resp, const struct api_export *e,
                             const char *content_type,
                             long (*more)(void *ctx, char *buf, size_t max),
                             void (*release)(void *ctx), void *ctx)
{
    free(resp->body);
    resp->body = NULL;
    resp->body_len = 0;
    resp->status = 200;
    resp->content_type = content_type;
    resp->stream = more;
    resp->stream_free = release;
    resp->stream_ctx = ctx;
    snprintf(resp->content_disposition, sizeof resp->content_disposition, "%s", e->disposition);
}

void api_export_reply_fd(struct http_response *resp, const struct api_export *e, int fd,
                         const char *content_type)
{
    api_export_reply_stream(resp, e, content_type, fd_read, fd_close, (void *)(intptr_t)fd);
}
