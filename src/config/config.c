/* config.c -- the libconfig walk that checks a file against the schema of
 * every setting (config/schema.c). Unknown keys, wrong types, out-of-range values and
 * missing required settings are all reported with FILE:LINE; nothing else in
 * taawun reads settings by string key. */
#include "config/config.h"
#include "config/config_docs.h"
#include "config/schema.h"

#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "channels/channel_ops.h"
#include "core/cidr.h"
#include "core/limits.h"
#include "sys/secret.h"

/* OPT_CIDR_LIST: a string array whose entries are addresses or CIDR
 * prefixes, each parsed strictly (core/cidr) where it is read. */

bool config_schema_entry(size_t i, struct config_schema_entry *out)
{
    static const char *const type_word[] = {
        [OPT_GROUP] = "group",   [OPT_LIST] = "list",
        [OPT_INT] = "integer",   [OPT_BOOL] = "boolean",
        [OPT_STRING] = "string", [OPT_STRING_LIST] = "string array",
        [OPT_FLOAT] = "number",  [OPT_CIDR_LIST] = "string array",
    };
    if (i >= config_schema_size)
        return false;
    const struct option *o = &config_schema[i];
    *out = (struct config_schema_entry){.path = o->path,
                                        .type = type_word[o->type],
                                        .min = o->min,
                                        .max = o->max,
                                        .def = o->def,
                                        .required = o->required,
                                        .choices = o->choices};
    out->description = config_docs_sentence(o->path);
    return true;
}

void config_error(struct config_errors *errs, const char *file, int line, const char *fmt, ...)
{
    if (errs->count >= CONFIG_ERRORS_MAX)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(errs->lines[errs->count++], sizeof errs->lines[0], "%s:%d: %s", file, line, msg);
}

static const struct option *schema_find(const char *path)
{
    for (size_t i = 0; i < config_schema_size; i++)
        if (strcmp(config_schema[i].path, path) == 0)
            return &config_schema[i];
    return NULL;
}

static const char *type_name(enum opt_type t)
{
    switch (t) {
    case OPT_GROUP:
        return "a group { ... }";
    case OPT_LIST:
        return "a list ( ... )";
    case OPT_INT:
        return "an integer";
    case OPT_BOOL:
        return "true or false";
    case OPT_STRING:
        return "a string";
    case OPT_STRING_LIST:
        return "an array of strings [ ... ]";
    case OPT_CIDR_LIST:
        return "an array of addresses or CIDR prefixes [ \"127.0.0.1/32\", ... ]";
    case OPT_FLOAT:
        return "a number";
    }
    return "?";
}

struct walk {
    struct config *cfg;
    struct config_errors *errs;
    const char *file;
    /* Which options were set: one flag per schema entry, and per channel. */
    bool seen[CONFIG_SCHEMA_MAX];
    bool channel_seen[CONFIG_CHANNELS_MAX][CONFIG_SCHEMA_MAX];
    int channel_line[CONFIG_CHANNELS_MAX];
    char secret_file[CONFIG_CHANNELS_MAX][CONFIG_PATH_MAX];
    int secret_line[CONFIG_CHANNELS_MAX];
    char api_key_file[CONFIG_CHANNELS_MAX][CONFIG_PATH_MAX];
    int api_key_line[CONFIG_CHANNELS_MAX];
    char signature_file[CONFIG_CHANNELS_MAX][CONFIG_PATH_MAX];
    int signature_line[CONFIG_CHANNELS_MAX];
    int type_line[CONFIG_CHANNELS_MAX];
    long channel_index; /* -1 outside channels */
};

static void *dest(struct walk *w, const struct option *o)
{
    if (o->base == IN_CONFIG)
        return (char *)w->cfg + o->offset;
    if (o->base == IN_CHANNEL && w->channel_index >= 0)
        return (char *)&w->cfg->channels[w->channel_index] + o->offset;
    return NULL;
}

static bool choice_ok(const char *choices, const char *v)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, v, n) == 0)
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}

static void set_string(struct walk *w, const struct option *o, const char *v, int line,
                       const char *path, char *target)
{
    size_t n = strlen(v);
    if ((long)n < o->min || (long)n > o->max) {
        config_error(w->errs, w->file, line, "'%s' must be %ld to %ld characters long", path,
                     o->min, o->max);
        return;
    }
    if (o->choices && !choice_ok(o->choices, v)) {
        config_error(w->errs, w->file, line, "'%s' must be one of %s (got \"%s\")", path,
                     o->choices, v);
        return;
    }
    if (target)
        memcpy(target, v, n + 1);
}

static void apply_default(struct walk *w, const struct option *o)
{
    void *d = dest(w, o);
    if (!d || !o->def)
        return;
    if (o->type == OPT_INT)
        *(int *)d = atoi(o->def);
    else if (o->type == OPT_FLOAT)
        *(double *)d = strtod(o->def, NULL);
    else if (o->type == OPT_STRING)
        snprintf(d, o->size, "%s", o->def);
}

static void walk_setting(struct walk *w, config_setting_t *s, const char *path);

static void walk_children(struct walk *w, config_setting_t *s, const char *path)
{
    int n = config_setting_length(s);
    for (int i = 0; i < n; i++) {
        config_setting_t *c = config_setting_get_elem(s, (unsigned)i);
        char child[256];
        const char *name = config_setting_name(c);
        if (path[0])
            snprintf(child, sizeof child, "%s.%s", path, name ? name : "[]");
        else
            snprintf(child, sizeof child, "%s", name ? name : "[]");
        walk_setting(w, c, child);
    }
}

/* Does libconfig's type t carry a value of the schema's type? */
static bool type_matches(enum opt_type type, int t)
{
    switch (type) {
    case OPT_GROUP:
        return t == CONFIG_TYPE_GROUP;
    case OPT_LIST:
        return t == CONFIG_TYPE_LIST;
    case OPT_INT:
        return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
    case OPT_BOOL:
        return t == CONFIG_TYPE_BOOL;
    case OPT_STRING:
        return t == CONFIG_TYPE_STRING;
    case OPT_STRING_LIST:
    case OPT_CIDR_LIST:
        return t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST;
    case OPT_FLOAT:
        return t == CONFIG_TYPE_FLOAT || t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
    }
    return false;
}

/* A list's length within the schema's bounds, else an error. */
static bool walk_count_ok(struct walk *w, const struct option *o, config_setting_t *s, int line,
                          const char *path)
{
    int n = config_setting_length(s);
    if (n >= o->min && n <= o->max)
        return true;
    config_error(w->errs, w->file, line, "'%s' must hold %ld to %ld entries", path, o->min, o->max);
    return false;
}

static void walk_group(struct walk *w, config_setting_t *s, int line, const char *path)
{
    if (strcmp(path, "channels.[]") == 0) {
        long ci = w->channel_index + 1;
        if (ci >= CONFIG_CHANNELS_MAX) {
            config_error(w->errs, w->file, line, "at most %d channels", CONFIG_CHANNELS_MAX);
            return;
        }
        w->channel_index = ci;
        w->channel_line[ci] = line;
        w->cfg->nchannels = (size_t)ci + 1;
    }
    walk_children(w, s, path);
}

static void walk_number(struct walk *w, const struct option *o, config_setting_t *s, int line,
                        const char *path)
{
    if (o->type == OPT_INT) {
        long long v = config_setting_get_int64(s);
        if (v < o->min || v > o->max) {
            config_error(w->errs, w->file, line, "'%s' must be between %ld and %ld (got %lld)",
                         path, o->min, o->max, v);
            return;
        }
        int *d = dest(w, o);
        if (d)
            *d = (int)v;
        return;
    }
    double v = config_setting_type(s) == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
                                                           : (double)config_setting_get_int64(s);
    if (!(v >= (double)o->min && v <= (double)o->max)) {
        config_error(w->errs, w->file, line, "'%s' must be between %ld and %ld (got %g)", path,
                     o->min, o->max, v);
        return;
    }
    double *d = dest(w, o);
    if (d)
        *d = v;
}

/* A channel's secret file names are kept with their line: the files are
 * read once the whole config is known. Returns true when path was one. */
static bool walk_secret_file(struct walk *w, const char *path, const char *v, int line)
{
    static const struct {
        const char *path;
        size_t file_offset, line_offset;
    } files[] = {
        {"channels.[].secret_file", offsetof(struct walk, secret_file),
         offsetof(struct walk, secret_line)},
        {"channels.[].api_key_file", offsetof(struct walk, api_key_file),
         offsetof(struct walk, api_key_line)},
        {"channels.[].signature_secret_file", offsetof(struct walk, signature_file),
         offsetof(struct walk, signature_line)},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        if (strcmp(path, files[i].path) != 0)
            continue;
        char(*names)[CONFIG_PATH_MAX] = (void *)((char *)w + files[i].file_offset);
        int *lines = (int *)((char *)w + files[i].line_offset);
        snprintf(names[w->channel_index], CONFIG_PATH_MAX, "%s", v);
        lines[w->channel_index] = line;
        return true;
    }
    return false;
}

static void walk_string_list(struct walk *w, const struct option *o, config_setting_t *s, int line,
                             const char *path)
{
    if (!walk_count_ok(w, o, s, line, path))
        return;
    int n = config_setting_length(s);
    char *base = dest(w, o);
    for (int i = 0; i < n; i++) {
        config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING) {
            config_error(w->errs, w->file, line, "'%s' must hold strings only", path);
            return;
        }
        const char *v = config_setting_get_string(e);
        if (strlen(v) == 0 || strlen(v) >= o->size) {
            config_error(w->errs, w->file, line, "'%s' entry \"%s\" must be 1 to %zu bytes", path,
                         v, o->size - 1);
            return;
        }
        struct cidr c;
        if (o->type == OPT_CIDR_LIST && cidr_parse(v, &c) != 0) {
            config_error(w->errs, w->file, line,
                         "'%s' entry \"%s\" is not an address or CIDR prefix (like "
                         "\"127.0.0.1/32\" or \"::1\"; no host names)",
                         path, v);
            return;
        }
        if (base)
            memcpy(base + (size_t)i * o->size, v, strlen(v) + 1);
    }
    if (base) {
        char *countp = (o->base == IN_CONFIG)
                           ? (char *)w->cfg + o->count_offset
                           : (char *)&w->cfg->channels[w->channel_index] + o->count_offset;
        *(size_t *)countp = (size_t)n;
    }
}

static void walk_setting(struct walk *w, config_setting_t *s, const char *path)
{
    int line = (int)config_setting_source_line(s);
    const struct option *o = schema_find(path);
    if (!o) {
        config_error(w->errs, w->file, line, "unknown setting '%s'", path);
        return;
    }
    if (!type_matches(o->type, config_setting_type(s))) {
        config_error(w->errs, w->file, line, "'%s' must be %s", path, type_name(o->type));
        return;
    }
    size_t idx = (size_t)(o - config_schema);
    if (o->base == IN_CHANNEL || strncmp(path, "channels.[].", 12) == 0)
        w->channel_seen[w->channel_index][idx] = true;
    else
        w->seen[idx] = true;

    switch (o->type) {
    case OPT_GROUP:
        walk_group(w, s, line, path);
        return;
    case OPT_LIST:
        if (walk_count_ok(w, o, s, line, path))
            walk_children(w, s, path);
        return;
    case OPT_INT:
    case OPT_FLOAT:
        walk_number(w, o, s, line, path);
        return;
    case OPT_BOOL: {
        bool *d = dest(w, o);
        if (d)
            *d = config_setting_get_bool(s) != 0;
        return;
    }
    case OPT_STRING: {
        const char *v = config_setting_get_string(s);
        if (strcmp(path, "channels.[].type") == 0)
            w->type_line[w->channel_index] = line;
        if (!walk_secret_file(w, path, v, line))
            set_string(w, o, v, line, path, dest(w, o));
        return;
    }
    case OPT_STRING_LIST:
    case OPT_CIDR_LIST:
        walk_string_list(w, o, s, line, path);
        return;
    }
}

/* Resolve a relative path against the config file's directory. */
static void resolve_path(const char *config_file, char *path, size_t size)
{
    if (path[0] == '\0' || path[0] == '/')
        return;
    char dir[CONFIG_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", config_file);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = '\0';
    size_t dl = strlen(dir), pl = strlen(path);
    if (dl + 1 + pl >= size)
        return; /* too long to resolve: left relative, and reported when opened */
    memmove(path + dl + 1, path, pl + 1);
    memcpy(path, dir, dl);
    path[dl] = '/';
}

static bool valid_code(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
            return false;
    return true;
}

/* true when url is http:// or https:// followed by a host. */
static bool http_url_ok(const char *url)
{
    const char *rest = strncmp(url, "https://", 8) == 0  ? url + 8
                       : strncmp(url, "http://", 7) == 0 ? url + 7
                                                         : NULL;
    return rest && *rest && *rest != '/' && !strpbrk(url, " \t\r\n\"<>\\^`{|}");
}

/* Drop trailing '/' from a base URL (paths are appended to it). */
static void trim_slashes(char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        url[--n] = '\0';
}

/* The credential files and the settings each channel type needs
 * (README.md "Channels"). */
static void validate_channel(struct walk *w, size_t i, const struct channel_ops *ops)
{
    struct channel_settings *ch = &w->cfg->channels[i];
    const char *f = w->file;
    int line = w->channel_line[i];
    char why[300];
    if (w->api_key_file[i][0]) {
        resolve_path(f, w->api_key_file[i], CONFIG_PATH_MAX);
        if (secret_read_file(w->api_key_file[i], ch->api_key, why, sizeof why) != 0)
            config_error(w->errs, f, w->api_key_line[i], "channel \"%s\": %s", ch->name, why);
        else
            ch->has_api_key = true;
    }
    if (w->signature_file[i][0]) {
        resolve_path(f, w->signature_file[i], CONFIG_PATH_MAX);
        if (secret_read_file(w->signature_file[i], ch->signature_secret, why, sizeof why) != 0)
            config_error(w->errs, f, w->signature_line[i], "channel \"%s\": %s", ch->name, why);
        else
            ch->has_signature_secret = true;
    }
    trim_slashes(ch->base_url);
    trim_slashes(ch->public_url);
    if (ch->public_url[0] && !http_url_ok(ch->public_url))
        config_error(w->errs, f, line,
                     "channel \"%s\": 'public_url' must be an http:// or "
                     "https:// URL",
                     ch->name);
    if (ch->retry_max_s < ch->retry_base_s)
        config_error(w->errs, f, line, "channel \"%s\": 'retry_max_s' is below 'retry_base_s'",
                     ch->name);
    if (!ops->network)
        return;
    const char *t = ch->type;
    /* An Africa's Talking channel may serve USSD only: its send settings
     * are then all absent. */
    if (strcmp(t, "africastalking") == 0 && !ch->base_url[0] && !ch->username[0] &&
        !w->api_key_file[i][0])
        return;
    if (!http_url_ok(ch->base_url))
        config_error(w->errs, f, line,
                     "channel \"%s\" of type %s needs 'base_url' (the provider's API, "
                     "http:// or https://)",
                     ch->name, t);
    bool needs_user = strcmp(t, "infobip") != 0;
    if (needs_user && !ch->username[0])
        config_error(w->errs, f, line, "channel \"%s\" of type %s needs 'username' (%s)", ch->name,
                     t,
                     strcmp(t, "twilio") == 0   ? "the AccountSid"
                     : strcmp(t, "vonage") == 0 ? "the API key"
                     : strcmp(t, "kannel") == 0 ? "the sendsms-user name"
                                                : "the account's username");
    if (!w->api_key_file[i][0])
        config_error(w->errs, f, line,
                     "channel \"%s\" of type %s needs 'api_key_file' (a file holding %s, "
                     "mode 0600)",
                     ch->name, t,
                     strcmp(t, "twilio") == 0   ? "the auth token"
                     : strcmp(t, "vonage") == 0 ? "the API secret"
                     : strcmp(t, "kannel") == 0 ? "the sendsms-user password"
                                                : "the API key");
    if ((strcmp(t, "twilio") == 0 || strcmp(t, "vonage") == 0) && !ch->sender_id[0])
        config_error(w->errs, f, line, "channel \"%s\" of type %s needs 'sender_id'", ch->name, t);
    if (strcmp(t, "twilio") == 0 && !ch->public_url[0])
        config_error(w->errs, f, line,
                     "channel \"%s\" of type twilio needs 'public_url' (the URL Twilio calls, "
                     "used to check X-Twilio-Signature)",
                     ch->name);
    if (strcmp(t, "vonage") == 0 && !w->secret_file[i][0] && !w->signature_file[i][0])
        config_error(w->errs, f, line,
                     "channel \"%s\" of type vonage needs 'secret_file' or "
                     "'signature_secret_file' to authenticate its webhooks",
                     ch->name);
}

/* Checks across settings, once the walk filled the struct. */
/* The database: the engine's own setting required (SQLite's path, resolved;
 * PostgreSQL's connection string, parsed, and refused with a password in
 * it: secrets live in files only the daemon reads). */
static void validate_database(struct walk *w, int root_line)
{
    struct db_options *d = &w->cfg->database;
    d->synchronous_full = strcmp(w->cfg->database_synchronous, "full") == 0;
    d->engine = strcmp(w->cfg->database_engine, "postgresql") == 0 ? DB_ENGINE_POSTGRESQL
                                                                   : DB_ENGINE_SQLITE;
    char why[300];
    if (d->engine == DB_ENGINE_SQLITE && !d->path[0])
        config_error(w->errs, w->file, root_line, "'database.path' is required with engine sqlite");
    if (d->engine == DB_ENGINE_POSTGRESQL && !d->conninfo[0])
        config_error(w->errs, w->file, root_line,
                     "'database.conninfo' is required with engine postgresql");
    else if (d->engine == DB_ENGINE_POSTGRESQL && db_conninfo_check(d->conninfo, why, sizeof why))
        config_error(w->errs, w->file, root_line, "'database.conninfo': %s", why);
    if (d->path[0])
        resolve_path(w->file, d->path, sizeof d->path);
}

/* The programme's settings: codes, languages, time zone, send window, the
 * listeners; relative paths resolved. */
static void validate_programme(struct walk *w, int root_line)
{
    struct config *c = w->cfg;
    const char *f = w->file;
    if (log_level_parse(c->log_level_name, &c->log_level) != 0)
        c->log_level = LOG_INFO;
    if (log_format_parse(c->log_format_name, &c->log_format) != 0)
        c->log_format = LOG_FORMAT_LOGFMT;
    validate_database(w, root_line);
    resolve_path(f, c->programme.messages_dir, sizeof c->programme.messages_dir);
    resolve_path(f, c->programme.demo_data, sizeof c->programme.demo_data);

    bool has_default = false;
    for (size_t i = 0; i < c->programme.nlanguages; i++) {
        if (!valid_code(c->programme.languages[i]))
            config_error(w->errs, f, root_line, "language code \"%s\" is not valid",
                         c->programme.languages[i]);
        if (strcmp(c->programme.languages[i], c->programme.default_language) == 0)
            has_default = true;
    }
    if (c->programme.nlanguages && !has_default)
        config_error(w->errs, f, root_line,
                     "'programme.default_language' (%s) must be one of 'programme.languages'",
                     c->programme.default_language);
    for (size_t i = 0; i < c->programme.nprovinces; i++)
        if (!valid_code(c->programme.provinces[i]))
            config_error(w->errs, f, root_line,
                         "province code \"%s\" must use a-z, 0-9, '-' and '_'",
                         c->programme.provinces[i]);
    for (size_t i = 0; i < c->programme.nsectors; i++)
        if (!valid_code(c->programme.sectors[i]))
            config_error(w->errs, f, root_line, "sector code \"%s\" must use a-z, 0-9, '-' and '_'",
                         c->programme.sectors[i]);
    for (const char *p = c->programme.country_code; *p; p++)
        if (*p < '0' || *p > '9') {
            config_error(w->errs, f, root_line, "'programme.country_code' must be digits");
            break;
        }
    char tzpath[160];
    snprintf(tzpath, sizeof tzpath, "/usr/share/zoneinfo/%s", c->programme.timezone);
    struct stat sb;
    if (strstr(c->programme.timezone, "..") || stat(tzpath, &sb) != 0)
        config_error(w->errs, f, root_line,
                     "'programme.timezone' \"%s\" is not in the tz database (install tzdata)",
                     c->programme.timezone);
    if (config_send_window_parse(c->programme.send_window, &c->programme.send_window_open_min,
                                 &c->programme.send_window_close_min) != 0)
        config_error(w->errs, f, root_line,
                     "'programme.send_window' must be \"HH:MM-HH:MM\" (two different times) or "
                     "\"\" (got \"%s\")",
                     c->programme.send_window);
    if (strcmp(c->http.public_listener.address, c->http.admin_listener.address) == 0 &&
        c->http.public_listener.port == c->http.admin_listener.port &&
        c->http.public_listener.port != 0)
        config_error(w->errs, f, root_line, "the public and admin listeners use the same port");
    for (size_t i = 0; i < c->http.ntrusted_proxies; i++)
        if (cidr_parse(c->http.trusted_proxies_text[i], &c->http.trusted_proxies[i]) != 0)
            c->http.ntrusted_proxies = i; /* reported by the walk */
}

/* Each channel: its name, its type, its webhook secret, then what its
 * type needs (validate_channel). */
static void validate_channels(struct walk *w)
{
    struct config *c = w->cfg;
    const char *f = w->file;
    for (size_t i = 0; i < c->nchannels; i++) {
        struct channel_settings *ch = &c->channels[i];
        int line = w->channel_line[i];
        if (!ch->name[0] || !ch->type[0])
            continue; /* already reported as missing */
        if (!valid_code(ch->name))
            config_error(w->errs, f, line, "channel name \"%s\" must use a-z, 0-9, '-' and '_'",
                         ch->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->channels[j].name, ch->name) == 0)
                config_error(w->errs, f, line, "channel name \"%s\" is used twice", ch->name);
        const struct channel_ops *ops = channel_ops_find(ch->type);
        if (!ops) {
            char known[128] = "";
            for (size_t k = 0; channel_ops_names[k]; k++) {
                strncat(known, k ? ", " : "", sizeof known - strlen(known) - 1);
                strncat(known, channel_ops_names[k], sizeof known - strlen(known) - 1);
            }
            config_error(w->errs, f, w->type_line[i],
                         "channel \"%s\": unknown type \"%s\" (known: %s)", ch->name, ch->type,
                         known);
            continue;
        }
        if (w->secret_file[i][0]) {
            resolve_path(f, w->secret_file[i], CONFIG_PATH_MAX);
            char why[300];
            if (secret_read_file(w->secret_file[i], ch->secret, why, sizeof why) != 0)
                config_error(w->errs, f, w->secret_line[i], "channel \"%s\": %s", ch->name, why);
            else
                ch->has_secret = true;
        } else if (ops->needs_secret) {
            config_error(w->errs, f, line,
                         "channel \"%s\" of type %s needs 'secret_file' (a file holding the "
                         "webhook secret, mode 0600)",
                         ch->name, ch->type);
        }
        validate_channel(w, i, ops);
    }
}

/* Why an allow_from entry is refused, or NULL: parsed strictly
 * (core/cidr), and no host bits after the prefix ("203.0.113.5/24" is
 * either 203.0.113.0/24 or 203.0.113.5/32; guessing would widen or narrow
 * the list). "203.0.113.5/" was once read as prefix 0: everyone. */
static const char *allow_from_problem(const char *entry)
{
    struct cidr c;
    if (cidr_parse(entry, &c) != 0)
        return "not a numeric address or CIDR prefix with 0-32 (IPv4) or 0-128 (IPv6) bits in "
               "digits (no host names)";
    int bits = c.addr.family == AF_INET ? 32 : 128;
    for (int i = c.prefix; i < bits; i++)
        if ((c.addr.bytes[i / 8] >> (7 - i % 8)) & 1)
            return "host bits are set after the prefix (write the network address, or /32 or "
                   "/128 for one host)";
    return NULL;
}

static void validate_allow_from(struct walk *w)
{
    for (size_t i = 0; i < w->cfg->nchannels; i++) {
        const struct channel_settings *ch = &w->cfg->channels[i];
        for (size_t j = 0; j < ch->nallow; j++) {
            const char *why = allow_from_problem(ch->allow_from[j]);
            if (why)
                config_error(w->errs, w->file, w->channel_line[i],
                             "channel \"%s\": 'allow_from' entry \"%s\": %s", ch->name,
                             ch->allow_from[j], why);
        }
    }
}

/* The retention settings against what they must outlive, and the archive
 * folder resolved ("": a folder "archive" beside the database). */
static void validate_retention(struct walk *w, int root_line)
{
    struct config *c = w->cfg;
    long drafts_s = (long)c->retention.drafts_days * 86400;
    if (drafts_s < c->ussd.draft_ttl_s || drafts_s < c->sms.conversation_ttl_s)
        config_error(w->errs, w->file, root_line,
                     "'retention.drafts_days' (%d) is shorter than 'ussd.draft_ttl_s' or "
                     "'sms.conversation_ttl_s': drafts would go while still offered",
                     c->retention.drafts_days);
    char *dir = c->retention.archive_dir;
    if (dir[0]) {
        resolve_path(w->file, dir, sizeof c->retention.archive_dir);
        return;
    }
    if (!c->database.path[0]) { /* PostgreSQL: beside the config file */
        snprintf(dir, sizeof c->retention.archive_dir, "archive");
        resolve_path(w->file, dir, sizeof c->retention.archive_dir);
        return;
    }
    char *slash = strrchr(c->database.path, '/');
    size_t keep = slash ? (size_t)(slash - c->database.path) + 1 : 0;
    if (keep + sizeof "archive" > sizeof c->retention.archive_dir)
        config_error(w->errs, w->file, root_line, "'retention.archive_dir' would be too long");
    else
        snprintf(dir, sizeof c->retention.archive_dir, "%.*sarchive", (int)keep, c->database.path);
}

static void validate(struct walk *w, int root_line)
{
    validate_programme(w, root_line);
    validate_retention(w, root_line);
    validate_channels(w);
    validate_allow_from(w);
}

int config_load(const char *path, struct config *out, struct config_errors *errs)
{
    memset(out, 0, sizeof *out);
    errs->count = 0;
    snprintf(out->file, sizeof out->file, "%s", path);
    config_t lc;
    config_init(&lc);
    if (config_read_file(&lc, path) != CONFIG_TRUE) {
        const char *ef = config_error_file(&lc);
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
            config_error(errs, path, 0, "cannot read the file");
        else
            config_error(errs, ef ? ef : path, config_error_line(&lc), "%s",
                         config_error_text(&lc));
        config_destroy(&lc);
        return -1;
    }
    struct walk *w = calloc(1, sizeof *w);
    if (!w) {
        config_destroy(&lc);
        config_error(errs, path, 0, "out of memory");
        return -1;
    }
    w->cfg = out;
    w->errs = errs;
    w->file = path;
    w->channel_index = -1;
    walk_children(w, config_root_setting(&lc), "");

    /* Defaults and required settings. */
    for (size_t i = 0; i < config_schema_size; i++) {
        const struct option *o = &config_schema[i];
        bool in_channel = strncmp(o->path, "channels.[].", 12) == 0;
        if (in_channel) {
            for (size_t c = 0; c < out->nchannels; c++) {
                if (w->channel_seen[c][i])
                    continue;
                w->channel_index = (long)c;
                if (o->required)
                    config_error(errs, path, w->channel_line[c], "channel #%zu lacks '%s'", c + 1,
                                 o->path + 12);
                else
                    apply_default(w, o);
            }
            w->channel_index = -1;
            continue;
        }
        if (strcmp(o->path, "channels.[]") == 0 || w->seen[i])
            continue;
        /* A required setting inside an optional, absent group is reported
         * with the group; only check leaves whose parent exists or is required. */
        if (o->required)
            config_error(errs, path, 0, "missing required setting '%s'", o->path);
        else
            apply_default(w, o);
    }
    if (errs->count == 0)
        validate(w, 0);
    free(w);
    config_destroy(&lc);
    return errs->count ? -1 : 0;
}

int config_send_window_parse(const char *s, int *open_min, int *close_min)
{
    *open_min = *close_min = -1;
    if (!*s)
        return 0;
    int h1, m1, h2, m2, n = 0;
    if (sscanf(s, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &n) != 4 || s[n] || strlen(s) != 11 ||
        h1 < 0 || h1 > 24 || h2 < 0 || h2 > 24 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 ||
        (h1 == 24 && m1) || (h2 == 24 && m2))
        return -1;
    int a = h1 * 60 + m1, b = h2 * 60 + m2;
    if (a % 1440 == b % 1440)
        return -1;
    *open_min = a % 1440;
    *close_min = b == 1440 ? 1440 : b;
    return 0;
}

const struct channel_settings *config_channel(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nchannels; i++)
        if (strcmp(cfg->channels[i].name, name) == 0)
            return &cfg->channels[i];
    return NULL;
}
