/* config.h -- taawun's configuration: one schema table declares every
 * setting (type, bounds, default, required); config_load() parses a
 * libconfig file against it into an immutable struct config and reports
 * every problem as "FILE:LINE: message".
 *
 * Relative paths in the file are resolved against the file's directory.
 * Secrets are read from the files the config names (see sys/secret.h). */
#ifndef TAAWUN_CONFIG_CONFIG_H
#define TAAWUN_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "config/settings.h"

struct config_errors {
    char lines[CONFIG_ERRORS_MAX][320];
    size_t count;
};

/* Parse and validate the file at path into *out. Returns 0, or -1 with at
 * least one "FILE:LINE: message" in errs. *out is fully initialised on
 * success and must not be used on failure. */
int config_load(const char *path, struct config *out, struct config_errors *errs)
    __attribute__((warn_unused_result));

/* Append an error line (printf-style); used by the catalog loader too. */
void config_error(struct config_errors *errs, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parse a send window "HH:MM-HH:MM" ("" : none, both -1) into minutes
 * after local midnight (close may be 1440 for "24:00"; open > close spans
 * midnight). Returns 0 or -1. */
int config_send_window_parse(const char *s, int *open_min, int *close_min)
    __attribute__((warn_unused_result));

/* One entry of the schema table, as documentation sees it: what the
 * taawun.conf(5) generator prints, so the manual cannot drift from the
 * parser. Every pointer is borrowed from static storage. */
struct config_schema_entry {
    const char *path;        /* "http.public.port"; elements of a list are "channels.[]" */
    const char *type;        /* "group", "list", "integer", "boolean", "string",
                                "string array", "number" */
    long min, max;           /* integer or number: bounds; string: length in bytes;
                                list or string array: count; group: 0, 0 */
    const char *def;         /* default as written in a file, NULL when there is none */
    bool required;           /* must appear (inside its group or list element) */
    const char *choices;     /* strings: "a|b|c", NULL when any value is allowed */
    const char *description; /* one sentence, NULL when the table has none */
};

/* The schema's entry number i (0, 1, ... in table order) copied into *out;
 * false when i is past the end. Read-only: the table never changes. */
bool config_schema_entry(size_t i, struct config_schema_entry *out);

/* The channel called name, or NULL. Borrowed from cfg. */
const struct channel_settings *config_channel(const struct config *cfg, const char *name);

#endif
