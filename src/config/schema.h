/* schema.h -- the shape of the table that declares every setting (path,
 * type, bounds, default, where the value lands); internal to config/. The
 * table itself is config/schema.c; config.c walks a file against it. */
#ifndef TAAWUN_CONFIG_SCHEMA_H
#define TAAWUN_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

enum opt_type {
    OPT_GROUP,
    OPT_LIST,
    OPT_INT,
    OPT_BOOL,
    OPT_STRING,
    OPT_STRING_LIST,
    OPT_FLOAT,
    OPT_CIDR_LIST
};

/* Where a value lands: in struct config, or in one struct channel_settings. */
enum opt_base { IN_CONFIG, IN_CHANNEL, IN_NONE };

struct option {
    const char *path; /* "http.public.port"; list elements are "channels.[]" */
    enum opt_type type;
    long min, max;   /* ints: bounds; strings: length; string lists: count */
    const char *def; /* default, as text; NULL = none */
    bool required;
    enum opt_base base;
    size_t offset;       /* of the value */
    size_t size;         /* bytes of a string (or of one list item) */
    size_t count_offset; /* string lists: of the size_t count */
    const char *choices; /* strings: "a|b|c" or NULL */
};

/* Room for the settings (schema.c asserts the table fits). */
#define CONFIG_SCHEMA_MAX 256

/* Every setting taawun knows, and how many. */
extern const struct option config_schema[];
extern const size_t config_schema_size;

#endif
